#include "bootstrap/cache_refresher.hpp"

#include <array>
#include <map>
#include <utility>
#include <nlohmann/json.hpp>

#include "bootstrap/entity_data.hpp"

namespace uwh::bootstrap {
namespace {

using nlohmann::json;
using Action = CacheEffect::Action;

struct EventEffect {
  std::string_view event_type;
  std::string_view entity_type;
  Action action;
  std::string_view id_field;
};

// Shapes as in Clockify's samples: most bodies are the entity itself; EXPENSE_UPDATED/DELETED
// and the assignment events carry only references ({"expenseId":…}), so they can delete but not
// upsert.
constexpr std::array<EventEffect, 41> kEffects = {{
    {"NEW_PROJECT", "project", Action::kUpsert, "id"},
    {"PROJECT_UPDATED", "project", Action::kUpsert, "id"},
    {"PROJECT_DELETED", "project", Action::kDelete, "id"},
    {"NEW_TASK", "task", Action::kUpsert, "id"},
    {"TASK_UPDATED", "task", Action::kUpsert, "id"},
    {"TASK_DELETED", "task", Action::kDelete, "id"},
    {"NEW_CLIENT", "client", Action::kUpsert, "id"},
    {"CLIENT_UPDATED", "client", Action::kUpsert, "id"},
    {"CLIENT_DELETED", "client", Action::kDelete, "id"},
    {"NEW_TAG", "tag", Action::kUpsert, "id"},
    {"TAG_UPDATED", "tag", Action::kUpsert, "id"},
    {"TAG_DELETED", "tag", Action::kDelete, "id"},
    {"NEW_TIMER_STARTED", "time_entry", Action::kUpsert, "id"},
    {"TIMER_STOPPED", "time_entry", Action::kUpsert, "id"},
    {"NEW_TIME_ENTRY", "time_entry", Action::kUpsert, "id"},
    {"TIME_ENTRY_UPDATED", "time_entry", Action::kUpsert, "id"},
    {"TIME_ENTRY_RESTORED", "time_entry", Action::kUpsert, "id"},
    {"TIME_ENTRY_SPLIT", "time_entry", Action::kUpsert, "id"},
    {"TIME_ENTRY_DELETED", "time_entry", Action::kDelete, "id"},
    {"TIME_ENTRY_BATCH_DELETED", "time_entry", Action::kDelete, "id"},
    {"NEW_INVOICE", "invoice", Action::kUpsert, "id"},
    {"INVOICE_UPDATED", "invoice", Action::kUpsert, "id"},
    {"USER_JOINED_WORKSPACE", "user", Action::kUpsert, "id"},
    {"USER_ACTIVATED_ON_WORKSPACE", "user", Action::kUpsert, "id"},
    {"USER_DEACTIVATED_ON_WORKSPACE", "user", Action::kUpsert, "id"},
    {"USER_UPDATED", "user", Action::kUpsert, "id"},
    {"USER_EMAIL_CHANGED", "user", Action::kUpsert, "id"},
    {"USER_DELETED_FROM_WORKSPACE", "user", Action::kDelete, "id"},
    {"USER_GROUP_CREATED", "user_group", Action::kUpsert, "id"},
    {"USER_GROUP_UPDATED", "user_group", Action::kUpsert, "id"},
    {"USER_GROUP_DELETED", "user_group", Action::kDelete, "id"},
    {"NEW_APPROVAL_REQUEST", "approval_request", Action::kUpsert, "id"},
    {"APPROVAL_REQUEST_STATUS_UPDATED", "approval_request", Action::kUpsert, "id"},
    {"EXPENSE_CREATED", "expense", Action::kUpsert, "id"},
    {"EXPENSE_UPDATED", "expense", Action::kUpsert, "id"},
    {"EXPENSE_RESTORED", "expense", Action::kUpsert, "id"},
    {"EXPENSE_DELETED", "expense", Action::kDelete, "expenseId"},
    {"ASSIGNMENT_CREATED", "assignment", Action::kUpsert, "id"},
    {"ASSIGNMENT_UPDATED", "assignment", Action::kUpsert, "id"},
    {"ASSIGNMENT_PUBLISHED", "assignment", Action::kUpsert, "id"},
    {"ASSIGNMENT_DELETED", "assignment", Action::kDelete, "assignmentId"},
}};

// A delete names its entity by `field` ("expenseId"), else like an upsert by its own id.
std::string IdAt(const json& item, const std::string& field, const std::string& entity_type) {
  if (field != "id" && item.is_object()) {
    if (auto it = item.find(field); it != item.end() && it->is_string())
      return it->get<std::string>();
  }
  return EntityIdOf(item, entity_type);
}

}  // namespace

std::optional<CacheEffect> CacheEffectOf(std::string_view event_type) {
  for (const auto& e : kEffects) {
    if (e.event_type == event_type) {
      return CacheEffect{std::string(e.entity_type), e.action, std::string(e.id_field)};
    }
  }
  return std::nullopt;
}

std::vector<std::string> EventTypesWithCacheEffect() {
  std::vector<std::string> out;
  for (const auto& e : kEffects) out.emplace_back(e.event_type);
  return out;
}

std::vector<CacheRefresher::Change> CacheRefresher::ChangesOf(const store::WebhookRecord& webhook,
                                                             const json& payload) const {
  std::vector<Change> changes;
  if (webhook.source != "CLOCKIFY") return changes;
  const auto effect = CacheEffectOf(webhook.event_type);
  if (!effect) return changes;
  std::vector<const json*> items;
  if (payload.is_array()) {
    for (const auto& item : payload) items.push_back(&item);
  } else {
    items.push_back(&payload);
  }
  const auto now = clock_.Now();
  for (const json* item : items) {
    if (effect->action == Action::kDelete) {
      std::string id = IdAt(*item, effect->id_field, effect->entity_type);
      if (!id.empty()) changes.push_back(Change{{effect->entity_type, std::move(id), "", now}, true});
      continue;
    }
    // Only a body that is the entity (it has its own id) replaces the cached one.
    std::string id = EntityIdOf(*item, effect->entity_type);
    if (id.empty()) continue;
    json data = *item;
    RemoveSecrets(data);
    changes.push_back(Change{{effect->entity_type, std::move(id),
                              data.dump(-1, ' ', false, json::error_handler_t::replace), now},
                             false});
  }
  return changes;
}

Result<void> CacheRefresher::Apply(const std::string& workspace_id,
                                   std::span<const Change> changes) {
  std::vector<store::CachedEntity> upserts;
  for (const Change& c : changes) {
    if (!c.deleted) upserts.push_back(c.entity);
  }
  if (auto r = store_.UpsertEntities(workspace_id, upserts); !r) return r;
  for (const Change& c : changes) {
    if (!c.deleted) continue;
    if (auto r = store_.DeleteEntity(workspace_id, c.entity.entity_type, c.entity.entity_id); !r) {
      return Fail(r.error());
    }
  }
  return {};
}

Result<void> CacheRefresher::Consume(const store::WebhookRecord& webhook, const json& payload) {
  std::vector<Change> changes = ChangesOf(webhook, payload);
  // One webhook's upserts go before its deletes; a body never names one entity twice.
  return Apply(webhook.workspace_id, changes);
}

std::vector<Result<void>> CacheRefresher::ConsumeBatch(std::span<const Delivery> batch) {
  if (batch.empty()) return {};
  // Only the last change of each entity matters: the batch's end state, written at once.
  std::map<std::pair<std::string, std::string>, Change> last;
  const std::string& workspace_id = batch.front().webhook->workspace_id;
  for (const Delivery& d : batch) {
    if (d.webhook->workspace_id != workspace_id) return WebhookConsumer::ConsumeBatch(batch);
    for (Change& c : ChangesOf(*d.webhook, *d.payload)) {
      auto key = std::make_pair(c.entity.entity_type, c.entity.entity_id);
      last.insert_or_assign(std::move(key), std::move(c));
    }
  }
  std::vector<Change> changes;
  changes.reserve(last.size());
  for (auto& [key, change] : last) changes.push_back(std::move(change));
  if (auto applied = Apply(workspace_id, changes); !applied) {
    // One by one, so that each webhook gets its own outcome.
    return WebhookConsumer::ConsumeBatch(batch);
  }
  return std::vector<Result<void>>(batch.size());
}

}  // namespace uwh::bootstrap
