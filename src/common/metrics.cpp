#include "common/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace uwh::metrics {
namespace {

constexpr std::string_view kOverflow = "_overflow";
// Joins label values into a map key; the separator cannot be typed into a header or a path.
constexpr char kSeparator = '\x1f';

void AppendNumber(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    // The shortest spelling that reads back as the same double ("0.1", not "0.10000000000000001").
    for (int precision = 6; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
  }
  out += buf;
}

// Label values escape backslash, double quote and line feed; HELP text backslash and line feed.
void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out.push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], true);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out.push_back(',');
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out.push_back('"');
  }
  out.push_back('}');
}

const char* TypeName(Type type) {
  switch (type) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // `le` is inclusive: the first bound not below the value.
  const size_t i = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

FamilyBase::FamilyBase(std::string name, std::string help, Type type,
                       std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}

FamilyBase::Child& FamilyBase::Find(std::initializer_list<std::string_view> values) {
  std::string key;
  size_t i = 0;
  for (const auto v : values) {
    if (i++ > 0) key.push_back(kSeparator);
    key.append(v);
  }
  if (values.size() != labels_.size()) {
    // A call site that disagrees with the family's labels is a programming error.
    std::fprintf(stderr, "metrics: %s takes %zu labels, got %zu\n", name_.c_str(), labels_.size(),
                 values.size());
    std::abort();
  }
  {
    std::shared_lock lock(mutex_);
    if (auto it = children_.find(key); it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  if (auto it = children_.find(key); it != children_.end()) return *it->second;
  std::vector<std::string> copied(values.begin(), values.end());
  if (children_.size() >= kMaxSeriesPerFamily) {
    key.clear();
    for (size_t j = 0; j < labels_.size(); ++j) {
      if (j > 0) key.push_back(kSeparator);
      key.append(kOverflow);
    }
    if (auto it = children_.find(key); it != children_.end()) return *it->second;
    copied.assign(labels_.size(), std::string(kOverflow));
  }
  auto child = std::make_unique<Child>();
  child->values = std::move(copied);
  Fill(*child);
  Child& ref = *child;
  children_.emplace(std::move(key), std::move(child));
  return ref;
}

void FamilyBase::Render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out.push_back(' ');
  AppendEscaped(out, help_, false);
  out += "\n# TYPE ";
  out += name_;
  out.push_back(' ');
  out += TypeName(type_);
  out.push_back('\n');
  std::shared_lock lock(mutex_);
  for (const auto& [key, child] : children_) {
    if (child->counter || child->gauge) {
      out += name_;
      AppendLabels(out, labels_, child->values);
      out.push_back(' ');
      AppendNumber(out, child->counter ? static_cast<double>(child->counter->Value())
                                       : child->gauge->Value());
      out.push_back('\n');
      continue;
    }
    const Histogram& h = *child->histogram;
    uint64_t cumulative = 0;
    std::string le;
    for (size_t i = 0; i <= h.Bounds().size(); ++i) {
      cumulative += h.BucketCount(i);
      le.clear();
      if (i < h.Bounds().size()) {
        AppendNumber(le, h.Bounds()[i]);
      } else {
        le = "+Inf";
      }
      out += name_;
      out += "_bucket";
      AppendLabels(out, labels_, child->values, "le", le);
      out.push_back(' ');
      AppendNumber(out, static_cast<double>(cumulative));
      out.push_back('\n');
    }
    out += name_;
    out += "_sum";
    AppendLabels(out, labels_, child->values);
    out.push_back(' ');
    AppendNumber(out, h.Sum());
    out += '\n';
    out += name_;
    out += "_count";
    AppendLabels(out, labels_, child->values);
    out.push_back(' ');
    // The buckets, not count_, so that a scrape racing an Observe stays self-consistent.
    AppendNumber(out, static_cast<double>(cumulative));
    out.push_back('\n');
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> labels, std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), Type::kHistogram, std::move(labels)) {
  bounds_ = std::move(bounds);
  std::sort(bounds_.begin(), bounds_.end());
}

template <typename F, typename... Args>
F& Registry::Add(const std::string& name, Args&&... args) {
  std::unique_lock lock(mutex_);
  for (const auto& f : families_) {
    if (f->Name() != name) continue;
    if (auto* same = dynamic_cast<F*>(f.get())) return *same;
    std::fprintf(stderr, "metrics: %s registered twice with different types\n", name.c_str());
    std::abort();
  }
  auto family = std::make_unique<F>(name, std::forward<Args>(args)...);
  F& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

CounterFamily& Registry::AddCounter(const std::string& name, const std::string& help,
                                    std::vector<std::string> labels) {
  return Add<CounterFamily>(name, help, std::move(labels));
}

GaugeFamily& Registry::AddGauge(const std::string& name, const std::string& help,
                                std::vector<std::string> labels) {
  return Add<GaugeFamily>(name, help, std::move(labels));
}

HistogramFamily& Registry::AddHistogram(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels,
                                        std::vector<double> bounds) {
  return Add<HistogramFamily>(name, help, std::move(labels), std::move(bounds));
}

std::string Registry::Render() const {
  std::string out;
  out.reserve(16 * 1024);
  std::shared_lock lock(mutex_);
  for (const auto& f : families_) f->Render(out);
  return out;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

namespace {

// Every product metric, registered when the registry is first used.
struct Product {
  explicit Product(Registry& r)
      : webhooks(r.AddCounter("webhooks_received_total",
                              "Webhook requests that reached a receiver, by outcome.",
                              {"source", "event_type", "status"})),
        flows(r.AddCounter("flows_executed_total", "Flow executions, by final status.",
                           {"status"})),
        api_calls(r.AddCounter("api_calls_total",
                               "Calls to Clockify's API (after retries), by final HTTP status.",
                               {"operation_id", "status"})),
        bootstrap(r.AddHistogram("bootstrap_duration_seconds",
                                 "Duration of finished workspace bootstraps.", {},
                                 {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600})),
        requests(r.AddHistogram("http_request_duration_seconds",
                                "Time from a parsed HTTP request to its response, by route "
                                "pattern and status class.",
                                {"method", "route", "status"}, LatencyBuckets())),
        queue_depth(r.AddGauge("ingest_queue_depth",
                               "Webhook rows waiting for a group commit.")
                        .With({})),
        queue_pending(r.AddGauge("webhook_queue_pending",
                                 "Accepted webhooks not yet consumed by the flow workers "
                                 "(received or processing), in the whole database.")
                          .With({})),
        connections(r.AddGauge("http_connections_active", "Open client connections.").With({})),
        closed(r.AddCounter("http_connections_closed_total",
                            "Connections the server closed on its own, by reason.",
                            {"reason"})) {}

  CounterFamily& webhooks;
  CounterFamily& flows;
  CounterFamily& api_calls;
  HistogramFamily& bootstrap;
  HistogramFamily& requests;
  Gauge& queue_depth;
  Gauge& queue_pending;
  Gauge& connections;
  CounterFamily& closed;
};

struct Instance {
  Registry registry;
  Product product{registry};
};

// Never destroyed: threads may still record while the process exits.
Instance& TheInstance() {
  static Instance* instance = new Instance();
  return *instance;
}

Product& Metrics() { return TheInstance().product; }

}  // namespace

Registry& Default() { return TheInstance().registry; }

void WebhooksReceived(std::string_view source, std::string_view event_type,
                      std::string_view status) {
  Metrics().webhooks.With({source, event_type, status}).Inc();
}

void FlowsExecuted(std::string_view status) { Metrics().flows.With({status}).Inc(); }

void ApiCalls(std::string_view operation_id, int http_status) {
  const std::string status = http_status > 0 ? std::to_string(http_status) : "error";
  Metrics().api_calls.With({operation_id, status}).Inc();
}

void BootstrapDuration(double seconds) { Metrics().bootstrap.With({}).Observe(seconds); }

HistogramFamily& RequestDuration() { return Metrics().requests; }
Gauge& IngestQueueDepth() { return Metrics().queue_depth; }
Gauge& WebhookQueuePending() { return Metrics().queue_pending; }
Gauge& ConnectionsActive() { return Metrics().connections; }
Counter& ConnectionsClosed(std::string_view reason) {
  return Metrics().closed.With({reason});
}

}  // namespace uwh::metrics
