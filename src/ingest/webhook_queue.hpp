#pragma once
// The durable webhook queue (SPEC §6.4): the webhook log is the queue. Worker threads take
// accepted rows and hand each one to every WebhookConsumer (the entity-cache refresher, then the
// flow executor), then mark it processed or error.
//
// Claiming. Order is per workspace, so the unit of claiming is a workspace: a worker first takes
// the workspace's lease — one row of universal_webhook_queue_lease, taken with a conditional
// upsert that succeeds only when the lease is free or expired — and, while it holds it, consumes
// that workspace's unconsumed webhooks oldest first. Rows are taken a batch at a time
// (Options::batch, by one UPDATE that checks the lease in the same statement, so a worker that
// lost its lease takes nothing), handed to each consumer in turn (WebhookConsumer::ConsumeBatch:
// the cache refresher writes the whole batch in one transaction before the flow executor sees
// its first webhook, so flows read a cache at least as new as their webhook) and finished in one
// transaction (fenced by the owner), then the lease is given up so that busy workspaces share
// the workers; the next claim goes to the workspace whose oldest waiting webhook is oldest.
// Workspaces run in parallel on different workers; each consumer sees a workspace's webhooks one
// after the other in id order, and no batch of a workspace starts before the previous one is
// finished.
// Nothing here is per process: the same statements give the same guarantees to several
// instances sharing one PostgreSQL database (owners are instance id + worker number).
//
// Crashes. A heartbeat renews the leases of the workspaces being worked on. When a worker dies
// its lease expires (Options::lease) and the next claimer takes the workspace up at its oldest
// unconsumed row: the rows of the dead worker's batch are still "processing" and are taken again
// one by one, each attempt counted, before anything newer. Delivery is therefore at least once;
// consumers make a repeat harmless (the flow executor keeps one execution per (webhook, flow)
// and resumes it where it stopped).
//
// This needs a workspace's ids to become visible in id order: a row committed late with an older
// id would be overtaken. SQLite has one writer; on PostgreSQL, where two instances' batches could
// draw ids in one order and commit in the other, a batch locks its workspaces before it draws
// ids (postgres_webhook_log.cpp).
//
// Failures. A consumer error is recorded on the row (status "error") and does not stop the other
// consumers. An error of kind kUnavailable means "not now" (shutting down, database busy): the
// row stays unconsumed and the workspace is retried after a backoff; after Options::max_attempts
// claims it is marked error.
//
// Wake-ups. Wake() (called by the group-commit writer after each commit) makes idle workers look
// at once; they also poll every Options::poll_interval for rows committed by another instance and
// for expired leases.
//
// Thread safety: AddConsumer before Start; Wake, Stop and the accessors from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "ingest/webhook_consumer.hpp"
#include "store/store.hpp"

namespace uwh::ingest {

class WebhookQueue {
 public:
  struct Options {
    int workers = 2;
    std::chrono::milliseconds lease{30000};
    std::chrono::milliseconds poll_interval{1000};
    int batch = 64;                                 // rows per lease before giving it up
    int max_attempts = 5;                           // claims before a row is marked error
    std::chrono::milliseconds retry_backoff{2000};  // after a kUnavailable consumer error
    std::string instance_id;                        // empty: a random one
  };

  // `store` and `clock` must outlive the queue. Starts nothing yet.
  WebhookQueue(store::Store& store, const Clock& clock, Options options);
  ~WebhookQueue();  // Stop()s
  WebhookQueue(const WebhookQueue&) = delete;
  WebhookQueue& operator=(const WebhookQueue&) = delete;

  // Consumers run in the order added. Not owned; must outlive the queue. Before Start only.
  void AddConsumer(WebhookConsumer* consumer);

  // Starts the workers and the heartbeat.
  void Start();

  // Idle workers look for work now. Cheap; thread-safe.
  void Wake();

  // Stops taking rows and joins the workers once each has finished (or abandoned, leaving it
  // unconsumed) the row in hand; their leases are given up. Consumers should stop at their
  // next safe point themselves (the flow executor stops at an action boundary). Idempotent.
  void Stop();

  // True once Stop() began.
  bool Stopping();

  const std::string& instance_id() const { return options_.instance_id; }
  // Rows processed or marked error by this instance since Start.
  uint64_t Consumed() const { return consumed_.load(); }

 private:
  struct Drained {
    // When others may take the workspace again; nullopt when the lease was lost (not ours).
    std::optional<std::chrono::system_clock::time_point> release_at;
    bool more = false;  // the batch ended with rows possibly left
  };

  void RunWorker(int index);
  void RunHeartbeat();
  // Consumes up to options_.batch rows of `workspace_id` under `owner`'s lease.
  Drained DrainWorkspace(const std::string& workspace_id, const std::string& owner);

  store::Store& store_;
  const Clock& clock_;
  Options options_;
  std::vector<WebhookConsumer*> consumers_;

  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t wake_generation_ = 0;
  bool stopping_ = false;
  // owner → workspace being worked on: what the heartbeat renews. Changed and renewed under
  // mutex_, and a lease is released only after it left this map, so a renewal never outlives
  // the release.
  std::map<std::string, std::string> held_;

  std::atomic<uint64_t> consumed_{0};
  std::vector<std::thread> workers_;
  std::thread heartbeat_;
  bool started_ = false;
};

}  // namespace uwh::ingest
