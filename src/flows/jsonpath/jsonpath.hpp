#pragma once
// RFC 9535 JSONPath: compile an expression once, evaluate it against many documents.
//
// The whole standard is supported: root and current-node identifiers, child and descendant
// segments, name / wildcard / index / slice / filter selectors, comparisons and logical operators,
// and the five standard functions (length, count, match, search, value) with their type rules.
// match() and search() take I-Regexp patterns (RFC 9485), run on RE2.
//
// Thread safety: a Query is immutable once compiled; any number of threads may evaluate the same
// Query (or copies of it, which share the compiled form) at once.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/error.hpp"

namespace uwh::flows::jsonpath {

namespace internal {
struct CompiledQuery;
}  // namespace internal

// One selected node. `value` points into the evaluated document and is valid as long as that
// document lives unchanged. `normalized_path` (RFC 9535 §2.7, e.g. `$['tags'][0]`) is filled only
// by Query::EvaluateWithPaths and is empty otherwise.
struct Node {
  const nlohmann::json* value = nullptr;
  std::string normalized_path;
};

// Why an expression does not compile. `position` is the 0-based position of the offending
// character, counted in Unicode characters (code points) of the expression; `message` says what
// was expected there.
struct ParseError {
  std::size_t position = 0;
  std::string message;
};

class Query {
 public:
  // Compiles `expression`. On failure the Error has kind kInvalidArgument, code
  // "invalid_jsonpath" and a message "invalid JSONPath at position N: <what was expected>".
  [[nodiscard]] static Result<Query> Compile(std::string_view expression);

  // Same as Compile, with the error position as a number.
  [[nodiscard]] static tl::expected<Query, ParseError> Parse(std::string_view expression);

  // The nodes `root` selects, in RFC 9535 order, without normalized paths. Never throws
  // (except std::bad_alloc) and uses bounded stack whatever the depth of the document.
  [[nodiscard]] std::vector<Node> Evaluate(const nlohmann::json& root) const;

  // As Evaluate, and fills each Node's normalized_path.
  [[nodiscard]] std::vector<Node> EvaluateWithPaths(const nlohmann::json& root) const;

  // True when the query can select at most one node (only single name and index selectors, no
  // descendant segments): what comparisons and template values need.
  [[nodiscard]] bool IsSingular() const;

  // The expression as given to Compile.
  [[nodiscard]] const std::string& Text() const;

 private:
  explicit Query(std::shared_ptr<const internal::CompiledQuery> compiled);

  std::shared_ptr<const internal::CompiledQuery> compiled_;
};

}  // namespace uwh::flows::jsonpath
