// The bootstrap plan derived from Clockify's real OpenAPI document.
#include "bootstrap/plan.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "catalog_for_test.hpp"

namespace uwh::bootstrap {
namespace {

using Stages = std::vector<std::vector<std::string>>;

Stages StagesOf(const BootstrapPlan& plan) {
  Stages out;
  for (const auto& e : plan.endpoints) {
    if (static_cast<int>(out.size()) <= e.stage) out.resize(static_cast<size_t>(e.stage) + 1);
    out[static_cast<size_t>(e.stage)].push_back(e.operation_id);
  }
  return out;
}

const PlannedEndpoint& Find(const BootstrapPlan& plan, const std::string& id) {
  for (const auto& e : plan.endpoints) {
    if (e.operation_id == id) return e;
  }
  ADD_FAILURE() << id << " is not planned";
  static const PlannedEndpoint kNone;
  return kNone;
}

std::map<std::string, std::string> Skipped(const BootstrapPlan& plan) {
  std::map<std::string, std::string> out;
  for (const auto& s : plan.skipped) out[s.operation_id] = s.reason;
  return out;
}

// Core first; then the workspace's lists; then what hangs under them; then time entries.
const Stages kDefaultStages = {
    {"getLoggedUser", "getWorkspacesOfUser"},
    {"getAddonWebhooks", "getApprovalRequests", "getClients", "ofWorkspace", "getExpenses",
     "getCategories", "getHolidays", "getInvoices", "getProjects", "getTags",
     "findPoliciesForWorkspace", "getUserGroups", "getUsersOfWorkspace", "getWebhooks"},
    {"getPaymentsForInvoice", "getCustomFieldsOfProject", "getTasks", "getBalancesForPolicy",
     "getBalancesForUser", "getManagersOfUser"},
    {"getInProgressTimeEntries", "getTimeEntries"},
};

TEST(BootstrapPlanTest, DefaultPlanOfTheRealSpec) {
  const BootstrapPlan plan = BuildBootstrapPlan(testing::Catalog(), PlanOptions{});
  EXPECT_EQ(StagesOf(plan), kDefaultStages);
  // Every GET is either planned or skipped with a reason.
  size_t gets = 0;
  for (const auto& op : testing::Catalog().Operations()) gets += op.method == "GET";
  EXPECT_EQ(plan.endpoints.size() + plan.skipped.size(), gets);
  for (const auto& s : plan.skipped) EXPECT_FALSE(s.reason.empty()) << s.operation_id;

  EXPECT_TRUE(Find(plan, "getLoggedUser").core);
  EXPECT_TRUE(Find(plan, "getWorkspacesOfUser").core);
  EXPECT_FALSE(Find(plan, "getTags").core);
}

TEST(BootstrapPlanTest, HowEachEndpointIsCalled) {
  const BootstrapPlan plan = BuildBootstrapPlan(testing::Catalog(), PlanOptions{});
  const auto& tasks = Find(plan, "getTasks");
  EXPECT_EQ(tasks.parent_param, "projectId");
  EXPECT_EQ(tasks.parent_type, "project");
  EXPECT_EQ(tasks.page_param, "page");
  EXPECT_EQ(tasks.page_size_param, "page-size");
  EXPECT_FALSE(tasks.time_window);

  const auto& entries = Find(plan, "getTimeEntries");
  EXPECT_EQ(entries.parent_param, "userId");
  EXPECT_EQ(entries.parent_type, "user");
  EXPECT_TRUE(entries.time_window);
  EXPECT_FALSE(Find(plan, "getInProgressTimeEntries").time_window);  // it has no start

  // include-roles is required and documented with a default.
  EXPECT_EQ(Find(plan, "getUsersOfWorkspace").fixed_query,
            (std::vector<std::pair<std::string, std::string>>{{"include-roles", "false"}}));
  // Not paged: one request.
  EXPECT_TRUE(Find(plan, "ofWorkspace").page_param.empty());
  EXPECT_TRUE(Find(plan, "getWebhooks").page_param.empty());
  // Filled from the installation, not a parent.
  EXPECT_TRUE(Find(plan, "getAddonWebhooks").parent_param.empty());
  EXPECT_EQ(Find(plan, "getCustomFieldsOfProject").shape.entity_type, "project_custom_field");
}

TEST(BootstrapPlanTest, WhyOperationsAreNotCalled) {
  const auto skipped = Skipped(BuildBootstrapPlan(testing::Catalog(), PlanOptions{}));
  EXPECT_EQ(skipped.at("getProject"), "answers one entity, not a list");
  EXPECT_EQ(skipped.at("getInvoiceSettings"), "answers one entity, not a list");
  EXPECT_EQ(skipped.at("getProjectTotals"), "deprecated");
  EXPECT_EQ(skipped.at("findPtoPoliciesForWorkspace"), "deprecated");
  EXPECT_EQ(skipped.at("getCreatedEntityInfo"),
            "needs query parameter 'type', which has no default");
  EXPECT_EQ(skipped.at("getAllAssignments"), "needs query parameter 'start', which has no default");
  EXPECT_EQ(skipped.at("getSharedReportsV1"), "a report operation: include_heavy_endpoints is off");
}

TEST(BootstrapPlanTest, HeavyEndpointsAddTheReportServersLists) {
  const BootstrapPlan plan =
      BuildBootstrapPlan(testing::Catalog(), PlanOptions{.include_heavy_endpoints = true});
  Stages expected = kDefaultStages;
  expected.push_back({"getSharedReportsV1"});
  EXPECT_EQ(StagesOf(plan), expected);
  EXPECT_EQ(Find(plan, "getSharedReportsV1").page_size_param, "pageSize");
  EXPECT_EQ(Skipped(plan).at("generateSharedReportV1"), "answers one entity, not a list");
}

TEST(BootstrapPlanTest, WithoutTimeEntries) {
  const BootstrapPlan plan =
      BuildBootstrapPlan(testing::Catalog(), PlanOptions{.include_time_entries = false});
  const Stages expected(kDefaultStages.begin(), kDefaultStages.begin() + 3);
  EXPECT_EQ(StagesOf(plan), expected);
  const auto skipped = Skipped(plan);
  EXPECT_EQ(skipped.at("getTimeEntries"), "time entries: include_time_entries is off");
  EXPECT_EQ(skipped.at("getInProgressTimeEntries"), "time entries: include_time_entries is off");
}

// A dependant whose parent no planned list gives is dropped, and so is what depends on it.
TEST(BootstrapPlanTest, OrphanedDependantsAreDropped) {
  auto catalog = clockify::OpenApiCatalog::FromText(R"({
    "openapi": "3.0.1",
    "servers": [{"url": "https://api.clockify.me/api"}],
    "paths": {
      "/v1/workspaces/{workspaceId}/projects": {"get": {"operationId": "getProjects",
        "responses": {"200": {"content": {"application/json": {"schema":
          {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}}},
      "/v1/workspaces/{workspaceId}/projects/{projectId}/tasks": {"get": {"operationId": "getTasks",
        "responses": {"200": {"content": {"application/json": {"schema":
          {"type": "array", "items": {"type": "object"}}}}}}}},
      "/v1/workspaces/{workspaceId}/boards/{boardId}/cards": {"get": {"operationId": "getCards",
        "responses": {"200": {"content": {"application/json": {"schema":
          {"type": "array", "items": {"type": "object"}}}}}}}},
      "/v1/workspaces/{workspaceId}/cards/{cardId}/notes": {"get": {"operationId": "getNotes",
        "responses": {"200": {"content": {"application/json": {"schema":
          {"type": "array", "items": {"type": "object"}}}}}}}}
    }})");
  ASSERT_TRUE(catalog) << catalog.error().message;
  const BootstrapPlan plan = BuildBootstrapPlan(**catalog, PlanOptions{});
  EXPECT_EQ(StagesOf(plan), (Stages{{"getProjects"}, {"getTasks"}}));
  const auto skipped = Skipped(plan);
  EXPECT_EQ(skipped.at("getCards"), "no planned list of board fills {boardId}");
  EXPECT_EQ(skipped.at("getNotes"), "no planned list of card fills {cardId}");
}

}  // namespace
}  // namespace uwh::bootstrap
