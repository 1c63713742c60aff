// Activity over time (the dashboard's chart): webhooks received and flow runs started per hour,
// for the SQLite backend.
#include <string_view>

#include "store/sql_statements.hpp"
#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using sqlite::Statement;

namespace {

// `count_between` takes $1 workspace, $2 from (inclusive), $3 to (exclusive); one prepared
// statement stepped once per hour, all on one read connection (the store's own Connection).
template <typename Connection>
Result<std::vector<int64_t>> CountByHour(Connection& conn, std::string_view count_between,
                                         const std::string& workspace_id, TimePoint start,
                                         int hours, const char* what) {
  if (auto ok = CheckHourCount(hours); !ok) return Fail(ok.error());
  std::vector<int64_t> counts;
  counts.reserve(static_cast<size_t>(hours));
  auto stmt = conn.Prepare(count_between);
  if (!stmt) return tl::unexpected(stmt.error());
  for (int i = 0; i < hours; ++i) {
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.Time(2, start + std::chrono::hours(i));
    s.Time(3, start + std::chrono::hours(i + 1));
    if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure(what));
    counts.push_back(s.ColumnInt(0));
  }
  return counts;
}

}  // namespace

Result<std::vector<int64_t>> SqliteStore::CountWebhooksByHour(const std::string& workspace_id,
                                                              TimePoint start, int hours) {
  ReadLease lease(*this);
  return CountByHour(lease.conn(), sql::kCountWebhooksBetween, workspace_id, start, hours,
                     "cannot count webhooks");
}

Result<std::vector<int64_t>> SqliteStore::CountExecutionsByHour(const std::string& workspace_id,
                                                                TimePoint start, int hours) {
  ReadLease lease(*this);
  return CountByHour(lease.conn(), sql::kCountExecutionsBetween, workspace_id, start, hours,
                     "cannot count executions");
}

}  // namespace uwh::store
