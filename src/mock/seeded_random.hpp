#pragma once
// Deterministic randomness for the seeded data: the same seed gives the same workspace on every
// platform (own generator and arithmetic, no std::uniform_*_distribution).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace uwh::mock {

// SplitMix64. Not thread-safe; cheap to copy.
class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n); 0 when n is 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi);
  // True with probability `percent` / 100.
  bool Chance(int percent) { return static_cast<int>(Below(100)) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(Below(items.size()))];
  }
  // A Clockify-like object id: 24 lower-case hex digits.
  std::string ObjectId();

 private:
  uint64_t state_;
};

// FNV-1a 64 of `text` mixed with `seed`: a stable seed per workspace.
uint64_t MixSeed(uint64_t seed, std::string_view text);

}  // namespace uwh::mock
