// The webhook log's activity over time (dashboard chart), for the PostgreSQL backend.
#include <string>
#include <vector>

#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

Result<std::vector<int64_t>> PostgresStore::CountWebhooksByHour(const std::string& workspace_id,
                                                                TimePoint start, int hours) {
  if (auto ok = CheckHourCount(hours); !ok) return Fail(ok.error());
  // Every hour's count in one pipeline: one round trip, one snapshot.
  std::vector<pg::Params> params(static_cast<size_t>(hours));
  std::vector<pg::PipelineStep> steps;
  steps.reserve(params.size());
  for (int i = 0; i < hours; ++i) {
    pg::Params& p = params[static_cast<size_t>(i)];
    p.TextNoCopy(1, workspace_id);
    p.Time(2, start + std::chrono::hours(i));
    p.Time(3, start + std::chrono::hours(i + 1));
    steps.push_back({sql::kCountWebhooksBetween, &p});
  }
  return pg::ReadWithConnection(*pool_, [&](pg::Connection& c) -> Result<std::vector<int64_t>> {
    auto results = c.RunPipeline(steps, "cannot count webhooks");
    if (!results) return Fail(results.error());
    std::vector<int64_t> counts;
    counts.reserve(results->size());
    for (const pg::PgResult& r : *results) counts.push_back(pg::Row(r.get(), 0).ColumnInt(0));
    return counts;
  });
}

}  // namespace uwh::store
