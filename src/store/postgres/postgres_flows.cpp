// PostgresStore: flows, executions and the webhook queue are not yet on PostgreSQL; every call
// answers kUnavailable so that a server on PostgreSQL refuses flows instead of misbehaving.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/postgres/postgres_store.hpp"

namespace uwh::store {
namespace {
Error NotYet() {
  return Error::Make(ErrorCode::kUnavailable, "not_available",
                     "flows are not available on PostgreSQL yet");
}
}  // namespace

Result<Flow> PostgresStore::CreateFlow(const Flow&) { return Fail(NotYet()); }
Result<Flow> PostgresStore::GetFlow(const std::string&, int64_t) { return Fail(NotYet()); }
Result<FlowPage> PostgresStore::ListFlows(const std::string&, std::optional<int64_t>, int) { return Fail(NotYet()); }
Result<Flow> PostgresStore::UpdateFlow(const Flow&) { return Fail(NotYet()); }
Result<void> PostgresStore::DeleteFlow(const std::string&, int64_t) { return Fail(NotYet()); }
Result<std::vector<Flow>> PostgresStore::ListTriggeredFlows(const std::string&, const std::string&, const std::string&) { return Fail(NotYet()); }
Result<bool> PostgresStore::PauseFlow(const std::string&, int64_t, const std::string&, TimePoint) { return Fail(NotYet()); }
Result<FlowCounts> PostgresStore::CountFlows(const std::string&) { return Fail(NotYet()); }
Result<BeginOutcome> PostgresStore::BeginAutomaticExecution(const FlowExecution&) { return Fail(NotYet()); }
Result<FlowExecution> PostgresStore::CreateExecution(const FlowExecution&) { return Fail(NotYet()); }
Result<void> PostgresStore::UpdateExecution(const std::string&, int64_t, const ExecutionProgress&) { return Fail(NotYet()); }
Result<FlowExecution> PostgresStore::GetExecution(const std::string&, int64_t) { return Fail(NotYet()); }
Result<ExecutionPage> PostgresStore::ListFlowExecutions(const std::string&, int64_t, std::optional<int64_t>, int) { return Fail(NotYet()); }
Result<std::vector<FlowExecution>> PostgresStore::ListWebhookExecutions(const std::string&, int64_t) { return Fail(NotYet()); }
Result<int64_t> PostgresStore::CountRecentRuns(const std::string&, int64_t, const std::string&, TimePoint) { return Fail(NotYet()); }
Result<ExecutionStats> PostgresStore::GetExecutionStats(const std::string&, TimePoint) { return Fail(NotYet()); }
Result<std::vector<FlowExecution>> PostgresStore::ListAbandonedExecutions(TimePoint, int) { return Fail(NotYet()); }
Result<std::optional<std::string>> PostgresStore::FindCachedEntity(const std::string&, const std::string&, const std::string&) { return Fail(NotYet()); }
Result<std::optional<std::string>> PostgresStore::ClaimQueueWorkspace(const std::string&, TimePoint, TimePoint) { return Fail(NotYet()); }
Result<bool> PostgresStore::RenewQueueLease(const std::string&, const std::string&, TimePoint) { return Fail(NotYet()); }
Result<void> PostgresStore::ReleaseQueueLease(const std::string&, const std::string&, TimePoint) { return Fail(NotYet()); }
Result<std::vector<WebhookRecord>> PostgresStore::TakeQueuedWebhooks(const std::string&, const std::string&, TimePoint, TimePoint, int) { return Fail(NotYet()); }
Result<int> PostgresStore::FinishQueuedWebhooks(const std::string&, const std::string&, std::span<const QueueCompletion>, std::span<const int64_t>, TimePoint) { return Fail(NotYet()); }
Result<int64_t> PostgresStore::CountQueuedWebhooks() { return Fail(NotYet()); }

}  // namespace uwh::store
