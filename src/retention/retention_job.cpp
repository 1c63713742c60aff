#include "retention/retention_job.hpp"

#include <utility>

#include "common/logging.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::retention {
namespace {

std::chrono::system_clock::duration Days(int days) { return std::chrono::hours(24) * days; }

}  // namespace

RetentionJob::RetentionJob(RetentionOptions options, store::Store& store,
                           const WorkspaceSettings& defaults, const Clock& clock, RefreshFn refresh)
    : options_(options),
      store_(store),
      defaults_(defaults),
      clock_(clock),
      refresh_(std::move(refresh)) {}

RetentionJob::~RetentionJob() { Stop(); }

void RetentionJob::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void RetentionJob::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionJob::Loop() {
  std::unique_lock lock(mutex_);
  auto wait = options_.first_run;
  while (!wake_.wait_for(lock, wait, [&] { return stopping_; })) {
    lock.unlock();
    auto pass = RunOnce();
    if (!pass) {
      log::Error("retention pass failed", {{"error", pass.error().message}});
    } else if (pass->webhooks_deleted + pass->executions_deleted + pass->entities_purged > 0 ||
               pass->refreshes_started > 0) {
      log::Info("retention pass", {{"webhooks_deleted", std::to_string(pass->webhooks_deleted)},
                                   {"executions_deleted", std::to_string(pass->executions_deleted)},
                                   {"entities_purged", std::to_string(pass->entities_purged)},
                                   {"refreshes_started", std::to_string(pass->refreshes_started)}});
    }
    lock.lock();
    wait = options_.interval;
  }
}

Result<int64_t> RetentionJob::Drain(const std::function<Result<int64_t>(int limit)>& one) {
  int64_t total = 0;
  for (int batch = 0; batch < options_.max_batches; ++batch) {
    if (batch > 0 && options_.pause_between_batches.count() > 0) {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, options_.pause_between_batches, [&] { return stopping_; })) break;
    }
    auto deleted = one(options_.batch_size);
    if (!deleted) return deleted;
    total += *deleted;
    if (*deleted < options_.batch_size) break;
  }
  return total;
}

Result<RetentionPass> RetentionJob::RunOnce() {
  auto installations = store_.ListActiveInstallations();
  if (!installations) return Fail(installations.error());
  RetentionPass pass;
  for (const auto& installation : *installations) {
    const std::string& ws = installation.workspace_id;
    const WorkspaceSettings settings =
        lifecycle::EffectiveSettings(defaults_, installation.settings_json);
    const auto now = clock_.Now();

    const auto log_cutoff = now - Days(settings.webhooks_webhook_log_retention_days);
    auto webhooks = Drain(
        [&](int limit) { return store_.DeleteFinishedWebhooksBefore(ws, log_cutoff, limit); });
    if (!webhooks) return Fail(webhooks.error());
    pass.webhooks_deleted += *webhooks;

    const auto execution_cutoff = now - Days(settings.flows_flow_execution_retention_days);
    auto executions = Drain(
        [&](int limit) { return store_.DeleteFlowExecutionsBefore(ws, execution_cutoff, limit); });
    if (!executions) return Fail(executions.error());
    pass.executions_deleted += *executions;

    const auto cache_cutoff = now - Days(settings.data_cache_ttl_days);
    auto state = store_.GetBootstrapState(ws);
    if (state && state->status == "in_progress") continue;  // the run refreshes the cache
    const bool stale_bootstrap = state && state->status == "completed" && state->completed_at &&
                                 *state->completed_at < cache_cutoff;
    if (stale_bootstrap && settings.bootstrap_run_on_install && refresh_ && refresh_(ws)) {
      ++pass.refreshes_started;
      continue;
    }
    auto purged = Drain(
        [&](int limit) { return store_.PurgeEntitiesFetchedBefore(ws, cache_cutoff, limit); });
    if (!purged) return Fail(purged.error());
    pass.entities_purged += *purged;
  }
  return pass;
}

}  // namespace uwh::retention
