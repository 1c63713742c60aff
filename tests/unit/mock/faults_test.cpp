// Injected faults: parsing with field-named errors, and the order drops → 429s → errors.
#include "mock/faults.hpp"

#include <gtest/gtest.h>

namespace uwh::mock {
namespace {

using Action = FaultDecision::Action;

TEST(FaultsTest, ParsesEveryField) {
  auto c = ParseFaultConfig(
      R"({"latency_ms":20,"error_rate":0.5,"status":502,"burst_429":3,"retry_after":2,"drop_connections":1})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->latency_ms, 20);
  EXPECT_DOUBLE_EQ(c->error_rate, 0.5);
  EXPECT_EQ(c->status, 502);
  EXPECT_EQ(c->burst_429, 3);
  EXPECT_EQ(c->retry_after_seconds, 2);
  EXPECT_EQ(c->drop_connections, 1);
  auto empty = ParseFaultConfig("{}");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 503);
}

TEST(FaultsTest, RefusesOutOfRangeValuesNamingTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  for (const Case& c : {Case{R"({"error_rate":1.5})", "error_rate"},
                        Case{R"({"status":404})", "status"},
                        Case{R"({"latency_ms":-1})", "latency_ms"},
                        Case{R"({"burst_429":"many"})", "burst_429"}}) {
    auto r = ParseFaultConfig(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().field, c.field);
  }
  EXPECT_FALSE(ParseFaultConfig("[1]"));
  EXPECT_FALSE(ParseFaultConfig("not json"));
}

TEST(FaultsTest, DropsThenBurstsThenNothing) {
  Faults f(1);
  FaultConfig c;
  c.drop_connections = 1;
  c.burst_429 = 2;
  c.retry_after_seconds = 3;
  f.Set(c);
  EXPECT_EQ(f.Decide().action, Action::kDrop);
  auto d = f.Decide();
  EXPECT_EQ(d.action, Action::kTooManyRequests);
  EXPECT_EQ(d.retry_after_seconds, 3);
  EXPECT_EQ(f.Decide().action, Action::kTooManyRequests);
  EXPECT_EQ(f.Decide().action, Action::kNone);
  EXPECT_EQ(f.Get().burst_429, 0);
}

TEST(FaultsTest, ErrorRateIsHonoured) {
  Faults f(42);
  FaultConfig all;
  all.error_rate = 1;
  all.status = 500;
  f.Set(all);
  for (int i = 0; i < 20; ++i) {
    auto d = f.Decide();
    EXPECT_EQ(d.action, Action::kError);
    EXPECT_EQ(d.status, 500);
  }
  FaultConfig half;
  half.error_rate = 0.5;
  f.Set(half);
  int errors = 0;
  for (int i = 0; i < 2000; ++i) errors += f.Decide().action == Action::kError ? 1 : 0;
  EXPECT_GT(errors, 800);
  EXPECT_LT(errors, 1200);
  f.Set(FaultConfig{});
  EXPECT_EQ(f.Decide().action, Action::kNone);
}

TEST(FaultsTest, LatencyComesWithEveryDecision) {
  Faults f(1);
  FaultConfig c;
  c.latency_ms = 250;
  f.Set(c);
  EXPECT_EQ(f.Decide().latency_ms, 250);
  EXPECT_EQ(f.Decide().action, Action::kNone);
}

}  // namespace
}  // namespace uwh::mock
