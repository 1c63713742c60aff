#pragma once
// The compiled form of a JSONPath expression: an immutable syntax tree, already type-checked, that
// the evaluator walks. Internal to uwh_jsonpath.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace re2 {
class RE2;
}  // namespace re2

namespace uwh::flows::jsonpath::internal {

struct LogicalExpr;
struct FunctionCall;

struct Selector {
  enum class Kind { kName, kWildcard, kIndex, kSlice, kFilter };
  Kind kind = Kind::kWildcard;
  std::string name;                   // kName: the unescaped member name.
  std::int64_t index = 0;             // kIndex; may be negative (counts from the end).
  std::optional<std::int64_t> start;  // kSlice: absent bounds take their RFC defaults.
  std::optional<std::int64_t> end;
  std::int64_t step = 1;
  std::unique_ptr<LogicalExpr> filter;  // kFilter.
};

struct Segment {
  bool descendant = false;  // `..` when true, otherwise a child segment.
  std::vector<Selector> selectors;
};

// `$...` (absolute) or `@...` (relative to the current node of the enclosing filter).
struct PathQuery {
  bool relative = false;
  bool singular = true;  // Only single name / index selectors in child segments.
  std::vector<Segment> segments;
};

enum class FunctionKind { kLength, kCount, kMatch, kSearch, kValue };

// What a comparison or a function argument is made of: a literal, a query or a function call.
struct Operand {
  enum class Kind { kLiteral, kQuery, kFunction };
  Kind kind = Kind::kLiteral;
  nlohmann::json literal;  // kLiteral: a number, string, true, false or null.
  PathQuery query;         // kQuery.
  std::unique_ptr<FunctionCall> function;
  std::size_t position = 0;  // Byte offset in the expression, for error messages.
};

struct FunctionCall {
  FunctionKind kind = FunctionKind::kLength;
  std::vector<Operand> args;
  // match/search whose pattern is a literal: translated and compiled once at compile time.
  // `pattern_is_literal` with a null `regex` means the pattern is not a valid I-Regexp (or not a
  // string), so the function is always false.
  bool pattern_is_literal = false;
  std::shared_ptr<const re2::RE2> regex;
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct LogicalExpr {
  enum class Kind { kOr, kAnd, kNot, kCompare, kTest };
  Kind kind = Kind::kTest;
  std::vector<LogicalExpr> children;  // kOr, kAnd (two or more), kNot (one).
  CompareOp op = CompareOp::kEq;      // kCompare: lhs op rhs.
  Operand lhs;                        // kCompare; kTest: a query (existence) or a logical function.
  Operand rhs;
};

struct CompiledQuery {
  std::string text;
  PathQuery query;
};

}  // namespace uwh::flows::jsonpath::internal
