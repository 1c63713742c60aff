#include "ingest/webhook_queue.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "common/crypto.hpp"
#include "common/json_parse.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"
#include "ingest/custom_receiver.hpp"

namespace uwh::ingest {

namespace {

using nlohmann::json;

// The queue workers' nice value (0 is the other threads'; 10 gets about a tenth of their share
// of a busy CPU).
constexpr int kWorkerNice = 10;

// The payload as consumers see it: the JSON body, or a form body as an object of its fields.
Result<json> ParsePayload(const store::WebhookRecord& row) {
  json payload = row.content_type == "application/x-www-form-urlencoded"
                     ? ParseJson(FormToJson(row.payload))
                     : ParseJson(row.payload);
  if (payload.is_discarded()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the stored payload is not JSON");
  }
  return payload;
}

}  // namespace

WebhookQueue::WebhookQueue(store::Store& store, const Clock& clock, Options options)
    : store_(store), clock_(clock), options_(std::move(options)) {
  options_.workers = std::max(options_.workers, 1);
  options_.batch = std::max(options_.batch, 1);
  options_.max_attempts = std::max(options_.max_attempts, 1);
  if (options_.instance_id.empty()) options_.instance_id = RandomHex(8);
}

WebhookQueue::~WebhookQueue() { Stop(); }

void WebhookQueue::AddConsumer(WebhookConsumer* consumer) {
  if (consumer != nullptr) consumers_.push_back(consumer);
}

void WebhookQueue::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_ || stopping_) return;
  started_ = true;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this, i] { RunWorker(i); });
  heartbeat_ = std::thread([this] { RunHeartbeat(); });
}

void WebhookQueue::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wake_generation_;
  }
  wake_.notify_all();
}

void WebhookQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  if (heartbeat_.joinable()) heartbeat_.join();
}

bool WebhookQueue::Stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void WebhookQueue::RunWorker(int index) {
  // Taking webhooks in comes first: under load the HTTP threads and the group-commit writer get
  // the CPU, and the queue catches up with what they committed when they leave it some.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kWorkerNice) != 0) {
    log::Warn("webhook queue: cannot lower the workers' CPU priority");
  }
  const std::string owner = options_.instance_id + "/" + std::to_string(index);
  for (;;) {
    uint64_t generation = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      generation = wake_generation_;
    }
    const auto now = clock_.Now();
    auto claimed = store_.ClaimQueueWorkspace(owner, now, now + options_.lease);
    if (!claimed) {
      log::Warn("webhook queue: cannot claim work", {{"error", claimed.error().message}});
    } else if (*claimed) {
      const std::string workspace_id = **claimed;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        held_[owner] = workspace_id;
      }
      // Other workspaces may be waiting too: let an idle worker look.
      Wake();
      const Drained drained = DrainWorkspace(workspace_id, owner);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        held_.erase(owner);
      }
      if (drained.release_at) {
        if (auto r = store_.ReleaseQueueLease(workspace_id, owner, *drained.release_at); !r) {
          log::Warn("webhook queue: cannot release a lease",
                    {{"workspace_id", workspace_id}, {"error", r.error().message}});
        }
      }
      if (drained.more) Wake();
      continue;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, options_.poll_interval,
                   [&] { return stopping_ || wake_generation_ != generation; });
  }
}

WebhookQueue::Drained WebhookQueue::DrainWorkspace(const std::string& workspace_id,
                                                   const std::string& owner) {
  const log::Field ws{"workspace_id", workspace_id};
  if (Stopping()) return Drained{clock_.Now(), false};
  const auto now = clock_.Now();
  auto taken =
      store_.TakeQueuedWebhooks(workspace_id, owner, now, now + options_.lease, options_.batch);
  if (!taken) {
    log::Warn("webhook queue: cannot take webhooks", {ws, {"error", taken.error().message}});
    return Drained{now + options_.retry_backoff, false};
  }
  const std::vector<store::WebhookRecord>& rows = *taken;
  // Each row's outcome so far: its payload (nullopt once it failed before the consumers), the
  // consumers' errors.
  std::vector<std::optional<json>> payloads(rows.size());
  std::vector<std::string> errors(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].attempts > options_.max_attempts) {
      errors[i] = "given up after " + std::to_string(options_.max_attempts) + " attempts";
    } else if (auto payload = ParsePayload(rows[i]); !payload) {
      errors[i] = payload.error().message;
    } else {
      payloads[i] = std::move(*payload);
    }
  }
  // Rows [0, limit) are consumed; a "not now" at row r makes limit r, and that row stays
  // "processing" (its attempt counts) to be taken first next time.
  size_t limit = rows.size();
  size_t retry_row = rows.size();  // the row left in hand; rows.size(): none
  auto release_at = clock_.Now();
  for (WebhookConsumer* consumer : consumers_) {
    if (Stopping()) {
      limit = 0;  // all of the batch goes back untouched; the next start takes it up
      retry_row = rows.size();
      release_at = clock_.Now();
      break;
    }
    std::vector<WebhookConsumer::Delivery> batch;
    std::vector<size_t> row_of;
    for (size_t i = 0; i < limit; ++i) {
      if (!payloads[i]) continue;
      batch.push_back(WebhookConsumer::Delivery{&rows[i], &*payloads[i]});
      row_of.push_back(i);
    }
    if (batch.empty()) continue;
    std::vector<Result<void>> results;
    try {
      results = consumer->ConsumeBatch(batch);
    } catch (const std::exception& e) {
      results.assign(batch.size(), Fail(ErrorCode::kInternal, "consumer_failed", e.what()));
    }
    bool left_for_later = false;
    for (size_t k = 0; k < results.size() && k < batch.size(); ++k) {
      if (results[k]) continue;
      const size_t i = row_of[k];
      const Error& error = results[k].error();
      if (error.kind == ErrorCode::kUnavailable) {
        log::Info("webhook queue: webhook left for later",
                  {ws, {"webhook_id", std::to_string(rows[i].id)}, {"reason", error.message}});
        limit = i;
        retry_row = i;
        left_for_later = true;
        release_at = Stopping() ? clock_.Now() : clock_.Now() + options_.retry_backoff;
        break;
      }
      if (!errors[i].empty()) errors[i] += "; ";
      errors[i] += error.message;
    }
    // A consumer that stopped early without a "not now" breaks its contract: what it did not
    // take is left for later like a "not now" would.
    if (!left_for_later && results.size() < batch.size()) {
      limit = std::min(limit, row_of[results.size()]);
      retry_row = rows.size();
    }
  }
  std::vector<store::QueueCompletion> done;
  for (size_t i = 0; i < limit; ++i) {
    if (!errors[i].empty()) {
      log::Warn("webhook consumed with errors",
                {ws, {"webhook_id", std::to_string(rows[i].id)}, {"error", errors[i]}});
    }
    done.push_back(store::QueueCompletion{rows[i].id, errors[i].empty() ? "processed" : "error",
                                          std::move(errors[i])});
  }
  std::vector<int64_t> untouched;
  for (size_t i = retry_row < rows.size() ? retry_row + 1 : limit; i < rows.size(); ++i) {
    untouched.push_back(rows[i].id);
  }
  // One transaction for the whole batch: the consumers' work is at least once anyway, and a
  // crash before it only means these rows are consumed again.
  auto finished = store_.FinishQueuedWebhooks(workspace_id, owner, done, untouched, clock_.Now());
  if (!finished) {
    log::Warn("webhook queue: cannot finish webhooks", {ws, {"error", finished.error().message}});
    return Drained{clock_.Now() + options_.retry_backoff, false};
  }
  consumed_ += static_cast<uint64_t>(*finished);
  if (*finished < static_cast<int>(done.size())) {
    log::Warn("webhook queue: lost the lease while consuming", {ws});
    return Drained{std::nullopt, false};  // someone else holds the workspace now
  }
  const bool more = !rows.empty() && done.size() == rows.size();
  return Drained{release_at, more};
}

void WebhookQueue::RunHeartbeat() {
  const auto renew_every = std::max(options_.lease / 3, std::chrono::milliseconds(10));
  // The pending gauge is refreshed each poll interval (one COUNT on the status index), the
  // leases every third of their life.
  const auto tick = std::min(renew_every, std::max(options_.poll_interval,
                                                   std::chrono::milliseconds(10)));
  auto last_renewal = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, tick, [this] { return stopping_; });
    if (stopping_) break;
    if (std::chrono::steady_clock::now() - last_renewal >= renew_every) {
      last_renewal = std::chrono::steady_clock::now();
      // Under the lock: a worker erases its entry (then releases) only between renewals.
      for (const auto& [owner, workspace_id] : held_) {
        const auto until = clock_.Now() + options_.lease;
        auto renewed = store_.RenewQueueLease(workspace_id, owner, until);
        if (!renewed) {
          log::Warn("webhook queue: cannot renew a lease",
                    {{"workspace_id", workspace_id}, {"error", renewed.error().message}});
        } else if (!*renewed) {
          log::Warn("webhook queue: a lease was lost", {{"workspace_id", workspace_id}});
        }
      }
    }
    // Outside the lock: workers need not wait for the count.
    lock.unlock();
    if (auto pending = store_.CountQueuedWebhooks(); pending) {
      metrics::WebhookQueuePending().Set(static_cast<double>(*pending));
    }
    lock.lock();
  }
}

}  // namespace uwh::ingest
