#pragma once
// Faults injected into the simulated API on request (POST /_mock/faults): latency, 5xx answers at
// a rate, a burst of 429s, and connections closed without an answer.
#include <mutex>
#include <string_view>

#include "common/error.hpp"
#include "mock/model.hpp"
#include "mock/seeded_random.hpp"

namespace uwh::mock {

struct FaultConfig {
  int latency_ms = 0;         // added before every answer
  double error_rate = 0;      // 0..1: share of requests answered `status`
  int status = 503;           // 500..599
  int burst_429 = 0;          // the next N requests are answered 429
  int retry_after_seconds = 1;  // Retry-After of those 429s
  int drop_connections = 0;   // the next N requests get no answer: the connection is closed
};

// {"latency_ms","error_rate","status","burst_429","retry_after","drop_connections"}; missing
// fields take their defaults. kInvalidArgument naming the field that is out of range.
[[nodiscard]] Result<FaultConfig> ParseFaultConfig(std::string_view body);
Json FaultConfigJson(const FaultConfig& config);

// What to do with one request.
struct FaultDecision {
  enum class Action { kNone, kDrop, kTooManyRequests, kError };
  Action action = Action::kNone;
  int latency_ms = 0;
  int status = 0;
  int retry_after_seconds = 0;
};

// Thread-safe. Drops come first, then the 429 burst, then errors at the configured rate.
class Faults {
 public:
  explicit Faults(uint64_t seed) : random_(seed) {}
  void Set(const FaultConfig& config);
  FaultConfig Get() const;
  FaultDecision Decide();

 private:
  mutable std::mutex mutex_;
  FaultConfig config_;
  SeededRandom random_;
};

}  // namespace uwh::mock
