#include "mock/pagination.hpp"

#include <algorithm>
#include <charconv>

namespace uwh::mock {
namespace {

bool ParsePositive(const std::string& text, size_t* out) {
  if (text.empty()) return false;
  unsigned long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value == 0) return false;
  *out = static_cast<size_t>(std::min<unsigned long long>(value, 1ULL << 40));
  return true;
}

}  // namespace

Result<PageRequest> ParsePageRequest(const std::map<std::string, std::string>& query,
                                     size_t default_size, size_t max_size) {
  PageRequest out;
  out.page_size = default_size;
  if (auto it = query.find("page"); it != query.end() && !ParsePositive(it->second, &out.page)) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "page must be a positive integer", "page");
  }
  if (auto it = query.find("page-size");
      it != query.end() && !ParsePositive(it->second, &out.page_size)) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "page-size must be a positive integer", "page-size");
  }
  out.page_size = std::min(out.page_size, max_size);
  return out;
}

PageSlice SliceFor(size_t total, const PageRequest& page) {
  const size_t size = std::max<size_t>(page.page_size, 1);
  const size_t index = std::max<size_t>(page.page, 1) - 1;
  // Guard the multiplication: a huge page number is simply past the end.
  if (index > total / size) return {total, total};
  const size_t begin = std::min(total, index * size);
  return {begin, std::min(total, begin + size)};
}

}  // namespace uwh::mock
