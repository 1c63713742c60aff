#include "ingest/group_commit_writer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace uwh::ingest {
namespace {

using store::AppendOutcome;
using store::NewWebhook;
using store::Store;
using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;

constexpr auto kWaitLimit = std::chrono::seconds(60);

// A temporary SQLite database (durable, as in production) with the schema applied.
class TempStore {
 public:
  TempStore() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "uwh_ingest_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    auto opened = store::OpenStore("sqlite:///" + (dir_ / "uwh.db").string(), true);
    if (!opened || !(*opened)->Migrate()) std::abort();
    store_ = std::move(*opened);
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Store& get() { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

// Counts completions; Wait() blocks until `n` have arrived.
class Completions {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++count_;
    cv_.notify_all();
  }
  bool Wait(size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kWaitLimit, [&] { return count_ >= n; });
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t count_ = 0;
};

NewWebhook Row(const std::string& workspace_id, const std::string& payload) {
  NewWebhook w;
  w.workspace_id = workspace_id;
  w.event_type = "NEW_TIME_ENTRY";
  w.source = "CLOCKIFY";
  w.payload = payload;
  w.headers_json = "{}";
  w.content_type = "application/json";
  return w;
}

class MockStore : public Store {
 public:
  MOCK_METHOD(Result<int>, Migrate, (), (override));
  MOCK_METHOD(Result<int>, SchemaVersion, (), (override));
  MOCK_METHOD(int, LatestSchemaVersion, (), (const, override));
  MOCK_METHOD(Result<bool>, Ping, (), (override));
  MOCK_METHOD(Result<store::Installation>, UpsertInstallation, (const store::Installation&),
              (override));
  MOCK_METHOD(Result<store::Installation>, GetInstallation, (const std::string&), (override));
  MOCK_METHOD(Result<std::vector<store::Installation>>, ListActiveInstallations, (), (override));
  MOCK_METHOD(Result<void>, DeactivateInstallation, (const std::string&), (override));
  MOCK_METHOD(Result<void>, UpdateSettings, (const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<void>, UpdateStatus, (const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<void>, ReplaceWebhookTokens,
              (const std::string&, const std::string&, const std::vector<store::WebhookToken>&),
              (override));
  MOCK_METHOD(Result<store::WebhookToken>, FindWebhookToken, (const std::string&), (override));
  MOCK_METHOD(Result<std::vector<store::WebhookToken>>, ListWebhookTokens, (const std::string&),
              (override));
  MOCK_METHOD(Result<void>, ReplaceWebhookRegistrations,
              (const std::string&, const std::vector<store::WebhookRegistration>&), (override));
  MOCK_METHOD(Result<std::vector<store::WebhookRegistration>>, ListWebhookRegistrations,
              (const std::string&), (override));
  MOCK_METHOD(Result<std::vector<AppendOutcome>>, AppendWebhooks, (std::span<const NewWebhook>),
              (override));
  MOCK_METHOD(Result<store::WebhookRecord>, GetWebhook, (const std::string&, int64_t), (override));
  MOCK_METHOD(Result<int64_t>, CountWebhooks, (const std::string&), (override));
  MOCK_METHOD(Result<store::WebhookPage>, ListWebhooks,
              (const std::string&, const store::WebhookFilter&, std::optional<int64_t>, int),
              (override));
  MOCK_METHOD(Result<store::WebhookStats>, GetWebhookStats,
              (const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<std::vector<int64_t>>, CountWebhooksByHour,
              (const std::string&, store::TimePoint, int), (override));
  MOCK_METHOD(Result<store::CustomSource>, CreateCustomSource, (const store::CustomSource&),
              (override));
  MOCK_METHOD(Result<store::CustomSource>, GetCustomSource,
              (const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<std::vector<store::CustomSource>>, ListCustomSources, (const std::string&),
              (override));
  MOCK_METHOD(Result<void>, DeleteCustomSource, (const std::string&, const std::string&),
              (override));
  MOCK_METHOD(Result<void>, EnsureBootstrapState, (const std::string&), (override));
  MOCK_METHOD(Result<store::BootstrapState>, GetBootstrapState, (const std::string&), (override));
  // Flows, executions and the queue: not used by the writer.
  MOCK_METHOD(Result<store::Flow>, CreateFlow, (const store::Flow&), (override));
  MOCK_METHOD(Result<store::Flow>, GetFlow, (const std::string&, int64_t), (override));
  MOCK_METHOD(Result<store::FlowPage>, ListFlows,
              (const std::string&, std::optional<int64_t>, int), (override));
  MOCK_METHOD(Result<store::Flow>, UpdateFlow, (const store::Flow&), (override));
  MOCK_METHOD(Result<void>, DeleteFlow, (const std::string&, int64_t), (override));
  MOCK_METHOD(Result<std::vector<store::Flow>>, ListTriggeredFlows,
              (const std::string&, const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<bool>, PauseFlow,
              (const std::string&, int64_t, const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<store::FlowCounts>, CountFlows, (const std::string&), (override));
  MOCK_METHOD(Result<store::BeginOutcome>, BeginAutomaticExecution, (const store::FlowExecution&),
              (override));
  MOCK_METHOD(Result<store::FlowExecution>, CreateExecution, (const store::FlowExecution&),
              (override));
  MOCK_METHOD(Result<void>, UpdateExecution,
              (const std::string&, int64_t, const store::ExecutionProgress&), (override));
  MOCK_METHOD(Result<store::FlowExecution>, GetExecution, (const std::string&, int64_t),
              (override));
  MOCK_METHOD(Result<store::ExecutionPage>, ListFlowExecutions,
              (const std::string&, int64_t, std::optional<int64_t>, int), (override));
  MOCK_METHOD(Result<std::vector<store::FlowExecution>>, ListWebhookExecutions,
              (const std::string&, int64_t), (override));
  MOCK_METHOD(Result<int64_t>, CountRecentRuns,
              (const std::string&, int64_t, const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<store::ExecutionStats>, GetExecutionStats,
              (const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<std::vector<int64_t>>, CountExecutionsByHour,
              (const std::string&, store::TimePoint, int), (override));
  MOCK_METHOD(Result<std::vector<store::FlowExecution>>, ListAbandonedExecutions,
              (store::TimePoint, int), (override));
  MOCK_METHOD(Result<std::optional<std::string>>, FindCachedEntity,
              (const std::string&, const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<std::optional<std::string>>, ClaimQueueWorkspace,
              (const std::string&, store::TimePoint, store::TimePoint), (override));
  MOCK_METHOD(Result<bool>, RenewQueueLease,
              (const std::string&, const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<void>, ReleaseQueueLease,
              (const std::string&, const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<std::vector<store::WebhookRecord>>, TakeQueuedWebhooks,
              (const std::string&, const std::string&, store::TimePoint, store::TimePoint, int),
              (override));
  MOCK_METHOD(Result<int>, FinishQueuedWebhooks,
              (const std::string&, const std::string&, std::span<const store::QueueCompletion>,
               std::span<const int64_t>, store::TimePoint),
              (override));
  MOCK_METHOD(Result<int64_t>, CountQueuedWebhooks, (), (override));
  MOCK_METHOD(Result<void>, UpsertEntities,
              (const std::string&, std::span<const store::CachedEntity>), (override));
  MOCK_METHOD(Result<bool>, DeleteEntity,
              (const std::string&, const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<store::CachedEntity>, GetEntity,
              (const std::string&, const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<store::EntityPage>, ListEntities,
              (const std::string&, const std::string&, std::optional<std::string>, int),
              (override));
  MOCK_METHOD(Result<std::vector<std::string>>, ListEntityIds,
              (const std::string&, const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<std::vector<store::CountByKey>>, CountEntitiesByType, (const std::string&),
              (override));
  MOCK_METHOD(Result<int64_t>, DeleteEntitiesFetchedBefore,
              (const std::string&, const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<int64_t>, PurgeEntitiesFetchedBefore,
              (const std::string&, store::TimePoint, int), (override));
  MOCK_METHOD(Result<bool>, StartBootstrap, (const std::string&, const store::BootstrapLease&),
              (override));
  MOCK_METHOD(Result<bool>, ResumeBootstrap, (const std::string&, const store::BootstrapLease&),
              (override));
  MOCK_METHOD(Result<std::vector<std::string>>, ListResumableBootstraps, (store::TimePoint),
              (override));
  MOCK_METHOD(Result<bool>, RenewBootstrapLease,
              (const std::string&, const store::BootstrapLease&), (override));
  MOCK_METHOD(Result<bool>, ReleaseBootstrapLease,
              (const std::string&, const std::string&, store::TimePoint), (override));
  MOCK_METHOD(Result<bool>, UpdateBootstrapProgress,
              (const std::string&, const std::string&, int, int, int), (override));
  MOCK_METHOD(Result<bool>, FinishBootstrap,
              (const std::string&, const std::string&, const std::string&, const std::string&,
               store::TimePoint),
              (override));
  MOCK_METHOD(Result<std::vector<store::BootstrapCheckpoint>>, ListBootstrapCheckpoints,
              (const std::string&), (override));
  MOCK_METHOD(Result<void>, CommitBootstrapProgress,
              (const std::string&, const store::BootstrapLease&,
               std::span<const store::BootstrapCheckpoint>, std::span<const store::CachedEntity>),
              (override));
  MOCK_METHOD(Result<int64_t>, DeleteFinishedWebhooksBefore,
              (const std::string&, store::TimePoint, int), (override));
  MOCK_METHOD(Result<int64_t>, DeleteFlowExecutionsBefore,
              (const std::string&, store::TimePoint, int), (override));
};

// Successful outcomes with ids counting up from 1.
Result<std::vector<AppendOutcome>> Succeed(std::span<const NewWebhook> batch) {
  static std::atomic<int64_t> next{1};
  std::vector<AppendOutcome> out;
  for (size_t i = 0; i < batch.size(); ++i) out.push_back({next.fetch_add(1), false});
  return out;
}

TEST(GroupCommitWriterTest, ManyThreadsEveryRowCommittedOnceWithDistinctIds) {
  TempStore db;
  GroupCommitWriter writer(db.get(), {.max_batch = 256});
  constexpr int kThreads = 16;
  constexpr int kPerThread = 250;
  constexpr int kTotal = kThreads * kPerThread;

  // calls[t * kPerThread + i] counts the completions of that row; ids[...] keeps its id.
  std::vector<std::atomic<int>> calls(kTotal);
  std::vector<int64_t> ids(kTotal, 0);
  std::atomic<int> failures{0};
  Completions completions;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int slot = t * kPerThread + i;
        writer.Submit(Row("ws-" + std::to_string(t % 3), "{\"slot\":" + std::to_string(slot) + "}"),
                      [&, slot](Result<AppendOutcome> r) {
                        if (r && !r->duplicate) {
                          ids[slot] = r->id;
                        } else {
                          failures.fetch_add(1);
                        }
                        calls[slot].fetch_add(1);
                        completions.Add();
                      });
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(completions.Wait(kTotal));
  writer.Stop();

  EXPECT_EQ(completions.count(), static_cast<size_t>(kTotal));
  EXPECT_EQ(failures.load(), 0);
  for (int s = 0; s < kTotal; ++s) ASSERT_EQ(calls[s].load(), 1) << "slot " << s;
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), static_cast<size_t>(kTotal));

  // Everything is readable, each row where its id says.
  int64_t total = 0;
  for (int w = 0; w < 3; ++w) total += db.get().CountWebhooks("ws-" + std::to_string(w)).value();
  EXPECT_EQ(total, kTotal);
  for (int s = 0; s < kTotal; ++s) {
    const int t = s / kPerThread;
    auto row = db.get().GetWebhook("ws-" + std::to_string(t % 3), ids[s]);
    ASSERT_TRUE(row) << "slot " << s;
    ASSERT_EQ(row->payload, "{\"slot\":" + std::to_string(s) + "}");
  }
  // Under concurrency rows share commits.
  EXPECT_LT(writer.CommittedBatches(), static_cast<uint64_t>(kTotal));
  EXPECT_GE(writer.CommittedBatches(), static_cast<uint64_t>(kTotal / 256));
  EXPECT_EQ(writer.Pending(), 0u);
}

// Holds every AppendWebhooks call until released; records batch sizes.
class GatedStore {
 public:
  Result<std::vector<AppendOutcome>> Append(std::span<const NewWebhook> batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    sizes_.push_back(batch.size());
    entered_.notify_all();
    released_cv_.wait(lock, [&] { return released_; });
    return Succeed(batch);
  }
  void WaitEntered(size_t calls) {
    std::unique_lock<std::mutex> lock(mutex_);
    entered_.wait(lock, [&] { return sizes_.size() >= calls; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    released_cv_.notify_all();
  }
  std::vector<size_t> sizes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sizes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable entered_;
  std::condition_variable released_cv_;
  bool released_ = false;
  std::vector<size_t> sizes_;
};

TEST(GroupCommitWriterTest, BatchesTakeEverythingPendingUpToMaxBatch) {
  MockStore mock;
  GatedStore gate;
  EXPECT_CALL(mock, AppendWebhooks(_)).WillRepeatedly(Invoke([&](std::span<const NewWebhook> b) {
    return gate.Append(b);
  }));
  GroupCommitWriter writer(mock, {.max_batch = 10});
  Completions completions;
  auto done = [&](Result<AppendOutcome> r) {
    EXPECT_TRUE(r);
    completions.Add();
  };
  writer.Submit(Row("ws-1", "{}"), done);
  gate.WaitEntered(1);  // the first row is being written alone
  for (int i = 0; i < 25; ++i) writer.Submit(Row("ws-1", "{}"), done);
  EXPECT_EQ(writer.Pending(), 26u);  // in flight counts until committed
  gate.Release();
  ASSERT_TRUE(completions.Wait(26));
  writer.Stop();
  EXPECT_EQ(gate.sizes(), (std::vector<size_t>{1, 10, 10, 5}));
  EXPECT_EQ(writer.CommittedBatches(), 4u);
}

TEST(GroupCommitWriterTest, StopDrainsEverythingSubmitted) {
  MockStore mock;
  GatedStore gate;
  EXPECT_CALL(mock, AppendWebhooks(_)).WillRepeatedly(Invoke([&](std::span<const NewWebhook> b) {
    return gate.Append(b);
  }));
  GroupCommitWriter writer(mock, {.max_batch = 8});
  Completions completions;
  std::atomic<int> ok{0};
  auto done = [&](Result<AppendOutcome> r) {
    if (r) ok.fetch_add(1);
    completions.Add();
  };
  writer.Submit(Row("ws-1", "{}"), done);
  gate.WaitEntered(1);
  for (int i = 0; i < 40; ++i) writer.Submit(Row("ws-1", "{}"), done);

  auto stopped = std::async(std::launch::async, [&] {
    writer.Stop();
    return completions.count();  // what had completed when Stop() returned
  });
  // Once Stop() has begun, new rows are refused at once, on the caller's thread; rows accepted
  // before that must be drained as well.
  for (;;) {
    auto refused = std::make_shared<std::optional<Result<AppendOutcome>>>();
    writer.Submit(Row("ws-1", "{}"), [&done, refused](Result<AppendOutcome> r) {
      if (!r && r.error().code == "shutting_down") {
        *refused = std::move(r);
      } else {
        done(std::move(r));
      }
    });
    if (refused->has_value()) {
      EXPECT_EQ((*refused)->error().kind, ErrorCode::kUnavailable);
      break;
    }
    std::this_thread::yield();
  }
  gate.Release();
  const size_t completed_at_stop = stopped.get();
  EXPECT_EQ(completed_at_stop, completions.count());
  EXPECT_EQ(static_cast<size_t>(ok.load()), completions.count());
  EXPECT_GE(ok.load(), 41);
  EXPECT_EQ(writer.Pending(), 0u);
}

TEST(GroupCommitWriterTest, SubmitAfterStopCompletesAtOnce) {
  TempStore db;
  GroupCommitWriter writer(db.get(), {});
  writer.Stop();
  writer.Stop();  // idempotent
  bool called = false;
  writer.Submit(Row("ws-1", "{}"), [&](Result<AppendOutcome> r) {
    called = true;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorCode::kUnavailable);
    EXPECT_EQ(r.error().code, "shutting_down");
  });
  EXPECT_TRUE(called);
  EXPECT_EQ(db.get().CountWebhooks("ws-1").value(), 0);
}

TEST(GroupCommitWriterTest, BatchErrorReachesEveryItemAndTheWriterGoesOn) {
  MockStore mock;
  GatedStore gate;
  std::atomic<int> calls{0};
  EXPECT_CALL(mock, AppendWebhooks(_))
      .WillRepeatedly(
          Invoke([&](std::span<const NewWebhook> b) -> Result<std::vector<AppendOutcome>> {
            if (calls.fetch_add(1) == 0) {
              // The first (single-row) batch waits so that the next one collects several rows.
              return gate.Append(b);
            }
            if (calls.load() == 2)
              return Fail(ErrorCode::kInternal, "database_error", "disk I/O error");
            return Succeed(b);
          }));
  GroupCommitWriter writer(mock, {});
  std::mutex mutex;
  std::vector<Result<AppendOutcome>> results;
  Completions completions;
  auto done = [&](Result<AppendOutcome> r) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      results.push_back(std::move(r));
    }
    completions.Add();
  };
  writer.Submit(Row("ws-1", "{}"), done);
  gate.WaitEntered(1);
  for (int i = 0; i < 5; ++i) writer.Submit(Row("ws-1", "{}"), done);
  gate.Release();
  ASSERT_TRUE(completions.Wait(6));
  {
    std::lock_guard<std::mutex> lock(mutex);
    ASSERT_EQ(results.size(), 6u);
    EXPECT_TRUE(results[0]);
    for (size_t i = 1; i < results.size(); ++i) {
      ASSERT_FALSE(results[i]);
      EXPECT_EQ(results[i].error().kind, ErrorCode::kInternal);
      EXPECT_EQ(results[i].error().code, "database_error");
      EXPECT_EQ(results[i].error().message, "disk I/O error");
    }
  }
  // The failed batch does not stop the writer.
  writer.Submit(Row("ws-1", "{}"), done);
  ASSERT_TRUE(completions.Wait(7));
  writer.Stop();
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_TRUE(results.back());
  EXPECT_EQ(writer.CommittedBatches(), 2u);
}

TEST(GroupCommitWriterTest, WrongOutcomeCountFailsTheBatch) {
  MockStore mock;
  EXPECT_CALL(mock, AppendWebhooks(_))
      .WillRepeatedly(Return(Result<std::vector<AppendOutcome>>(std::vector<AppendOutcome>{})));
  GroupCommitWriter writer(mock, {});
  std::promise<Result<AppendOutcome>> promise;
  writer.Submit(Row("ws-1", "{}"), [&](Result<AppendOutcome> r) { promise.set_value(r); });
  auto r = promise.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorCode::kInternal);
}

TEST(GroupCommitWriterTest, ThrowingCallbackDoesNotStopTheWriter) {
  TempStore db;
  GroupCommitWriter writer(db.get(), {});
  std::promise<void> second;
  writer.Submit(Row("ws-1", "{}"), [](Result<AppendOutcome>) { throw std::runtime_error("x"); });
  writer.Submit(Row("ws-1", "{}"), [&](Result<AppendOutcome> r) {
    EXPECT_TRUE(r);
    second.set_value();
  });
  ASSERT_EQ(second.get_future().wait_for(kWaitLimit), std::future_status::ready);
  writer.Stop();
  EXPECT_EQ(db.get().CountWebhooks("ws-1").value(), 2);
}

TEST(GroupCommitWriterTest, StopFromACallbackDoesNotDeadlock) {
  TempStore db;
  std::promise<void> stopped;
  {
    GroupCommitWriter writer(db.get(), {});
    writer.Submit(Row("ws-1", "{}"), [&](Result<AppendOutcome> r) {
      EXPECT_TRUE(r);
      writer.Stop();
      stopped.set_value();
    });
    ASSERT_EQ(stopped.get_future().wait_for(kWaitLimit), std::future_status::ready);
    bool refused = false;
    writer.Submit(Row("ws-1", "{}"), [&](Result<AppendOutcome> r) { refused = !r; });
    EXPECT_TRUE(refused);
  }  // the destructor joins the writer
  EXPECT_EQ(db.get().CountWebhooks("ws-1").value(), 1);
}

TEST(GroupCommitWriterTest, DuplicatesCompleteWithTheFirstId) {
  TempStore db;
  GroupCommitWriter writer(db.get(), {});
  std::vector<std::promise<Result<AppendOutcome>>> promises(3);
  for (auto& p : promises) {
    NewWebhook row = Row("ws-1", R"({"same":true})");
    row.dedup_key = "NEW_TIME_ENTRY:same";
    writer.Submit(std::move(row), [&p](Result<AppendOutcome> r) { p.set_value(r); });
  }
  std::vector<AppendOutcome> out;
  for (auto& p : promises) out.push_back(p.get_future().get().value());
  EXPECT_FALSE(out[0].duplicate);
  EXPECT_TRUE(out[1].duplicate);
  EXPECT_TRUE(out[2].duplicate);
  EXPECT_EQ(out[1].id, out[0].id);
  EXPECT_EQ(out[2].id, out[0].id);
  writer.Stop();
  EXPECT_EQ(db.get().CountWebhooks("ws-1").value(), 1);
}

TEST(GroupCommitWriterTest, OnCommitRunsAfterEachCommittedBatch) {
  TempStore store;
  std::atomic<int> commits{0};
  std::atomic<int64_t> visible{-1};
  GroupCommitWriter::Options options;
  // Each notification comes after the batch is readable: what the webhook queue relies on.
  options.on_commit = [&] {
    visible = store.get().CountWebhooks("ws-1").value_or(-1);
    ++commits;
  };
  GroupCommitWriter writer(store.get(), options);
  Completions completions;
  writer.Submit(Row("ws-1", R"({"n":1})"), [&](Result<AppendOutcome>) { completions.Add(); });
  ASSERT_TRUE(completions.Wait(1));
  writer.Stop();
  EXPECT_EQ(commits.load(), 1);
  EXPECT_EQ(visible.load(), 1);
}

}  // namespace
}  // namespace uwh::ingest
