#pragma once
// Clockify's API limit: at most `limit` requests per key (workspace) in any window of `window`
// (50 per second). A sliding window over the accepted requests' times; requests it refuses do
// not count. Time is passed in, so tests need no sleeping.
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace uwh::mock {

class RateWindow {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  RateWindow(size_t limit, std::chrono::milliseconds window) : limit_(limit), window_(window) {}

  // True (and counted) when fewer than `limit` requests of `key` were accepted in
  // (now - window, now]; false when the request must be answered 429. Thread-safe.
  bool TryAcquire(const std::string& key, TimePoint now);
  void Reset();
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  const std::chrono::milliseconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<TimePoint>> accepted_;
};

// The most timestamps that fall in any half-open window [t, t + window) of the sorted `times`.
size_t MaxInWindow(const std::deque<std::chrono::steady_clock::time_point>& times,
                   std::chrono::milliseconds window);

}  // namespace uwh::mock
