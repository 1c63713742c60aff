#include "ingest/group_commit_writer.hpp"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

namespace uwh::ingest {

GroupCommitWriter::GroupCommitWriter(store::Store& store, Options options)
    : store_(store), options_(options) {
  options_.max_batch = std::max<size_t>(options_.max_batch, 1);
  thread_ = std::thread([this] { Run(); });
}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

void GroupCommitWriter::Submit(store::NewWebhook row, Done done) {
  // A row the store cannot keep would fail every row of its batch: it is refused alone, now.
  if (auto storable = store::CheckStorable(row); !storable) {
    if (done) done(tl::unexpected(storable.error()));
    return;
  }
  bool accepted = false;
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      was_empty = queue_.empty();
      queue_.push_back(Item{std::move(row), std::move(done)});
      accepted = true;
    }
  }
  if (!accepted) {
    if (done) done(Fail(ErrorCode::kUnavailable, "shutting_down", "the server is shutting down"));
    return;
  }
  // The writer only sleeps on an empty queue; otherwise it will see the row when it looks again.
  if (was_empty) wake_.notify_one();
}

void GroupCommitWriter::Stop() {
  std::thread writer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (thread_.get_id() == std::this_thread::get_id()) {
      // Called from a completion callback: the writer cannot join itself. It ends by itself once
      // drained, and a later Stop() (the destructor's) joins it.
      return;
    }
    writer = std::move(thread_);
  }
  wake_.notify_all();
  if (writer.joinable()) {
    writer.join();
    return;
  }
  // Another Stop() owns the join: still return only once everything submitted is committed.
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return queue_.empty(); });
}

size_t GroupCommitWriter::Pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

uint64_t GroupCommitWriter::CommittedBatches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return batches_;
}

void GroupCommitWriter::Run() {
  std::vector<store::NewWebhook> rows;
  std::vector<Done> dones;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping and drained

    // Items stay queued (and counted by Pending()) until committed; only their rows move out, so
    // Submit() can keep appending while the batch is written.
    const size_t n = std::min(queue_.size(), options_.max_batch);
    rows.clear();
    rows.reserve(n);
    for (size_t i = 0; i < n; ++i) rows.push_back(std::move(queue_[i].row));
    lock.unlock();

    Result<std::vector<store::AppendOutcome>> outcomes;
    try {
      outcomes = store_.AppendWebhooks(rows);
    } catch (const std::exception& e) {
      outcomes = Fail(ErrorCode::kInternal, "database_error", e.what());
    }
    if (outcomes && outcomes->size() != n) {
      outcomes = Fail(ErrorCode::kInternal, "database_error",
                      "the store returned a wrong number of outcomes");
    }

    lock.lock();
    dones.clear();
    dones.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      dones.push_back(std::move(queue_.front().done));
      queue_.pop_front();
    }
    if (outcomes) ++batches_;
    const bool notify_stoppers = stopping_ && queue_.empty();
    lock.unlock();
    if (notify_stoppers) wake_.notify_all();
    if (outcomes && options_.on_commit) options_.on_commit();

    for (size_t i = 0; i < n; ++i) {
      // A throwing callback must not kill the writer and strand every later submission.
      try {
        if (!dones[i]) continue;
        if (outcomes) {
          dones[i]((*outcomes)[i]);
        } else {
          dones[i](tl::unexpected(outcomes.error()));
        }
      } catch (...) {
      }
    }
    dones.clear();
    lock.lock();
  }
}

}  // namespace uwh::ingest
