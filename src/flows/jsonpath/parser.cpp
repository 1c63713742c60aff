#include "flows/jsonpath/parser.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "flows/jsonpath/iregexp.hpp"
#include "flows/jsonpath/utf8.hpp"

namespace uwh::flows::jsonpath::internal {
namespace {

constexpr int kMaxNesting = 64;
// I-JSON (RFC 7493) exact integer range, which RFC 9535 requires of indices and slice bounds.
constexpr std::int64_t kMaxExactInteger = (std::int64_t{1} << 53) - 1;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlpha(char c) { return IsLowerAlpha(c) || (c >= 'A' && c <= 'Z'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The declared types of RFC 9535 §2.4.1.
enum class ParamType { kValue, kNodes };

struct FunctionSignature {
  std::string_view name;
  FunctionKind kind;
  std::vector<ParamType> params;
  bool returns_logical;  // LogicalType result; otherwise ValueType.
};

const FunctionSignature* FindFunction(std::string_view name) {
  static const FunctionSignature kFunctions[] = {
      {"length", FunctionKind::kLength, {ParamType::kValue}, false},
      {"count", FunctionKind::kCount, {ParamType::kNodes}, false},
      {"match", FunctionKind::kMatch, {ParamType::kValue, ParamType::kValue}, true},
      {"search", FunctionKind::kSearch, {ParamType::kValue, ParamType::kValue}, true},
      {"value", FunctionKind::kValue, {ParamType::kNodes}, false},
  };
  for (const FunctionSignature& signature : kFunctions) {
    if (signature.name == name) return &signature;
  }
  return nullptr;
}

bool ReturnsLogical(FunctionKind kind) {
  return kind == FunctionKind::kMatch || kind == FunctionKind::kSearch;
}

std::string_view FunctionName(FunctionKind kind) {
  switch (kind) {
    case FunctionKind::kLength:
      return "length";
    case FunctionKind::kCount:
      return "count";
    case FunctionKind::kMatch:
      return "match";
    case FunctionKind::kSearch:
      return "search";
    case FunctionKind::kValue:
      return "value";
  }
  return "?";
}

// A parsed expression before its context is known: a bare literal, query or function call can
// still become a comparison operand, a function argument or an existence test.
struct Term {
  bool is_operand = false;
  Operand operand;
  LogicalExpr expr;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  tl::expected<PathQuery, SyntaxError> Run() {
    PathQuery query;
    if (AtEnd() || Peek() != '$') {
      Fail(0, "expected '$' at the start of the query");
      return tl::unexpected(std::move(*error_));
    }
    ++pos_;
    if (!Segments(query)) return tl::unexpected(std::move(*error_));
    if (!AtEnd()) {
      const std::size_t blank = pos_;
      SkipBlanks();
      if (AtEnd()) {
        Fail(blank, "expected the end of the query (trailing whitespace is not allowed)");
      } else {
        Fail(pos_, "expected '.', '..' or '[' to start a segment");
      }
      return tl::unexpected(std::move(*error_));
    }
    return query;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(Peek())) ++pos_;
  }
  bool LookingAt(std::string_view token) const { return text_.substr(pos_).starts_with(token); }

  // Records the first error; always returns false so callers can `return Fail(...)`.
  bool Fail(std::size_t offset, std::string message) {
    if (!error_) error_ = SyntaxError{offset, std::move(message)};
    return false;
  }

  // --- Queries and segments -------------------------------------------------------------------

  // *(S segment): whitespace is consumed only when a segment follows it.
  bool Segments(PathQuery& query) {
    while (true) {
      const std::size_t before = pos_;
      SkipBlanks();
      if (AtEnd() || (Peek() != '[' && Peek() != '.')) {
        pos_ = before;
        return true;
      }
      Segment segment;
      if (!ParseSegment(segment)) return false;
      const bool singular_segment =
          !segment.descendant && segment.selectors.size() == 1 &&
          (segment.selectors[0].kind == Selector::Kind::kName ||
           segment.selectors[0].kind == Selector::Kind::kIndex);
      query.singular = query.singular && singular_segment;
      query.segments.push_back(std::move(segment));
    }
  }

  bool ParseSegment(Segment& segment) {
    if (Peek() == '[') return BracketedSelection(segment);
    ++pos_;  // '.'
    if (Peek() == '.') {
      ++pos_;
      segment.descendant = true;
      if (Peek() == '[') return BracketedSelection(segment);
    }
    Selector selector;
    if (Peek() == '*') {
      ++pos_;
      selector.kind = Selector::Kind::kWildcard;
    } else if (!MemberNameShorthand(selector.name)) {
      return Fail(pos_, segment.descendant ? "expected '[', '*' or a member name after '..'"
                                           : "expected '*' or a member name after '.'");
    } else {
      selector.kind = Selector::Kind::kName;
    }
    segment.selectors.push_back(std::move(selector));
    return true;
  }

  // name-first *name-char, where name-first is ALPHA, '_' or any non-ASCII character.
  bool MemberNameShorthand(std::string& name) {
    const std::size_t start = pos_;
    while (!AtEnd()) {
      const char c = Peek();
      if (IsAlpha(c) || c == '_' || (IsDigit(c) && pos_ > start)) {
        ++pos_;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80) break;
      char32_t code_point = 0;
      std::size_t length = 0;
      if (!DecodeUtf8(text_, pos_, code_point, length)) return Fail(pos_, "invalid UTF-8");
      pos_ += length;
    }
    if (pos_ == start) return false;
    name.assign(text_.substr(start, pos_ - start));
    return true;
  }

  // "[" S selector *(S "," S selector) S "]"
  bool BracketedSelection(Segment& segment) {
    ++pos_;  // '['
    SkipBlanks();
    while (true) {
      Selector selector;
      if (!ParseSelector(selector)) return false;
      segment.selectors.push_back(std::move(selector));
      SkipBlanks();
      if (Peek() == ',') {
        ++pos_;
        SkipBlanks();
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      return Fail(pos_, "expected ',' or ']' after a selector");
    }
  }

  bool ParseSelector(Selector& selector) {
    const char c = Peek();
    if (c == '\'' || c == '"') {
      selector.kind = Selector::Kind::kName;
      return StringLiteral(selector.name);
    }
    if (c == '*') {
      ++pos_;
      selector.kind = Selector::Kind::kWildcard;
      return true;
    }
    if (c == '?') {
      ++pos_;
      SkipBlanks();
      selector.kind = Selector::Kind::kFilter;
      Term term;
      if (!LogicalOr(term)) return false;
      auto filter = std::make_unique<LogicalExpr>();
      if (!ToLogical(std::move(term), *filter)) return false;
      selector.filter = std::move(filter);
      return true;
    }
    if (c == '-' || IsDigit(c) || c == ':') return IndexOrSlice(selector);
    return Fail(pos_,
                "expected a selector: a quoted name, '*', an index, a slice or a '?' filter");
  }

  // index-selector, or slice-selector: [start S] ":" S [end S] [":" [S step]]
  bool IndexOrSlice(Selector& selector) {
    std::optional<std::int64_t> start;
    if (Peek() != ':') {
      std::int64_t value = 0;
      if (!Integer(value)) return false;
      start = value;
    }
    std::size_t before = pos_;
    SkipBlanks();
    if (Peek() != ':') {
      pos_ = before;
      selector.kind = Selector::Kind::kIndex;
      selector.index = *start;
      return true;
    }
    selector.kind = Selector::Kind::kSlice;
    selector.start = start;
    ++pos_;
    SkipBlanks();
    if (Peek() == '-' || IsDigit(Peek())) {
      std::int64_t value = 0;
      if (!Integer(value)) return false;
      selector.end = value;
    }
    before = pos_;
    SkipBlanks();
    if (Peek() != ':') {
      pos_ = before;
      return true;
    }
    ++pos_;
    before = pos_;
    SkipBlanks();
    if (Peek() == '-' || IsDigit(Peek())) {
      std::int64_t value = 0;
      if (!Integer(value)) return false;
      selector.step = value;
    } else {
      pos_ = before;
    }
    return true;
  }

  // int = "0" / (["-"] DIGIT1 *DIGIT), within the I-JSON exact range.
  bool Integer(std::int64_t& value) {
    const std::size_t start = pos_;
    const bool negative = Peek() == '-';
    if (negative) ++pos_;
    if (!IsDigit(Peek())) return Fail(pos_, "expected a digit");
    if (Peek() == '0') {
      if (negative) return Fail(start, "expected an integer (-0 is not allowed)");
      ++pos_;
      if (IsDigit(Peek())) return Fail(start, "expected an integer without leading zeros");
      value = 0;
      return true;
    }
    std::int64_t magnitude = 0;
    bool too_large = false;
    while (IsDigit(Peek())) {
      if (magnitude <= kMaxExactInteger) magnitude = magnitude * 10 + (Peek() - '0');
      if (magnitude > kMaxExactInteger) too_large = true;
      ++pos_;
    }
    if (too_large) {
      return Fail(start, "expected an integer between -(2^53-1) and 2^53-1");
    }
    value = negative ? -magnitude : magnitude;
    return true;
  }

  // A single- or double-quoted string literal (RFC 9535 §2.3.1.1), unescaped into `out`.
  bool StringLiteral(std::string& out) {
    const std::size_t start = pos_;
    const char quote = Peek();
    ++pos_;
    while (true) {
      if (AtEnd()) return Fail(start, "unterminated string literal");
      const char c = Peek();
      if (c == quote) {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!Escape(quote, out)) return false;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Fail(pos_, "expected a printable character (control characters must be escaped)");
      }
      char32_t code_point = 0;
      std::size_t length = 0;
      if (!DecodeUtf8(text_, pos_, code_point, length)) return Fail(pos_, "invalid UTF-8");
      out.append(text_.substr(pos_, length));
      pos_ += length;
    }
  }

  bool Escape(char quote, std::string& out) {
    const std::size_t start = pos_;
    ++pos_;  // '\'
    const char c = Peek();
    ++pos_;
    switch (c) {
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case '/':
      case '\\':
        out += c;
        return true;
      case 'u':
        return UnicodeEscape(start, out);
      default:
        if (c == quote) {
          out += c;
          return true;
        }
        return Fail(start,
                    std::string("expected an escape: \\b \\f \\n \\r \\t \\/ \\\\ \\uXXXX or \\") +
                        quote);
    }
  }

  bool Hex4(std::uint32_t& value) {
    value = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = HexValue(Peek());
      if (digit < 0) return Fail(pos_, "expected four hexadecimal digits after \\u");
      value = value * 16 + static_cast<std::uint32_t>(digit);
      ++pos_;
    }
    return true;
  }

  // After "\u": a non-surrogate, or a high surrogate followed by "\u" and a low surrogate.
  bool UnicodeEscape(std::size_t start, std::string& out) {
    std::uint32_t unit = 0;
    if (!Hex4(unit)) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return Fail(start, "expected a high surrogate before a low surrogate");
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (Peek() != '\\' || Peek(1) != 'u') {
        return Fail(pos_, "expected \\u and a low surrogate after a high surrogate");
      }
      pos_ += 2;
      std::uint32_t low = 0;
      if (!Hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return Fail(pos_ - 6, "expected a low surrogate (\\uDC00-\\uDFFF)");
      }
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, static_cast<char32_t>(unit));
    return true;
  }

  // --- Filter expressions ---------------------------------------------------------------------

  // logical-or-expr = logical-and-expr *(S "||" S logical-and-expr)
  bool LogicalOr(Term& out) {
    Term first;
    if (!LogicalAnd(first)) return false;
    return Chain(std::move(first), "||", LogicalExpr::Kind::kOr, &Parser::LogicalAnd, out);
  }

  // logical-and-expr = basic-expr *(S "&&" S basic-expr)
  bool LogicalAnd(Term& out) {
    Term first;
    if (!Basic(first)) return false;
    return Chain(std::move(first), "&&", LogicalExpr::Kind::kAnd, &Parser::Basic, out);
  }

  bool Chain(Term first, std::string_view op, LogicalExpr::Kind kind, bool (Parser::*next)(Term&),
             Term& out) {
    std::size_t before = pos_;
    SkipBlanks();
    if (!LookingAt(op)) {
      pos_ = before;
      out = std::move(first);
      return true;
    }
    LogicalExpr chain;
    chain.kind = kind;
    chain.children.emplace_back();
    if (!ToLogical(std::move(first), chain.children.back())) return false;
    while (LookingAt(op)) {
      pos_ += op.size();
      SkipBlanks();
      Term term;
      if (!(this->*next)(term)) return false;
      chain.children.emplace_back();
      if (!ToLogical(std::move(term), chain.children.back())) return false;
      before = pos_;
      SkipBlanks();
    }
    pos_ = before;
    out.is_operand = false;
    out.expr = std::move(chain);
    return true;
  }

  // basic-expr = paren-expr / comparison-expr / test-expr, where a bare literal, query or
  // function call is returned as an operand for the caller to place.
  bool Basic(Term& out) {
    if (depth_ >= kMaxNesting) return Fail(pos_, "expression nested too deeply");
    ++depth_;
    const bool ok = BasicUnguarded(out);
    --depth_;
    return ok;
  }

  bool BasicUnguarded(Term& out) {
    if (AtEnd()) return Fail(pos_, "expected an expression");
    if (Peek() == '!') {
      ++pos_;
      SkipBlanks();
      LogicalExpr operand;
      if (Peek() == '(') {
        if (!Parenthesized(operand)) return false;
      } else {
        Operand test;
        if (!Primary(test) || !ToTest(std::move(test), operand)) return false;
      }
      out.is_operand = false;
      out.expr.kind = LogicalExpr::Kind::kNot;
      out.expr.children.push_back(std::move(operand));
      return true;
    }
    if (Peek() == '(') {
      out.is_operand = false;
      return Parenthesized(out.expr);
    }
    Operand lhs;
    if (!Primary(lhs)) return false;
    const std::size_t before = pos_;
    SkipBlanks();
    std::optional<CompareOp> op = ComparisonOperator();
    if (!op) {
      if (Peek() == '=' && Peek(1) != '=') return Fail(pos_, "expected '==' (not '=')");
      pos_ = before;
      out.is_operand = true;
      out.operand = std::move(lhs);
      return true;
    }
    SkipBlanks();
    Operand rhs;
    if (!Primary(rhs)) return false;
    if (!CheckComparable(lhs) || !CheckComparable(rhs)) return false;
    out.is_operand = false;
    out.expr.kind = LogicalExpr::Kind::kCompare;
    out.expr.op = *op;
    out.expr.lhs = std::move(lhs);
    out.expr.rhs = std::move(rhs);
    return true;
  }

  std::optional<CompareOp> ComparisonOperator() {
    static constexpr std::pair<std::string_view, CompareOp> kOperators[] = {
        {"==", CompareOp::kEq}, {"!=", CompareOp::kNe}, {"<=", CompareOp::kLe},
        {">=", CompareOp::kGe}, {"<", CompareOp::kLt},  {">", CompareOp::kGt}};
    for (const auto& [token, op] : kOperators) {
      if (LookingAt(token)) {
        pos_ += token.size();
        return op;
      }
    }
    return std::nullopt;
  }

  // "(" S logical-expr S ")"
  bool Parenthesized(LogicalExpr& out) {
    ++pos_;
    SkipBlanks();
    Term term;
    if (!LogicalOr(term) || !ToLogical(std::move(term), out)) return false;
    SkipBlanks();
    if (Peek() != ')') return Fail(pos_, "expected ')'");
    ++pos_;
    return true;
  }

  // A literal, a filter query, or a function call.
  bool Primary(Operand& out) {
    out.position = pos_;
    const char c = Peek();
    if (c == '@' || c == '$') {
      ++pos_;
      out.kind = Operand::Kind::kQuery;
      out.query.relative = c == '@';
      return Segments(out.query);
    }
    if (c == '\'' || c == '"') {
      std::string value;
      if (!StringLiteral(value)) return false;
      out.kind = Operand::Kind::kLiteral;
      out.literal = std::move(value);
      return true;
    }
    if (c == '-' || IsDigit(c)) {
      out.kind = Operand::Kind::kLiteral;
      return NumberLiteral(out.literal);
    }
    if (IsLowerAlpha(c)) {
      const std::size_t start = pos_;
      while (IsLowerAlpha(Peek()) || IsDigit(Peek()) || Peek() == '_') ++pos_;
      const std::string_view name = text_.substr(start, pos_ - start);
      if (Peek() == '(') return FunctionCallExpr(name, out);
      out.kind = Operand::Kind::kLiteral;
      if (name == "true") {
        out.literal = true;
      } else if (name == "false") {
        out.literal = false;
      } else if (name == "null") {
        out.literal = nullptr;
      } else if (FindFunction(name) != nullptr) {
        return Fail(pos_, "expected '(' right after the function name");
      } else {
        return Fail(start, "expected a literal, a query or a function call, not '" +
                               std::string(name) + "'");
      }
      return true;
    }
    return Fail(pos_,
                "expected a literal (number, string, true, false, null), a query ('@' or '$') "
                "or a function call");
  }

  // number = (int / "-0") [ frac ] [ exp ]
  bool NumberLiteral(nlohmann::json& out) {
    const std::size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (!IsDigit(Peek())) return Fail(pos_, "expected a digit");
    if (Peek() == '0') {
      ++pos_;
      if (IsDigit(Peek())) return Fail(start, "expected a number without leading zeros");
    } else {
      while (IsDigit(Peek())) ++pos_;
    }
    bool integral = true;
    if (Peek() == '.') {
      ++pos_;
      if (!IsDigit(Peek())) return Fail(pos_, "expected a digit after '.'");
      while (IsDigit(Peek())) ++pos_;
      integral = false;
    }
    bool negative_exponent = false;
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') {
        negative_exponent = Peek() == '-';
        ++pos_;
      }
      if (!IsDigit(Peek())) return Fail(pos_, "expected a digit in the exponent");
      while (IsDigit(Peek())) ++pos_;
      integral = false;
    }
    const std::string_view text = text_.substr(start, pos_ - start);
    const char* const first = text.data();
    const char* const last = text.data() + text.size();
    if (integral) {
      std::int64_t integer = 0;
      if (std::from_chars(first, last, integer).ec == std::errc()) {
        out = integer;
        return true;
      }
      std::uint64_t unsigned_integer = 0;
      if (std::from_chars(first, last, unsigned_integer).ec == std::errc()) {
        out = unsigned_integer;
        return true;
      }
    }
    double number = 0;
    const auto [end, ec] = std::from_chars(first, last, number);
    if (ec == std::errc::result_out_of_range) {
      // Beyond double: the magnitude underflows to zero or overflows to infinity.
      const bool negative = text.front() == '-';
      if (negative_exponent) {
        number = negative ? -0.0 : 0.0;
      } else {
        number = negative ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
      }
    } else if (ec != std::errc() || end != last) {
      return Fail(start, "expected a number");
    }
    out = number;
    return true;
  }

  // function-name "(" S [function-argument *(S "," S function-argument)] S ")", then its types.
  bool FunctionCallExpr(std::string_view name, Operand& out) {
    const std::size_t start = out.position;
    const FunctionSignature* signature = FindFunction(name);
    if (signature == nullptr) {
      return Fail(start, "unknown function '" + std::string(name) +
                             "' (expected length, count, match, search or value)");
    }
    ++pos_;  // '('
    SkipBlanks();
    std::vector<Term> args;
    std::vector<std::size_t> positions;
    if (Peek() != ')') {
      while (true) {
        positions.push_back(pos_);
        args.emplace_back();
        if (!LogicalOr(args.back())) return false;
        SkipBlanks();
        if (Peek() == ',') {
          ++pos_;
          SkipBlanks();
          continue;
        }
        if (Peek() == ')') break;
        return Fail(pos_, "expected ',' or ')' in the arguments of " + std::string(name) + "()");
      }
    }
    ++pos_;  // ')'
    if (args.size() != signature->params.size()) {
      return Fail(start, std::string(name) + "() takes " +
                             std::to_string(signature->params.size()) + " argument" +
                             (signature->params.size() == 1 ? "" : "s") + ", not " +
                             std::to_string(args.size()));
    }
    auto call = std::make_unique<FunctionCall>();
    call->kind = signature->kind;
    for (std::size_t i = 0; i < args.size(); ++i) {
      Term& arg = args[i];
      const std::string which =
          "argument " + std::to_string(i + 1) + " of " + std::string(name) + "()";
      if (signature->params[i] == ParamType::kNodes) {
        if (!arg.is_operand || arg.operand.kind != Operand::Kind::kQuery) {
          return Fail(positions[i], "expected a query ('@...' or '$...') as " + which);
        }
      } else {
        if (!arg.is_operand) {
          return Fail(positions[i], "expected a value (a literal, a singular query or a "
                                    "function returning a value) as " + which +
                                    ", not a logical expression");
        }
        if (!CheckComparable(arg.operand)) return false;
      }
      call->args.push_back(std::move(arg.operand));
    }
    if (call->kind == FunctionKind::kMatch || call->kind == FunctionKind::kSearch) {
      const Operand& pattern = call->args[1];
      if (pattern.kind == Operand::Kind::kLiteral) {
        call->pattern_is_literal = true;
        if (pattern.literal.is_string()) {
          call->regex = CompileIRegexp(pattern.literal.get_ref<const std::string&>());
        }
      }
    }
    out.kind = Operand::Kind::kFunction;
    out.function = std::move(call);
    return true;
  }

  // --- Type rules (RFC 9535 §2.4.3) -----------------------------------------------------------

  // A comparable or ValueType argument: a literal, a singular query, or a function whose result
  // is a value.
  bool CheckComparable(const Operand& operand) {
    switch (operand.kind) {
      case Operand::Kind::kLiteral:
        return true;
      case Operand::Kind::kQuery:
        if (operand.query.singular) return true;
        return Fail(operand.position,
                    "expected a singular query (only single names and indices; no wildcards, "
                    "slices, filters, lists or '..') where a value is needed");
      case Operand::Kind::kFunction:
        if (!ReturnsLogical(operand.function->kind)) return true;
        return Fail(operand.position,
                    std::string(FunctionName(operand.function->kind)) +
                        "() returns a logical value: it cannot be compared or used as a value");
    }
    return false;
  }

  // A test-expr: a query (true when it selects something) or a function with a logical result.
  bool ToTest(Operand operand, LogicalExpr& out) {
    switch (operand.kind) {
      case Operand::Kind::kLiteral:
        return Fail(operand.position,
                    "a literal cannot stand alone in a filter: compare it (e.g. @.a == 1)");
      case Operand::Kind::kQuery:
        break;
      case Operand::Kind::kFunction:
        if (!ReturnsLogical(operand.function->kind)) {
          return Fail(operand.position,
                      std::string(FunctionName(operand.function->kind)) +
                          "() returns a value: compare it (e.g. " +
                          std::string(FunctionName(operand.function->kind)) + "(@) > 0)");
        }
        break;
    }
    out.kind = LogicalExpr::Kind::kTest;
    out.lhs = std::move(operand);
    return true;
  }

  bool ToLogical(Term term, LogicalExpr& out) {
    if (term.is_operand) return ToTest(std::move(term.operand), out);
    out = std::move(term.expr);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::optional<SyntaxError> error_;
};

}  // namespace

tl::expected<PathQuery, SyntaxError> ParseQuery(std::string_view text) {
  return Parser(text).Run();
}

}  // namespace uwh::flows::jsonpath::internal
