// The SQLite store's retention deletes (SPEC §10): old webhook-log rows and flow executions, a
// small batch per call so that no delete holds the writer for long.
#include <sqlite3.h>

#include <string>
#include <string_view>

#include "store/backend_common.hpp"
#include "store/sqlite/sqlite_internal.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

using namespace sqlite;  // NOLINT(google-build-using-namespace)
using namespace sql;     // NOLINT(google-build-using-namespace)

namespace {

Result<int64_t> DeleteBatch(SqliteStore::Connection& w, std::string_view sql,
                            const std::string& workspace_id, TimePoint before, int limit) {
  if (auto ok = CheckBatchLimit(limit); !ok) return Fail(ok.error());
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
  return DeleteBatch(*writer_, kDeleteExecutionsBefore, workspace_id, before, limit);
}

}  // namespace uwh::store
