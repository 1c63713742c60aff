#pragma once
// Time as a dependency: everything that waits or expires takes a Clock so tests control time.
#include <chrono>
#include <cstdint>
#include <string>

namespace uwh {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (what is stored and compared with token `exp`).
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

// The real clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  static const SystemClock& Instance();
};

// A clock that only moves when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start) : now_(start) {}
  std::chrono::system_clock::time_point Now() const override { return now_; }
  void Advance(std::chrono::system_clock::duration d) { now_ += d; }
  void Set(std::chrono::system_clock::time_point t) { now_ = t; }

 private:
  std::chrono::system_clock::time_point now_;
};

// "2026-12-03T19:30:47.123Z": fixed width, so text order is time order (stored timestamps).
std::string FormatTimestamp(std::chrono::system_clock::time_point t);
// Parses RFC 3339 / ISO-8601 UTC or offset timestamps; false when the text is not one.
bool ParseTimestamp(const std::string& text, std::chrono::system_clock::time_point* out);
int64_t UnixSeconds(std::chrono::system_clock::time_point t);

}  // namespace uwh
