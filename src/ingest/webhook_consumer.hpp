#pragma once
// What happens to a webhook after it is committed (SPEC §6.4): the queue worker claims rows from
// the durable webhook log and hands each one to every consumer — the entity cache refresher
// (SPEC §9), the flow executor (SPEC §6) — in the order the workspace's webhooks were received.
#include <nlohmann/json_fwd.hpp>

#include "store/store.hpp"

namespace uwh::ingest {

class WebhookConsumer {
 public:
  virtual ~WebhookConsumer() = default;

  // Blocking; called on a queue worker thread, one webhook of a workspace at a time, in id
  // order. `payload` is the parsed body (a form-encoded body as an object of its fields).
  // Delivery is at least once: after a crash the same webhook may be consumed again, so a
  // consumer must make a repeat harmless (the flow executor's execution rows, an upsert).
  // A returned error is recorded on the webhook row (status "error"); it does not stop the
  // consumers after this one.
  [[nodiscard]] virtual Result<void> Consume(const store::WebhookRecord& webhook,
                                             const nlohmann::json& payload) = 0;
};

}  // namespace uwh::ingest
