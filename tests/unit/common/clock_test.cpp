#include "common/clock.hpp"

#include <gtest/gtest.h>

namespace uwh {
namespace {

TEST(ClockTest, TimestampsRoundTripWithMilliseconds) {
  std::chrono::system_clock::time_point t;
  ASSERT_TRUE(ParseTimestamp("2026-12-03T19:30:47.123Z", &t));
  EXPECT_EQ(FormatTimestamp(t), "2026-12-03T19:30:47.123Z");
  EXPECT_EQ(UnixSeconds(t), 1796326247);
}

TEST(ClockTest, OffsetsAreNormalisedToUtc) {
  std::chrono::system_clock::time_point a, b;
  ASSERT_TRUE(ParseTimestamp("2026-01-01T02:00:00+02:00", &a));
  ASSERT_TRUE(ParseTimestamp("2026-01-01T00:00:00Z", &b));
  EXPECT_EQ(a, b);
}

TEST(ClockTest, RejectsWhatIsNotATimestamp) {
  std::chrono::system_clock::time_point t;
  EXPECT_FALSE(ParseTimestamp("2026-01-01", &t));
  EXPECT_FALSE(ParseTimestamp("2026-13-01T00:00:00Z", &t));
  EXPECT_FALSE(ParseTimestamp("2026-01-01T00:00:00", &t));
  EXPECT_FALSE(ParseTimestamp("2026-01-01T00:00:00Zjunk", &t));
  EXPECT_FALSE(ParseTimestamp("PT1H", &t));
}

TEST(ClockTest, TextOrderIsTimeOrder) {
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::milliseconds(999));
  const auto t1 = t0 + std::chrono::milliseconds(1);
  EXPECT_LT(FormatTimestamp(t0), FormatTimestamp(t1));
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(100)));
  EXPECT_EQ(UnixSeconds(clock.Now()), 100);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(UnixSeconds(clock.Now()), 105);
}

}  // namespace
}  // namespace uwh
