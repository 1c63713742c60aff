#include "clockify/request_builder.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace uwh::clockify {
namespace {

using nlohmann::json;

Operation UpdateTask() {
  Operation op;
  op.operation_id = "updateTask";
  op.method = "PUT";
  op.path = "/v1/workspaces/{workspaceId}/projects/{projectId}/tasks/{taskId}";
  op.server = ServerKind::kBackend;
  auto schema = std::make_shared<const json>(json{{"type", "string"}});
  op.parameters = {{"workspaceId", "path", true, "", schema},
                   {"projectId", "path", true, "", schema},
                   {"taskId", "path", true, "", schema},
                   {"contains-assignee", "query", false, "", schema},
                   {"membership-status", "query", true, "", schema}};
  op.request_body = std::make_shared<const json>(json{{"type", "object"}});
  op.request_body_required = true;
  return op;
}

TEST(RequestBuilderTest, FlatParametersFillPathQueryAndBody) {
  auto r = BuildApiRequest(UpdateTask(),
                           json::parse(R"({"projectId":"p 1","taskId":"t1","membership-status":
                                          ["ACTIVE","PENDING"],"contains-assignee":true,
                                          "body":{"name":"x"}})"),
                           "ws1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "PUT");
  EXPECT_EQ(r->path, "/v1/workspaces/ws1/projects/p%201/tasks/t1");
  EXPECT_EQ(r->query, (std::vector<std::pair<std::string, std::string>>{
                          {"contains-assignee", "true"},
                          {"membership-status", "ACTIVE"},
                          {"membership-status", "PENDING"}}));
  ASSERT_TRUE(r->body);
  EXPECT_EQ(json::parse(*r->body), json::parse(R"({"name":"x"})"));
}

TEST(RequestBuilderTest, SplitParametersAreAccepted) {
  auto r = BuildApiRequest(UpdateTask(),
                           json::parse(R"({"path":{"projectId":"p1","taskId":7},
                                          "query":{"membership-status":"ALL"},"body":{}})"),
                           "ws1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path, "/v1/workspaces/ws1/projects/p1/tasks/7");
}

TEST(RequestBuilderTest, MissingRequiredParametersAreAllNamed) {
  auto r = BuildApiRequest(UpdateTask(), json::parse(R"({"body":{}})"), "ws1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "missing_parameter");
  EXPECT_EQ(r.error().field, "parameters.projectId");
  for (const char* name : {"projectId", "taskId", "membership-status"}) {
    EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
  }
  auto no_body = BuildApiRequest(
      UpdateTask(), json::parse(R"({"projectId":"p","taskId":"t","membership-status":"A"})"), "w");
  ASSERT_FALSE(no_body);
  EXPECT_EQ(no_body.error().field, "parameters.body");
}

TEST(RequestBuilderTest, AnotherWorkspaceIsForbidden) {
  auto r = BuildApiRequest(UpdateTask(), json::parse(R"({"workspaceId":"other"})"), "ws1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorCode::kForbidden);
}

TEST(RequestBuilderTest, UnknownAndMalformedParametersAreRefused) {
  auto unknown = BuildApiRequest(UpdateTask(), json::parse(R"({"nope":1})"), "ws1");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "parameters.nope");
  auto object_in_path =
      BuildApiRequest(UpdateTask(), json::parse(R"({"projectId":{"a":1}})"), "ws1");
  ASSERT_FALSE(object_in_path);
  EXPECT_EQ(object_in_path.error().field, "parameters.projectId");
}

TEST(RequestBuilderTest, DeprecatedOperationsAreNotBuilt) {
  Operation op = UpdateTask();
  op.server = ServerKind::kDeprecated;
  auto r = BuildApiRequest(op, json::object(), "ws1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "deprecated_operation");
}

}  // namespace
}  // namespace uwh::clockify
