// Activity over time (the dashboard's chart): webhooks received and flow runs started per hour,
// for the PostgreSQL backend.
#include <string>
#include <string_view>
#include <vector>

#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

namespace {

// `count_between` takes $1 workspace, $2 from (inclusive), $3 to (exclusive). Every hour's count
// in one pipeline: one round trip, one snapshot.
Result<std::vector<int64_t>> CountByHour(pg::ConnectionPool& pool, std::string_view count_between,
                                         const std::string& workspace_id, TimePoint start,
                                         int hours, const char* what) {
  if (auto ok = CheckHourCount(hours); !ok) return Fail(ok.error());
  std::vector<pg::Params> params(static_cast<size_t>(hours));
  std::vector<pg::PipelineStep> steps;
  steps.reserve(params.size());
  for (int i = 0; i < hours; ++i) {
    pg::Params& p = params[static_cast<size_t>(i)];
    p.TextNoCopy(1, workspace_id);
    p.Time(2, start + std::chrono::hours(i));
    p.Time(3, start + std::chrono::hours(i + 1));
    steps.push_back({count_between, &p});
  }
  return pg::ReadWithConnection(pool, [&](pg::Connection& c) -> Result<std::vector<int64_t>> {
    auto results = c.RunPipeline(steps, what);
    if (!results) return Fail(results.error());
    std::vector<int64_t> counts;
    counts.reserve(results->size());
    for (const pg::PgResult& r : *results) counts.push_back(pg::Row(r.get(), 0).ColumnInt(0));
    return counts;
  });
}

}  // namespace

Result<std::vector<int64_t>> PostgresStore::CountWebhooksByHour(const std::string& workspace_id,
                                                                TimePoint start, int hours) {
  return CountByHour(*pool_, sql::kCountWebhooksBetween, workspace_id, start, hours,
                     "cannot count webhooks");
}

Result<std::vector<int64_t>> PostgresStore::CountExecutionsByHour(const std::string& workspace_id,
                                                                  TimePoint start, int hours) {
  return CountByHour(*pool_, sql::kCountExecutionsBetween, workspace_id, start, hours,
                     "cannot count executions");
}

}  // namespace uwh::store
