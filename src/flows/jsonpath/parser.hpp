#pragma once
// The JSONPath parser: text to a type-checked PathQuery (RFC 9535 §2 grammar and §2.4.3 types).
#include <cstddef>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "flows/jsonpath/compiled_query.hpp"

namespace uwh::flows::jsonpath::internal {

// Where (byte offset into the text) and why parsing stopped.
struct SyntaxError {
  std::size_t offset = 0;
  std::string message;
};

// Parses a whole query. Deeply nested expressions (beyond 64 levels of parentheses, function
// calls and nested filters) are refused so that parsing and evaluation use bounded stack.
[[nodiscard]] tl::expected<PathQuery, SyntaxError> ParseQuery(std::string_view text);

}  // namespace uwh::flows::jsonpath::internal
