#pragma once
// Keeps the entity cache fresh from Clockify's webhooks (SPEC §9): the queue worker hands it
// every committed webhook; a create or update event upserts the entity it carries, a delete
// event removes it. Events that carry no entity the bootstrap caches (balances, rates,
// invitations, time off) leave the cache alone, and so do custom webhooks.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "ingest/webhook_consumer.hpp"
#include "store/store.hpp"

namespace uwh::bootstrap {

struct CacheEffect {
  enum class Action { kUpsert, kDelete };
  std::string entity_type;  // as the bootstrap names it (entity_types.hpp)
  Action action = Action::kUpsert;
  // Where the entity's id is: "id", or a reference such as EXPENSE_DELETED's "expenseId". An
  // upsert needs the entity itself, so only "id" bodies are upserted.
  std::string id_field = "id";
};

// The effect of a Clockify event type on the cache; nullopt for events it ignores.
std::optional<CacheEffect> CacheEffectOf(std::string_view event_type);
// Every event type that has an effect (for tests).
std::vector<std::string> EventTypesWithCacheEffect();

// Thread-safe; repeats are harmless (an upsert or a delete again), as at-least-once delivery
// needs.
class CacheRefresher final : public ingest::WebhookConsumer {
 public:
  CacheRefresher(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // A body that is a list applies the effect to each of its items (batch events). Errors are
  // the store's.
  [[nodiscard]] Result<void> Consume(const store::WebhookRecord& webhook,
                                     const nlohmann::json& payload) override;
  // The batch's end state in one transaction: each entity's last upsert or delete. Should that
  // fail, the webhooks are consumed one by one, each with its own outcome.
  [[nodiscard]] std::vector<Result<void>> ConsumeBatch(std::span<const Delivery> batch) override;

 private:
  struct Change {
    store::CachedEntity entity;  // a delete uses only its type and id
    bool deleted = false;
  };
  std::vector<Change> ChangesOf(const store::WebhookRecord& webhook,
                                const nlohmann::json& payload) const;
  Result<void> Apply(const std::string& workspace_id, std::span<const Change> changes);

  store::Store& store_;
  const Clock& clock_;
};

}  // namespace uwh::bootstrap
