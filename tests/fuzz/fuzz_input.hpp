#pragma once
// What the fuzz targets share: the libFuzzer entry points and how an input is split into parts.
// No Asio, no Boost: every target builds with the parsers it feeds and nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace uwh::fuzz {

// Inputs with several parts separate them with a line holding only "--" (kept readable in the
// hand-written seeds; libFuzzer finds the separator through its comparison tracing). Returns at
// most `max_parts` parts; the last one keeps any further separators.
inline std::vector<std::string_view> SplitParts(std::string_view input, size_t max_parts) {
  constexpr std::string_view kSeparator = "\n--\n";
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t at = input.find(kSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kSeparator.size());
  }
  parts.push_back(input);
  return parts;
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace uwh::fuzz
