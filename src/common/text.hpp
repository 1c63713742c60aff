#pragma once
// Small text helpers shared by modules that suggest names (operation ids, event types).
#include <cstddef>
#include <string_view>

namespace uwh {

// Levenshtein distance (insertions, deletions, substitutions of bytes).
[[nodiscard]] size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace uwh
