#include "mock/stats.hpp"

#include "mock/rate_window.hpp"

namespace uwh::mock {
namespace {

constexpr size_t kMaxRequestKeys = 50000;
constexpr size_t kMaxTimes = 500000;
constexpr size_t kMaxSeconds = 3600;
constexpr size_t kMaxRecent = 5000;

template <typename Map>
void TrimSeconds(Map& m) {
  while (m.size() > kMaxSeconds) m.erase(m.begin());
}

Json SecondsJson(const std::map<int64_t, uint64_t>& m) {
  Json out = Json::array();
  for (const auto& [second, count] : m) out.push_back({{"second", second}, {"count", count}});
  return out;
}

}  // namespace

void RequestStats::Record(const RequestRecord& r) {
  const int64_t second =
      std::chrono::duration_cast<std::chrono::seconds>(r.wall.time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  ++total_;
  if (r.fault == "rate_limited") ++rate_limited_;
  if (r.fault == "burst_429") ++burst_429_;
  if (r.fault == "error") ++errors_injected_;
  if (r.fault == "drop") ++dropped_;
  ++by_operation_[r.operation_id];
  ++by_path_[r.method + " " + r.path_template];
  const std::string request_key = r.method + " " + r.target;
  if (by_request_.size() < kMaxRequestKeys || by_request_.count(request_key) > 0) {
    ++by_request_[request_key];
  }
  ++by_status_[r.status == 0 ? std::string("dropped") : std::to_string(r.status)];
  ++per_second_[second];
  TrimSeconds(per_second_);
  if (!r.workspace_id.empty()) {
    auto& w = workspaces_[r.workspace_id];
    ++w.requests;
    if (r.fault == "rate_limited") ++w.rate_limited;
    ++w.by_operation[r.operation_id];
    ++w.per_second[second];
    TrimSeconds(w.per_second);
    w.times.push_back(r.at);
    if (w.times.size() > kMaxTimes) w.times.pop_front();
  }
  recent_.push_back(r);
  if (recent_.size() > kMaxRecent) recent_.pop_front();
}

Json RequestStats::RecentJson(size_t limit) const {
  std::lock_guard lock(mutex_);
  Json out = Json::array();
  const size_t first = recent_.size() > limit ? recent_.size() - limit : 0;
  for (size_t i = first; i < recent_.size(); ++i) {
    const RequestRecord& r = recent_[i];
    out.push_back({{"at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                 r.wall.time_since_epoch())
                                 .count()},
                   {"method", r.method},
                   {"operation_id", r.operation_id},
                   {"target", r.target},
                   {"workspace_id", r.workspace_id},
                   {"status", r.status},
                   {"fault", r.fault}});
  }
  return out;
}

Json RequestStats::ToJson() const {
  std::lock_guard lock(mutex_);
  Json workspaces = Json::object();
  for (const auto& [id, w] : workspaces_) {
    workspaces[id] = {
        {"requests", w.requests},
        {"rate_limited", w.rate_limited},
        // The most requests this workspace sent in any one-second window (all answers counted).
        {"max_in_1s_window", MaxInWindow(w.times, std::chrono::milliseconds(1000))},
        {"by_operation", w.by_operation},
        {"per_second", SecondsJson(w.per_second)}};
  }
  Json by_status = Json::object();
  for (const auto& [k, v] : by_status_) by_status[k] = v;
  return Json{{"total_requests", total_},
              {"rate_limited", rate_limited_},
              {"burst_429", burst_429_},
              {"too_many_requests", rate_limited_ + burst_429_},
              {"errors_injected", errors_injected_},
              {"dropped_connections", dropped_},
              {"by_status", by_status},
              {"by_operation", by_operation_},
              {"by_path", by_path_},
              {"by_request", by_request_},
              {"per_second", SecondsJson(per_second_)},
              {"by_workspace", workspaces}};
}

void RequestStats::Reset() {
  std::lock_guard lock(mutex_);
  total_ = rate_limited_ = burst_429_ = errors_injected_ = dropped_ = 0;
  by_operation_.clear();
  by_path_.clear();
  by_request_.clear();
  by_status_.clear();
  per_second_.clear();
  workspaces_.clear();
  recent_.clear();
}

}  // namespace uwh::mock
