// JSONPath (RFC 9535): compiling any expression, and evaluating what compiles.
// Input: "<expression>" or "<expression>\n--\n<JSON document>" (a built-in document otherwise).
#include <nlohmann/json.hpp>

#include "flows/jsonpath/jsonpath.hpp"
#include "fuzz_input.hpp"

namespace {

const nlohmann::json& DefaultDocument() {
  static const nlohmann::json doc = nlohmann::json::parse(R"({
    "id": "5b715448b0798751107918ab", "workspaceId": "w1", "billable": true,
    "timeInterval": {"start": "2024-01-01T09:00:00Z", "duration": "PT1H30M"},
    "tags": [{"name": "a", "id": 1}, {"name": "b", "id": 2.5}, null],
    "project": {"name": "Café ☕", "clientName": "", "budget": {"estimate": 100}},
    "nested": [[1, 2, [3, {"k": "v"}]], {"": {"\u0000": 0}}]
  })");
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = uwh::fuzz::SplitParts(uwh::fuzz::AsText(data, size), 2);
  auto query = uwh::flows::jsonpath::Query::Parse(parts[0]);
  if (!query) return 0;
  (void)query->IsSingular();
  if (parts.size() == 2) {
    const auto doc = nlohmann::json::parse(parts[1], nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return 0;
    (void)query->EvaluateWithPaths(doc);
  } else {
    (void)query->Evaluate(DefaultDocument());
    (void)query->EvaluateWithPaths(DefaultDocument());
  }
  return 0;
}
