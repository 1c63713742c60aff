#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>

#include "common/metrics.hpp"

namespace uwh::http {

// One histogram per status class (1xx … 5xx) of one route, looked up in the registry the first
// time a response of that class is seen, so that timing a request is a pointer read.
struct Router::LatencySlots {
  LatencySlots(std::string m, std::string r) : method(std::move(m)), route(std::move(r)) {}

  void Observe(int status, std::chrono::steady_clock::duration elapsed) {
    static constexpr std::array<const char*, 5> kClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    const size_t i = static_cast<size_t>(std::clamp(status / 100, 1, 5) - 1);
    metrics::Histogram* h = slots[i].load(std::memory_order_acquire);
    if (h == nullptr) {
      h = &metrics::RequestDuration().With({method, route, kClasses[i]});
      slots[i].store(h, std::memory_order_release);
    }
    h->Observe(std::chrono::duration<double>(elapsed).count());
  }

  const std::string method;
  const std::string route;
  std::array<std::atomic<metrics::Histogram*>, 5> slots{};
};

Router::Router() : unmatched_latency_(std::make_shared<LatencySlots>("", "unmatched")) {}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    const size_t j = path.find('/', i);
    out.emplace_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    i = j == std::string_view::npos ? path.size() : j;
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  auto latency = std::make_shared<LatencySlots>(method, pattern);
  Entry e{std::move(method), SplitPath(pattern), 0, std::move(handler), std::move(latency)};
  for (const auto& s : e.segments) {
    if (s.empty() || s.front() != '{') ++e.literal_count;
  }
  entries_.push_back(std::move(e));
  // Most literal segments first, so /ui/webhooks/stats beats /ui/webhooks/{id}.
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.literal_count > b.literal_count;
  });
}

asio::awaitable<Response> Router::Route(Request& request) const {
  const auto started = std::chrono::steady_clock::now();
  const auto segments = SplitPath(request.path);
  bool path_known = false;
  for (const auto& e : entries_) {
    const bool rest = !e.segments.empty() && e.segments.back().size() > 3 &&
                      e.segments.back().ends_with("*}");
    if (rest ? segments.size() < e.segments.size() : e.segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < e.segments.size() && match; ++i) {
      const auto& p = e.segments[i];
      if (rest && i + 1 == e.segments.size()) {
        // {name*}: the rest of the path, slashes included.
        std::string joined = segments[i];
        for (size_t j = i + 1; j < segments.size(); ++j) joined += "/" + segments[j];
        params[p.substr(1, p.size() - 3)] = std::move(joined);
      } else if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else {
        match = p == segments[i];
      }
    }
    if (!match) continue;
    path_known = true;
    if (e.method != request.method && !(e.method == "GET" && request.method == "HEAD")) continue;
    request.path_params = std::move(params);
    Response response = co_await e.handler(request);
    e.latency->Observe(response.status, std::chrono::steady_clock::now() - started);
    co_return response;
  }
  Response response =
      path_known
          ? Response::FromError(
                Error::Make(ErrorCode::kInvalidArgument, "method_not_allowed",
                            "method " + request.method + " is not allowed on " + request.path),
                request.request_id)
          : Response::FromError(
                Error::Make(ErrorCode::kNotFound, "not_found", "no such endpoint: " + request.path),
                request.request_id);
  if (path_known) response.status = 405;
  unmatched_latency_->Observe(response.status, std::chrono::steady_clock::now() - started);
  co_return response;
}

}  // namespace uwh::http
