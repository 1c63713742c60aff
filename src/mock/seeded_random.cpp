#include "mock/seeded_random.hpp"

namespace uwh::mock {

uint64_t SeededRandom::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SeededRandom::Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }

int64_t SeededRandom::Between(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
}

std::string SeededRandom::ObjectId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(24, '0');
  // Like a MongoDB ObjectId the first digits look like a timestamp (2023–2025).
  uint64_t high = 0x64000000ULL + Below(0x05000000ULL);
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[high & 0xf];
    high >>= 4;
  }
  uint64_t low = Next();
  for (size_t i = 8; i < 24; ++i) {
    out[i] = kHex[low & 0xf];
    low >>= 4;
  }
  return out;
}

uint64_t MixSeed(uint64_t seed, std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  SeededRandom r(h);
  return r.Next();
}

}  // namespace uwh::mock
