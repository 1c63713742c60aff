// The per-workspace limiter with injected time: exact spacing, the rate + 1 window bound, lanes
// per workspace, Penalize, and interactive callers ahead of background ones.
#include "clockify/rate_limiter.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace uwh::clockify {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

const TimePoint kStart = std::chrono::system_clock::from_time_t(1'700'000'000);

// Single-threaded tests: sleeping just moves the manual clock.
struct FakeTime {
  ManualClock clock{kStart};
  std::vector<std::chrono::nanoseconds> sleeps;
  WorkspaceRateLimiter::SleepFn Sleep() {
    return [this](std::chrono::nanoseconds d) {
      sleeps.push_back(d);
      clock.Advance(std::chrono::duration_cast<std::chrono::system_clock::duration>(d));
    };
  }
};

// Threaded tests: a clock several threads may read while the test moves it, and a sleep that
// blocks until the test has moved the clock far enough.
class SharedClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::nanoseconds(ns_.load())); }
  void Advance(std::chrono::nanoseconds d) { ns_ += d.count(); }

 private:
  std::atomic<int64_t> ns_{std::chrono::nanoseconds(kStart.time_since_epoch()).count()};
};

struct BlockingSleep {
  SharedClock& clock;
  std::atomic<int>& sleepers;
  void operator()(std::chrono::nanoseconds d) const {
    const auto until = clock.Now() + std::chrono::duration_cast<TimePoint::duration>(d);
    ++sleepers;
    while (clock.Now() < until) std::this_thread::sleep_for(100us);
    --sleepers;
  }
};

template <typename Pred>
bool WaitFor(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(200us);
  }
  return true;
}

TEST(WorkspaceRateLimiterTest, SpacesAcquisitionsExactlyOneOverTheRate) {
  for (const int rate : {1, 4, 10, 25, 50}) {
    FakeTime time;
    WorkspaceRateLimiter limiter(time.clock, time.Sleep());
    const auto interval = std::chrono::nanoseconds(1'000'000'000LL / rate);
    std::vector<TimePoint> granted;
    for (int i = 0; i < 3 * rate + 5; ++i) {
      limiter.Acquire("w1", rate, Priority::kBackground);
      granted.push_back(time.clock.Now());
    }
    EXPECT_EQ(granted.front(), kStart) << "the first request never waits";
    for (size_t i = 1; i < granted.size(); ++i) {
      EXPECT_EQ(granted[i] - granted[i - 1], interval) << "rate " << rate << " at " << i;
    }
  }
}

TEST(WorkspaceRateLimiterTest, NoOneSecondWindowHoldsMoreThanRatePlusOne) {
  constexpr int kRate = 25;
  FakeTime time;
  WorkspaceRateLimiter limiter(time.clock, time.Sleep());
  std::mt19937 random(7);
  std::uniform_int_distribution<int> idle_ms(0, 120);
  std::uniform_int_distribution<int> burst(1, 60);
  std::vector<TimePoint> granted;
  // Bursts separated by idle gaps: the bucket must not let a burst after a pause exceed the bound.
  while (granted.size() < 2000) {
    time.clock.Advance(std::chrono::milliseconds(idle_ms(random) * 10));
    for (int n = burst(random); n > 0; --n) {
      limiter.Acquire("w1", kRate, Priority::kBackground);
      granted.push_back(time.clock.Now());
    }
  }
  size_t max_in_window = 0;
  for (size_t i = 0; i < granted.size(); ++i) {
    // Closed window [t_i, t_i + 1 s]: the strictest reading.
    const auto end = std::upper_bound(granted.begin() + static_cast<std::ptrdiff_t>(i),
                                      granted.end(), granted[i] + 1s);
    max_in_window = std::max(
        max_in_window, static_cast<size_t>(end - (granted.begin() + static_cast<std::ptrdiff_t>(i))));
  }
  EXPECT_LE(max_in_window, static_cast<size_t>(kRate + 1));
  EXPECT_EQ(max_in_window, static_cast<size_t>(kRate + 1)) << "a long burst uses the whole rate";
}

TEST(WorkspaceRateLimiterTest, ClampsTheRateToOneThroughFifty) {
  FakeTime time;
  WorkspaceRateLimiter limiter(time.clock, time.Sleep());
  limiter.Acquire("slow", 0, Priority::kBackground);
  limiter.Acquire("slow", 0, Priority::kBackground);
  EXPECT_EQ(time.clock.Now() - kStart, 1s) << "rate 0 is treated as 1/s";
  const auto before = time.clock.Now();
  limiter.Acquire("fast", 500, Priority::kBackground);
  limiter.Acquire("fast", 500, Priority::kBackground);
  EXPECT_EQ(time.clock.Now() - before, 20ms) << "rate 500 is treated as 50/s";
}

TEST(WorkspaceRateLimiterTest, WorkspacesDoNotInterfere) {
  FakeTime time;
  WorkspaceRateLimiter limiter(time.clock, time.Sleep());
  limiter.Acquire("w1", 1, Priority::kBackground);
  limiter.Acquire("w2", 1, Priority::kBackground);
  limiter.Acquire("w3", 1, Priority::kInteractive);
  EXPECT_EQ(time.clock.Now(), kStart) << "each workspace has its own first slot";
  EXPECT_TRUE(time.sleeps.empty());
  limiter.Acquire("w1", 1, Priority::kBackground);
  EXPECT_EQ(time.clock.Now(), kStart + 1s);
  limiter.Acquire("w2", 1, Priority::kBackground);
  EXPECT_EQ(time.clock.Now(), kStart + 1s) << "w2's slot came due while w1 waited";
}

TEST(WorkspaceRateLimiterTest, PenalizePushesTheNextSlotButNeverPullsItIn) {
  FakeTime time;
  WorkspaceRateLimiter limiter(time.clock, time.Sleep());
  limiter.Acquire("w1", 10, Priority::kBackground);
  limiter.Penalize("w1", 5s);
  limiter.Acquire("w1", 10, Priority::kInteractive);
  EXPECT_EQ(time.clock.Now(), kStart + 5s);
  // The next slot is now +100 ms; a shorter penalty leaves it there.
  limiter.Penalize("w1", 1ms);
  limiter.Acquire("w1", 10, Priority::kBackground);
  EXPECT_EQ(time.clock.Now(), kStart + 5s + 100ms);
  // A penalty on an unknown workspace applies to its first request too.
  limiter.Penalize("w2", 2s);
  limiter.Acquire("w2", 10, Priority::kBackground);
  EXPECT_EQ(time.clock.Now(), kStart + 5s + 100ms + 2s);
}

TEST(WorkspaceRateLimiterTest, InteractiveCallersGoBeforeBackgroundOnes) {
  SharedClock clock;
  std::atomic<int> sleepers{0};
  WorkspaceRateLimiter limiter(clock, BlockingSleep{clock, sleepers});
  limiter.Acquire("w1", 10, Priority::kBackground);
  limiter.Penalize("w1", 1s);

  std::mutex mutex;
  std::vector<std::string> order;
  std::vector<TimePoint> granted;
  auto caller = [&](std::string name, Priority priority) {
    return std::thread([&, name, priority] {
      limiter.Acquire("w1", 10, priority);
      std::lock_guard lock(mutex);
      order.push_back(name);
      granted.push_back(clock.Now());
    });
  };
  // Two background callers wait first; the interactive one arrives last.
  std::thread b1 = caller("background-1", Priority::kBackground);
  ASSERT_TRUE(WaitFor([&] { return sleepers.load() == 1; }));
  std::thread b2 = caller("background-2", Priority::kBackground);
  ASSERT_TRUE(WaitFor([&] { return sleepers.load() == 2; }));
  std::thread i1 = caller("interactive", Priority::kInteractive);
  ASSERT_TRUE(WaitFor([&] { return sleepers.load() == 3; }));

  const bool all_done = WaitFor([&] {
    clock.Advance(10ms);
    std::this_thread::sleep_for(1ms);
    std::lock_guard lock(mutex);
    return order.size() == 3;
  });
  b1.join();
  b2.join();
  i1.join();
  ASSERT_TRUE(all_done);
  EXPECT_EQ(order[0], "interactive");
  EXPECT_GE(granted[0], kStart + 1s);
}

TEST(WorkspaceRateLimiterTest, WaitingInOneWorkspaceDoesNotBlockAnother) {
  SharedClock clock;
  std::atomic<int> sleepers{0};
  WorkspaceRateLimiter limiter(clock, BlockingSleep{clock, sleepers});
  limiter.Acquire("w1", 1, Priority::kBackground);
  std::atomic<bool> w1_done{false};
  std::thread waiter([&] {
    limiter.Acquire("w1", 1, Priority::kBackground);
    w1_done = true;
  });
  ASSERT_TRUE(WaitFor([&] { return sleepers.load() == 1; }));
  // The waiter sleeps outside the mutex, so another workspace is served at once.
  limiter.Acquire("w2", 1, Priority::kBackground);
  limiter.Penalize("w3", 0s);
  EXPECT_FALSE(w1_done.load());
  clock.Advance(1s);
  waiter.join();
  EXPECT_TRUE(w1_done.load());
}

// ---- With a pace shared by several instances (PostgreSQL) ----

// The database's slot arithmetic (PostgresStore::Reserve) on the test's clock.
class FakePace final : public SharedPace {
 public:
  explicit FakePace(const Clock& clock) : clock_(clock) {}

  Result<std::chrono::nanoseconds> Reserve(const std::string& workspace_id,
                                           std::chrono::nanoseconds interval) override {
    std::lock_guard lock(mutex_);
    ++reservations;
    intervals.push_back(interval);
    if (down) return Fail(ErrorCode::kUnavailable, "database_unavailable", "the database is down");
    const TimePoint now = clock_.Now();
    TimePoint& next = next_[workspace_id];
    const TimePoint slot = std::max(next, now);
    next = slot + std::chrono::duration_cast<TimePoint::duration>(interval);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(slot - now);
  }

  Result<void> Delay(const std::string& workspace_id, std::chrono::nanoseconds delay) override {
    std::lock_guard lock(mutex_);
    delays.push_back(delay);
    TimePoint& next = next_[workspace_id];
    next = std::max(next, clock_.Now() + std::chrono::duration_cast<TimePoint::duration>(delay));
    return {};
  }

  // Another instance takes the workspace's next slot.
  void TakeSlotElsewhere(const std::string& workspace_id, std::chrono::nanoseconds interval) {
    (void)Reserve(workspace_id, interval);
  }

  std::atomic<bool> down{false};
  int reservations = 0;
  std::vector<std::chrono::nanoseconds> intervals;
  std::vector<std::chrono::nanoseconds> delays;

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, TimePoint> next_;
};

TEST(WorkspaceRateLimiterTest, SharedPaceDecidesTheWaitAndSeesEveryRequest) {
  FakeTime time;
  FakePace pace(time.clock);
  WorkspaceRateLimiter limiter(time.clock, time.Sleep(), &pace);
  limiter.Acquire("w1", 10, Priority::kBackground);
  EXPECT_EQ(time.clock.Now(), kStart);
  // Another instance took the next two slots: this one waits for the third.
  pace.TakeSlotElsewhere("w1", 100ms);
  pace.TakeSlotElsewhere("w1", 100ms);
  limiter.Acquire("w1", 10, Priority::kBackground);
  EXPECT_EQ(time.clock.Now(), kStart + 300ms);
  limiter.Acquire("w1", 10, Priority::kInteractive);
  EXPECT_EQ(time.clock.Now(), kStart + 400ms);
  EXPECT_EQ(pace.reservations, 5);
  for (const auto interval : pace.intervals) EXPECT_EQ(interval, 100ms);
}

TEST(WorkspaceRateLimiterTest, PacesInMemoryWhileTheSharedPaceIsDown) {
  FakeTime time;
  FakePace pace(time.clock);
  pace.down = true;
  WorkspaceRateLimiter limiter(time.clock, time.Sleep(), &pace);
  std::vector<TimePoint> granted;
  for (int i = 0; i < 6; ++i) {
    limiter.Acquire("w1", 5, Priority::kBackground);
    granted.push_back(time.clock.Now());
  }
  EXPECT_EQ(pace.reservations, 6) << "the shared pace is asked every time";
  for (size_t i = 1; i < granted.size(); ++i) EXPECT_EQ(granted[i] - granted[i - 1], 200ms);
}

TEST(WorkspaceRateLimiterTest, PenalizeDelaysTheSharedPaceToo) {
  FakeTime time;
  FakePace pace(time.clock);
  WorkspaceRateLimiter limiter(time.clock, time.Sleep(), &pace);
  limiter.Acquire("w1", 10, Priority::kBackground);
  limiter.Penalize("w1", 3s);
  ASSERT_EQ(pace.delays.size(), 1u);
  EXPECT_EQ(pace.delays[0], 3s);
  // Another instance without the local penalty still waits: the slot moved in the database.
  WorkspaceRateLimiter other(time.clock, time.Sleep(), &pace);
  other.Acquire("w1", 10, Priority::kBackground);
  EXPECT_EQ(time.clock.Now(), kStart + 3s);
}

TEST(WorkspaceRateLimiterTest, OneReservationPerWorkspaceAtATimeAndInteractiveFirst) {
  SharedClock clock;
  std::atomic<int> sleepers{0};
  FakePace pace(clock);
  WorkspaceRateLimiter limiter(clock, BlockingSleep{clock, sleepers}, &pace);
  limiter.Acquire("w1", 10, Priority::kBackground);
  pace.TakeSlotElsewhere("w1", 100ms);  // the next caller waits 200 ms on its reservation

  std::mutex mutex;
  std::vector<std::string> order;
  auto caller = [&](std::string name, Priority priority) {
    return std::thread([&, name, priority] {
      limiter.Acquire("w1", 10, priority);
      std::lock_guard lock(mutex);
      order.push_back(name);
    });
  };
  std::thread holder = caller("holder", Priority::kBackground);
  ASSERT_TRUE(WaitFor([&] { return sleepers.load() == 1; }));
  std::thread background = caller("background", Priority::kBackground);
  std::thread interactive = caller("interactive", Priority::kInteractive);
  // Neither reserves while the holder waits for its slot: this instance is one slot ahead at
  // most, and a later interactive caller is not stuck behind queued background reservations.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(pace.reservations, 3);
  EXPECT_EQ(sleepers.load(), 1);

  const bool all_done = WaitFor([&] {
    clock.Advance(10ms);
    std::this_thread::sleep_for(1ms);
    std::lock_guard lock(mutex);
    return order.size() == 3;
  });
  holder.join();
  background.join();
  interactive.join();
  ASSERT_TRUE(all_done);
  EXPECT_EQ(order, (std::vector<std::string>{"holder", "interactive", "background"}));
  EXPECT_EQ(pace.reservations, 5);
}

}  // namespace
}  // namespace uwh::clockify
