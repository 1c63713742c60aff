// The SQLite store's retention deletes (SPEC §10): old webhook-log rows and flow executions, a
// small batch per call so that no delete holds the writer for long.
#include <sqlite3.h>

#include <string>
#include <string_view>

#include "store/sqlite/sqlite_internal.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace uwh::store {

using namespace sqlite;  // NOLINT(google-build-using-namespace)

namespace {

// Rows still "received" (waiting for a queue worker) or "processing" (claimed by one) are not
// finished: their flows have not run yet, however old they are.
constexpr std::string_view kDeleteFinishedWebhooks =
    "DELETE FROM universal_webhook_log WHERE id IN (SELECT id FROM universal_webhook_log "
    "WHERE workspace_id = $1 AND received_at < $2 AND status <> 'received' "
    "AND status <> 'processing' ORDER BY received_at LIMIT $3)";
constexpr std::string_view kDeleteExecutions =
    "DELETE FROM universal_webhook_flow_execution WHERE id IN (SELECT id FROM "
    "universal_webhook_flow_execution WHERE workspace_id = $1 AND started_at < $2 "
    "ORDER BY started_at LIMIT $3)";

Result<int64_t> DeleteBatch(SqliteStore::Connection& w, std::string_view sql,
                            const std::string& workspace_id, TimePoint before, int limit) {
  if (limit < 1) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "limit must be at least 1",
                "limit");
  }
  auto stmt = w.Prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Time(2, before);
  s.Int(3, limit);
  if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot delete old rows"));
  return static_cast<int64_t>(sqlite3_changes(w.db()));
}

}  // namespace

Result<int64_t> SqliteStore::DeleteFinishedWebhooksBefore(const std::string& workspace_id,
                                                          TimePoint before, int limit) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return DeleteBatch(*writer_, kDeleteFinishedWebhooks, workspace_id, before, limit);
}

Result<int64_t> SqliteStore::DeleteFlowExecutionsBefore(const std::string& workspace_id,
                                                        TimePoint before, int limit) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return DeleteBatch(*writer_, kDeleteExecutions, workspace_id, before, limit);
}

}  // namespace uwh::store
