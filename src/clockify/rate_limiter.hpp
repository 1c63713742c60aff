#pragma once
// One pacing limiter per workspace, shared by bootstrap, explorer and flows (SPEC §5.1): requests
// are spaced 1/rate apart (a bucket of capacity 1), so no 1-second window holds more than rate + 1.
// Interactive callers go ahead of background ones.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/clock.hpp"

namespace uwh::clockify {

enum class Priority { kInteractive, kBackground };

class WorkspaceRateLimiter {
 public:
  // `sleep` waits for a duration (tests pass a fake that advances a ManualClock).
  using SleepFn = std::function<void(std::chrono::nanoseconds)>;
  WorkspaceRateLimiter(const Clock& clock, SleepFn sleep = nullptr);

  // Blocks until this workspace may send one request at `rate` per second (1–50; clamped), then
  // returns. Thread-safe. Interactive waiters are served before background waiters.
  void Acquire(const std::string& workspace_id, int rate, Priority priority);

  // Pushes the workspace's next slot to at least now + delay (after a 429 with Retry-After).
  void Penalize(const std::string& workspace_id, std::chrono::nanoseconds delay);

 private:
  struct Lane {
    std::chrono::system_clock::time_point next_slot{};
    int interactive_waiting = 0;
  };
  const Clock& clock_;
  SleepFn sleep_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Lane> lanes_;
};

}  // namespace uwh::clockify
