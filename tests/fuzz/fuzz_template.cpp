// Action templates (SPEC §6.3): compiling any template and rendering what compiles.
// Input: "<template>\n--\n<webhook JSON>". The template part is compiled as the JSON value it
// spells when it parses as JSON, else as one string.
#include <nlohmann/json.hpp>

#include "flows/templates.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nlohmann::json;
  const auto parts = uwh::fuzz::SplitParts(uwh::fuzz::AsText(data, size), 2);
  json value = json::parse(parts[0], nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = std::string(parts[0]);
  auto compiled = uwh::flows::CompiledTemplate::Compile(value, "actions[0].parameters");
  if (!compiled) return 0;
  (void)compiled->HasTemplates();
  (void)compiled->MaxActionIndex();

  json webhook = parts.size() == 2 ? json::parse(parts[1], nullptr, false) : json::object();
  if (webhook.is_discarded()) webhook = std::string(parts[1]);
  static const json actions = json::parse(
      R"([{"status_code":201,"result":{"id":"p1","tags":["x",{"y":null}]}},{"status_code":404}])");
  uwh::flows::TemplateContext context;
  context.webhook = &webhook;
  context.event = {{"id", 7}, {"type", "NEW_PROJECT"}, {"source", "CLOCKIFY"},
                   {"received_at", "2024-01-01T00:00:00Z"}};
  context.workspace_id = "w1";
  context.actions = &actions;
  context.flow = {{"id", 3}, {"name", "fuzz"}};
  context.cache_lookup = [](const std::string& type,
                            const std::string& id) -> std::optional<json> {
    if (type == "project" && id == "p1") return json{{"name", "Project"}, {"id", "p1"}};
    if (type == "empty") return json();
    return std::nullopt;
  };
  (void)compiled->Render(context);
  return 0;
}
