#pragma once
// nlohmann::json::parse without exceptions and with a bound on nesting (kMaxJsonDepth): a
// document nested deeper is "discarded", like one that is not JSON. Use it for every text that
// comes from outside the process or from the database.
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/json_scan.hpp"

namespace uwh {

inline nlohmann::json ParseJson(std::string_view text) {
  if (!JsonDepthAtMost(text)) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace uwh
