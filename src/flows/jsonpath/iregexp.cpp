#include "flows/jsonpath/iregexp.hpp"

#include <cstdint>
#include <vector>

#include <re2/re2.h>

#include "flows/jsonpath/utf8.hpp"

namespace uwh::flows::jsonpath::internal {
namespace {

// Nesting of groups deeper than this is refused rather than risking the stack.
constexpr int kMaxGroupDepth = 100;

// RE2 items for every assigned code point outside category C, and for every assigned one. RE2
// has no \p{Cn} and its \p{C} leaves out unassigned code points, so C and Cn are built from these.
constexpr std::string_view kAssignedNotOther = R"(\p{L}\p{M}\p{N}\p{P}\p{S}\p{Z})";
constexpr std::string_view kAssigned = R"(\p{L}\p{M}\p{N}\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\p{Co}\p{Cs})";

bool IsAsciiAlnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A character written so that RE2 reads it literally, inside or outside a class.
void AppendLiteral(std::string& out, char32_t c) {
  if (IsAsciiAlnum(c) || c >= 0x80) {
    AppendUtf8(out, c);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x{";
  out += kHex[(c >> 4) & 0xF];
  out += kHex[c & 0xF];
  out += '}';
}

// The characters a class may contain: RE2 class items, plus sets given by their complement.
struct CharSet {
  std::string items;
  std::vector<std::string_view> complements;
};

bool IsValidCategory(std::string_view name) {
  static constexpr std::string_view kCategories[] = {
      "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",  "Mc", "Me", "Mn", "N",  "Nd",
      "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Z",  "Zl",
      "Zp", "Zs", "S",  "Sc", "Sk", "Sm", "So", "C",  "Cc", "Cf", "Cn", "Co"};
  for (const std::string_view category : kCategories) {
    if (category == name) return true;
  }
  return false;
}

void AddCategory(CharSet& set, std::string_view name, bool complemented) {
  if (name == "C" || name == "Cn") {
    const std::string_view others = name == "C" ? kAssignedNotOther : kAssigned;
    if (complemented) {
      set.items += others;
    } else {
      set.complements.push_back(others);
    }
    return;
  }
  set.items += complemented ? "\\P{" : "\\p{";
  set.items += name;
  set.items += '}';
}

class Translator {
 public:
  explicit Translator(std::string_view pattern) : pattern_(pattern) {}

  std::optional<std::string> Run() {
    std::string out;
    if (!Alternation(out, 0) || pos_ != pattern_.size()) return std::nullopt;
    return out;
  }

 private:
  bool AtEnd() const { return pos_ >= pattern_.size(); }
  char Peek(std::size_t ahead = 0) const {
    return pos_ + ahead < pattern_.size() ? pattern_[pos_ + ahead] : '\0';
  }

  bool Alternation(std::string& out, int depth) {
    if (!Branch(out, depth)) return false;
    while (!AtEnd() && Peek() == '|') {
      ++pos_;
      out += '|';
      if (!Branch(out, depth)) return false;
    }
    return true;
  }

  bool Branch(std::string& out, int depth) {
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      if (!Piece(out, depth)) return false;
    }
    return true;
  }

  bool Piece(std::string& out, int depth) {
    if (!Atom(out, depth)) return false;
    if (AtEnd()) return true;
    const char c = Peek();
    if (c == '*' || c == '+' || c == '?') {
      out += c;
      ++pos_;
      return true;
    }
    if (c == '{') return RangeQuantifier(out);
    return true;
  }

  // "{" n [ "," [ m ] ] "}"
  bool RangeQuantifier(std::string& out) {
    ++pos_;
    std::int64_t min = 0;
    if (!Number(min)) return false;
    out += '{';
    out += std::to_string(min);
    if (Peek() == ',') {
      ++pos_;
      out += ',';
      if (Peek() != '}') {
        std::int64_t max = 0;
        if (!Number(max) || max < min) return false;
        out += std::to_string(max);
      }
    }
    if (Peek() != '}') return false;
    ++pos_;
    out += '}';
    return true;
  }

  // One or more digits. Huge counts saturate: RE2 refuses anything above 1000 anyway.
  bool Number(std::int64_t& value) {
    const std::size_t start = pos_;
    value = 0;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') {
      if (value < 1000000) value = value * 10 + (Peek() - '0');
      ++pos_;
    }
    return pos_ > start;
  }

  bool Atom(std::string& out, int depth) {
    const char c = Peek();
    switch (c) {
      case '(':
        if (depth >= kMaxGroupDepth) return false;
        ++pos_;
        out += "(?:";
        if (!Alternation(out, depth + 1) || Peek() != ')') return false;
        ++pos_;
        out += ')';
        return true;
      case '.':
        ++pos_;
        out += "[^\\n\\r]";
        return true;
      case '[':
        return CharClass(out);
      case '\\':
        return EscapeOutsideClass(out);
      case '^':
      case '$':
        // Anchors, as in the ECMAScript and PCRE mappings that the test suite follows.
        ++pos_;
        out += c;
        return true;
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
      case ')':
      case '|':
        return false;
      default: {
        char32_t code_point = 0;
        std::size_t length = 0;
        if (!DecodeUtf8(pattern_, pos_, code_point, length)) return false;
        pos_ += length;
        AppendLiteral(out, code_point);
        return true;
      }
    }
  }

  // After a backslash: the characters of SingleCharEsc.
  static bool SingleCharEscape(char c, char32_t& code_point) {
    switch (c) {
      case 'n':
        code_point = '\n';
        return true;
      case 'r':
        code_point = '\r';
        return true;
      case 't':
        code_point = '\t';
        return true;
      case '(':
      case ')':
      case '*':
      case '+':
      case '-':
      case '.':
      case '?':
      case '[':
      case '\\':
      case ']':
      case '^':
      case '{':
      case '|':
      case '}':
        code_point = static_cast<unsigned char>(c);
        return true;
      default:
        return false;
    }
  }

  // "\p{" name "}" or "\P{" name "}", at a backslash.
  bool Category(CharSet& set) {
    const bool complemented = Peek(1) == 'P';
    pos_ += 2;
    if (Peek() != '{') return false;
    ++pos_;
    const std::size_t start = pos_;
    while (!AtEnd() && Peek() != '}') ++pos_;
    if (AtEnd()) return false;
    const std::string_view name = pattern_.substr(start, pos_ - start);
    ++pos_;
    if (!IsValidCategory(name)) return false;
    AddCategory(set, name, complemented);
    return true;
  }

  bool EscapeOutsideClass(std::string& out) {
    const char next = Peek(1);
    if (next == 'p' || next == 'P') {
      CharSet set;
      if (!Category(set)) return false;
      return EmitSet(out, set, false);
    }
    char32_t code_point = 0;
    if (!SingleCharEscape(next, code_point)) return false;
    pos_ += 2;
    AppendLiteral(out, code_point);
    return true;
  }

  // CCchar: any character but - [ \ ], or a SingleCharEsc.
  bool ClassChar(char32_t& code_point) {
    const char c = Peek();
    if (c == '\\') {
      if (!SingleCharEscape(Peek(1), code_point)) return false;
      pos_ += 2;
      return true;
    }
    if (c == '-' || c == '[' || c == ']') return false;
    std::size_t length = 0;
    if (!DecodeUtf8(pattern_, pos_, code_point, length)) return false;
    pos_ += length;
    return true;
  }

  // "[" [ "^" ] ( "-" / CCE1 ) *CCE1 [ "-" ] "]", never "[^]".
  bool CharClass(std::string& out) {
    ++pos_;
    const bool negated = Peek() == '^';
    if (negated) ++pos_;
    CharSet set;
    bool first = true;
    while (true) {
      if (AtEnd()) return false;
      const char c = Peek();
      if (c == ']') {
        if (first) return false;
        ++pos_;
        break;
      }
      if (c == '-') {
        // A literal '-' only first or last.
        if (!first && Peek(1) != ']') return false;
        ++pos_;
        AppendLiteral(set.items, '-');
        first = false;
        continue;
      }
      first = false;
      if (c == '\\' && (Peek(1) == 'p' || Peek(1) == 'P')) {
        if (!Category(set)) return false;
        continue;
      }
      char32_t low = 0;
      if (!ClassChar(low)) return false;
      AppendLiteral(set.items, low);
      if (Peek() == '-' && Peek(1) != ']' && pos_ + 1 < pattern_.size()) {
        ++pos_;
        char32_t high = 0;
        if (!ClassChar(high) || high < low) return false;
        set.items += '-';
        AppendLiteral(set.items, high);
      }
    }
    return EmitSet(out, set, negated);
  }

  static bool EmitSet(std::string& out, const CharSet& set, bool negated) {
    if (set.complements.empty()) {
      out += negated ? "[^" : "[";
      out += set.items;
      out += ']';
      return true;
    }
    if (negated) {
      // Not (complement A or complement B) is A and B; both complements we build are nested
      // (kAssignedNotOther within kAssigned), so that is the smaller one. Mixed with other items
      // it would need class intersection, which RE2 lacks.
      if (!set.items.empty()) return false;
      std::string_view smallest = kAssigned;
      for (const std::string_view complement : set.complements) {
        if (complement == kAssignedNotOther) smallest = kAssignedNotOther;
      }
      out += '[';
      out += smallest;
      out += ']';
      return true;
    }
    out += "(?:";
    bool first = true;
    if (!set.items.empty()) {
      out += '[';
      out += set.items;
      out += ']';
      first = false;
    }
    for (const std::string_view complement : set.complements) {
      if (!first) out += '|';
      first = false;
      out += "[^";
      out += complement;
      out += ']';
    }
    out += ')';
    return true;
  }

  std::string_view pattern_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> TranslateIRegexp(std::string_view pattern) {
  return Translator(pattern).Run();
}

std::shared_ptr<const re2::RE2> CompileIRegexp(std::string_view pattern) {
  const std::optional<std::string> translated = TranslateIRegexp(pattern);
  if (!translated) return nullptr;
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  options.set_never_capture(true);
  options.set_case_sensitive(true);
  options.set_dot_nl(false);
  auto regex = std::make_shared<const re2::RE2>(*translated, options);
  if (!regex->ok()) return nullptr;
  return regex;
}

bool IRegexpMatches(const re2::RE2& regex, std::string_view subject, bool full) {
  const re2::StringPiece text(subject.data(), subject.size());
  return full ? re2::RE2::FullMatch(text, regex) : re2::RE2::PartialMatch(text, regex);
}

}  // namespace uwh::flows::jsonpath::internal
