#pragma once
// Process metrics in the Prometheus text format (SPEC §10), served by GET /metrics.
//
// A Registry holds families (a metric name, its help text, its label names) and their children
// (one per set of label values). Updating a child is one relaxed atomic operation and never takes
// a lock, so hot paths resolve the child once (`family.With({...})` returns a reference that stays
// valid as long as the registry) and keep it; resolving takes a shared lock and a map lookup.
// Label values must be bounded vocabularies (route patterns, event types, status codes): never
// raw paths, never tokens or secrets. A family refuses to grow past kMaxSeriesPerFamily children;
// further label sets all count in one child whose values are "_overflow".
//
// The product's metrics are registered in Default() and recorded through the functions at the
// end of this file, so a module calls e.g. `metrics::FlowsExecuted("succeeded")` without knowing
// the registry. A family with no samples yet is still listed with its HELP and TYPE.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace uwh::metrics {

// A count that only goes up. Thread-safe, lock-free.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Thread-safe, lock-free.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in buckets with fixed upper bounds (Prometheus `le`, cumulative when
// rendered), plus their sum. Thread-safe, lock-free.
class Histogram {
 public:
  // `bounds`: ascending upper bounds, without +Inf.
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double value);

  const std::vector<double>& Bounds() const { return bounds_; }
  // Observations in bucket i (not cumulative); i == Bounds().size() is the +Inf bucket.
  uint64_t BucketCount(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;  // owned by the family
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

enum class Type { kCounter, kGauge, kHistogram };

inline constexpr size_t kMaxSeriesPerFamily = 2000;

// The children of one metric name. Thread-safe.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> labels);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& Name() const { return name_; }
  // Appends the HELP and TYPE lines and every child's samples.
  void Render(std::string& out) const;

 protected:
  struct Child {
    std::vector<std::string> values;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  // The child for `values` (one per label name, in order), created on first use.
  Child& Find(std::initializer_list<std::string_view> values);
  virtual void Fill(Child& child) const = 0;

  std::vector<double> bounds_;  // histograms only

 private:
  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> labels_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<Child>> children_;  // by joined label values
};

class CounterFamily : public FamilyBase {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
      : FamilyBase(std::move(name), std::move(help), Type::kCounter, std::move(labels)) {}
  Counter& With(std::initializer_list<std::string_view> values) { return *Find(values).counter; }

 private:
  void Fill(Child& child) const override { child.counter = std::make_unique<Counter>(); }
};

class GaugeFamily : public FamilyBase {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> labels)
      : FamilyBase(std::move(name), std::move(help), Type::kGauge, std::move(labels)) {}
  Gauge& With(std::initializer_list<std::string_view> values) { return *Find(values).gauge; }

 private:
  void Fill(Child& child) const override { child.gauge = std::make_unique<Gauge>(); }
};

class HistogramFamily : public FamilyBase {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> bounds);
  Histogram& With(std::initializer_list<std::string_view> values) {
    return *Find(values).histogram;
  }

 private:
  void Fill(Child& child) const override {
    child.histogram = std::make_unique<Histogram>(bounds_);
  }
};

// Owns families; families live as long as the registry. Adding is thread-safe; a name may be
// added once (adding it again returns the existing family when the type matches, and aborts
// otherwise, since that is a programming error).
class Registry {
 public:
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> labels = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> labels = {});
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> labels, std::vector<double> bounds);

  // Text exposition format 0.0.4, families in the order they were added.
  std::string Render() const;

 private:
  template <typename F, typename... Args>
  F& Add(const std::string& name, Args&&... args);

  mutable std::shared_mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

// Content-Type of Render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Bucket bounds (seconds) for request latencies: 0.5 ms to 10 s.
const std::vector<double>& LatencyBuckets();

// The process-wide registry, with every product metric below already registered.
Registry& Default();

// ---- The product's metrics (SPEC §10) ----

// webhooks_received_total{source,event_type,status}: every webhook request that reached a
// receiver. source "CLOCKIFY", a custom source's name (once the source is known to exist), or
// "CUSTOM"; event_type a known event type or "unknown"; status "accepted", "duplicate" or the
// error code it was refused with ("invalid_signature", ...).
void WebhooksReceived(std::string_view source, std::string_view event_type,
                      std::string_view status);
// flows_executed_total{status}: one per flow execution, status as stored on the execution row
// ("success", "error", "partial", "skipped", "unknown", "interrupted").
void FlowsExecuted(std::string_view status);
// api_calls_total{operation_id,status}: one per call to Clockify's API (after retries), status
// the final HTTP status code, or "error" when no response came.
void ApiCalls(std::string_view operation_id, int http_status);
// bootstrap_duration_seconds: one observation per finished bootstrap run.
void BootstrapDuration(double seconds);

// http_request_duration_seconds{method,route,status}: time from a parsed request to its
// response, by route pattern ("/webhooks/clockify/{event}", "unmatched") and status class
// ("2xx"). The router resolves these once per route.
HistogramFamily& RequestDuration();
// ingest_queue_depth: webhook rows waiting for a group commit.
Gauge& IngestQueueDepth();
// webhook_queue_pending: webhooks committed but not yet consumed by the flow workers (received
// or processing) in the whole database, every instance's included; refreshed by the queue's
// heartbeat about once a poll interval.
Gauge& WebhookQueuePending();
// http_connections_active: open client connections.
Gauge& ConnectionsActive();
// http_connections_closed_total{reason}: connections the server closed on its own:
// header_timeout, body_timeout, idle_timeout, write_timeout, evicted (to make room under the
// connection cap), refused (at the cap with nothing to evict).
Counter& ConnectionsClosed(std::string_view reason);

}  // namespace uwh::metrics
