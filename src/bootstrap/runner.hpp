#pragma once
// Runs workspaces' GET bootstraps (SPEC §9) in the background: pages through every planned
// operation at the workspace's rate, upserts each page's entities and its checkpoint in one
// transaction, and writes progress as it goes.
//
// Resumable: a run is claimed in the store with a lease that this runner renews while it works.
// A run whose lease expired while it was in_progress (the process was killed) is taken up again
// by any runner sharing the database — this one at its next start — and continues from its
// checkpoints: finished endpoints are not fetched again, an unfinished one from its first
// uncommitted page. A graceful Stop() releases the lease so that the next start resumes at once.
//
// Failures: an endpoint answering 4xx or, after retries, 5xx is recorded on its checkpoint and
// skipped (a missing feature or scope is a 403/404); a failing core operation, a 401 (the token
// no longer works) or an unreachable API ends the run in "error" with the reason.
//
// At the end of a run that completed, entities of a type that every one of its operations
// fetched in full, but that this run did not see again, are deleted: the cache then holds what
// Clockify has, plus what webhooks added while the run went on.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "clockify/api_client.hpp"
#include "clockify/openapi_catalog.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "lifecycle/installation_service.hpp"
#include "store/store.hpp"

namespace uwh::bootstrap {

struct RunnerOptions {
  std::chrono::milliseconds lease{15000};
  // How often leases are renewed and interrupted runs looked for.
  std::chrono::milliseconds heartbeat{2000};
  int page_size = 50;
  // Requests in flight per run. They all pace through the workspace's limiter, so the rate is
  // max_rps whatever this is; more than one hides each request's latency and commit.
  int parallel = 3;
  // After the API client's own retries, a page answered 429, 5xx or nothing is tried this many
  // more times (after Retry-After or a growing pause) before it counts as failed.
  int page_rounds = 4;
  std::chrono::milliseconds round_pause{1000};
  int max_pages = 10000;  // per endpoint: a guard against a list that never ends
};

class BootstrapRunner final : public lifecycle::LifecycleListener {
 public:
  // Blocking call to Clockify (ApiClient::Call) and where/as whom to call for a workspace.
  using CallFn = std::function<Result<clockify::ApiResponse>(const clockify::ApiTarget&,
                                                             const clockify::ApiRequest&)>;
  using TargetFn = std::function<Result<clockify::ApiTarget>(const std::string& workspace_id)>;

  // `catalog` may be null (no OpenAPI document): runs then end in error saying so. Everything
  // passed must outlive the runner.
  BootstrapRunner(RunnerOptions options, store::Store& store,
                  std::shared_ptr<const clockify::OpenApiCatalog> catalog,
                  const WorkspaceSettings& defaults, TargetFn target, CallFn call,
                  const Clock& clock);
  ~BootstrapRunner() override;
  BootstrapRunner(const BootstrapRunner&) = delete;
  BootstrapRunner& operator=(const BootstrapRunner&) = delete;

  // Starts the thread that renews leases and resumes interrupted runs (at once, then every
  // heartbeat).
  void Start();
  // Stops every run at a request boundary and waits for them; their leases are released so the
  // next start resumes them. Idempotent.
  void Stop();

  // Starts a fresh run (POST /ui/bootstrap/trigger). Returns the state it starts from.
  // kConflict "conflict" when one is running (here, or in another instance under a live lease);
  // kUnavailable "spec_unavailable" without an OpenAPI document.
  [[nodiscard]] Result<store::BootstrapState> Trigger(const std::string& workspace_id);

  // The instance id written as the lease owner.
  const std::string& owner() const { return owner_; }

  // Blocks until no run of this runner is active, or the timeout passes; false on timeout.
  bool WaitUntilIdleForTest(std::chrono::milliseconds timeout);

  // Lifecycle: start on install when run_on_install; re-run after a change of bootstrap
  // settings when run_on_install; stop the workspace's run on uninstall. Each hands the work to
  // the run's own thread and returns.
  void OnInstalled(const store::Installation& installation,
                   const WorkspaceSettings& settings) override;
  void OnUninstalled(const std::string& workspace_id) override;
  void OnSettingsUpdated(const std::string& workspace_id, const WorkspaceSettings& before,
                         const WorkspaceSettings& after) override;

 private:
  class Run;
  enum class Claim { kFresh, kResume };

  // Claims and launches a run; kConflict when it cannot be claimed. Caller holds mutex_.
  Result<void> LaunchLocked(const std::string& workspace_id, Claim claim);
  // Starts afresh, or asks the running one to start over.
  void Restart(const std::string& workspace_id, const char* why);
  void Supervise();
  void ReapLocked();
  store::BootstrapLease LeaseNow() const;

  RunnerOptions options_;
  store::Store& store_;
  std::shared_ptr<const clockify::OpenApiCatalog> catalog_;
  const WorkspaceSettings& defaults_;
  TargetFn target_;
  CallFn call_;
  const Clock& clock_;
  std::string owner_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::unique_ptr<Run>> runs_;  // by workspace
  bool stopping_ = false;
  std::thread supervisor_;
};

}  // namespace uwh::bootstrap
