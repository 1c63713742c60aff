#pragma once
// A validating single-pass JSON scanner for the webhook hot path: it answers "is this one JSON
// value?" and picks out one top-level string member, without building a document or copying
// anything it does not return.
#include <string>
#include <string_view>

namespace uwh {

// True when `text` is exactly one JSON value (RFC 8259) with only whitespace around it, accepting
// what nlohmann::json::accept accepts: a leading UTF-8 byte order mark is skipped, strings must be
// valid UTF-8 (no overlong forms, no encoded surrogates, nothing above U+10FFFF) with \u escapes
// paired into valid surrogates, and a number whose value overflows a double is refused. Nesting
// depth is unbounded (no recursion). One difference, on purpose: nlohmann stops reading at a NUL
// byte (accepting "{}\0anything"); JSON never holds one, and this refuses it.
// With a non-empty `key` and an object at the top, `*value` receives the decoded string of the
// last top-level member named `key` whose value is a string (untouched when there is none). On a
// false return `*value` is unspecified.
// With `shape`, it also receives what the webhook receivers check in the same pass: the kind of
// the top-level value and how deeply arrays and objects nest.
struct JsonShape {
  char top = 0;      // '{', '[', or the first byte of a scalar
  size_t depth = 0;  // the deepest nesting of arrays and objects (0: a scalar)
};
[[nodiscard]] bool ScanJson(std::string_view text, std::string_view key = {},
                            std::string* value = nullptr, JsonShape* shape = nullptr);

// JSON nested deeper than this is refused wherever it comes in (webhook bodies, API requests,
// answers from Clockify and http actions): nlohmann's parser and serialiser recurse, and a deep
// enough document exhausts a thread's stack. Real payloads nest a handful of levels.
inline constexpr int kMaxJsonDepth = 256;

// False when an array or object in `text` is nested deeper than `max_depth` (brackets inside
// strings do not count). It does not validate: run it beside a parser, not instead of one.
[[nodiscard]] bool JsonDepthAtMost(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace uwh
