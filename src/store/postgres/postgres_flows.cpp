// PostgresStore: flows, their executions and the entity-cache read (store.hpp, "Flows",
// "Executions"). The statements are those of SQLite (sql_statements.hpp); at most one automatic
// execution per (webhook, flow) holds across instances through the partial unique index.
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

using namespace sql;  // NOLINT(google-build-using-namespace)
using pg::Params;
using pg::Row;

namespace {

Params WorkspaceAndId(const std::string& workspace_id, int64_t id) {
  Params p = pg::Workspace(workspace_id);
  p.Int(2, id);
  return p;
}

// The row a write RETURNING one gave back; `missing` when the write matched none.
template <typename T, typename Read>
Result<T> WriteOne(pg::ConnectionPool& pool, std::string_view sql, const Params& params,
                   std::string_view what, const Error& missing, Read read) {
  auto r = pg::Run(pool, /*read=*/false, sql, params, what);
  if (!r) return Fail(r.error());
  if (PQntuples(r->get()) == 0) return Fail(missing);
  return read(Row(r->get(), 0));
}

// The single integer of a one-row read.
Result<int64_t> ReadCount(pg::ConnectionPool& pool, std::string_view sql, const Params& params,
                          std::string_view what) {
  return pg::ReadOne<int64_t>(
      pool, sql, params, what,
      Error::Make(ErrorCode::kInternal, "database_error", std::string(what) + ": no row"),
      [](const Row& row) { return row.ColumnInt(0); });
}

// A keyset page from rows asked for one more than `limit`.
template <typename Page>
Page PageFrom(decltype(Page{}.items) rows, int limit) {
  Page page;
  page.items = std::move(rows);
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_before_id = page.items.back().id;
  }
  return page;
}

}  // namespace

// ---- Flows ----

Result<Flow> PostgresStore::CreateFlow(const Flow& flow) {
  if (auto ok = CheckFlow(flow); !ok) return Fail(ok.error());
  const TimePoint created = NowIfUnset(flow.created_at);
  Params p;
  p.TextNoCopy(1, flow.workspace_id);
  p.Time(2, created);
  BindFlowFields(p, flow, flow.updated_at == TimePoint{} ? created : flow.updated_at);
  return WriteOne<Flow>(*pool_, kInsertFlow, p, "cannot store the flow",
                        Error::Make(ErrorCode::kInternal, "database_error",
                                    "cannot store the flow: no row returned"),
                        ReadFlow<Row>);
}

Result<Flow> PostgresStore::GetFlow(const std::string& workspace_id, int64_t id) {
  return pg::ReadOne<Flow>(*pool_, kGetFlow, WorkspaceAndId(workspace_id, id),
                           "cannot read the flow", FlowNotFound(), ReadFlow<Row>);
}

Result<FlowPage> PostgresStore::ListFlows(const std::string& workspace_id,
                                          std::optional<int64_t> before_id, int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return Fail(ok.error());
  Params p;
  p.TextNoCopy(1, workspace_id);
  p.Int(2, before_id.value_or(std::numeric_limits<int64_t>::max()));
  p.Int(3, static_cast<int64_t>(limit) + 1);
  auto rows = pg::ReadAll<Flow>(*pool_, kListFlows, p, "cannot list flows", ReadFlow<Row>);
  if (!rows) return Fail(rows.error());
  return PageFrom<FlowPage>(std::move(*rows), limit);
}

Result<Flow> PostgresStore::UpdateFlow(const Flow& flow) {
  if (auto ok = CheckFlow(flow); !ok) return Fail(ok.error());
  Params p = WorkspaceAndId(flow.workspace_id, flow.id);
  BindFlowFields(p, flow, NowIfUnset(flow.updated_at));
  return WriteOne<Flow>(*pool_, kUpdateFlow, p, "cannot update the flow", FlowNotFound(),
                        ReadFlow<Row>);
}

Result<void> PostgresStore::DeleteFlow(const std::string& workspace_id, int64_t id) {
  auto deleted = pg::Change(*pool_, kDeleteFlow, WorkspaceAndId(workspace_id, id),
                            "cannot delete the flow");
  if (!deleted) return Fail(deleted.error());
  if (*deleted == 0) return Fail(FlowNotFound());
  return {};
}

Result<std::vector<Flow>> PostgresStore::ListTriggeredFlows(const std::string& workspace_id,
                                                            const std::string& source,
                                                            const std::string& event_type) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  p.TextNoCopy(2, source);
  p.TextNoCopy(3, event_type);
  return pg::ReadAll<Flow>(*pool_, kTriggeredFlows, p, "cannot list flows", ReadFlow<Row>);
}

Result<bool> PostgresStore::PauseFlow(const std::string& workspace_id, int64_t id,
                                      const std::string& reason, TimePoint now) {
  Params p = WorkspaceAndId(workspace_id, id);
  p.TextNoCopy(3, reason);
  p.Time(4, now);
  auto paused = pg::Change(*pool_, kPauseFlow, p, "cannot pause the flow");
  if (!paused) return Fail(paused.error());
  return *paused > 0;
}

Result<FlowCounts> PostgresStore::CountFlows(const std::string& workspace_id) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  return pg::ReadOne<FlowCounts>(
      *pool_, kCountFlows, p, "cannot count flows",
      Error::Make(ErrorCode::kInternal, "database_error", "cannot count flows: no row"),
      [](const Row& row) { return FlowCounts{row.ColumnInt(0), row.ColumnInt(1)}; });
}

// ---- Executions ----

Result<BeginOutcome> PostgresStore::BeginAutomaticExecution(const FlowExecution& execution) {
  if (auto ok = CheckAutomaticExecution(execution); !ok) return Fail(ok.error());
  Params p;
  BindExecution(p, execution, NowIfUnset(execution.started_at));
  // An insert racing another instance's for the same pair waits for it, then does nothing.
  auto r = pg::Run(*pool_, /*read=*/false, kBeginAutomatic, p, "cannot store the execution");
  if (!r) return Fail(r.error());
  if (PQntuples(r->get()) == 1) return BeginOutcome{ReadExecution(Row(r->get(), 0)), true};
  // The pair already ran (or runs): that row is the answer.
  Params get;
  get.Int(1, *execution.webhook_log_id);
  get.Int(2, execution.flow_id);
  auto existing = pg::ReadOne<FlowExecution>(
      *pool_, kGetAutomatic, get, "cannot read the execution",
      Error::Make(ErrorCode::kInternal, "database_error",
                  "cannot read the execution: the pair's execution is gone"),
      ReadExecution<Row>);
  if (!existing) return Fail(existing.error());
  return BeginOutcome{std::move(*existing), false};
}

Result<FlowExecution> PostgresStore::CreateExecution(const FlowExecution& execution) {
  if (auto ok = CheckOtherExecution(execution); !ok) return Fail(ok.error());
  Params p;
  BindExecution(p, execution, NowIfUnset(execution.started_at));
  return WriteOne<FlowExecution>(*pool_, kInsertExecution, p, "cannot store the execution",
                                 Error::Make(ErrorCode::kInternal, "database_error",
                                             "cannot store the execution: no row returned"),
                                 ReadExecution<Row>);
}

Result<void> PostgresStore::UpdateExecution(const std::string& workspace_id, int64_t id,
                                            const ExecutionProgress& progress) {
  Params p;
  BindExecutionProgress(p, workspace_id, id, progress);
  auto updated = pg::Change(*pool_, kUpdateExecution, p, "cannot update the execution");
  if (!updated) return Fail(updated.error());
  if (*updated == 0) return Fail(ExecutionNotFound());
  return {};
}

Result<FlowExecution> PostgresStore::GetExecution(const std::string& workspace_id, int64_t id) {
  return pg::ReadOne<FlowExecution>(*pool_, kGetExecution, WorkspaceAndId(workspace_id, id),
                                    "cannot read the execution", ExecutionNotFound(),
                                    ReadExecution<Row>);
}

Result<ExecutionPage> PostgresStore::ListFlowExecutions(const std::string& workspace_id,
                                                        int64_t flow_id,
                                                        std::optional<int64_t> before_id,
                                                        int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return Fail(ok.error());
  Params p = WorkspaceAndId(workspace_id, flow_id);
  p.Int(3, before_id.value_or(std::numeric_limits<int64_t>::max()));
  p.Int(4, static_cast<int64_t>(limit) + 1);
  auto rows = pg::ReadAll<FlowExecution>(*pool_, kListFlowExecutions, p,
                                         "cannot list executions", ReadExecution<Row>);
  if (!rows) return Fail(rows.error());
  return PageFrom<ExecutionPage>(std::move(*rows), limit);
}

Result<std::vector<FlowExecution>> PostgresStore::ListWebhookExecutions(
    const std::string& workspace_id, int64_t webhook_log_id) {
  return pg::ReadAll<FlowExecution>(*pool_, kListWebhookExecutions,
                                    WorkspaceAndId(workspace_id, webhook_log_id),
                                    "cannot list executions", ReadExecution<Row>);
}

Result<int64_t> PostgresStore::CountRecentRuns(const std::string& workspace_id, int64_t flow_id,
                                               const std::string& entity_id, TimePoint since) {
  Params p = WorkspaceAndId(workspace_id, flow_id);
  p.TextNoCopy(3, entity_id);
  p.Time(4, since);
  return ReadCount(*pool_, kCountRecentRuns, p, "cannot count executions");
}

Result<ExecutionStats> PostgresStore::GetExecutionStats(const std::string& workspace_id,
                                                        TimePoint since) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  p.Time(2, since);
  auto r = pg::Run(*pool_, /*read=*/true, kExecutionCountsSince, p, "cannot count executions");
  if (!r) return Fail(r.error());
  std::map<std::string, int64_t> by_status;
  ExecutionStats stats;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    const Row row(r->get(), i);
    by_status[row.ColumnText(0)] += row.ColumnInt(1);
    stats.total += row.ColumnInt(1);
  }
  for (const auto& [status, count] : by_status) stats.by_status.push_back({status, count});
  return stats;
}

Result<std::vector<FlowExecution>> PostgresStore::ListAbandonedExecutions(TimePoint now,
                                                                          int limit) {
  Params p;
  p.Time(1, now);
  p.Int(2, limit);
  return pg::ReadAll<FlowExecution>(*pool_, kAbandonedExecutions, p, "cannot list executions",
                                    ReadExecution<Row>);
}

// ---- Entity cache ----

Result<std::optional<std::string>> PostgresStore::FindCachedEntity(const std::string& workspace_id,
                                                                   const std::string& entity_type,
                                                                   const std::string& entity_id) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  p.TextNoCopy(2, entity_type);
  p.TextNoCopy(3, entity_id);
  auto r = pg::Run(*pool_, /*read=*/true, kFindCachedEntity, p, "cannot read the entity cache");
  if (!r) return Fail(r.error());
  if (PQntuples(r->get()) == 0) return std::optional<std::string>();
  return std::optional<std::string>(Row(r->get(), 0).ColumnText(0));
}

}  // namespace uwh::store
