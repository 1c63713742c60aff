#pragma once
// Clockify's list paging: `page` (1-based) and `page-size` (default 50, at most 5000). A page
// shorter than page-size is the last one.
#include <cstddef>
#include <map>
#include <string>

#include "common/error.hpp"

namespace uwh::mock {

struct PageRequest {
  size_t page = 1;
  size_t page_size = 50;
};

// Reads `page` and `page-size` from the query. kInvalidArgument naming the parameter when one is
// not a positive integer; a page-size above `max_size` is capped to it.
[[nodiscard]] Result<PageRequest> ParsePageRequest(const std::map<std::string, std::string>& query,
                                                   size_t default_size = 50,
                                                   size_t max_size = 5000);

struct PageSlice {
  size_t begin = 0;  // index of the first item of the page
  size_t end = 0;    // one past the last; begin == end past the last page
};

// The slice of `total` items that `page` covers.
PageSlice SliceFor(size_t total, const PageRequest& page);

}  // namespace uwh::mock
