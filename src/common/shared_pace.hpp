#pragma once
// A request pace shared by several server instances: each workspace's next Clockify API request
// slot, kept where every instance sees it (the PostgreSQL store). clockify::WorkspaceRateLimiter
// puts it behind its own interface; the store provides it (Store::SharedApiPace()), so neither
// module depends on the other.
#include <chrono>
#include <string>

#include "common/error.hpp"

namespace uwh {

class SharedPace {
 public:
  virtual ~SharedPace() = default;

  // Reserves the workspace's next request slot: `interval` after the slot reserved before it (by
  // any instance), and not earlier than now. Returns how long from now until that slot (zero when
  // it is now). Blocking; thread-safe.
  [[nodiscard]] virtual Result<std::chrono::nanoseconds> Reserve(
      const std::string& workspace_id, std::chrono::nanoseconds interval) = 0;

  // Moves the workspace's next slot to at least now + delay (a 429's Retry-After), for every
  // instance.
  [[nodiscard]] virtual Result<void> Delay(const std::string& workspace_id,
                                           std::chrono::nanoseconds delay) = 0;
};

}  // namespace uwh
