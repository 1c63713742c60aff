#include "flows/jsonpath/jsonpath.hpp"

#include <algorithm>
#include <utility>

#include "flows/jsonpath/compiled_query.hpp"
#include "flows/jsonpath/evaluator.hpp"
#include "flows/jsonpath/parser.hpp"
#include "flows/jsonpath/utf8.hpp"

namespace uwh::flows::jsonpath {

Query::Query(std::shared_ptr<const internal::CompiledQuery> compiled)
    : compiled_(std::move(compiled)) {}

tl::expected<Query, ParseError> Query::Parse(std::string_view expression) {
  auto parsed = internal::ParseQuery(expression);
  if (!parsed) {
    // Report characters, not bytes, so the position lines up with what a person sees.
    const std::size_t offset = std::min(parsed.error().offset, expression.size());
    return tl::unexpected(ParseError{internal::CountCodePoints(expression.substr(0, offset)),
                                     std::move(parsed.error().message)});
  }
  auto compiled = std::make_shared<internal::CompiledQuery>();
  compiled->text = std::string(expression);
  compiled->query = std::move(*parsed);
  return Query(std::move(compiled));
}

Result<Query> Query::Compile(std::string_view expression) {
  auto parsed = Parse(expression);
  if (!parsed) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_jsonpath",
                "invalid JSONPath at position " + std::to_string(parsed.error().position) + ": " +
                    parsed.error().message);
  }
  return std::move(*parsed);
}

std::vector<Node> Query::Evaluate(const nlohmann::json& root) const {
  return internal::EvaluateQuery(compiled_->query, root, false);
}

std::vector<Node> Query::EvaluateWithPaths(const nlohmann::json& root) const {
  return internal::EvaluateQuery(compiled_->query, root, true);
}

bool Query::IsSingular() const { return compiled_->query.singular; }

const std::string& Query::Text() const { return compiled_->text; }

}  // namespace uwh::flows::jsonpath
