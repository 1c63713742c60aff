// Flows, their executions and the entity-cache read of SqliteStore (store.hpp, "Flows,
// executions and the webhook queue"). The statements are shared with PostgreSQL
// (sql_statements.hpp).
#include <sqlite3.h>

#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sql_statements.hpp"
#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using namespace sql;     // NOLINT(google-build-using-namespace)
using namespace sqlite;  // NOLINT(google-build-using-namespace)


// ---- Flows ----

Result<Flow> SqliteStore::CreateFlow(const Flow& flow) {
  if (auto ok = CheckFlow(flow); !ok) return Fail(ok.error());
  const TimePoint created = NowIfUnset(flow.created_at);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kInsertFlow);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, flow.workspace_id);
  s.Time(2, created);
  BindFlowFields(s, flow, flow.updated_at == TimePoint{} ? created : flow.updated_at);
  if (s.Step() != SQLITE_ROW) return Fail(s.Failure("cannot store the flow"));
  Flow out = ReadFlow(s);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot store the flow"));
  return out;
}

Result<Flow> SqliteStore::GetFlow(const std::string& workspace_id, int64_t id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kGetFlow);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return Fail(FlowNotFound());
  if (rc != SQLITE_ROW) return Fail(s.Failure("cannot read the flow"));
  return ReadFlow(s);
}

Result<FlowPage> SqliteStore::ListFlows(const std::string& workspace_id,
                                        std::optional<int64_t> before_id, int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return Fail(ok.error());
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListFlows);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, before_id.value_or(std::numeric_limits<int64_t>::max()));
  s.Int(3, static_cast<int64_t>(limit) + 1);
  FlowPage page;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) page.items.push_back(ReadFlow(s));
  if (rc != SQLITE_DONE) return Fail(s.Failure("cannot list flows"));
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_before_id = page.items.back().id;
  }
  return page;
}

Result<Flow> SqliteStore::UpdateFlow(const Flow& flow) {
  if (auto ok = CheckFlow(flow); !ok) return Fail(ok.error());
  const TimePoint now = NowIfUnset(flow.updated_at);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kUpdateFlow);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, flow.workspace_id);
  s.Int(2, flow.id);
  BindFlowFields(s, flow, now);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return Fail(FlowNotFound());
  if (rc != SQLITE_ROW) return Fail(s.Failure("cannot update the flow"));
  Flow out = ReadFlow(s);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot update the flow"));
  return out;
}

Result<void> SqliteStore::DeleteFlow(const std::string& workspace_id, int64_t id) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kDeleteFlow);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot delete the flow"));
  if (sqlite3_changes(writer_->db()) == 0) return Fail(FlowNotFound());
  return {};
}

Result<std::vector<Flow>> SqliteStore::ListTriggeredFlows(const std::string& workspace_id,
                                                          const std::string& source,
                                                          const std::string& event_type) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kTriggeredFlows);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, source);
  s.TextNoCopy(3, event_type);
  std::vector<Flow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadFlow(s));
  if (rc != SQLITE_DONE) return Fail(s.Failure("cannot list flows"));
  return out;
}

Result<bool> SqliteStore::PauseFlow(const std::string& workspace_id, int64_t id,
                                    const std::string& reason, TimePoint now) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kPauseFlow);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  s.TextNoCopy(3, reason);
  s.Time(4, now);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot pause the flow"));
  return sqlite3_changes(writer_->db()) > 0;
}

Result<FlowCounts> SqliteStore::CountFlows(const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kCountFlows);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  if (s.Step() != SQLITE_ROW) return Fail(s.Failure("cannot count flows"));
  return FlowCounts{s.ColumnInt(0), s.ColumnInt(1)};
}

// ---- Executions ----

Result<BeginOutcome> SqliteStore::BeginAutomaticExecution(const FlowExecution& execution) {
  if (auto ok = CheckAutomaticExecution(execution); !ok) return Fail(ok.error());
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  {
    auto stmt = w.Prepare(kBeginAutomatic);
    if (!stmt) return Fail(stmt.error());
    Statement s(*stmt);
    BindExecution(s, execution, NowIfUnset(execution.started_at));
    const int rc = s.Step();
    if (rc == SQLITE_ROW) {
      BeginOutcome out{ReadExecution(s), true};
      if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot store the execution"));
      return out;
    }
    if (rc != SQLITE_DONE) return Fail(s.Failure("cannot store the execution"));
  }
  // The pair already ran (or runs): that row is the answer.
  auto stmt = w.Prepare(kGetAutomatic);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.Int(1, *execution.webhook_log_id);
  s.Int(2, execution.flow_id);
  if (s.Step() != SQLITE_ROW) return Fail(s.Failure("cannot read the execution"));
  return BeginOutcome{ReadExecution(s), false};
}

Result<FlowExecution> SqliteStore::CreateExecution(const FlowExecution& execution) {
  if (auto ok = CheckOtherExecution(execution); !ok) return Fail(ok.error());
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kInsertExecution);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  BindExecution(s, execution, NowIfUnset(execution.started_at));
  if (s.Step() != SQLITE_ROW) return Fail(s.Failure("cannot store the execution"));
  FlowExecution out = ReadExecution(s);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot store the execution"));
  return out;
}

Result<void> SqliteStore::UpdateExecution(const std::string& workspace_id, int64_t id,
                                          const ExecutionProgress& progress) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kUpdateExecution);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  BindExecutionProgress(s, workspace_id, id, progress);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot update the execution"));
  if (sqlite3_changes(writer_->db()) == 0) return Fail(ExecutionNotFound());
  return {};
}

Result<FlowExecution> SqliteStore::GetExecution(const std::string& workspace_id, int64_t id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kGetExecution);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return Fail(ExecutionNotFound());
  if (rc != SQLITE_ROW) return Fail(s.Failure("cannot read the execution"));
  return ReadExecution(s);
}

Result<ExecutionPage> SqliteStore::ListFlowExecutions(const std::string& workspace_id,
                                                      int64_t flow_id,
                                                      std::optional<int64_t> before_id, int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return Fail(ok.error());
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListFlowExecutions);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, flow_id);
  s.Int(3, before_id.value_or(std::numeric_limits<int64_t>::max()));
  s.Int(4, static_cast<int64_t>(limit) + 1);
  ExecutionPage page;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) page.items.push_back(ReadExecution(s));
  if (rc != SQLITE_DONE) return Fail(s.Failure("cannot list executions"));
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_before_id = page.items.back().id;
  }
  return page;
}

Result<std::vector<FlowExecution>> SqliteStore::ListWebhookExecutions(
    const std::string& workspace_id, int64_t webhook_log_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListWebhookExecutions);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, webhook_log_id);
  std::vector<FlowExecution> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadExecution(s));
  if (rc != SQLITE_DONE) return Fail(s.Failure("cannot list executions"));
  return out;
}

Result<int64_t> SqliteStore::CountRecentRuns(const std::string& workspace_id, int64_t flow_id,
                                             const std::string& entity_id, TimePoint since) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kCountRecentRuns);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, flow_id);
  s.TextNoCopy(3, entity_id);
  s.Time(4, since);
  if (s.Step() != SQLITE_ROW) return Fail(s.Failure("cannot count executions"));
  return s.ColumnInt(0);
}

Result<ExecutionStats> SqliteStore::GetExecutionStats(const std::string& workspace_id,
                                                      TimePoint since) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kExecutionCountsSince);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Time(2, since);
  std::map<std::string, int64_t> by_status;
  ExecutionStats stats;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    by_status[s.ColumnText(0)] += s.ColumnInt(1);
    stats.total += s.ColumnInt(1);
  }
  if (rc != SQLITE_DONE) return Fail(s.Failure("cannot count executions"));
  for (const auto& [status, count] : by_status) stats.by_status.push_back({status, count});
  return stats;
}

Result<std::vector<FlowExecution>> SqliteStore::ListAbandonedExecutions(TimePoint now, int limit) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kAbandonedExecutions);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.Time(1, now);
  s.Int(2, limit);
  std::vector<FlowExecution> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadExecution(s));
  if (rc != SQLITE_DONE) return Fail(s.Failure("cannot list executions"));
  return out;
}

// ---- Entity cache ----

Result<std::optional<std::string>> SqliteStore::FindCachedEntity(const std::string& workspace_id,
                                                                 const std::string& entity_type,
                                                                 const std::string& entity_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kFindCachedEntity);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, entity_type);
  s.TextNoCopy(3, entity_id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Fail(s.Failure("cannot read the entity cache"));
  return std::optional<std::string>(s.ColumnText(0));
}

}  // namespace uwh::store
