// The metrics registry and its Prometheus text exposition.
#include "common/metrics.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace uwh::metrics {
namespace {

TEST(MetricsTest, CounterWithLabelsRendersHelpTypeAndOneLinePerLabelSet) {
  Registry r;
  auto& family = r.AddCounter("things_total", "Things seen.", {"kind", "status"});
  family.With({"a", "ok"}).Inc();
  family.With({"a", "ok"}).Inc(2);
  family.With({"b", "bad"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP things_total Things seen.\n"
            "# TYPE things_total counter\n"
            "things_total{kind=\"a\",status=\"ok\"} 3\n"
            "things_total{kind=\"b\",status=\"bad\"} 1\n");
}

TEST(MetricsTest, AFamilyWithoutSamplesIsStillListed) {
  Registry r;
  r.AddCounter("nothing_yet_total", "No samples.", {"status"});
  EXPECT_EQ(r.Render(), "# HELP nothing_yet_total No samples.\n# TYPE nothing_yet_total counter\n");
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.AddGauge("g", "line\\one\nline two", {"l"}).With({"v"}).Set(1.5);
  auto& family = r.AddCounter("c_total", "c", {"v"});
  family.With({"quote\" back\\ nl\n"}).Inc();
  const std::string text = r.Render();
  EXPECT_NE(text.find("# HELP g line\\\\one\\nline two\n"), std::string::npos) << text;
  EXPECT_NE(text.find("c_total{v=\"quote\\\" back\\\\ nl\\n\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsTest, GaugeWithoutLabelsSetsAndAdds) {
  Registry r;
  auto& g = r.AddGauge("depth", "Depth.").With({});
  g.Set(4);
  g.Add(-1.5);
  EXPECT_EQ(r.Render(), "# HELP depth Depth.\n# TYPE depth gauge\ndepth 2.5\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInclusive) {
  Registry r;
  auto& h = r.AddHistogram("lat_seconds", "Latency.", {"route"}, {0.1, 1}).With({"/x"});
  h.Observe(0.0625);
  h.Observe(0.09375);
  h.Observe(1);  // le is inclusive
  h.Observe(3);
  EXPECT_EQ(r.Render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "lat_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{route=\"/x\"} 4.15625\n"
            "lat_seconds_count{route=\"/x\"} 4\n");
}

TEST(MetricsTest, ChildReferencesStayValidAndCountExactlyAcrossThreads) {
  Registry r;
  auto& family = r.AddCounter("hits_total", "Hits.", {"t"});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&family, t] {
      Counter& mine = family.With({t % 2 == 0 ? "even" : "odd"});
      for (int i = 0; i < kPerThread; ++i) mine.Inc();
      // Resolving again from many threads returns the same child.
      for (int i = 0; i < 1000; ++i) family.With({"shared"}).Inc();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(family.With({"even"}).Value(), uint64_t{2} * kPerThread);
  EXPECT_EQ(family.With({"odd"}).Value(), uint64_t{2} * kPerThread);
  EXPECT_EQ(family.With({"shared"}).Value(), uint64_t{kThreads} * 1000);
}

TEST(MetricsTest, AFamilyStopsGrowingAtTheSeriesCapAndCountsTheRestAsOverflow) {
  Registry r;
  auto& family = r.AddCounter("wide_total", "Wide.", {"v"});
  for (size_t i = 0; i < kMaxSeriesPerFamily + 10; ++i) family.With({std::to_string(i)}).Inc();
  EXPECT_EQ(family.With({"_overflow"}).Value(), 10u);
  const std::string text = r.Render();
  size_t lines = 0;
  for (const char c : text) lines += c == '\n';
  EXPECT_EQ(lines, 2 + kMaxSeriesPerFamily + 1);
}

TEST(MetricsTest, AddingANameTwiceReturnsTheSameFamily) {
  Registry r;
  auto& a = r.AddCounter("x_total", "X.", {"l"});
  auto& b = r.AddCounter("x_total", "X.", {"l"});
  EXPECT_EQ(&a, &b);
}

TEST(MetricsTest, TheDefaultRegistryListsEveryProductMetricOfTheSpec) {
  const std::string text = Default().Render();
  for (const char* name : {"webhooks_received_total", "flows_executed_total", "api_calls_total",
                           "bootstrap_duration_seconds", "http_request_duration_seconds",
                           "ingest_queue_depth", "http_connections_active",
                           "http_connections_closed_total"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
  FlowsExecuted("succeeded");
  FlowsExecuted("succeeded");
  ApiCalls("getUsers", 200);
  ApiCalls("getUsers", 0);
  BootstrapDuration(42);
  const std::string after = Default().Render();
  EXPECT_NE(after.find("flows_executed_total{status=\"succeeded\"} 2\n"), std::string::npos);
  EXPECT_NE(after.find("api_calls_total{operation_id=\"getUsers\",status=\"200\"} 1\n"),
            std::string::npos);
  EXPECT_NE(after.find("api_calls_total{operation_id=\"getUsers\",status=\"error\"} 1\n"),
            std::string::npos);
  EXPECT_NE(after.find("bootstrap_duration_seconds_bucket{le=\"60\"} 1\n"), std::string::npos);
  EXPECT_NE(after.find("bootstrap_duration_seconds_bucket{le=\"30\"} 0\n"), std::string::npos);
  EXPECT_NE(after.find("bootstrap_duration_seconds_sum 42\n"), std::string::npos);
}

}  // namespace
}  // namespace uwh::metrics
