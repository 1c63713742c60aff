#include "flows/iso8601.hpp"

#include <cmath>
#include <cstddef>

namespace uwh::flows {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at `pos` into `out`.
bool ReadDigits(std::string_view text, std::size_t& pos, int count, int& out) {
  if (pos + static_cast<std::size_t>(count) > text.size()) return false;
  int value = 0;
  for (int i = 0; i < count; ++i) {
    const char c = text[pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(count);
  out = value;
  return true;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to the given civil date (Howard Hinnant's days_from_civil).
std::int64_t DaysFromCivil(int year, int month, int day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<double> ParseIsoDurationSeconds(std::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return std::nullopt;
  std::size_t pos = 1;
  bool in_time = false;
  bool any_component = false;
  bool fraction_seen = false;  // Only the last component may carry a fraction.
  int last_rank = -1;          // Enforces the ISO order W < D < (T) H < M < S.
  double total = 0;
  while (pos < text.size()) {
    if (text[pos] == 'T') {
      if (in_time || pos + 1 >= text.size()) return std::nullopt;  // "PT" needs a component.
      in_time = true;
      ++pos;
      continue;
    }
    if (fraction_seen || !IsDigit(text[pos])) return std::nullopt;
    double value = 0;
    std::size_t digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits > 18) return std::nullopt;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      double scale = 0.1;
      std::size_t fraction_digits = 0;
      while (pos < text.size() && IsDigit(text[pos])) {
        value += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
        ++fraction_digits;
      }
      if (fraction_digits == 0) return std::nullopt;
      fraction_seen = true;
    }
    if (pos >= text.size()) return std::nullopt;
    const char designator = text[pos++];
    int rank = 0;
    double unit = 0;
    if (!in_time) {
      switch (designator) {
        case 'W': rank = 0; unit = 7 * 86400.0; break;
        case 'D': rank = 1; unit = 86400.0; break;
        default: return std::nullopt;  // Y and M (months) have no length in seconds.
      }
    } else {
      switch (designator) {
        case 'H': rank = 2; unit = 3600.0; break;
        case 'M': rank = 3; unit = 60.0; break;
        case 'S': rank = 4; unit = 1.0; break;
        default: return std::nullopt;
      }
    }
    if (rank <= last_rank) return std::nullopt;
    last_rank = rank;
    any_component = true;
    total += value * unit;
  }
  if (!any_component || !std::isfinite(total)) return std::nullopt;
  return total;
}

std::optional<Instant> ParseIsoTimestamp(std::string_view text) {
  std::size_t pos = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;

  int hour = 0;
  int minute = 0;
  int second = 0;
  std::int32_t nanos = 0;
  std::int64_t offset_seconds = 0;
  if (pos < text.size()) {
    const char sep = text[pos++];
    if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
    if (!ReadDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !ReadDigits(text, pos, 2, minute)) {
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, pos, 2, second)) return std::nullopt;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        std::size_t fraction_digits = 0;
        while (pos < text.size() && IsDigit(text[pos])) {
          if (fraction_digits < 9) nanos = nanos * 10 + (text[pos] - '0');
          ++fraction_digits;
          ++pos;
        }
        if (fraction_digits == 0) return std::nullopt;
        for (std::size_t i = fraction_digits; i < 9; ++i) nanos *= 10;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (pos < text.size()) {
      const char zone = text[pos++];
      if (zone == 'Z' || zone == 'z') {
        if (pos != text.size()) return std::nullopt;
      } else if (zone == '+' || zone == '-') {
        int offset_hours = 0;
        int offset_minutes = 0;
        if (!ReadDigits(text, pos, 2, offset_hours)) return std::nullopt;
        if (pos < text.size()) {
          if (text[pos] == ':') ++pos;
          if (!ReadDigits(text, pos, 2, offset_minutes) || pos != text.size()) return std::nullopt;
        }
        if (offset_hours > 23 || offset_minutes > 59) return std::nullopt;
        offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone == '-' ? -1 : 1);
      } else {
        return std::nullopt;
      }
    }
  }
  // Local time = UTC + offset, so UTC = local time - offset.
  const std::int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 +
                               minute * 60 + second - offset_seconds;
  return Instant{seconds, nanos};
}

}  // namespace uwh::flows
