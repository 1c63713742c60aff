#include "flows/jsonpath/evaluator.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flows/jsonpath/iregexp.hpp"
#include "flows/jsonpath/utf8.hpp"

namespace uwh::flows::jsonpath::internal {
namespace {

using nlohmann::json;

constexpr std::size_t kNoPath = std::numeric_limits<std::size_t>::max();

// One step of a normalized path, linked to its parent step: the paths of all nodes of one
// evaluation share their prefixes in an arena and are written out only for the result.
struct PathStep {
  std::size_t parent = kNoPath;
  const std::string* name = nullptr;  // A member name, or nullptr for an array index.
  std::size_t index = 0;
};

struct Item {
  const json* value = nullptr;
  std::size_t path = kNoPath;
};

// A ValueType result (RFC 9535 §2.4.1): Nothing, a value of the document or of the query, or a
// number computed by a function.
class Value {
 public:
  static Value Nothing() { return Value(); }
  static Value Of(const json* value) {
    Value result;
    result.ref_ = value;
    return result;
  }
  static Value Count(std::size_t count) {
    Value result;
    result.owned_ = true;
    result.number_ = static_cast<std::uint64_t>(count);
    return result;
  }
  // nullptr for Nothing. Valid while this Value lives.
  const json* Get() const { return owned_ ? &number_ : ref_; }

 private:
  const json* ref_ = nullptr;
  bool owned_ = false;
  json number_;
};

// -1, 0 or 1. Integers compare exactly; any float makes it a double comparison.
int CompareNumbers(const json& a, const json& b) {
  const auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  const bool a_float = a.is_number_float();
  const bool b_float = b.is_number_float();
  if (a_float || b_float) return sign(a.get<double>(), b.get<double>());
  const bool a_unsigned = a.is_number_unsigned();
  const bool b_unsigned = b.is_number_unsigned();
  if (a_unsigned == b_unsigned) {
    if (a_unsigned) return sign(a.get<std::uint64_t>(), b.get<std::uint64_t>());
    return sign(a.get<std::int64_t>(), b.get<std::int64_t>());
  }
  if (a_unsigned) {
    const std::int64_t other = b.get<std::int64_t>();
    return other < 0 ? 1 : sign(a.get<std::uint64_t>(), static_cast<std::uint64_t>(other));
  }
  const std::int64_t mine = a.get<std::int64_t>();
  return mine < 0 ? -1 : sign(static_cast<std::uint64_t>(mine), b.get<std::uint64_t>());
}

// Structural equality (RFC 9535 §2.3.5.2.2), with an explicit stack so that deep values cannot
// overflow the call stack. Numbers are equal by value whatever their representation.
bool DeepEqual(const json& a, const json& b) {
  std::vector<std::pair<const json*, const json*>> pending{{&a, &b}};
  while (!pending.empty()) {
    const auto [x, y] = pending.back();
    pending.pop_back();
    if (x->is_number() && y->is_number()) {
      if (CompareNumbers(*x, *y) != 0) return false;
      continue;
    }
    if (x->type() != y->type()) return false;
    switch (x->type()) {
      case json::value_t::null:
        break;
      case json::value_t::boolean:
        if (x->get<bool>() != y->get<bool>()) return false;
        break;
      case json::value_t::string:
        if (x->get_ref<const std::string&>() != y->get_ref<const std::string&>()) return false;
        break;
      case json::value_t::array:
        if (x->size() != y->size()) return false;
        for (std::size_t i = 0; i < x->size(); ++i) pending.emplace_back(&(*x)[i], &(*y)[i]);
        break;
      case json::value_t::object: {
        if (x->size() != y->size()) return false;
        // Members are kept sorted by name, so equal objects list them in the same order.
        auto yi = y->begin();
        for (auto xi = x->begin(); xi != x->end(); ++xi, ++yi) {
          if (xi.key() != yi.key()) return false;
          pending.emplace_back(&xi.value(), &yi.value());
        }
        break;
      }
      default:
        if (*x != *y) return false;
        break;
    }
  }
  return true;
}

bool Equal(const json* a, const json* b) {
  if (a == nullptr || b == nullptr) return a == b;  // Nothing equals only Nothing.
  return DeepEqual(*a, *b);
}

// Only numbers with numbers and strings with strings are ordered; everything else is not less.
bool Less(const json* a, const json* b) {
  if (a == nullptr || b == nullptr) return false;
  if (a->is_number() && b->is_number()) return CompareNumbers(*a, *b) < 0;
  if (a->is_string() && b->is_string()) {
    // Byte order of UTF-8 is code point order.
    return a->get_ref<const std::string&>() < b->get_ref<const std::string&>();
  }
  return false;
}

bool Compare(CompareOp op, const json* a, const json* b) {
  switch (op) {
    case CompareOp::kEq:
      return Equal(a, b);
    case CompareOp::kNe:
      return !Equal(a, b);
    case CompareOp::kLt:
      return Less(a, b);
    case CompareOp::kLe:
      return Less(a, b) || Equal(a, b);
    case CompareOp::kGt:
      return Less(b, a);
    case CompareOp::kGe:
      return Less(b, a) || Equal(a, b);
  }
  return false;
}

// The array position an index selects, or nullopt when it is out of range.
std::optional<std::size_t> ResolveIndex(std::int64_t index, std::size_t size) {
  const auto length = static_cast<std::int64_t>(size);
  const std::int64_t resolved = index < 0 ? length + index : index;
  if (resolved < 0 || resolved >= length) return std::nullopt;
  return static_cast<std::size_t>(resolved);
}

// Appends a member name as a normalized-path string (RFC 9535 §2.7).
void AppendNormalizedName(std::string& out, const std::string& name) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "['";
  for (const char c : name) {
    switch (c) {
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += "']";
}

class Evaluator {
 public:
  Evaluator(const json& root, bool with_paths) : root_(root), with_paths_(with_paths) {}

  std::vector<Node> Run(const PathQuery& query) {
    std::vector<Node> result;
    if (query.singular && !with_paths_) {
      if (const json* value = SelectSingular(query, root_)) result.push_back(Node{value, {}});
      return result;
    }
    std::vector<Item> nodes{Item{&root_, kNoPath}};
    ApplySegments(query.segments, nodes, with_paths_);
    result.reserve(nodes.size());
    for (const Item& item : nodes) {
      result.push_back(Node{item.value, with_paths_ ? PathString(item.path) : std::string()});
    }
    return result;
  }

 private:
  std::size_t Step(bool track, std::size_t parent, const std::string* name, std::size_t index) {
    if (!track) return kNoPath;
    steps_.push_back(PathStep{parent, name, index});
    return steps_.size() - 1;
  }

  std::string PathString(std::size_t path) const {
    std::vector<std::size_t> chain;
    for (std::size_t step = path; step != kNoPath; step = steps_[step].parent) {
      chain.push_back(step);
    }
    std::string out = "$";
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const PathStep& step = steps_[*it];
      if (step.name != nullptr) {
        AppendNormalizedName(out, *step.name);
      } else {
        out += '[';
        out += std::to_string(step.index);
        out += ']';
      }
    }
    return out;
  }

  // Replaces `nodes` with the result of applying each segment in turn.
  void ApplySegments(const std::vector<Segment>& segments, std::vector<Item>& nodes, bool track) {
    std::vector<Item> next;
    for (const Segment& segment : segments) {
      next.clear();
      for (const Item& item : nodes) {
        if (segment.descendant) {
          Descend(segment, item, next, track);
        } else {
          for (const Selector& selector : segment.selectors) {
            ApplySelector(selector, item, next, track);
          }
        }
      }
      nodes.swap(next);
      if (nodes.empty()) return;
    }
  }

  // The selectors applied to the input and each of its descendants, parents before children
  // and array elements in order.
  void Descend(const Segment& segment, const Item& input, std::vector<Item>& out, bool track) {
    std::vector<Item> pending{input};
    while (!pending.empty()) {
      const Item item = pending.back();
      pending.pop_back();
      for (const Selector& selector : segment.selectors) {
        ApplySelector(selector, item, out, track);
      }
      const json& value = *item.value;
      if (value.is_array()) {
        for (std::size_t i = value.size(); i-- > 0;) {
          pending.push_back(Item{&value[i], Step(track, item.path, nullptr, i)});
        }
      } else if (value.is_object()) {
        for (auto it = value.crbegin(); it != value.crend(); ++it) {
          pending.push_back(Item{&it.value(), Step(track, item.path, &it.key(), 0)});
        }
      }
    }
  }

  void ApplySelector(const Selector& selector, const Item& input, std::vector<Item>& out,
                     bool track) {
    const json& value = *input.value;
    switch (selector.kind) {
      case Selector::Kind::kName: {
        if (!value.is_object()) return;
        const auto it = value.find(selector.name);
        if (it != value.end()) out.push_back(Item{&*it, Step(track, input.path, &it.key(), 0)});
        return;
      }
      case Selector::Kind::kWildcard:
        if (value.is_array()) {
          for (std::size_t i = 0; i < value.size(); ++i) {
            out.push_back(Item{&value[i], Step(track, input.path, nullptr, i)});
          }
        } else if (value.is_object()) {
          for (auto it = value.begin(); it != value.end(); ++it) {
            out.push_back(Item{&it.value(), Step(track, input.path, &it.key(), 0)});
          }
        }
        return;
      case Selector::Kind::kIndex: {
        if (!value.is_array()) return;
        if (const auto i = ResolveIndex(selector.index, value.size())) {
          out.push_back(Item{&value[*i], Step(track, input.path, nullptr, *i)});
        }
        return;
      }
      case Selector::Kind::kSlice:
        if (value.is_array()) Slice(selector, input, out, track);
        return;
      case Selector::Kind::kFilter:
        if (value.is_array()) {
          for (std::size_t i = 0; i < value.size(); ++i) {
            if (Test(*selector.filter, value[i])) {
              out.push_back(Item{&value[i], Step(track, input.path, nullptr, i)});
            }
          }
        } else if (value.is_object()) {
          for (auto it = value.begin(); it != value.end(); ++it) {
            if (Test(*selector.filter, it.value())) {
              out.push_back(Item{&it.value(), Step(track, input.path, &it.key(), 0)});
            }
          }
        }
        return;
    }
  }

  // RFC 9535 §2.3.4.2.2. Bounds are within ±(2^53-1), so none of this overflows.
  void Slice(const Selector& selector, const Item& input, std::vector<Item>& out, bool track) {
    const json& array = *input.value;
    const auto length = static_cast<std::int64_t>(array.size());
    const std::int64_t step = selector.step;
    if (step == 0) return;
    const auto normalize = [length](std::int64_t i) { return i >= 0 ? i : length + i; };
    const auto emit = [&](std::int64_t i) {
      const auto index = static_cast<std::size_t>(i);
      out.push_back(Item{&array[index], Step(track, input.path, nullptr, index)});
    };
    if (step > 0) {
      const std::int64_t start = selector.start ? normalize(*selector.start) : 0;
      const std::int64_t end = selector.end ? normalize(*selector.end) : length;
      const std::int64_t lower = std::min(std::max(start, std::int64_t{0}), length);
      const std::int64_t upper = std::min(std::max(end, std::int64_t{0}), length);
      for (std::int64_t i = lower; i < upper; i += step) emit(i);
    } else {
      const std::int64_t start = selector.start ? normalize(*selector.start) : length - 1;
      const std::int64_t end = selector.end ? normalize(*selector.end) : -length - 1;
      const std::int64_t upper = std::min(std::max(start, std::int64_t{-1}), length - 1);
      const std::int64_t lower = std::min(std::max(end, std::int64_t{-1}), length - 1);
      for (std::int64_t i = upper; lower < i; i += step) emit(i);
    }
  }

  // --- Filters --------------------------------------------------------------------------------

  bool Test(const LogicalExpr& expr, const json& current) {
    switch (expr.kind) {
      case LogicalExpr::Kind::kOr:
        return std::any_of(expr.children.begin(), expr.children.end(),
                           [&](const LogicalExpr& child) { return Test(child, current); });
      case LogicalExpr::Kind::kAnd:
        return std::all_of(expr.children.begin(), expr.children.end(),
                           [&](const LogicalExpr& child) { return Test(child, current); });
      case LogicalExpr::Kind::kNot:
        return !Test(expr.children.front(), current);
      case LogicalExpr::Kind::kCompare: {
        const Value lhs = Evaluate(expr.lhs, current);
        const Value rhs = Evaluate(expr.rhs, current);
        return Compare(expr.op, lhs.Get(), rhs.Get());
      }
      case LogicalExpr::Kind::kTest:
        if (expr.lhs.kind == Operand::Kind::kQuery) {
          if (expr.lhs.query.singular) return SelectSingular(expr.lhs.query, current) != nullptr;
          std::vector<Item> nodes;
          SelectNodes(expr.lhs.query, current, nodes);
          return !nodes.empty();
        }
        return CallLogical(*expr.lhs.function, current);
    }
    return false;
  }

  // A comparable or ValueType argument. The parser guarantees queries here are singular and
  // functions here return values.
  Value Evaluate(const Operand& operand, const json& current) {
    switch (operand.kind) {
      case Operand::Kind::kLiteral:
        return Value::Of(&operand.literal);
      case Operand::Kind::kQuery:
        return Value::Of(SelectSingular(operand.query, current));
      case Operand::Kind::kFunction:
        return CallValue(*operand.function, current);
    }
    return Value::Nothing();
  }

  Value CallValue(const FunctionCall& call, const json& current) {
    switch (call.kind) {
      case FunctionKind::kLength: {
        const Value arg = Evaluate(call.args[0], current);
        const json* value = arg.Get();
        if (value == nullptr) return Value::Nothing();
        if (value->is_string()) {
          return Value::Count(CountCodePoints(value->get_ref<const std::string&>()));
        }
        if (value->is_array() || value->is_object()) return Value::Count(value->size());
        return Value::Nothing();
      }
      case FunctionKind::kCount: {
        std::vector<Item> nodes;
        SelectNodes(call.args[0].query, current, nodes);
        return Value::Count(nodes.size());
      }
      case FunctionKind::kValue: {
        std::vector<Item> nodes;
        SelectNodes(call.args[0].query, current, nodes);
        return nodes.size() == 1 ? Value::Of(nodes.front().value) : Value::Nothing();
      }
      case FunctionKind::kMatch:
      case FunctionKind::kSearch:
        break;
    }
    return Value::Nothing();
  }

  // match() and search(): false unless both arguments are strings and the pattern is valid.
  bool CallLogical(const FunctionCall& call, const json& current) {
    const bool full = call.kind == FunctionKind::kMatch;
    const Value subject = Evaluate(call.args[0], current);
    const json* text = subject.Get();
    if (text == nullptr || !text->is_string()) return false;
    const std::string& input = text->get_ref<const std::string&>();
    if (call.pattern_is_literal) {
      return call.regex != nullptr && IRegexpMatches(*call.regex, input, full);
    }
    const Value pattern = Evaluate(call.args[1], current);
    const json* source = pattern.Get();
    if (source == nullptr || !source->is_string()) return false;
    const auto regex = CompileIRegexp(source->get_ref<const std::string&>());
    return regex != nullptr && IRegexpMatches(*regex, input, full);
  }

  const json& Start(const PathQuery& query, const json& current) const {
    return query.relative ? current : root_;
  }

  void SelectNodes(const PathQuery& query, const json& current, std::vector<Item>& out) {
    out.assign(1, Item{&Start(query, current), kNoPath});
    ApplySegments(query.segments, out, false);
  }

  // The one node a singular query selects, or nullptr.
  const json* SelectSingular(const PathQuery& query, const json& current) const {
    const json* value = &Start(query, current);
    for (const Segment& segment : query.segments) {
      const Selector& selector = segment.selectors.front();
      if (selector.kind == Selector::Kind::kName) {
        if (!value->is_object()) return nullptr;
        const auto it = value->find(selector.name);
        if (it == value->end()) return nullptr;
        value = &*it;
      } else {
        if (!value->is_array()) return nullptr;
        const auto i = ResolveIndex(selector.index, value->size());
        if (!i) return nullptr;
        value = &(*value)[*i];
      }
    }
    return value;
  }

  const json& root_;
  const bool with_paths_;
  std::vector<PathStep> steps_;
};

}  // namespace

std::vector<Node> EvaluateQuery(const PathQuery& query, const json& root, bool with_paths) {
  return Evaluator(root, with_paths).Run(query);
}

}  // namespace uwh::flows::jsonpath::internal
