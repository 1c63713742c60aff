#pragma once
// Group commit for the webhook log: callers submit rows from any thread; one writer thread
// appends everything pending in one durable transaction and then completes each submission. A
// completion with a value means the row is committed (or was a duplicate of a committed row).
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "store/store.hpp"

namespace uwh::ingest {

class GroupCommitWriter {
 public:
  using Done = std::function<void(Result<store::AppendOutcome>)>;

  struct Options {
    size_t max_batch = 1024;  // rows per transaction at most
    // Runs on the writer thread after each committed batch (the webhook queue's Wake): keep it
    // short and non-blocking.
    std::function<void()> on_commit;
  };

  // `store` must outlive the writer. Starts the writer thread.
  GroupCommitWriter(store::Store& store, Options options);
  ~GroupCommitWriter();  // Stop()s
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Thread-safe. `done` runs exactly once, on the writer thread (keep it short: post elsewhere).
  // After Stop() began, completes at once with kUnavailable "shutting_down"; a row that fails
  // store::CheckStorable() (text PostgreSQL could not keep) completes at once with that error.
  void Submit(store::NewWebhook row, Done done);

  // Commits everything submitted so far, then joins the thread. Idempotent.
  void Stop();

  // Rows waiting for a commit (queue depth).
  size_t Pending() const;
  uint64_t CommittedBatches() const;

 private:
  struct Item {
    store::NewWebhook row;
    Done done;
  };
  void Run();

  store::Store& store_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  uint64_t batches_ = 0;
  std::thread thread_;
};

}  // namespace uwh::ingest
