// Flows, their executions and the entity-cache read of SqliteStore (store.hpp, "Flows,
// executions and the webhook queue"). Statements are written so that PostgreSQL accepts them too.
#include <sqlite3.h>

#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using namespace sqlite;  // NOLINT(google-build-using-namespace)

namespace {

#define UWH_FLOW_COLUMNS                                                                       \
  "id, workspace_id, name, description, trigger_source, trigger_event_type, conditions_json, " \
  "actions_json, enabled, paused_reason, created_at, updated_at"

constexpr std::string_view kInsertFlow =
    "INSERT INTO universal_webhook_flow (workspace_id, name, description, trigger_source, "
    "trigger_event_type, conditions_json, actions_json, enabled, paused_reason, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING " UWH_FLOW_COLUMNS;
constexpr std::string_view kGetFlow = "SELECT " UWH_FLOW_COLUMNS
                                      " FROM universal_webhook_flow "
                                      "WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kListFlows =
    "SELECT " UWH_FLOW_COLUMNS
    " FROM universal_webhook_flow WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
constexpr std::string_view kUpdateFlow =
    "UPDATE universal_webhook_flow SET name = $3, description = $4, trigger_source = $5, "
    "trigger_event_type = $6, conditions_json = $7, actions_json = $8, enabled = $9, "
    "paused_reason = $10, updated_at = $11 WHERE workspace_id = $1 AND id = $2 "
    "RETURNING " UWH_FLOW_COLUMNS;
constexpr std::string_view kDeleteFlow =
    "DELETE FROM universal_webhook_flow WHERE workspace_id = $1 AND id = $2";
// Served by the seed's (workspace_id, trigger_event_type, enabled) index.
constexpr std::string_view kTriggeredFlows =
    "SELECT " UWH_FLOW_COLUMNS
    " FROM universal_webhook_flow WHERE workspace_id = $1 AND trigger_event_type IN ($3, '*') "
    "AND enabled = TRUE AND trigger_source = $2 ORDER BY id";
constexpr std::string_view kPauseFlow =
    "UPDATE universal_webhook_flow SET enabled = FALSE, paused_reason = $3, updated_at = $4 "
    "WHERE workspace_id = $1 AND id = $2 AND enabled = TRUE";
constexpr std::string_view kCountFlows =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN enabled THEN 1 ELSE 0 END), 0) "
    "FROM universal_webhook_flow WHERE workspace_id = $1";

#define UWH_EXECUTION_COLUMNS                                                              \
  "id, workspace_id, flow_id, webhook_log_id, status, actions_executed, error_message, "   \
  "result_json, trigger_kind, replay_of, entity_id, flow_json, started_at, completed_at, " \
  "lease_expires_at"

#define UWH_INSERT_EXECUTION                                                                      \
  "INSERT INTO universal_webhook_flow_execution (workspace_id, flow_id, webhook_log_id, status, " \
  "actions_executed, error_message, result_json, trigger_kind, replay_of, entity_id, flow_json, " \
  "started_at, completed_at, lease_expires_at) "                                                  \
  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "

constexpr std::string_view kBeginAutomatic = UWH_INSERT_EXECUTION
    "ON CONFLICT (webhook_log_id, flow_id) WHERE trigger_kind = 'automatic' DO NOTHING "
    "RETURNING " UWH_EXECUTION_COLUMNS;
constexpr std::string_view kGetAutomatic =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE webhook_log_id = $1 AND flow_id = $2 "
    "AND trigger_kind = 'automatic'";
constexpr std::string_view kInsertExecution =
    UWH_INSERT_EXECUTION "RETURNING " UWH_EXECUTION_COLUMNS;
constexpr std::string_view kUpdateExecution =
    "UPDATE universal_webhook_flow_execution SET status = $3, actions_executed = $4, "
    "error_message = $5, result_json = $6, completed_at = $7, lease_expires_at = $8 "
    "WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kGetExecution = "SELECT " UWH_EXECUTION_COLUMNS
                                           " FROM universal_webhook_flow_execution "
                                           "WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kListFlowExecutions =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE flow_id = $2 AND workspace_id = $1 "
    "AND id < $3 ORDER BY id DESC LIMIT $4";
constexpr std::string_view kListWebhookExecutions =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE webhook_log_id = $2 AND workspace_id = $1 "
    "ORDER BY id";
constexpr std::string_view kCountRecentRuns =
    "SELECT COUNT(*) FROM universal_webhook_flow_execution WHERE flow_id = $2 AND entity_id = $3 "
    "AND started_at >= $4 AND workspace_id = $1 AND trigger_kind = 'automatic' "
    "AND status <> 'skipped'";
constexpr std::string_view kExecutionCountsSince =
    "SELECT status, COUNT(*) FROM universal_webhook_flow_execution "
    "WHERE workspace_id = $1 AND started_at >= $2 GROUP BY status";
constexpr std::string_view kAbandonedExecutions =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE lease_expires_at IS NOT NULL "
    "AND lease_expires_at < $1 AND status = 'running' ORDER BY id LIMIT $2";

constexpr std::string_view kFindCachedEntity =
    "SELECT data_json FROM universal_webhook_entity_cache WHERE workspace_id = $1 "
    "AND entity_type = $2 AND entity_id = $3 ORDER BY fetched_at DESC LIMIT 1";

#undef UWH_FLOW_COLUMNS
#undef UWH_EXECUTION_COLUMNS
#undef UWH_INSERT_EXECUTION

Flow ReadFlow(const Statement& s) {
  Flow f;
  f.id = s.ColumnInt(0);
  f.workspace_id = s.ColumnText(1);
  f.name = s.ColumnText(2);
  f.description = s.ColumnText(3);
  f.trigger_source = s.ColumnText(4);
  f.trigger_event_type = s.ColumnText(5);
  f.conditions_json = s.ColumnText(6);
  f.actions_json = s.ColumnText(7);
  f.enabled = s.ColumnInt(8) != 0;
  f.paused_reason = s.ColumnText(9);
  f.created_at = s.ColumnTime(10);
  f.updated_at = s.ColumnTime(11);
  return f;
}

std::optional<int64_t> ColumnOptionalInt(const Statement& s, int col) {
  if (s.ColumnIsNull(col)) return std::nullopt;
  return s.ColumnInt(col);
}

FlowExecution ReadExecution(const Statement& s) {
  FlowExecution e;
  e.id = s.ColumnInt(0);
  e.workspace_id = s.ColumnText(1);
  e.flow_id = s.ColumnInt(2);
  e.webhook_log_id = ColumnOptionalInt(s, 3);
  e.status = s.ColumnText(4);
  e.actions_executed = static_cast<int>(s.ColumnInt(5));
  e.error_message = s.ColumnText(6);
  e.result_json = s.ColumnText(7);
  e.trigger = s.ColumnText(8);
  e.replay_of = ColumnOptionalInt(s, 9);
  e.entity_id = s.ColumnText(10);
  e.flow_json = s.ColumnText(11);
  e.started_at = s.ColumnTime(12);
  e.completed_at = s.ColumnOptionalTime(13);
  e.lease_expires_at = s.ColumnOptionalTime(14);
  return e;
}

void BindOptionalInt(Statement& s, int k, const std::optional<int64_t>& v) {
  if (v) {
    s.Int(k, *v);
  } else {
    s.Null(k);
  }
}

void BindOptionalTime(Statement& s, int k, const std::optional<TimePoint>& t) {
  if (t) {
    s.Time(k, *t);
  } else {
    s.Null(k);
  }
}

void BindExecution(Statement& s, const FlowExecution& e) {
  s.TextNoCopy(1, e.workspace_id);
  s.Int(2, e.flow_id);
  BindOptionalInt(s, 3, e.webhook_log_id);
  s.TextNoCopy(4, e.status);
  s.Int(5, e.actions_executed);
  s.TextOrNull(6, e.error_message);
  s.TextNoCopy(7, e.result_json);
  s.TextNoCopy(8, e.trigger);
  BindOptionalInt(s, 9, e.replay_of);
  s.TextOrNull(10, e.entity_id);
  s.TextOrNull(11, e.flow_json);
  s.Time(12, NowIfUnset(e.started_at));
  BindOptionalTime(s, 13, e.completed_at);
  BindOptionalTime(s, 14, e.lease_expires_at);
}

Result<void> CheckFlow(const Flow& flow) {
  if (flow.workspace_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "workspace_id is required",
                "workspace_id");
  }
  if (flow.name.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "name is required", "name");
  }
  if (flow.trigger_source != "CLOCKIFY" && flow.trigger_source != "CUSTOM") {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "trigger_source must be CLOCKIFY or CUSTOM", "trigger_source");
  }
  if (flow.trigger_event_type.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "trigger_event_type is required",
                "trigger_event_type");
  }
  return {};
}

Result<void> CheckLimit(int limit) {
  if (limit < 1 || limit > 500) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "limit must be between 1 and 500",
                "limit");
  }
  return {};
}

Error FlowNotFound() { return NotFound("flow not found"); }

// Binds the columns every flow write sets, $3…$11 in kUpdateFlow's order.
void BindFlowFields(Statement& s, const Flow& f, const std::string& now) {
  s.TextNoCopy(3, f.name);
  s.TextNoCopy(4, f.description);
  s.TextNoCopy(5, f.trigger_source);
  s.TextNoCopy(6, f.trigger_event_type);
  s.Text(7, f.conditions_json.empty() ? std::string_view("{}") : f.conditions_json);
  s.Text(8, f.actions_json.empty() ? std::string_view("[]") : f.actions_json);
  s.Int(9, f.enabled ? 1 : 0);
  s.TextOrNull(10, f.paused_reason);
  s.Text(11, now);
}

}  // namespace

// ---- Flows ----

Result<Flow> SqliteStore::CreateFlow(const Flow& flow) {
  if (auto ok = CheckFlow(flow); !ok) return Fail(ok.error());
  const std::string created = FormatTimestamp(NowIfUnset(flow.created_at));
  const std::string updated =
      flow.updated_at == TimePoint{} ? created : FormatTimestamp(flow.updated_at);
  const std::string conditions = flow.conditions_json.empty() ? "{}" : flow.conditions_json;
  const std::string actions = flow.actions_json.empty() ? "[]" : flow.actions_json;
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kInsertFlow);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, flow.workspace_id);
  s.TextNoCopy(2, flow.name);
  s.TextNoCopy(3, flow.description);
  s.TextNoCopy(4, flow.trigger_source);
  s.TextNoCopy(5, flow.trigger_event_type);
  s.TextNoCopy(6, conditions);
  s.TextNoCopy(7, actions);
  s.Int(8, flow.enabled ? 1 : 0);
  s.TextOrNull(9, flow.paused_reason);
  s.TextNoCopy(10, created);
  s.TextNoCopy(11, updated);
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
  if (auto ok = CheckLimit(limit); !ok) return Fail(ok.error());
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
  const std::string now = FormatTimestamp(NowIfUnset(flow.updated_at));
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
  if (!execution.webhook_log_id || execution.trigger != "automatic") {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "an automatic execution needs its webhook", "webhook_log_id");
  }
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  {
    auto stmt = w.Prepare(kBeginAutomatic);
    if (!stmt) return Fail(stmt.error());
    Statement s(*stmt);
    BindExecution(s, execution);
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
  if (execution.trigger == "automatic") {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "automatic executions begin with BeginAutomaticExecution", "trigger");
  }
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kInsertExecution);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  BindExecution(s, execution);
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
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  s.TextNoCopy(3, progress.status);
  s.Int(4, progress.actions_executed);
  s.TextOrNull(5, progress.error_message);
  s.TextNoCopy(6, progress.result_json);
  BindOptionalTime(s, 7, progress.completed_at);
  BindOptionalTime(s, 8, progress.lease_expires_at);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot update the execution"));
  if (sqlite3_changes(writer_->db()) == 0) return Fail(NotFound("execution not found"));
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
  if (rc == SQLITE_DONE) return Fail(NotFound("execution not found"));
  if (rc != SQLITE_ROW) return Fail(s.Failure("cannot read the execution"));
  return ReadExecution(s);
}

Result<ExecutionPage> SqliteStore::ListFlowExecutions(const std::string& workspace_id,
                                                      int64_t flow_id,
                                                      std::optional<int64_t> before_id, int limit) {
  if (auto ok = CheckLimit(limit); !ok) return Fail(ok.error());
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
