#pragma once
// The JSONPath evaluator: runs a compiled PathQuery over a document (RFC 9535 §2.3–§2.7).
#include <vector>

#include <nlohmann/json.hpp>

#include "flows/jsonpath/compiled_query.hpp"
#include "flows/jsonpath/jsonpath.hpp"

namespace uwh::flows::jsonpath::internal {

// The nodes `query` selects from `root`, in order; with normalized paths when `with_paths`.
// Descendant segments walk the document with an explicit stack, so deep documents cannot
// exhaust the call stack; recursion is bounded by the (parser-limited) nesting of the query.
[[nodiscard]] std::vector<Node> EvaluateQuery(const PathQuery& query, const nlohmann::json& root,
                                              bool with_paths);

}  // namespace uwh::flows::jsonpath::internal
