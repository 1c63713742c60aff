#pragma once
// The flow executor (SPEC §6.4): a WebhookConsumer that runs a workspace's matching enabled flows
// for each webhook the queue hands it, and the replay and test runs of the UI API.
//
// Bookkeeping, so that effects are at least once and never skipped:
// - A (webhook, flow) pair gets at most one automatic execution (a unique index). Its row is
//   written before the first action is sent, with status "running" and that action recorded
//   "running" with its request; each later write records the finished action and the one that
//   begins (one write per action boundary). Flows whose trigger or conditions do not match write
//   no row.
// - Delivered again after a crash, a webhook finds its executions: finished ones are left alone,
//   a running one resumes at its first unfinished action with the results of the earlier ones
//   (so `actions[N]` templates still render). An action recorded "running" has an unknown
//   outcome: GET/HEAD/PUT/DELETE are sent again; POST/PATCH are not — the action and the run
//   become "unknown" for the admin to replay. A resumed run follows the definition it started
//   with (kept in the execution), even if the flow was edited since.
// - Every flow that matches gets an automatic execution (also one the loop guard skips): the
//   queue records their number as the webhook's flows_matched.
// - Replays and tests run in the caller's thread (the UI API's blocking pool) and carry a lease
//   renewed at each action; one whose process died is found by its expired lease and finished
//   as "unknown" (an action was in flight) or "interrupted".
// - Statuses: success; error (the first failing action stopped a run in which none had
//   succeeded); partial (a failure after a success, or failures under continue_on_error with
//   some success); unknown; skipped (the loop guard); interrupted; running.
//
// Loop guard: before a new automatic run, the flow's automatic runs for the same entity (the
// payload's top-level "id") that started within the last 60 s — and since the flow was last
// saved — are counted from the executions table (so it holds across restarts and instances;
// a workspace's webhooks are consumed one at a time, so counts are never raced). At
// `flows.loop_guard_limit` runs the flow is paused (enabled=false, paused_reason) and the run is
// written as "skipped" with the reason. Payloads without an id are not guarded.
//
// Switches: nothing runs for an uninstalled or INACTIVE workspace, or unless the master switch
// UNIVERSAL_WEBHOOK_FLOW_ENABLE_FLOWS and the workspace's flows.enable_flows are both on; http
// actions need UNIVERSAL_WEBHOOK_FLOW_ENABLE_GENERIC_HTTP_ACTIONS and
// flows.enable_generic_http_actions (else the action fails saying so).
//
// Stopping: after RequestStop() a run stops at the next action boundary; an automatic one stays
// "running" and Consume returns kUnavailable "shutting_down" so the queue leaves the webhook for
// the next start, which resumes it.
//
// Thread-safe: Consume runs on several queue workers at once (different workspaces).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "clockify/openapi_catalog.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "flows/actions.hpp"
#include "flows/flow_definition.hpp"
#include "ingest/webhook_consumer.hpp"
#include "store/store.hpp"

namespace uwh::flows {

struct ExecutorOptions {
  bool enable_flows = true;                  // master switch
  bool enable_generic_http_actions = false;  // master switch
  WorkspaceSettings defaults;                // the workspace settings' defaults
  std::chrono::seconds loop_guard_window{60};
  std::chrono::milliseconds run_lease{60000};  // replays and tests, renewed at each action
  size_t max_result_bytes = 1 << 20;           // larger action results are not kept whole
};

// What a test run evaluates: a stored webhook, or a payload given in the request.
struct TestInput {
  std::optional<int64_t> webhook_id;
  nlohmann::json payload;
  std::string event_type;
  std::string source;  // CLOCKIFY or CUSTOM; empty: the flow's trigger source
};

class FlowExecutor final : public ingest::WebhookConsumer {
 public:
  // References must outlive the executor. `catalog` may be null (clockify_api actions then fail).
  FlowExecutor(store::Store& store, const Clock& clock, ActionTransport& transport,
               std::shared_ptr<const clockify::OpenApiCatalog> catalog, ExecutorOptions options);

  // Runs the flows for one webhook (see above). Errors: kUnavailable when stopping or when the
  // store failed (the queue retries the webhook; the bookkeeping makes that safe).
  [[nodiscard]] Result<void> Consume(const store::WebhookRecord& webhook,
                                     const nlohmann::json& payload) override;

  // POST /ui/webhooks/{id}/replay: runs every enabled flow whose trigger and conditions match the
  // stored webhook again, as new "replay" executions (replay_of: the pair's latest execution).
  // Blocking; returns the executions as they ended. kNotFound for an unknown webhook; kForbidden
  // "flows_disabled" when flows are off for the workspace.
  [[nodiscard]] Result<std::vector<store::FlowExecution>> Replay(const std::string& workspace_id,
                                                                 int64_t webhook_id);

  // POST /ui/flows/{id}/test. Dry run: {"trigger_matched","conditions":Explain,"matched",
  // "actions":[{"index","type","label","request"|"error"}]} with every request rendered and
  // nothing sent (an action that needs an earlier action's result says so). Otherwise, when the
  // trigger and conditions match, runs the flow as a "test" execution and adds "execution".
  [[nodiscard]] Result<nlohmann::json> Test(const store::Flow& flow, const TestInput& input,
                                            bool dry_run);

  // Finishes replays and tests whose lease expired. Returns how many. Also done by Consume now
  // and then.
  [[nodiscard]] Result<int> RecoverAbandoned();

  // Runs stop at their next action boundary from now on.
  void RequestStop() { stop_.store(true); }
  bool StopRequested() const { return stop_.load(); }

 private:
  struct RunState;
  struct Workspace;

  // The workspace's switches, or nullopt when flows do not run for it.
  Result<std::optional<Workspace>> LoadWorkspace(const std::string& workspace_id);
  Result<std::shared_ptr<const CompiledFlow>> Compiled(const store::Flow& flow);
  // Starts a new run (or resumes `state` when it holds a running execution) and runs actions to
  // the end or the next stop. kUnavailable when stopping or the store failed.
  Result<void> Run(const CompiledFlow& flow, const Workspace& ws, RunState& state);
  Result<void> Persist(RunState& state);
  Result<void> RunNewAutomatic(const store::Flow& flow, const CompiledFlow& compiled,
                               const Workspace& ws, const store::WebhookRecord& webhook,
                               const nlohmann::json& payload);
  Result<void> Resume(const store::FlowExecution& execution, const Workspace& ws,
                      const store::WebhookRecord& webhook, const nlohmann::json& payload);
  void MaybeRecoverAbandoned();

  store::Store& store_;
  const Clock& clock_;
  ActionTransport& transport_;
  std::shared_ptr<const clockify::OpenApiCatalog> catalog_;
  ExecutorOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> last_recovery_ms_{0};

  struct CacheEntry {
    std::string conditions_json;
    std::string actions_json;
    std::shared_ptr<const CompiledFlow> compiled;
  };
  std::mutex cache_mutex_;
  std::map<int64_t, CacheEntry> cache_;
};

}  // namespace uwh::flows
