// The webhook log's activity over time (dashboard chart), for the SQLite backend.
#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using sqlite::Statement;

namespace {

// One range count per hour: each is a range scan of the (workspace_id, received_at) index, and
// the SQL stays plain enough for PostgreSQL (no date functions, whose names differ).
constexpr std::string_view kCountWebhooksBetween =
    "SELECT COUNT(*) FROM universal_webhook_log "
    "WHERE workspace_id = $1 AND received_at >= $2 AND received_at < $3";

}  // namespace

Result<std::vector<int64_t>> SqliteStore::CountWebhooksByHour(const std::string& workspace_id,
                                                              TimePoint start, int hours) {
  if (hours < 1 || hours > 168) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "hours must be between 1 and 168", "hours");
  }
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
