#pragma once
// What the flow tests share: Clockify's OpenAPI document (../shared/clockify/openapi.json, loaded
// once per test binary) and the seed's example flow.
#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "clockify/openapi_catalog.hpp"

namespace uwh::flows {

inline std::shared_ptr<const clockify::OpenApiCatalog> TestCatalog() {
  static const auto catalog = [] {
    auto loaded =
        clockify::OpenApiCatalog::FromFile(std::string(UWH_SHARED_DIR) + "/clockify/openapi.json");
    if (!loaded) std::abort();
    return *loaded;
  }();
  return catalog;
}

// The seed's example (SPEC §6.1).
inline nlohmann::json SeedFlow() {
  return nlohmann::json::parse(R"({"name":"Archive internal projects","description":"",
    "enabled":true,"trigger_source":"CLOCKIFY","trigger_event_type":"NEW_TIME_ENTRY",
    "conditions":{"mode":"ALL","rules":[
      {"path":"$.project.name","operator":"==","value":"Internal"},
      {"path":"$.timeInterval.duration","operator":">","value":3600}]},
    "actions":[{"type":"clockify_api","operation_id":"updateProject",
      "parameters":{"projectId":"{{webhook.project.id}}","body":{"archived":true}}}]})");
}

}  // namespace uwh::flows
