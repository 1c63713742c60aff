#include "clockify/rate_limiter.hpp"

#include <algorithm>
#include <thread>
#include <utility>

#include "common/logging.hpp"

namespace uwh::clockify {
namespace {

constexpr int kMinRate = 1;
constexpr int kMaxRate = 50;

}  // namespace

WorkspaceRateLimiter::WorkspaceRateLimiter(const Clock& clock, SleepFn sleep, SharedPace* shared)
    : clock_(clock), sleep_(std::move(sleep)), shared_(shared) {
  if (!sleep_) sleep_ = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
}

void WorkspaceRateLimiter::Acquire(const std::string& workspace_id, int rate, Priority priority) {
  const int clamped = std::clamp(rate, kMinRate, kMaxRate);
  const auto interval = std::chrono::nanoseconds(1'000'000'000LL / clamped);
  const bool interactive = priority == Priority::kInteractive;

  std::unique_lock lock(mutex_);
  // std::map never moves its nodes, so the reference stays valid across unlocks.
  Lane& lane = lanes_[workspace_id];
  if (interactive) ++lane.interactive_waiting;
  if (shared_ != nullptr) {
    // A turn waits for interactive callers (they notify when served) and for the caller
    // holding this instance's reservation.
    changed_.wait(lock, [&] {
      return (interactive || lane.interactive_waiting == 0) && !lane.reserving;
    });
    lane.reserving = true;
    lock.unlock();
    auto wait = shared_->Reserve(workspace_id, interval);
    if (wait && wait->count() > 0) sleep_(*wait);
    lock.lock();
    lane.reserving = false;
    if (wait) {
      if (interactive) --lane.interactive_waiting;
      changed_.notify_all();
      return;
    }
    changed_.notify_all();
    log::Warn("the shared API pace is unavailable; pacing in this instance only",
              {{"workspace_id", workspace_id}, {"error", wait.error().message}});
  }
  AcquireInMemory(lock, lane,
                  std::chrono::duration_cast<std::chrono::system_clock::duration>(interval),
                  interactive);
}

void WorkspaceRateLimiter::AcquireInMemory(std::unique_lock<std::mutex>& lock, Lane& lane,
                                           std::chrono::system_clock::duration interval,
                                           bool interactive) {
  while (true) {
    if (!interactive && lane.interactive_waiting > 0) {
      // Interactive callers take their slots first; they notify when they have.
      changed_.wait(lock, [&] { return lane.interactive_waiting == 0; });
      continue;
    }
    const auto now = clock_.Now();
    const auto slot = std::max(now, lane.next_slot);
    if (slot <= now) {
      lane.next_slot = slot + interval;
      if (interactive) {
        --lane.interactive_waiting;
        changed_.notify_all();
      }
      return;
    }
    // Sleep until the slot without holding the lock, then look again: a Penalize or an
    // interactive caller may have moved it meanwhile.
    lock.unlock();
    sleep_(std::chrono::duration_cast<std::chrono::nanoseconds>(slot - now));
    lock.lock();
  }
}

void WorkspaceRateLimiter::Penalize(const std::string& workspace_id,
                                    std::chrono::nanoseconds delay) {
  {
    std::lock_guard lock(mutex_);
    Lane& lane = lanes_[workspace_id];
    const auto until =
        clock_.Now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(delay);
    lane.next_slot = std::max(lane.next_slot, until);
  }
  if (shared_ != nullptr) {
    if (auto ok = shared_->Delay(workspace_id, delay); !ok) {
      log::Warn("cannot delay the shared API pace",
                {{"workspace_id", workspace_id}, {"error", ok.error().message}});
    }
  }
}

}  // namespace uwh::clockify
