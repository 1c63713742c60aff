#pragma once
// ISO-8601 durations and timestamps, as condition comparisons need them (SPEC §6.2): a duration
// compared with a number compares in seconds, a timestamp compared with a timestamp compares in
// time. Pure functions of their input; thread-safe.
#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

namespace uwh::flows {

// A point in time: seconds since 1970-01-01T00:00:00Z and the nanoseconds within that second.
struct Instant {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;  // 0..999'999'999
  auto operator<=>(const Instant&) const = default;
};

// The length in seconds of an ISO-8601 duration `PnW`, `PnDTnHnMnS` and the like ("PT1H30M" ->
// 5400, "P1DT0.5S" -> 86400.5, "P2W" -> 1209600). Components keep the ISO order (W, D, then T and
// H, M, S), each at most once, at least one present; the last one may have a fraction ('.' or ',').
// Years and months have no fixed length in seconds, so a duration using them is not accepted;
// neither are negative durations. Returns nullopt for anything else.
[[nodiscard]] std::optional<double> ParseIsoDurationSeconds(std::string_view text);

// The instant an ISO-8601 / RFC 3339 timestamp denotes: `YYYY-MM-DD`, optionally followed by
// `T` (or `t` or a space) `hh:mm`, optional `:ss` and fraction (up to nanoseconds; further digits
// are ignored), and an optional offset `Z`, `+hh:mm`, `+hhmm` or `+hh`. A timestamp without an
// offset, and a bare date (midnight), are taken as UTC. Leap second 60 is accepted (it lands on the
// next minute's 00). Returns nullopt for anything else, including out-of-range fields.
[[nodiscard]] std::optional<Instant> ParseIsoTimestamp(std::string_view text);

}  // namespace uwh::flows
