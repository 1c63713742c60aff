#include "flows/flow_definition.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "flow_test_data.hpp"

namespace uwh::flows {
namespace {

using nlohmann::json;

Error Refused(const json& body) {
  auto parsed = ParseFlowDefinition(body, nullptr, TestCatalog());
  EXPECT_FALSE(parsed) << body.dump();
  return parsed ? Error{} : parsed.error();
}

TEST(FlowDefinitionTest, TheSeedExampleIsValid) {
  auto parsed = ParseFlowDefinition(SeedFlow(), nullptr, TestCatalog());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->name, "Archive internal projects");
  EXPECT_EQ(parsed->trigger_event_type, "NEW_TIME_ENTRY");
  EXPECT_EQ(parsed->actions, SeedFlow()["actions"]);
  auto compiled = CompileFlow(parsed->conditions, parsed->actions, TestCatalog());
  ASSERT_TRUE(compiled);
  ASSERT_EQ(compiled->actions.size(), 1u);
  EXPECT_EQ(compiled->actions[0].method, "PUT");
  EXPECT_TRUE(compiled->actions[0].Idempotent());
  EXPECT_EQ(compiled->actions[0].Label(), "updateProject");
}

TEST(FlowDefinitionTest, AnUnknownOperationIsNamedWithTheClosestOne) {
  json body = SeedFlow();
  body["actions"].push_back(body["actions"][0]);
  body["actions"][1]["operation_id"] = "update-project";
  const Error e = Refused(body);
  EXPECT_EQ(e.kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.code, "validation_failed");
  EXPECT_EQ(e.field, "actions[1].operation_id");
  EXPECT_EQ(e.message,
            "actions[1].operation_id: unknown operation 'update-project', did you mean "
            "'updateProject'?");
}

TEST(FlowDefinitionTest, EachCheckNamesItsField) {
  struct Case {
    std::string what;
    std::function<void(json&)> change;
    std::string field;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"unknown event", [](json& b) { b["trigger_event_type"] = "NEW_TIME_ENTRI"; },
       "trigger_event_type", "did you mean 'NEW_TIME_ENTRY'"},
      {"bad source", [](json& b) { b["trigger_source"] = "GITHUB"; }, "trigger_source",
       "CLOCKIFY or CUSTOM"},
      {"no name", [](json& b) { b["name"] = ""; }, "name", "required"},
      {"bad JSONPath",
       [](json& b) { b["conditions"]["rules"][1]["path"] = "$.timeInterval[?(@.x"; },
       "conditions.rules[1].path", "invalid JSONPath"},
      {"bad operator", [](json& b) { b["conditions"]["rules"][0]["operator"] = "equals"; },
       "conditions.rules[0].operator", ""},
      {"bad template",
       [](json& b) { b["actions"][0]["parameters"]["projectId"] = "{{webhook.project.id"; },
       "actions[0].parameters.projectId", "invalid template"},
      {"unknown root",
       [](json& b) { b["actions"][0]["parameters"]["projectId"] = "{{payload.id}}"; },
       "actions[0].parameters.projectId", "unknown root 'payload'"},
      {"later action",
       [](json& b) { b["actions"][0]["parameters"]["projectId"] = "{{actions[0].result.id}}"; },
       "actions[0].parameters", "has not run before this action"},
      {"missing path parameter", [](json& b) { b["actions"][0]["parameters"].erase("projectId"); },
       "actions[0].parameters.projectId", "needs the parameter(s) projectId"},
      {"unknown parameter", [](json& b) { b["actions"][0]["parameters"]["projet"] = "x"; },
       "actions[0].parameters.projet", "has no parameter 'projet'"},
      {"missing body", [](json& b) { b["actions"][0]["parameters"].erase("body"); },
       "actions[0].parameters.body", "needs a request body"},
      {"unknown action type", [](json& b) { b["actions"][0]["type"] = "email"; }, "actions[0].type",
       "unknown action type 'email'"},
      {"no actions", [](json& b) { b["actions"] = json::array(); }, "actions", "at least one"},
      {"unknown field", [](json& b) { b["condition"] = json::object(); }, "condition",
       "unknown field"},
      {"unknown action field", [](json& b) { b["actions"][0]["retries"] = 3; },
       "actions[0].retries", "unknown field"},
      {"bad continue_on_error", [](json& b) { b["actions"][0]["continue_on_error"] = "yes"; },
       "actions[0].continue_on_error", "true or false"},
  };
  for (const Case& c : cases) {
    json body = SeedFlow();
    c.change(body);
    const Error e = Refused(body);
    EXPECT_EQ(e.code, "validation_failed") << c.what;
    EXPECT_EQ(e.field, c.field) << c.what << ": " << e.message;
    EXPECT_TRUE(e.message.starts_with(c.field + ": ")) << c.what << ": " << e.message;
    EXPECT_NE(e.message.find(c.message_part), std::string::npos) << c.what << ": " << e.message;
  }
}

TEST(FlowDefinitionTest, HttpActionsAreChecked) {
  auto http = [](json action) {
    json body = SeedFlow();
    body["actions"] = json::array({std::move(action)});
    return body;
  };
  auto ok = ParseFlowDefinition(
      http({{"type", "http"},
            {"method", "post"},
            {"url", "https://hooks.example.com/{{webhook.id}}"},
            {"headers", {{"Authorization", "Bearer x"}, {"X-Flow", "{{flow.name}}"}}},
            {"body", {{"n", "{{webhook.timeInterval.duration}}"}}},
            {"timeout_ms", 2000}}),
      nullptr, nullptr);  // no catalog needed for http actions
  ASSERT_TRUE(ok) << ok.error().message;
  auto compiled = CompileFlow(ok->conditions, ok->actions, nullptr);
  ASSERT_TRUE(compiled);
  EXPECT_EQ(compiled->actions[0].method, "POST");
  EXPECT_FALSE(compiled->actions[0].Idempotent());
  EXPECT_EQ(compiled->actions[0].timeout_ms, 2000);
  EXPECT_TRUE(compiled->actions[0].has_body);

  EXPECT_EQ(Refused(http({{"type", "http"}, {"method", "FETCH"}, {"url", "https://x"}})).field,
            "actions[0].method");
  EXPECT_EQ(Refused(http({{"type", "http"}, {"method", "GET"}, {"url", "ftp://x/y"}})).field,
            "actions[0].url");
  EXPECT_EQ(Refused(http({{"type", "http"}, {"method", "GET"}})).field, "actions[0].url");
  EXPECT_EQ(
      Refused(http({{"type", "http"}, {"method", "GET"}, {"url", "https://x"}, {"timeout_ms", 0}}))
          .field,
      "actions[0].timeout_ms");
  EXPECT_EQ(Refused(http({{"type", "http"},
                          {"method", "GET"},
                          {"url", "https://x"},
                          {"headers", {{"Bad Name", "v"}}}}))
                .field,
            "actions[0].headers.Bad Name");
  // A URL that is one template is checked when rendered.
  EXPECT_TRUE(ParseFlowDefinition(
      http({{"type", "http"}, {"method", "GET"}, {"url", "{{webhook.callbackUrl}}"}}), nullptr,
      nullptr));
}

TEST(FlowDefinitionTest, StarAndCustomEventTypes) {
  json body = SeedFlow();
  body["trigger_event_type"] = "*";
  EXPECT_TRUE(ParseFlowDefinition(body, nullptr, TestCatalog()));
  body["trigger_source"] = "custom";
  body["trigger_event_type"] = "github.push";
  auto parsed = ParseFlowDefinition(body, nullptr, TestCatalog());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->trigger_source, "CUSTOM");
}

TEST(FlowDefinitionTest, AnUpdateKeepsWhatTheBodyLeavesOut) {
  auto base = ParseFlowDefinition(SeedFlow(), nullptr, TestCatalog());
  ASSERT_TRUE(base);
  base->enabled = false;
  auto resumed = ParseFlowDefinition(json{{"enabled", true}, {"id", 7}, {"paused_reason", "x"}},
                                     &*base, TestCatalog());
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_TRUE(resumed->enabled);
  EXPECT_EQ(resumed->name, base->name);
  EXPECT_EQ(resumed->actions, base->actions);
}

TEST(FlowDefinitionTest, WithoutADocumentClockifyActionsCannotBeChecked) {
  auto parsed = ParseFlowDefinition(SeedFlow(), nullptr, nullptr);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, ErrorCode::kUnavailable);
  EXPECT_EQ(parsed.error().code, "spec_unavailable");
  EXPECT_EQ(parsed.error().field, "actions[0].operation_id");
}

TEST(FlowDefinitionTest, ADeprecatedOperationIsRefused) {
  const clockify::Operation* deprecated = nullptr;
  for (const auto& op : TestCatalog()->Operations()) {
    if (op.deprecated) deprecated = &op;
  }
  ASSERT_NE(deprecated, nullptr);
  json body = SeedFlow();
  body["actions"][0] = {{"type", "clockify_api"}, {"operation_id", deprecated->operation_id}};
  const Error e = Refused(body);
  EXPECT_EQ(e.field, "actions[0].operation_id");
  EXPECT_NE(e.message.find("deprecated"), std::string::npos);
}

}  // namespace
}  // namespace uwh::flows
