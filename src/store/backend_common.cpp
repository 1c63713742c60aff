#include "store/backend_common.hpp"

#include <algorithm>
#include <utility>

namespace uwh::store {
namespace {

tl::unexpected<Error> Invalid(std::string message, std::string field = {}) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed", std::move(message),
              std::move(field));
}

bool ValidStatus(const std::string& status) { return status == "ACTIVE" || status == "INACTIVE"; }

// SPEC §4.3: the {source} of /webhooks/custom/{source}.
bool ValidSourceName(const std::string& source) {
  if (source.empty() || source.size() > 64) return false;
  return std::all_of(source.begin(), source.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::vector<CountByKey> ToCounts(const std::map<std::string, int64_t>& counts) {
  std::vector<CountByKey> out;
  out.reserve(counts.size());
  for (const auto& [key, count] : counts) out.push_back(CountByKey{key, count});
  return out;
}

}  // namespace

Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedFile> files) {
  std::vector<Migration> out;
  for (const EmbeddedFile& file : files) {
    const std::string_view name = file.name;
    const size_t underscore = name.find('_');
    const bool ends_sql = name.size() > 4 && name.substr(name.size() - 4) == ".sql";
    Migration m;
    bool digits = underscore != std::string_view::npos && underscore > 0;
    for (size_t i = 0; digits && i < underscore; ++i) {
      digits = name[i] >= '0' && name[i] <= '9';
      m.version = m.version * 10 + (name[i] - '0');
    }
    if (!digits || !ends_sql || underscore + 1 >= name.size() - 4) {
      return Fail(ErrorCode::kInternal, "database_error",
                  "migration file name is not NNNN_name.sql: " + std::string(name));
    }
    if (!out.empty() && m.version <= out.back().version) {
      return Fail(ErrorCode::kInternal, "database_error",
                  "migration versions are not strictly increasing at " + std::string(name));
    }
    m.name = std::string(name.substr(underscore + 1, name.size() - 4 - underscore - 1));
    m.sql = file.content;
    out.push_back(std::move(m));
  }
  return out;
}

Result<void> CheckNotNewer(int current, int latest) {
  if (current <= latest) return {};
  return Fail(ErrorCode::kInternal, "database_error",
              "the database schema (version " + std::to_string(current) +
                  ") is newer than this program knows (version " + std::to_string(latest) + ")");
}

Error InstallationNotFound() { return NotFound("workspace is not installed"); }

Error CustomSourceNotFound(const std::string& source) {
  return NotFound("custom source '" + source + "' not found");
}

Result<std::string> CheckInstallation(const Installation& in) {
  std::string status = in.status.empty() ? "ACTIVE" : in.status;
  if (!ValidStatus(status)) return Invalid("status must be ACTIVE or INACTIVE", "status");
  if (in.workspace_id.empty()) return Invalid("workspace_id is required", "workspace_id");
  return status;
}

Result<void> CheckStatus(const std::string& status) {
  if (!ValidStatus(status)) return Invalid("status must be ACTIVE or INACTIVE", "status");
  return {};
}

Result<void> CheckWebhookTokens(const std::string& workspace_id, const std::string& route,
                                const std::vector<WebhookToken>& tokens) {
  if (workspace_id.empty() || route.empty()) {
    return Invalid("workspace_id and route are required");
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    const WebhookToken& t = tokens[i];
    const std::string field = "tokens[" + std::to_string(i) + "]";
    if ((!t.workspace_id.empty() && t.workspace_id != workspace_id) ||
        (!t.route.empty() && t.route != route)) {
      return Invalid("token belongs to another workspace or route", field);
    }
    if (t.token_hash.empty() || t.event_type.empty()) {
      return Invalid("token_hash and event_type are required", field);
    }
  }
  return {};
}

Result<void> CheckCustomSource(const CustomSource& source) {
  if (source.workspace_id.empty()) return Invalid("workspace_id is required", "workspace_id");
  if (!ValidSourceName(source.source)) {
    return Invalid("source must be 1 to 64 of A-Z a-z 0-9 . _ -", "source");
  }
  if (source.open && !source.secret_ciphertext.empty()) {
    return Invalid("an open custom source has no secret", "open");
  }
  if (!source.open && source.secret_ciphertext.empty()) {
    return Invalid("a custom source that is not open needs a secret", "secret_ciphertext");
  }
  return {};
}

Result<void> CheckWebhookRegistrations(const std::string& workspace_id,
                                       const std::vector<WebhookRegistration>& registrations) {
  if (workspace_id.empty()) return Invalid("workspace_id is required", "workspace_id");
  for (size_t i = 0; i < registrations.size(); ++i) {
    const WebhookRegistration& r = registrations[i];
    const std::string field = "registrations[" + std::to_string(i) + "]";
    if (!r.workspace_id.empty() && r.workspace_id != workspace_id) {
      return Invalid("registration belongs to another workspace", field);
    }
    if (r.event_type.empty() || r.status.empty()) {
      return Invalid("event_type and status are required", field);
    }
  }
  return {};
}

Result<void> CheckListLimit(int limit) {
  if (limit < 1 || limit > 500) return Invalid("limit must be between 1 and 500", "limit");
  return {};
}

Result<void> CheckFlow(const Flow& flow) {
  if (flow.workspace_id.empty()) return Invalid("workspace_id is required", "workspace_id");
  if (flow.name.empty()) return Invalid("name is required", "name");
  if (flow.trigger_source != "CLOCKIFY" && flow.trigger_source != "CUSTOM") {
    return Invalid("trigger_source must be CLOCKIFY or CUSTOM", "trigger_source");
  }
  if (flow.trigger_event_type.empty()) {
    return Invalid("trigger_event_type is required", "trigger_event_type");
  }
  return {};
}

Result<void> CheckAutomaticExecution(const FlowExecution& execution) {
  if (!execution.webhook_log_id || execution.trigger != "automatic") {
    return Invalid("an automatic execution needs its webhook", "webhook_log_id");
  }
  return {};
}

Result<void> CheckOtherExecution(const FlowExecution& execution) {
  if (execution.trigger == "automatic") {
    return Invalid("automatic executions begin with BeginAutomaticExecution", "trigger");
  }
  return {};
}

Result<void> CheckQueueCompletions(std::span<const QueueCompletion> done) {
  for (const QueueCompletion& c : done) {
    if (c.status != "processed" && c.status != "error") {
      return Invalid("a consumed webhook is processed or error", "status");
    }
  }
  return {};
}

Result<void> CheckEntities(std::span<const CachedEntity> entities) {
  for (size_t i = 0; i < entities.size(); ++i) {
    const CachedEntity& e = entities[i];
    if (e.entity_type.empty() || e.entity_id.empty()) {
      return Invalid("entity_type and entity_id are required",
                     "entities[" + std::to_string(i) + "]");
    }
    // An id decoded from a webhook may hold any character JSON can escape, NUL included.
    if (!IsStorableText(e.entity_type) || !IsStorableText(e.entity_id) ||
        !IsStorableText(e.data_json)) {
      return Invalid("an entity's type, id and data must be UTF-8 text without NUL characters",
                     "entities[" + std::to_string(i) + "]");
    }
  }
  return {};
}

Result<void> CheckCheckpoints(std::span<const BootstrapCheckpoint> checkpoints) {
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    if (checkpoints[i].endpoint.empty() || checkpoints[i].operation_id.empty()) {
      return Invalid("endpoint and operation_id are required",
                     "checkpoints[" + std::to_string(i) + "]");
    }
  }
  return {};
}

Result<void> CheckBootstrapEnd(const std::string& status) {
  if (status != "completed" && status != "error") {
    return Invalid("a bootstrap ends completed or error", "status");
  }
  return {};
}

Result<void> CheckBatchLimit(int limit) {
  if (limit < 1) return Invalid("limit must be at least 1", "limit");
  return {};
}

Result<void> CheckHourCount(int hours) {
  if (hours < 1 || hours > 168) return Invalid("hours must be between 1 and 168", "hours");
  return {};
}

Result<void> CheckBatch(std::span<const NewWebhook> batch) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (auto ok = CheckStorable(batch[i]); !ok) {
      Error error = ok.error();
      error.field = "batch[" + std::to_string(i) + "]." + error.field;
      return tl::unexpected(std::move(error));
    }
  }
  return {};
}

WebhookPage PageOf(std::vector<WebhookRecord> rows, int limit) {
  WebhookPage page;
  page.items = std::move(rows);
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_before_id = page.items.back().id;
  }
  return page;
}

void WebhookStatsBuilder::Add(const std::string& status, const std::string& event_type,
                              const std::string& source, int64_t count) {
  by_status_[status] += count;
  by_event_type_[event_type] += count;
  by_source_[source] += count;
  total_ += count;
}

WebhookStats WebhookStatsBuilder::Finish(std::optional<TimePoint> last_received_at) {
  WebhookStats stats;
  stats.total = total_;
  stats.last_received_at = last_received_at;
  if (auto it = by_status_.find("error"); it != by_status_.end()) stats.errors = it->second;
  stats.by_status = ToCounts(by_status_);
  stats.by_source = ToCounts(by_source_);
  stats.by_event_type = ToCounts(by_event_type_);
  std::stable_sort(stats.by_event_type.begin(), stats.by_event_type.end(),
                   [](const CountByKey& a, const CountByKey& b) { return a.count > b.count; });
  return stats;
}

}  // namespace uwh::store
