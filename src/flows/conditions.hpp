#pragma once
// Flow conditions (SPEC §6.2): rules over the webhook payload, combined with ALL / ANY and nested.
//
//   {"mode":"ALL","rules":[
//     {"path":"$.project.name","operator":"==","value":"Internal"},
//     {"mode":"ANY","rules":[{"path":"$.tags[*].name","operator":"in","value":["a","b"]}, …]}]}
//
// Compile once when a flow is saved or loaded, evaluate for every event.
//
// Semantics, per rule (the path is RFC 9535 JSONPath and selects a list of nodes):
// - A path selecting several nodes passes if any node passes; for `!=`, if no node equals the
//   value (`!=` is exactly the negation of `==`). A path selecting nothing fails every operator
//   except `not_exists` and `!=`.
// - Comparisons are JSON-typed: the string "5" is not the number 5; numbers compare numerically
//   whatever their representation (1 == 1.0); objects and arrays compare by deep equality.
//   Conversions: an ISO-8601 duration string compared with a number compares in seconds
//   ("PT1H30M" > 3600); two timestamp strings compare in time (offsets and fractions honoured);
//   two duration strings compare in seconds. Other strings compare by code point.
// - Ordering (`<`, `>`) holds only between numbers, between strings, and between a duration and
//   a number; anything else is false. As in RFC 9535, `<=` is `<` or `==` (so `true <= true`).
// - `contains`: substring for a string node, element (by `==`) for an array node, key for an
//   object node; case-sensitive. `in`: the value is a list and the node equals (`==`) one of its
//   elements. `matches`: RE2 search in a string node (anchor with ^…$ for a full match); false on
//   non-strings. `exists` / `not_exists`: the path selects at least one node / no node (a node
//   whose value is null exists).
// - A group with no rules (and absent or null conditions) always passes, whatever its mode.
//
// Thread safety: a Conditions is immutable once compiled; Evaluate and Explain may run on many
// threads at once. Copies are cheap and share the compiled form.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace uwh::flows {

namespace internal {
struct ConditionGroup;  // The compiled form; defined in conditions.cpp.
}  // namespace internal

class Conditions {
 public:
  // Conditions without rules: always true.
  Conditions();

  // Validates and compiles `spec` ({"mode":"ALL"|"ANY","rules":[…]}; mode defaults to ALL and is
  // case-insensitive; a bare rule {"path",…} is taken as a group of one). null means no
  // conditions. On failure the Error (kind kInvalidArgument) names the field at fault, built on
  // `field_prefix`: field "conditions.rules[1].path", message "conditions.rules[1].path: invalid
  // JSONPath at position 4: …" (code "invalid_jsonpath"); every other problem has code
  // "invalid_condition" (unknown operator → field "….operator"; `in` without an array value,
  // `matches` without a valid RE2 pattern, a missing value → "….value"; nesting deeper than
  // kMaxDepth groups → the group's "….rules").
  [[nodiscard]] static Result<Conditions> Compile(const nlohmann::json& spec,
                                                  const std::string& field_prefix = "conditions");

  // True when `payload` satisfies the conditions. Short-circuits; never throws (except
  // std::bad_alloc).
  [[nodiscard]] bool Evaluate(const nlohmann::json& payload) const;

  // The outcome of every rule, for dry runs; evaluates all rules (no short circuit). A group is
  // {"mode","passed","rules":[…]}; a rule is {"path","operator","expected","selected":[values],
  // "selected_paths":[normalized paths],"passed"} (`expected` is absent for exists/not_exists).
  // The top-level "passed" equals Evaluate(payload).
  [[nodiscard]] nlohmann::json Explain(const nlohmann::json& payload) const;

  // True when there are no rules at all.
  [[nodiscard]] bool Empty() const;

  static constexpr int kMaxDepth = 32;

 private:
  explicit Conditions(std::shared_ptr<const internal::ConditionGroup> root);

  std::shared_ptr<const internal::ConditionGroup> root_;
};

}  // namespace uwh::flows
