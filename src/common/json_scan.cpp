#include "common/json_scan.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <vector>

namespace uwh {
namespace {

class Scanner {
 public:
  Scanner(std::string_view text, std::string_view key, std::string* value, JsonShape* shape)
      : p_(text.data()), end_(text.data() + text.size()), key_(key), value_(value),
        shape_(shape) {}

  bool Run() {
    if (!SkipBom()) return false;
    SkipWhitespace();
    if (shape_ != nullptr && p_ != end_) shape_->top = *p_;
    for (;;) {
      // A value is expected at p_.
      if (p_ == end_) return false;
      const bool capture = capture_;
      capture_ = false;
      const char c = *p_;
      if (c == '{') {
        ++p_;
        Opened();
        SkipWhitespace();
        if (p_ != end_ && *p_ == '}') {
          ++p_;
        } else {
          stack_.push_back('{');
          if (!Member()) return false;
          continue;
        }
      } else if (c == '[') {
        ++p_;
        Opened();
        SkipWhitespace();
        if (p_ != end_ && *p_ == ']') {
          ++p_;
        } else {
          stack_.push_back('[');
          continue;
        }
      } else if (!Scalar(capture)) {
        return false;
      }
      // After a value: a separator, the end of containers, or the end of the text.
      for (;;) {
        SkipWhitespace();
        if (stack_.empty()) return p_ == end_;
        if (p_ == end_) return false;
        const char next = *p_++;
        const bool in_object = stack_.back() == '{';
        if (next == ',') {
          SkipWhitespace();
          if (in_object && !Member()) return false;
          break;
        }
        if (next != (in_object ? '}' : ']')) return false;
        stack_.pop_back();
      }
    }
  }

 private:
  bool SkipBom() {
    if (p_ == end_ || static_cast<unsigned char>(*p_) != 0xEF) return true;
    if (end_ - p_ < 3 || static_cast<unsigned char>(p_[1]) != 0xBB ||
        static_cast<unsigned char>(p_[2]) != 0xBF) {
      return false;
    }
    p_ += 3;
    return true;
  }

  void SkipWhitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // A member's name and colon, at p_ (whitespace skipped); notes whether its value is the one
  // asked for.
  bool Member() {
    if (p_ == end_ || *p_ != '"') return false;
    if (stack_.size() == 1 && !key_.empty() && value_) {
      const char* start = p_ + 1;
      if (!String(&scratch_)) return false;
      // Without escapes the raw bytes are the name; with them, the decoded name is compared.
      const std::string_view raw(start, static_cast<size_t>(p_ - 1 - start));
      capture_ = (raw.find('\\') == std::string_view::npos ? raw : scratch_) == key_;
    } else if (!String(nullptr)) {
      return false;
    }
    SkipWhitespace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    SkipWhitespace();
    return true;
  }

  bool Scalar(bool capture) {
    switch (*p_) {
      case '"':
        if (!capture) return String(nullptr);
        if (!String(&scratch_)) return false;
        value_->swap(scratch_);
        return true;
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  bool Digits() {
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    return true;
  }

  bool Number() {
    const char* start = p_;
    bool integer = true;
    if (*p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (!Digits()) {
      return false;
    }
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (!Digits()) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits()) return false;
    }
    // nlohmann refuses a number whose value is not finite as a double (1e400, or an integer of
    // over 300 digits); up to 18 digits an integer always fits.
    if (integer && p_ - start <= 18) return true;
    const std::string copy(start, p_);
    return std::isfinite(std::strtod(copy.c_str(), nullptr));
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits at p_ → their value, or -1.
  int Hex4() {
    if (end_ - p_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = Hex(p_[i]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    p_ += 4;
    return v;
  }

  static void AppendUtf8(std::string* out, unsigned cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // After a backslash.
  bool Escape(std::string* out) {
    if (p_ == end_) return false;
    char c = *p_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        break;
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'n':
        c = '\n';
        break;
      case 'r':
        c = '\r';
        break;
      case 't':
        c = '\t';
        break;
      case 'u': {
        const int first = Hex4();
        if (first < 0) return false;
        unsigned cp = static_cast<unsigned>(first);
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
          p_ += 2;
          const int second = Hex4();
          if (second < 0xDC00 || second > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<unsigned>(second) - 0xDC00);
        }
        if (out) AppendUtf8(out, cp);
        return true;
      }
      default:
        return false;
    }
    if (out) out->push_back(c);
    return true;
  }

  static bool Continuation(unsigned char c, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return c >= lo && c <= hi;
  }

  // One multi-byte UTF-8 sequence at p_ (RFC 3629's table), led by `lead` >= 0x80.
  bool Utf8(unsigned char lead) {
    const auto at = [this](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const std::ptrdiff_t left = end_ - p_;
    if (lead >= 0xC2 && lead <= 0xDF) {
      if (left < 2 || !Continuation(at(1))) return false;
      p_ += 2;
      return true;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
      const unsigned char lo = lead == 0xE0 ? 0xA0 : 0x80;
      const unsigned char hi = lead == 0xED ? 0x9F : 0xBF;
      if (left < 3 || !Continuation(at(1), lo, hi) || !Continuation(at(2))) return false;
      p_ += 3;
      return true;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
      const unsigned char lo = lead == 0xF0 ? 0x90 : 0x80;
      const unsigned char hi = lead == 0xF4 ? 0x8F : 0xBF;
      if (left < 4 || !Continuation(at(1), lo, hi) || !Continuation(at(2)) ||
          !Continuation(at(3))) {
        return false;
      }
      p_ += 4;
      return true;
    }
    return false;
  }

  // A string at p_ (its opening quote); `out`, when given, receives it decoded.
  bool String(std::string* out) {
    if (out) out->clear();
    ++p_;
    const char* run = p_;
    for (;;) {
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        if (out) out->append(run, p_);
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (out) out->append(run, p_);
        ++p_;
        if (!Escape(out)) return false;
        run = p_;
      } else if (c < 0x20) {
        return false;
      } else if (c < 0x80) {
        ++p_;
      } else if (!Utf8(c)) {
        return false;
      }
    }
  }

  // An array or object starts (empty ones are never pushed on stack_, but count as a level).
  void Opened() {
    if (shape_ != nullptr) shape_->depth = std::max(shape_->depth, stack_.size() + 1);
  }

  const char* p_;
  const char* end_;
  std::string_view key_;
  std::string* value_;
  JsonShape* shape_;
  std::vector<char> stack_;  // '{' or '[' per open container
  std::string scratch_;
  bool capture_ = false;  // the next value is the member asked for
};

}  // namespace

bool ScanJson(std::string_view text, std::string_view key, std::string* value,
              JsonShape* shape) {
  return Scanner(text, key, value, shape).Run();
}

bool JsonDepthAtMost(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace uwh
