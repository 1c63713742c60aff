// The webhook body scanner (src/common/json_scan.hpp) against nlohmann::json, which everything
// after ingestion parses bodies with: both must accept or refuse alike (except that nlohmann
// stops at a NUL byte, which JSON never holds), and the top-level "workspaceId" the scanner
// returns must be nlohmann's when that member's last value is a string. Aborts on a difference.
// Input: the body.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "common/json_scan.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(uwh::fuzz::AsText(data, size));
  std::string workspace;
  const bool ours = uwh::ScanJson(text, "workspaceId", &workspace);
  const bool theirs = text.find('\0') == std::string::npos && nlohmann::json::accept(text);
  if (ours != theirs || uwh::ScanJson(text) != ours) {
    std::fprintf(stderr, "ScanJson says %d, nlohmann says %d\n", ours, theirs);
    std::abort();
  }
  if (!ours) return 0;
  const nlohmann::json doc = nlohmann::json::parse(text);
  if (doc.is_object()) {
    const auto it = doc.find("workspaceId");
    if (it != doc.end() && it->is_string() && it->get<std::string>() != workspace) {
      std::fprintf(stderr, "workspaceId: ScanJson says '%s'\n", workspace.c_str());
      std::abort();
    }
    if (it == doc.end() && !workspace.empty()) std::abort();
  } else if (!workspace.empty()) {
    std::abort();
  }
  return 0;
}
