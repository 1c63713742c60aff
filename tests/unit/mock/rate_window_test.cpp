// At most 50 accepted requests per workspace in any one-second window; time is injected.
#include "mock/rate_window.hpp"

#include <gtest/gtest.h>

namespace uwh::mock {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(RateWindowTest, AcceptsFiftyInOneInstantAndRefusesTheNext) {
  RateWindow w(50, milliseconds(1000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(w.TryAcquire("ws", t0)) << i;
  EXPECT_FALSE(w.TryAcquire("ws", t0));
  EXPECT_FALSE(w.TryAcquire("ws", t0 + milliseconds(999)));
  // A full second after the first fifty, the window is empty again.
  EXPECT_TRUE(w.TryAcquire("ws", t0 + milliseconds(1000)));
}

TEST(RateWindowTest, TheWindowSlides) {
  RateWindow w(50, milliseconds(1000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  // 50 requests spread evenly over the first second (one every 20 ms).
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(w.TryAcquire("ws", t0 + milliseconds(20 * i)));
  EXPECT_FALSE(w.TryAcquire("ws", t0 + milliseconds(990)));
  // At 1000 ms the request at 0 ms has left the window: exactly one slot frees up.
  EXPECT_TRUE(w.TryAcquire("ws", t0 + milliseconds(1000)));
  EXPECT_FALSE(w.TryAcquire("ws", t0 + milliseconds(1000)));
  EXPECT_TRUE(w.TryAcquire("ws", t0 + milliseconds(1020)));
}

TEST(RateWindowTest, RefusedRequestsDoNotCount) {
  RateWindow w(2, milliseconds(1000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(w.TryAcquire("ws", t0));
  EXPECT_TRUE(w.TryAcquire("ws", t0));
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(w.TryAcquire("ws", t0 + milliseconds(500)));
  EXPECT_TRUE(w.TryAcquire("ws", t0 + milliseconds(1000)));
}

TEST(RateWindowTest, WorkspacesHaveTheirOwnWindow) {
  RateWindow w(1, milliseconds(1000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(w.TryAcquire("a", t0));
  EXPECT_TRUE(w.TryAcquire("b", t0));
  EXPECT_FALSE(w.TryAcquire("a", t0));
  w.Reset();
  EXPECT_TRUE(w.TryAcquire("a", t0));
}

TEST(RateWindowTest, MaxInWindowFindsTheBusiestSecond) {
  std::deque<Clock::time_point> times;
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(MaxInWindow(times, milliseconds(1000)), 0u);
  for (int i = 0; i < 10; ++i) times.push_back(t0 + milliseconds(100 * i));   // 10 in [0, 1s)
  for (int i = 0; i < 30; ++i) times.push_back(t0 + milliseconds(5000 + i));  // 30 in 30 ms
  times.push_back(t0 + milliseconds(6000));  // exactly 1 s after the burst's first: not with it
  EXPECT_EQ(MaxInWindow(times, milliseconds(1000)), 30u);
}

}  // namespace
}  // namespace uwh::mock
