#pragma once
// The one background job that keeps old data from piling up (SPEC §10, §9), per active
// installation and with the workspace's own settings:
//   - webhook-log rows older than webhooks.webhook_log_retention_days whose handling is finished
//     (never the queue's "received" or "processing" rows), with their executions;
//   - flow executions older than flows.flow_execution_retention_days (by started_at);
//   - cache entries older than data.cache_ttl_days: refreshed when the workspace's last
//     completed bootstrap is that old and bootstrap.run_on_install allows automatic runs (a new
//     bootstrap fetches everything again and removes what Clockify no longer has), otherwise
//     purged. Nothing is purged while the workspace's bootstrap runs.
// Every delete is a small batch in its own transaction, so ingestion is never held up for long.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "store/store.hpp"

namespace uwh::retention {

struct RetentionOptions {
  std::chrono::milliseconds first_run{std::chrono::seconds(60)};  // after Start()
  std::chrono::milliseconds interval{std::chrono::minutes(10)};
  int batch_size = 500;
  // Per table and workspace in one pass; what is left waits for the next pass.
  int max_batches = 20;
  std::chrono::milliseconds pause_between_batches{10};
};

// What one pass did.
struct RetentionPass {
  int64_t webhooks_deleted = 0;
  int64_t executions_deleted = 0;
  int64_t entities_purged = 0;
  int refreshes_started = 0;
};

class RetentionJob {
 public:
  // Starts a refresh bootstrap of the workspace; false when none could start. Blocking.
  using RefreshFn = std::function<bool(const std::string& workspace_id)>;

  // Everything passed must outlive the job.
  RetentionJob(RetentionOptions options, store::Store& store, const WorkspaceSettings& defaults,
               const Clock& clock, RefreshFn refresh);
  ~RetentionJob();
  RetentionJob(const RetentionJob&) = delete;
  RetentionJob& operator=(const RetentionJob&) = delete;

  // Runs a pass after first_run, then every interval, on its own thread, until Stop().
  void Start();
  void Stop();

  // One pass over every active installation, now (by the clock). A store error ends the pass
  // with it; what was deleted before stays deleted.
  [[nodiscard]] Result<RetentionPass> RunOnce();

 private:
  // Deletes batches with `one` until a batch comes back short or max_batches; returns the total.
  Result<int64_t> Drain(const std::function<Result<int64_t>(int limit)>& one);
  void Loop();

  RetentionOptions options_;
  store::Store& store_;
  const WorkspaceSettings& defaults_;
  const Clock& clock_;
  RefreshFn refresh_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace uwh::retention
