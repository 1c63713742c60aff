#pragma once
// One pacing limiter per workspace, shared by bootstrap, explorer and flows (SPEC §5.1): requests
// are spaced 1/rate apart (a bucket of capacity 1), so no 1-second window holds more than rate + 1.
// Interactive callers go ahead of background ones.
//
// With a SharedPace (several instances on one PostgreSQL) the spacing holds for all instances
// together: each request reserves the workspace's next slot in the database and waits for it.
// In front of it the in-process lanes keep priorities and let one caller per workspace at a time
// hold a reservation, so an instance never queues more than one slot ahead in the database (an
// interactive caller arriving later is not stuck behind this instance's background reservations).
// When the database cannot be reached, the limiter paces in memory for that request.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/clock.hpp"
#include "common/shared_pace.hpp"

namespace uwh::clockify {

enum class Priority { kInteractive, kBackground };

class WorkspaceRateLimiter {
 public:
  // `sleep` waits for a duration (tests pass a fake that advances a ManualClock).
  using SleepFn = std::function<void(std::chrono::nanoseconds)>;
  // `shared` (may be null: in-memory pacing only) must outlive the limiter.
  WorkspaceRateLimiter(const Clock& clock, SleepFn sleep = nullptr, SharedPace* shared = nullptr);

  // Blocks until this workspace may send one request at `rate` per second (1–50; clamped), then
  // returns. Thread-safe. Interactive waiters are served before background waiters.
  void Acquire(const std::string& workspace_id, int rate, Priority priority);

  // Pushes the workspace's next slot to at least now + delay (after a 429 with Retry-After), in
  // every instance when the pace is shared.
  void Penalize(const std::string& workspace_id, std::chrono::nanoseconds delay);

 private:
  struct Lane {
    std::chrono::system_clock::time_point next_slot{};
    int interactive_waiting = 0;
    bool reserving = false;  // a caller holds a shared-pace reservation it is waiting for
  };
  // Takes the lane's next in-memory slot (lock held on entry and on return); an interactive
  // caller is counted in interactive_waiting until it has its slot.
  void AcquireInMemory(std::unique_lock<std::mutex>& lock, Lane& lane,
                       std::chrono::system_clock::duration interval, bool interactive);

  const Clock& clock_;
  SleepFn sleep_;
  SharedPace* shared_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Lane> lanes_;
};

}  // namespace uwh::clockify
