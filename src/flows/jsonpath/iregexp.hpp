#pragma once
// I-Regexp (RFC 9485) for the JSONPath match() and search() functions, executed by RE2.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}  // namespace re2

namespace uwh::flows::jsonpath::internal {

// Translates an I-Regexp into RE2 syntax with the same meaning: `.` matches any character but
// \n and \r, \p{..}/\P{..} are Unicode general categories (Cn and C include unassigned code
// points, which RE2 alone would not), and `^`/`$` anchor at the start/end of the string as the
// JSONPath Compliance Test Suite expects. Returns nullopt when `pattern` is not a valid I-Regexp,
// or when it is a negated class mixing \p{C} or \p{Cn} with other items, which RE2 cannot express.
[[nodiscard]] std::optional<std::string> TranslateIRegexp(std::string_view pattern);

// The compiled pattern, or nullptr when it is not a valid I-Regexp or RE2 refuses it (RE2 caps
// repetition counts at 1000). The result is immutable and safe to share between threads.
[[nodiscard]] std::shared_ptr<const re2::RE2> CompileIRegexp(std::string_view pattern);

// Whether `regex` matches the whole of `subject` (full) or some part of it.
[[nodiscard]] bool IRegexpMatches(const re2::RE2& regex, std::string_view subject, bool full);

}  // namespace uwh::flows::jsonpath::internal
