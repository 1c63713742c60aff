#pragma once
#include <string_view>

namespace uwh {

// A file compiled into the binary (see cmake/Embed.cmake).
struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};

}  // namespace uwh
