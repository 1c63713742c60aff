#pragma once
// What every Store backend shares apart from its SQL (sql_statements.hpp): migration files, the
// checks of input made before anything is written, and the assembly of results. Internal to the
// store backends.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/embedded_file.hpp"
#include "common/error.hpp"
#include "store/store.hpp"

namespace uwh::store {

// The migration files compiled into the binary (cmake/Embed.cmake from migrations/<backend>/),
// sorted by name.
std::span<const EmbeddedFile> SqliteMigrationFiles();
std::span<const EmbeddedFile> PostgresMigrationFiles();

// One migration file, "0001_seed_schema.sql" → {1, "seed_schema", its text}.
struct Migration {
  int version = 0;
  std::string name;
  std::string_view sql;
};

// Parses embedded migration files, sorted by name. Fails on a name that is not NNNN_name.sql
// or versions that are not strictly increasing.
[[nodiscard]] Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedFile> files);

// Fails when the database holds a newer schema than `latest`.
[[nodiscard]] Result<void> CheckNotNewer(int current, int latest);

inline TimePoint NowIfUnset(TimePoint t) {
  return t == TimePoint{} ? std::chrono::system_clock::now() : t;
}

inline Error NotFound(std::string message) {
  return Error::Make(ErrorCode::kNotFound, "not_found", std::move(message));
}
Error InstallationNotFound();
Error CustomSourceNotFound(const std::string& source);

// The checks of each write (kInvalidArgument "validation_failed" naming the field). On success
// the Installation check returns the status to store (ACTIVE when unset).
[[nodiscard]] Result<std::string> CheckInstallation(const Installation& in);
[[nodiscard]] Result<void> CheckStatus(const std::string& status);
[[nodiscard]] Result<void> CheckWebhookTokens(const std::string& workspace_id,
                                              const std::string& route,
                                              const std::vector<WebhookToken>& tokens);
[[nodiscard]] Result<void> CheckCustomSource(const CustomSource& source);
[[nodiscard]] Result<void> CheckWebhookRegistrations(
    const std::string& workspace_id, const std::vector<WebhookRegistration>& registrations);
inline Error RegistrationListedTwice(const std::string& event_type) {
  return Error::Make(ErrorCode::kInvalidArgument, "validation_failed",
                     "event type " + event_type + " is listed twice", "event_type");
}
[[nodiscard]] Result<void> CheckListLimit(int limit);  // also ListEntities: 1–500
// The bootstrap's writes: each entity needs a type and an id ("entities[2]"), each checkpoint an
// endpoint and an operation ("checkpoints[0]"); a run ends "completed" or "error".
[[nodiscard]] Result<void> CheckEntities(std::span<const CachedEntity> entities);
[[nodiscard]] Result<void> CheckCheckpoints(std::span<const BootstrapCheckpoint> checkpoints);
[[nodiscard]] Result<void> CheckBootstrapEnd(const std::string& status);
[[nodiscard]] Result<void> CheckBatchLimit(int limit);  // the retention deletes: at least 1
inline Error BootstrapLeaseLost() {
  return Error::Make(ErrorCode::kConflict, "lease_lost",
                     "another instance has taken over this workspace's bootstrap");
}
[[nodiscard]] Result<void> CheckHourCount(int hours);  // CountWebhooksByHour: 1–168
// Every row of the batch (CheckStorable), naming the row: "batch[3].payload".
[[nodiscard]] Result<void> CheckBatch(std::span<const NewWebhook> batch);

inline Error TokenHashConflict() {
  return Error::Make(ErrorCode::kConflict, "conflict", "a webhook token with this hash is stored");
}
inline Error CustomSourceConflict(const std::string& source) {
  return Error::Make(ErrorCode::kConflict, "conflict",
                     "custom source '" + source + "' already exists", "source");
}

// Flows and executions (kInvalidArgument "validation_failed" naming the field). A flow's store
// check is what the store needs (workspace, name, trigger); flows::ValidateFlow checks the rest.
[[nodiscard]] Result<void> CheckFlow(const Flow& flow);
// BeginAutomaticExecution takes only automatic executions with their webhook, CreateExecution
// only the others.
[[nodiscard]] Result<void> CheckAutomaticExecution(const FlowExecution& execution);
[[nodiscard]] Result<void> CheckOtherExecution(const FlowExecution& execution);
// A consumed webhook is finished as processed or error.
[[nodiscard]] Result<void> CheckQueueCompletions(std::span<const QueueCompletion> done);
inline Error FlowNotFound() { return NotFound("flow not found"); }
inline Error ExecutionNotFound() { return NotFound("execution not found"); }

// A page of the list from the rows read, which were asked for one more than `limit`: that one,
// when present, is dropped and says that another page follows.
WebhookPage PageOf(std::vector<WebhookRecord> rows, int limit);

// Sums the grouped (status, event type, source) counts of the dashboard into WebhookStats.
class WebhookStatsBuilder {
 public:
  void Add(const std::string& status, const std::string& event_type, const std::string& source,
           int64_t count);
  WebhookStats Finish(std::optional<TimePoint> last_received_at);

 private:
  int64_t total_ = 0;
  std::map<std::string, int64_t> by_status_;
  std::map<std::string, int64_t> by_event_type_;
  std::map<std::string, int64_t> by_source_;
};

}  // namespace uwh::store
