// The webhook log's activity over time (dashboard chart), for the SQLite backend.
#include "store/sql_statements.hpp"
#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using sql::kCountWebhooksBetween;
using sqlite::Statement;

Result<std::vector<int64_t>> SqliteStore::CountWebhooksByHour(const std::string& workspace_id,
                                                              TimePoint start, int hours) {
  if (auto ok = CheckHourCount(hours); !ok) return Fail(ok.error());
  std::vector<int64_t> counts;
  counts.reserve(static_cast<size_t>(hours));
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kCountWebhooksBetween);
  if (!stmt) return tl::unexpected(stmt.error());
  for (int i = 0; i < hours; ++i) {
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.Time(2, start + std::chrono::hours(i));
    s.Time(3, start + std::chrono::hours(i + 1));
    if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("cannot count webhooks"));
    counts.push_back(s.ColumnInt(0));
  }
  return counts;
}

}  // namespace uwh::store
