#include "ingest/webhook_queue.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"

namespace uwh::ingest {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Wall time that tests move by hand, readable from the workers' threads.
class TestClock final : public Clock {
 public:
  explicit TestClock(std::chrono::system_clock::time_point t)
      : now_(t.time_since_epoch().count()) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(now_.load()));
  }
  void Advance(std::chrono::system_clock::duration d) { now_ += d.count(); }

 private:
  std::atomic<std::chrono::system_clock::duration::rep> now_;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "uwh_queue_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Records what it consumed; checks that a workspace never has two webhooks in hand at once.
class RecordingConsumer final : public WebhookConsumer {
 public:
  std::function<Result<void>(const store::WebhookRecord&)> behaviour;
  std::chrono::milliseconds work{0};

  Result<void> Consume(const store::WebhookRecord& webhook, const json& payload) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (++active_[webhook.workspace_id] > 1) overlapped_same_workspace_ = true;
      peak_ = std::max(peak_, ++active_total_);
      order_[webhook.workspace_id].push_back(webhook.id);
      attempts_[webhook.id] = webhook.attempts;
      payloads_[webhook.id] = payload;
    }
    if (work.count() > 0) std::this_thread::sleep_for(work);
    Result<void> result = behaviour ? behaviour(webhook) : Result<void>{};
    std::lock_guard<std::mutex> lock(mutex_);
    --active_[webhook.workspace_id];
    --active_total_;
    return result;
  }

  std::map<std::string, std::vector<int64_t>> order() {
    std::lock_guard<std::mutex> lock(mutex_);
    return order_;
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& [ws, ids] : order_) n += ids.size();
    return n;
  }
  int attempts(int64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return attempts_[id];
  }
  json payload(int64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return payloads_[id];
  }
  bool overlapped_same_workspace() {
    std::lock_guard<std::mutex> lock(mutex_);
    return overlapped_same_workspace_;
  }
  int peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    return peak_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> active_;
  int active_total_ = 0;
  int peak_ = 0;
  bool overlapped_same_workspace_ = false;
  std::map<std::string, std::vector<int64_t>> order_;
  std::map<int64_t, int> attempts_;
  std::map<int64_t, json> payloads_;
};

class WebhookQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenStore("sqlite:///" + dir_.File("uwh.db"), /*synchronous_full=*/false);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
  }

  int64_t Append(const std::string& ws, const std::string& body,
                 const std::string& content_type = "application/json") {
    if (installed_.insert(ws).second) {
      store::Installation in;
      in.workspace_id = ws;
      EXPECT_TRUE(store_->UpsertInstallation(in));
    }
    store::NewWebhook w;
    w.workspace_id = ws;
    w.event_type = "NEW_TIME_ENTRY";
    w.source = "CLOCKIFY";
    w.payload = body;
    w.content_type = content_type;
    w.received_at = clock_.Now();
    auto out = store_->AppendWebhooks(std::span<const store::NewWebhook>(&w, 1));
    EXPECT_TRUE(out) << out.error().message;
    return out ? out->front().id : 0;
  }

  static WebhookQueue::Options FastOptions() {
    WebhookQueue::Options o;
    o.workers = 4;
    o.poll_interval = 20ms;
    o.lease = 30s;
    o.retry_backoff = 1s;
    o.batch = 3;
    return o;
  }

  // Waits (real time, bounded) until `done` holds.
  static bool WaitFor(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

  std::string Status(const std::string& ws, int64_t id) {
    auto row = store_->GetWebhook(ws, id);
    return row ? row->status : "missing";
  }

  TempDir dir_;
  TestClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'767'225'600))};
  std::unique_ptr<store::Store> store_;
  std::set<std::string> installed_;
};

TEST_F(WebhookQueueTest, EveryWebhookIsConsumedOnceInOrderPerWorkspaceWithWorkspacesInParallel) {
  std::map<std::string, std::vector<int64_t>> expected;
  for (int i = 0; i < 40; ++i) {
    const std::string ws = "ws-" + std::to_string(i % 4);
    expected[ws].push_back(Append(ws, R"({"i":)" + std::to_string(i) + "}"));
  }
  {
    // Stored for an inactive workspace: never consumed.
    store::NewWebhook inactive;
    inactive.workspace_id = "ws-9";
    inactive.event_type = "NEW_TIME_ENTRY";
    inactive.source = "CLOCKIFY";
    inactive.payload = "{}";
    inactive.status = "skipped_inactive";
    ASSERT_TRUE(store_->AppendWebhooks(std::span<const store::NewWebhook>(&inactive, 1)));
  }
  RecordingConsumer first, second;
  first.work = 15ms;
  WebhookQueue queue(*store_, clock_, FastOptions());
  queue.AddConsumer(&first);
  queue.AddConsumer(&second);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return second.Count() == 40; })) << second.Count();
  queue.Stop();

  auto order = first.order();
  for (const auto& [ws, ids] : expected) EXPECT_EQ(order[ws], ids) << ws;
  EXPECT_EQ(second.order(), first.order());  // every consumer, same order
  EXPECT_FALSE(first.overlapped_same_workspace());
  EXPECT_GE(first.peak(), 2) << "workspaces never ran in parallel";
  for (const auto& [ws, ids] : expected) {
    for (int64_t id : ids) EXPECT_EQ(Status(ws, id), "processed");
  }
  EXPECT_EQ(store_->CountQueuedWebhooks().value(), 0);
  EXPECT_EQ(queue.Consumed(), 40u);
}

// Consumers that write down, in one shared list, who saw which webhook when.
class SequenceConsumer final : public WebhookConsumer {
 public:
  SequenceConsumer(std::string name, std::mutex& mutex, std::vector<std::string>& seen)
      : name_(std::move(name)), mutex_(mutex), seen_(seen) {}
  std::function<Result<void>(const store::WebhookRecord&)> behaviour;

  Result<void> Consume(const store::WebhookRecord& webhook, const json&) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(name_ + std::to_string(webhook.id));
    }
    return behaviour ? behaviour(webhook) : Result<void>{};
  }

 private:
  std::string name_;
  std::mutex& mutex_;
  std::vector<std::string>& seen_;
};

// A batch goes through the consumers in turn: the first sees all of it before the second sees
// any (the cache is written before flows read it), and the next batch waits for both.
TEST_F(WebhookQueueTest, EachBatchGoesThroughTheConsumersInTurn) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Append("ws-1", "{}"));
  std::mutex mutex;
  std::vector<std::string> seen;
  SequenceConsumer a("a", mutex, seen), b("b", mutex, seen);
  WebhookQueue queue(*store_, clock_, FastOptions());  // batches of 3
  queue.AddConsumer(&a);
  queue.AddConsumer(&b);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return Status("ws-1", ids[4]) == "processed"; }));
  queue.Stop();
  auto name = [&](const char* who, int k) { return who + std::to_string(ids[k]); };
  const std::vector<std::string> expected = {name("a", 0), name("a", 1), name("a", 2),
                                             name("b", 0), name("b", 1), name("b", 2),
                                             name("a", 3), name("a", 4), name("b", 3),
                                             name("b", 4)};
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(seen, expected);
}

// "Not now" from the second consumer in the middle of a batch: the rows before it are done,
// it stays in hand, and the rows after it go back. Once the backoff has passed, the row left in
// hand is taken again first, alone (as a crashed worker's would be), then the rest.
TEST_F(WebhookQueueTest, NotNowFromALaterConsumerStopsTheBatchAtThatRow) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Append("ws-1", "{}"));
  std::mutex mutex;
  std::vector<std::string> seen;
  SequenceConsumer a("a", mutex, seen), b("b", mutex, seen);
  std::atomic<int> refusals{1};
  b.behaviour = [&](const store::WebhookRecord& w) -> Result<void> {
    if (w.id == ids[1] && refusals.fetch_sub(1) > 0) {
      return Fail(ErrorCode::kUnavailable, "store_unavailable", "database is busy");
    }
    return {};
  };
  WebhookQueue::Options options = FastOptions();
  WebhookQueue queue(*store_, clock_, options);
  queue.AddConsumer(&a);
  queue.AddConsumer(&b);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return Status("ws-1", ids[0]) == "processed"; }));
  EXPECT_EQ(Status("ws-1", ids[1]), "processing");
  EXPECT_EQ(Status("ws-1", ids[2]), "received");
  ASSERT_TRUE(WaitFor([&] {
    clock_.Advance(options.retry_backoff);
    return Status("ws-1", ids[2]) == "processed";
  }));
  queue.Stop();
  EXPECT_EQ(Status("ws-1", ids[1]), "processed");
  EXPECT_EQ(store_->GetWebhook("ws-1", ids[1])->attempts, 2);
  auto name = [&](const char* who, int k) { return who + std::to_string(ids[k]); };
  const std::vector<std::string> expected = {name("a", 0), name("a", 1), name("a", 2),
                                             name("b", 0), name("b", 1), name("a", 1),
                                             name("b", 1), name("a", 2), name("b", 2)};
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(seen, expected);
}

TEST_F(WebhookQueueTest, AFailingConsumerMarksTheRowErrorAndTheOthersStillRun) {
  const int64_t bad = Append("ws-1", R"({"fail":true})");
  const int64_t good = Append("ws-1", R"({"fail":false})");
  RecordingConsumer failing, after;
  failing.behaviour = [](const store::WebhookRecord& w) -> Result<void> {
    if (w.payload.find("true") != std::string::npos) {
      return Fail(ErrorCode::kInternal, "boom", "cache refresh failed");
    }
    return {};
  };
  WebhookQueue queue(*store_, clock_, FastOptions());
  queue.AddConsumer(&failing);
  queue.AddConsumer(&after);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return after.Count() == 2 && Status("ws-1", good) == "processed"; }));
  queue.Stop();
  auto row = store_->GetWebhook("ws-1", bad);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "error");
  EXPECT_EQ(row->error_message, "cache refresh failed");
  EXPECT_TRUE(row->processed_at);
}

TEST_F(WebhookQueueTest, NotNowLeavesTheRowAndLaterRowsWaitThenItIsRetried) {
  const int64_t first = Append("ws-1", "{}");
  const int64_t second = Append("ws-1", "{}");
  std::atomic<int> refusals{2};
  RecordingConsumer consumer;
  consumer.behaviour = [&](const store::WebhookRecord& w) -> Result<void> {
    if (w.id == first && refusals.fetch_sub(1) > 0) {
      return Fail(ErrorCode::kUnavailable, "store_unavailable", "database is busy");
    }
    return {};
  };
  WebhookQueue::Options options = FastOptions();
  WebhookQueue queue(*store_, clock_, options);
  queue.AddConsumer(&consumer);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return consumer.Count() == 1; }));
  // The backoff runs on the (test) clock: nothing happens until it passes, and the second row
  // waits behind the first.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(consumer.Count(), 1u);
  EXPECT_EQ(Status("ws-1", second), "received");
  ASSERT_TRUE(WaitFor([&] {
    clock_.Advance(options.retry_backoff);
    return Status("ws-1", second) == "processed";
  }));
  queue.Stop();
  EXPECT_EQ(consumer.order()["ws-1"], (std::vector<int64_t>{first, first, first, second}));
  EXPECT_EQ(consumer.attempts(first), 3);
  EXPECT_EQ(Status("ws-1", first), "processed");
}

TEST_F(WebhookQueueTest, ARowThatKeepsFailingIsGivenUpAfterMaxAttempts) {
  const int64_t id = Append("ws-1", "{}");
  RecordingConsumer consumer;
  consumer.behaviour = [](const store::WebhookRecord&) -> Result<void> {
    return Fail(ErrorCode::kUnavailable, "store_unavailable", "database is busy");
  };
  WebhookQueue::Options options = FastOptions();
  options.max_attempts = 2;
  WebhookQueue queue(*store_, clock_, options);
  queue.AddConsumer(&consumer);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] {
    clock_.Advance(options.retry_backoff);
    return Status("ws-1", id) == "error";
  }));
  queue.Stop();
  EXPECT_EQ(consumer.Count(), 2u);
  EXPECT_NE(store_->GetWebhook("ws-1", id)->error_message.find("given up after 2 attempts"),
            std::string::npos);
}

TEST_F(WebhookQueueTest, ACrashedWorkersWebhookIsTakenUpWhenItsLeaseExpires) {
  const int64_t id = Append("ws-1", "{}");
  const int64_t next = Append("ws-1", "{}");
  // Another process claimed the workspace, took the row, and died.
  const auto now = clock_.Now();
  ASSERT_EQ(store_->ClaimQueueWorkspace("dead/0", now, now + 30s).value(), "ws-1");
  ASSERT_EQ(store_->TakeQueuedWebhooks("ws-1", "dead/0", now, now + 30s, 32).value().size(), 2u);
  RecordingConsumer consumer;
  WebhookQueue queue(*store_, clock_, FastOptions());
  queue.AddConsumer(&consumer);
  queue.Start();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(consumer.Count(), 0u);  // the lease still holds
  clock_.Advance(30s);
  ASSERT_TRUE(WaitFor([&] { return consumer.Count() == 2; }));
  queue.Stop();
  EXPECT_EQ(consumer.order()["ws-1"], (std::vector<int64_t>{id, next}));
  // Both were in the dead worker's hand: each comes back as a second attempt.
  EXPECT_EQ(consumer.attempts(id), 2);
  EXPECT_EQ(consumer.attempts(next), 2);
}

TEST_F(WebhookQueueTest, TheHeartbeatKeepsALongConsumptionsLease) {
  const int64_t id = Append("ws-1", "{}");
  RecordingConsumer consumer;
  std::atomic<bool> release{false};
  consumer.behaviour = [&](const store::WebhookRecord&) -> Result<void> {
    while (!release.load()) std::this_thread::sleep_for(5ms);
    return {};
  };
  WebhookQueue::Options options = FastOptions();
  options.lease = 1s;  // the heartbeat renews every 333 ms
  WebhookQueue queue(*store_, clock_, options);
  queue.AddConsumer(&consumer);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return consumer.Count() == 1; }));
  // Time passes beyond several leases while the consumer works; renewals keep the lease ahead.
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(200ms);
    std::this_thread::sleep_for(400ms);
    const auto now = clock_.Now();
    EXPECT_FALSE(store_->ClaimQueueWorkspace("other/0", now, now + 30s).value()) << i;
  }
  release = true;
  ASSERT_TRUE(WaitFor([&] { return Status("ws-1", id) == "processed"; }));
  queue.Stop();
  EXPECT_EQ(consumer.Count(), 1u);
}

TEST_F(WebhookQueueTest, WakeTakesUpANewWebhookWithoutWaitingForThePoll) {
  RecordingConsumer consumer;
  WebhookQueue::Options options = FastOptions();
  options.poll_interval = 60s;
  WebhookQueue queue(*store_, clock_, options);
  queue.AddConsumer(&consumer);
  queue.Start();
  std::this_thread::sleep_for(50ms);  // the workers are asleep on the poll now
  Append("ws-1", "{}");
  queue.Wake();
  EXPECT_TRUE(WaitFor([&] { return consumer.Count() == 1; }, 10s));
  queue.Stop();
}

TEST_F(WebhookQueueTest, FormBodiesReachConsumersAsObjects) {
  const int64_t id = Append("ws-1", "a=1&b=two+words", "application/x-www-form-urlencoded");
  RecordingConsumer consumer;
  WebhookQueue queue(*store_, clock_, FastOptions());
  queue.AddConsumer(&consumer);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return consumer.Count() == 1; }));
  queue.Stop();
  EXPECT_EQ(consumer.payload(id), json({{"a", "1"}, {"b", "two words"}}));
}

TEST_F(WebhookQueueTest, StopLeavesAnAbandonedRowForTheNextStart) {
  const int64_t id = Append("ws-1", "{}");
  RecordingConsumer consumer;
  {
    WebhookQueue queue(*store_, clock_, FastOptions());
    // Like the flow executor: the consumer in hand stops once shutdown begins.
    consumer.behaviour = [&](const store::WebhookRecord&) -> Result<void> {
      while (!queue.Stopping()) std::this_thread::sleep_for(5ms);
      return Fail(ErrorCode::kUnavailable, "shutting_down", "the server is shutting down");
    };
    queue.AddConsumer(&consumer);
    queue.Start();
    ASSERT_TRUE(WaitFor([&] { return consumer.Count() == 1; }));
    queue.Stop();
  }
  EXPECT_EQ(Status("ws-1", id), "processing");
  // The next start takes it up at once: the lease was given back, not left to expire.
  RecordingConsumer next;
  WebhookQueue queue(*store_, clock_, FastOptions());
  queue.AddConsumer(&next);
  queue.Start();
  ASSERT_TRUE(WaitFor([&] { return Status("ws-1", id) == "processed"; }));
  queue.Stop();
  EXPECT_EQ(next.attempts(id), 2);
}

}  // namespace
}  // namespace uwh::ingest
