#include "clockify/rate_limiter.hpp"

#include <algorithm>
#include <thread>
#include <utility>

namespace uwh::clockify {
namespace {

constexpr int kMinRate = 1;
constexpr int kMaxRate = 50;

}  // namespace

WorkspaceRateLimiter::WorkspaceRateLimiter(const Clock& clock, SleepFn sleep)
    : clock_(clock), sleep_(std::move(sleep)) {
  if (!sleep_) sleep_ = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
}

void WorkspaceRateLimiter::Acquire(const std::string& workspace_id, int rate, Priority priority) {
  const int clamped = std::clamp(rate, kMinRate, kMaxRate);
  const auto interval = std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::nanoseconds(1'000'000'000LL / clamped));
  const bool interactive = priority == Priority::kInteractive;

  std::unique_lock lock(mutex_);
  // std::map never moves its nodes, so the reference stays valid across unlocks.
  Lane& lane = lanes_[workspace_id];
  if (interactive) ++lane.interactive_waiting;
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
  std::lock_guard lock(mutex_);
  Lane& lane = lanes_[workspace_id];
  const auto until =
      clock_.Now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(delay);
  lane.next_slot = std::max(lane.next_slot, until);
}

}  // namespace uwh::clockify
