#include "mock/rate_window.hpp"

namespace uwh::mock {

bool RateWindow::TryAcquire(const std::string& key, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto& times = accepted_[key];
  while (!times.empty() && times.front() <= now - window_) times.pop_front();
  if (times.size() >= limit_) return false;
  times.push_back(now);
  return true;
}

void RateWindow::Reset() {
  std::lock_guard lock(mutex_);
  accepted_.clear();
}

size_t MaxInWindow(const std::deque<std::chrono::steady_clock::time_point>& times,
                   std::chrono::milliseconds window) {
  size_t best = 0;
  size_t first = 0;
  for (size_t last = 0; last < times.size(); ++last) {
    while (times[last] - times[first] >= window) ++first;
    best = std::max(best, last - first + 1);
  }
  return best;
}

}  // namespace uwh::mock
