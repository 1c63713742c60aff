#pragma once
// A flow's definition (SPEC §6.1): validation on save, and the compiled form that runs.
//
//   {"name":"Archive internal projects","description":"","enabled":true,
//    "trigger_source":"CLOCKIFY","trigger_event_type":"NEW_TIME_ENTRY",
//    "conditions":{"mode":"ALL","rules":[…]},
//    "actions":[{"type":"clockify_api","operation_id":"updateProject",
//                "parameters":{"projectId":"{{webhook.project.id}}","body":{"archived":true}}},
//               {"type":"http","method":"POST","url":"https://example.com/hook",
//                "headers":{"X-Run":"{{flow.id}}"},"body":{"project":"{{actions[0].result.name}}"},
//                "timeout_ms":5000,"continue_on_error":true}]}
//
// Every error is kind kInvalidArgument, code "validation_failed", with `field` naming the input
// at fault ("actions[1].operation_id") and a message that starts with it:
// "actions[1].operation_id: unknown operation 'update-project', did you mean 'updateProject'?".
// Without an OpenAPI document a clockify_api action cannot be checked: kUnavailable
// "spec_unavailable".
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "clockify/openapi_catalog.hpp"
#include "common/error.hpp"
#include "flows/conditions.hpp"
#include "flows/templates.hpp"

namespace uwh::flows {

constexpr int kMaxActions = 50;
constexpr int kDefaultHttpTimeoutMs = 10000;
constexpr int kMaxHttpTimeoutMs = 60000;

// The definition as saved, normalized (defaults filled in).
struct FlowDefinition {
  std::string name;
  std::string description;
  bool enabled = true;
  std::string trigger_source = "CLOCKIFY";  // CLOCKIFY or CUSTOM
  std::string trigger_event_type;           // a known event type or "*" for CLOCKIFY
  nlohmann::json conditions = nlohmann::json::object();
  nlohmann::json actions = nlohmann::json::array();
};

struct CompiledAction {
  enum class Type { kClockifyApi, kHttp };
  Type type = Type::kClockifyApi;
  std::string operation_id;                        // kClockifyApi
  const clockify::Operation* operation = nullptr;  // kClockifyApi; lives in CompiledFlow::catalog
  std::string method;                              // upper case: the operation's, or the http one
  CompiledTemplate parameters;                     // kClockifyApi
  CompiledTemplate url;                            // kHttp
  CompiledTemplate headers;                        // kHttp: an object of strings, or null
  CompiledTemplate body;                           // kHttp
  bool has_body = false;                           // kHttp
  int timeout_ms = kDefaultHttpTimeoutMs;          // kHttp
  bool continue_on_error = false;

  // GET, HEAD, PUT, DELETE: safe to send again when the outcome of a first send is unknown.
  [[nodiscard]] bool Idempotent() const;
  // "updateProject", or "http POST": for messages and records.
  [[nodiscard]] std::string Label() const;
  [[nodiscard]] const char* TypeName() const;
};

struct CompiledFlow {
  Conditions conditions;
  std::vector<CompiledAction> actions;
  std::shared_ptr<const clockify::OpenApiCatalog> catalog;  // keeps `operation` pointers valid
};

// Validates a request body into a definition. `base` (for an update) supplies the fields the
// body leaves out, so {"enabled":true} alone resumes a paused flow. Read-only fields (id,
// workspace_id, created_at, updated_at, paused_reason) are ignored; other unknown fields are
// refused. The conditions and actions are checked by CompileFlow, whose errors this returns.
[[nodiscard]] Result<FlowDefinition> ParseFlowDefinition(
    const nlohmann::json& body, const FlowDefinition* base,
    std::shared_ptr<const clockify::OpenApiCatalog> catalog);

// Compiles stored conditions and actions. The checks of SPEC §6.1: every JSONPath compiles, every
// template parses, every operation exists (suggestions from the catalog) and is not deprecated,
// its parameters are known and its required path parameters given, `actions[N]` refers only to
// earlier actions, http actions have a literal method and an http(s) URL.
[[nodiscard]] Result<CompiledFlow> CompileFlow(
    const nlohmann::json& conditions, const nlohmann::json& actions,
    std::shared_ptr<const clockify::OpenApiCatalog> catalog);

// The definition as the API shows and stores it.
[[nodiscard]] nlohmann::json DefinitionToJson(const FlowDefinition& definition);

}  // namespace uwh::flows
