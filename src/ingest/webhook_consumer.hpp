#pragma once
// What happens to a webhook after it is committed (SPEC §6.4): the queue worker claims rows from
// the durable webhook log and hands them to every consumer — the entity cache refresher
// (SPEC §9), the flow executor (SPEC §6) — in the order the workspace's webhooks were received.
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <vector>

#include "store/store.hpp"

namespace uwh::ingest {

class WebhookConsumer {
 public:
  // One webhook of a batch and its parsed body.
  struct Delivery {
    const store::WebhookRecord* webhook = nullptr;
    const nlohmann::json* payload = nullptr;
  };

  virtual ~WebhookConsumer() = default;

  // Blocking; called on a queue worker thread, one webhook of a workspace at a time, in id
  // order. `payload` is the parsed body (a form-encoded body as an object of its fields).
  // Delivery is at least once: after a crash the same webhook may be consumed again, so a
  // consumer must make a repeat harmless (the flow executor's execution rows, an upsert).
  // A returned error is recorded on the webhook row (status "error"); it does not stop the
  // consumers after this one. An error of kind kUnavailable means "not now": the webhook and
  // those after it are consumed again later.
  [[nodiscard]] virtual Result<void> Consume(const store::WebhookRecord& webhook,
                                             const nlohmann::json& payload) = 0;

  // Consumes consecutive webhooks of one workspace, oldest first, and answers one result per
  // webhook it took, in the same order. It stops early only after a kUnavailable result, which
  // is then the last one. The queue hands each batch to the consumers in turn, so a consumer
  // sees the whole batch before the next consumer sees any of it. The default takes the
  // webhooks one by one through Consume(); a consumer whose writes group well (one transaction
  // for the batch) overrides it, with the same outcome as one by one.
  [[nodiscard]] virtual std::vector<Result<void>> ConsumeBatch(std::span<const Delivery> batch);
};

}  // namespace uwh::ingest
