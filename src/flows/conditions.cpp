#include "flows/conditions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <re2/re2.h>

#include "flows/iso8601.hpp"
#include "flows/jsonpath/jsonpath.hpp"

namespace uwh::flows {

using nlohmann::json;

namespace internal {

enum class Operator {
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,
  kContains,
  kExists,
  kNotExists,
  kIn,
  kMatches,
};

struct ConditionRule {
  std::string path_text;
  std::optional<jsonpath::Query> query;  // Always set once compiled.
  Operator op = Operator::kEq;
  std::string op_text;
  json value;                          // Absent (discarded) for exists / not_exists.
  std::shared_ptr<const re2::RE2> regex;  // kMatches.
};

struct ConditionGroup {
  bool any = false;
  // A rule or a nested group.
  std::vector<std::variant<ConditionRule, std::unique_ptr<ConditionGroup>>> items;
};

}  // namespace internal

namespace {

using internal::ConditionGroup;
using internal::ConditionRule;
using internal::Operator;

constexpr std::pair<std::string_view, Operator> kOperators[] = {
    {"==", Operator::kEq},          {"!=", Operator::kNe},
    {">", Operator::kGt},           {"<", Operator::kLt},
    {">=", Operator::kGe},          {"<=", Operator::kLe},
    {"contains", Operator::kContains}, {"exists", Operator::kExists},
    {"not_exists", Operator::kNotExists}, {"in", Operator::kIn},
    {"matches", Operator::kMatches},
};

std::optional<Operator> ParseOperator(std::string_view text) {
  for (const auto& [name, op] : kOperators) {
    if (name == text) return op;
  }
  return std::nullopt;
}

tl::unexpected<Error> Invalid(const std::string& field, const std::string& why) {
  return Fail(ErrorCode::kInvalidArgument, "invalid_condition", field + ": " + why, field);
}

// -1, 0 or 1; nullopt when either is NaN. Integers compare exactly, whatever their signedness.
std::optional<int> CompareNumbers(const json& a, const json& b) {
  if (a.is_number_float() || b.is_number_float()) {
    const double x = a.get<double>();
    const double y = b.get<double>();
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const bool a_unsigned = a.is_number_unsigned();
  const bool b_unsigned = b.is_number_unsigned();
  if (!a_unsigned && !b_unsigned) {
    const auto x = a.get<std::int64_t>();
    const auto y = b.get<std::int64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (!a_unsigned && a.get<std::int64_t>() < 0) return -1;
  if (!b_unsigned && b.get<std::int64_t>() < 0) return 1;
  const auto x = a.get<std::uint64_t>();
  const auto y = b.get<std::uint64_t>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

std::optional<int> CompareDoubles(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return std::nullopt;
  return x < y ? -1 : (x > y ? 1 : 0);
}

// A duration string against a number: in seconds.
std::optional<int> CompareDurationWithNumber(const std::string& duration, const json& number) {
  const auto seconds = ParseIsoDurationSeconds(duration);
  if (!seconds) return std::nullopt;
  return CompareDoubles(*seconds, number.get<double>());
}

// Two strings: in time when both are timestamps, in seconds when both are durations, otherwise
// by code point (UTF-8 byte order is code point order).
int CompareStrings(const std::string& a, const std::string& b) {
  if (const auto ta = ParseIsoTimestamp(a)) {
    if (const auto tb = ParseIsoTimestamp(b)) {
      return *ta < *tb ? -1 : (*tb < *ta ? 1 : 0);
    }
  } else if (const auto da = ParseIsoDurationSeconds(a)) {
    if (const auto db = ParseIsoDurationSeconds(b)) {
      if (const auto order = CompareDoubles(*da, *db)) return *order;
    }
  }
  const int order = a.compare(b);
  return order < 0 ? -1 : (order > 0 ? 1 : 0);
}

// The order of a and b when they have one (numbers, strings, a duration and a number).
std::optional<int> Order(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return CompareNumbers(a, b);
  if (a.is_string() && b.is_string()) {
    return CompareStrings(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
  }
  if (a.is_string() && b.is_number()) {
    return CompareDurationWithNumber(a.get_ref<const std::string&>(), b);
  }
  if (a.is_number() && b.is_string()) {
    const auto order = CompareDurationWithNumber(b.get_ref<const std::string&>(), a);
    if (!order) return std::nullopt;
    return -*order;
  }
  return std::nullopt;
}

bool Equal(const json& a, const json& b) {
  if (const auto order = Order(a, b)) return *order == 0;
  if (a.is_number() || b.is_number() || a.is_string() || b.is_string()) return false;
  // Booleans, null, objects and arrays: deep JSON equality (nested numbers compare numerically).
  return a.type() == b.type() && a == b;
}

bool Less(const json& a, const json& b) {
  const auto order = Order(a, b);
  return order && *order < 0;
}

bool Contains(const json& node, const json& value) {
  if (node.is_string()) {
    return value.is_string() && node.get_ref<const std::string&>().find(
                                    value.get_ref<const std::string&>()) != std::string::npos;
  }
  if (node.is_array()) {
    return std::any_of(node.begin(), node.end(),
                       [&](const json& element) { return Equal(element, value); });
  }
  if (node.is_object()) {
    return value.is_string() && node.contains(value.get_ref<const std::string&>());
  }
  return false;
}

// Whether one selected node passes the rule (for every operator except !=, exists, not_exists,
// which look at the node list as a whole).
bool NodePasses(const ConditionRule& rule, const json& node) {
  switch (rule.op) {
    case Operator::kEq: return Equal(node, rule.value);
    case Operator::kGt: return Less(rule.value, node);
    case Operator::kLt: return Less(node, rule.value);
    case Operator::kGe: return Less(rule.value, node) || Equal(node, rule.value);
    case Operator::kLe: return Less(node, rule.value) || Equal(node, rule.value);
    case Operator::kContains: return Contains(node, rule.value);
    case Operator::kIn:
      return std::any_of(rule.value.begin(), rule.value.end(),
                         [&](const json& element) { return Equal(node, element); });
    case Operator::kMatches:
      return node.is_string() &&
             re2::RE2::PartialMatch(node.get_ref<const std::string&>(), *rule.regex);
    case Operator::kNe:
    case Operator::kExists:
    case Operator::kNotExists:
      break;
  }
  return false;
}

bool RulePasses(const ConditionRule& rule, const std::vector<jsonpath::Node>& nodes) {
  switch (rule.op) {
    case Operator::kExists: return !nodes.empty();
    case Operator::kNotExists: return nodes.empty();
    case Operator::kNe:
      return std::none_of(nodes.begin(), nodes.end(), [&](const jsonpath::Node& node) {
        return Equal(*node.value, rule.value);
      });
    default:
      return std::any_of(nodes.begin(), nodes.end(), [&](const jsonpath::Node& node) {
        return NodePasses(rule, *node.value);
      });
  }
}

bool EvaluateGroup(const ConditionGroup& group, const json& payload) {
  for (const auto& item : group.items) {
    bool passed = false;
    if (const auto* rule = std::get_if<ConditionRule>(&item)) {
      passed = RulePasses(*rule, rule->query->Evaluate(payload));
    } else {
      passed = EvaluateGroup(*std::get<std::unique_ptr<ConditionGroup>>(item), payload);
    }
    if (group.any && passed) return true;
    if (!group.any && !passed) return false;
  }
  return group.items.empty() || !group.any;
}

json ExplainGroup(const ConditionGroup& group, const json& payload) {
  json rules = json::array();
  bool any_passed = false;
  bool all_passed = true;
  for (const auto& item : group.items) {
    json outcome;
    if (const auto* rule = std::get_if<ConditionRule>(&item)) {
      const auto nodes = rule->query->EvaluateWithPaths(payload);
      outcome = {{"path", rule->path_text}, {"operator", rule->op_text}};
      if (rule->op != Operator::kExists && rule->op != Operator::kNotExists) {
        outcome["expected"] = rule->value;
      }
      json selected = json::array();
      json selected_paths = json::array();
      for (const auto& node : nodes) {
        selected.push_back(*node.value);
        selected_paths.push_back(node.normalized_path);
      }
      outcome["selected"] = std::move(selected);
      outcome["selected_paths"] = std::move(selected_paths);
      outcome["passed"] = RulePasses(*rule, nodes);
    } else {
      outcome = ExplainGroup(*std::get<std::unique_ptr<ConditionGroup>>(item), payload);
    }
    const bool passed = outcome["passed"].get<bool>();
    any_passed = any_passed || passed;
    all_passed = all_passed && passed;
    rules.push_back(std::move(outcome));
  }
  const bool passed = group.items.empty() || (group.any ? any_passed : all_passed);
  return {{"mode", group.any ? "ANY" : "ALL"}, {"passed", passed}, {"rules", std::move(rules)}};
}

Result<std::unique_ptr<ConditionGroup>> CompileGroup(const json& spec, const std::string& field,
                                                     int depth);

Result<ConditionRule> CompileRule(const json& spec, const std::string& field) {
  ConditionRule rule;
  const auto path = spec.find("path");
  if (path == spec.end() || !path->is_string()) {
    return Invalid(field + ".path", "a rule needs a JSONPath string");
  }
  rule.path_text = path->get<std::string>();
  auto query = jsonpath::Query::Compile(rule.path_text);
  if (!query) {
    Error error = std::move(query.error());
    error.field = field + ".path";
    error.message = error.field + ": " + error.message;
    return Fail(std::move(error));
  }
  rule.query = std::move(*query);

  const auto op = spec.find("operator");
  if (op == spec.end() || !op->is_string()) {
    return Invalid(field + ".operator", "a rule needs an operator (one of == != > < >= <= "
                                        "contains exists not_exists in matches)");
  }
  rule.op_text = op->get<std::string>();
  const auto parsed_op = ParseOperator(rule.op_text);
  if (!parsed_op) {
    return Invalid(field + ".operator", "unknown operator '" + rule.op_text +
                                            "' (expected one of == != > < >= <= contains exists "
                                            "not_exists in matches)");
  }
  rule.op = *parsed_op;
  if (rule.op == Operator::kExists || rule.op == Operator::kNotExists) return rule;

  const auto value = spec.find("value");
  if (value == spec.end()) {
    return Invalid(field + ".value", "operator '" + rule.op_text + "' needs a value");
  }
  rule.value = *value;
  if (rule.op == Operator::kIn && !rule.value.is_array()) {
    return Invalid(field + ".value", "operator 'in' needs a list (JSON array) of values");
  }
  if (rule.op == Operator::kMatches) {
    if (!rule.value.is_string()) {
      return Invalid(field + ".value", "operator 'matches' needs a regular expression string");
    }
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const re2::RE2>(rule.value.get_ref<const std::string&>(), options);
    if (!regex->ok()) {
      return Invalid(field + ".value", "invalid regular expression (RE2 syntax): " + regex->error());
    }
    rule.regex = std::move(regex);
  }
  return rule;
}

Result<std::unique_ptr<ConditionGroup>> CompileGroup(const json& spec, const std::string& field,
                                                     int depth) {
  auto group = std::make_unique<ConditionGroup>();
  if (spec.is_null()) return group;
  if (!spec.is_object()) {
    return Invalid(field, "expected an object {\"mode\":\"ALL\"|\"ANY\",\"rules\":[…]}");
  }
  if (spec.contains("path") || spec.contains("operator")) {
    // A bare rule: a group of one.
    auto rule = CompileRule(spec, field);
    if (!rule) return Fail(std::move(rule.error()));
    group->items.emplace_back(std::move(*rule));
    return group;
  }
  if (depth > Conditions::kMaxDepth) {
    return Invalid(field + ".rules", "groups nest deeper than " +
                                         std::to_string(Conditions::kMaxDepth) + " levels");
  }
  if (const auto mode = spec.find("mode"); mode != spec.end() && !mode->is_null()) {
    std::string text = mode->is_string() ? mode->get<std::string>() : std::string();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    if (text != "ALL" && text != "ANY") {
      return Invalid(field + ".mode", "mode must be \"ALL\" or \"ANY\"");
    }
    group->any = text == "ANY";
  }
  const auto rules = spec.find("rules");
  if (rules == spec.end() || rules->is_null()) return group;
  if (!rules->is_array()) return Invalid(field + ".rules", "rules must be a list");
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const json& item = (*rules)[i];
    const std::string item_field = field + ".rules[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return Invalid(item_field, "expected a rule {\"path\",\"operator\",\"value\"} or a group "
                                 "{\"mode\",\"rules\"}");
    }
    const bool is_rule = item.contains("path") || item.contains("operator");
    const bool is_group = item.contains("rules") || item.contains("mode");
    if (is_rule && is_group) {
      return Invalid(item_field, "a rule has path/operator/value, a group has mode/rules, not both");
    }
    if (is_group) {
      auto nested = CompileGroup(item, item_field, depth + 1);
      if (!nested) return Fail(std::move(nested.error()));
      group->items.emplace_back(std::move(*nested));
    } else {
      auto rule = CompileRule(item, item_field);
      if (!rule) return Fail(std::move(rule.error()));
      group->items.emplace_back(std::move(*rule));
    }
  }
  return group;
}

}  // namespace

Conditions::Conditions() : root_(std::make_shared<const ConditionGroup>()) {}

Conditions::Conditions(std::shared_ptr<const ConditionGroup> root) : root_(std::move(root)) {}

Result<Conditions> Conditions::Compile(const json& spec, const std::string& field_prefix) {
  auto group = CompileGroup(spec, field_prefix, 1);
  if (!group) return Fail(std::move(group.error()));
  return Conditions(std::shared_ptr<const ConditionGroup>(std::move(*group)));
}

bool Conditions::Evaluate(const json& payload) const { return EvaluateGroup(*root_, payload); }

json Conditions::Explain(const json& payload) const { return ExplainGroup(*root_, payload); }

bool Conditions::Empty() const { return root_->items.empty(); }

}  // namespace uwh::flows
