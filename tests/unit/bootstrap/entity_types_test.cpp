// Entity types over every GET operation of Clockify's real OpenAPI document (a table written by
// hand from SPEC §9's rule), and the small helpers behind them.
#include "bootstrap/entity_types.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "catalog_for_test.hpp"

namespace uwh::bootstrap {
namespace {

struct Expected {
  const char* type;
  bool prefixed = false;
};

// Every GET of openapi.json: operation id → entity type.
const std::map<std::string, Expected> kTypes = {
    {"getLoggedUser", {"user"}},
    {"getWorkspacesOfUser", {"workspace"}},
    {"getWorkspaceOfUser", {"workspace"}},
    // Listed under the add-on, and the workspace lists webhooks of its own: prefixed.
    {"getAddonWebhooks", {"addon_webhook", true}},
    {"getApprovalRequests", {"approval_request"}},
    {"getClients", {"client"}},
    {"getClient", {"client"}},
    {"ofWorkspace", {"custom_field"}},
    {"getCreatedEntityInfo", {"created"}},
    {"getDeletedEntityInfo", {"deleted"}},
    {"getUpdatedEntityInfo", {"updated"}},
    {"getExpenses", {"expense"}},
    {"getCategories", {"category"}},
    {"getExpense", {"expense"}},
    {"downloadFile", {"file"}},
    {"getHolidays", {"holiday"}},
    {"getHolidaysInPeriod", {"holiday"}},  // a view: in-period
    {"getInvoices", {"invoice"}},
    {"getInvoiceSettings", {"setting"}},
    {"getInvoice", {"invoice"}},
    {"exportInvoice", {"export"}},
    {"getPaymentsForInvoice", {"payment"}},
    {"getMemberProfile", {"member_profile"}},
    {"getProjects", {"project"}},
    {"getProject", {"project"}},
    {"getCustomFieldsOfProject", {"project_custom_field", true}},
    {"getTasks", {"task"}},
    {"getTask", {"task"}},
    {"getAllAssignments", {"assignment"}},  // a view: all
    {"getProjectTotals", {"total"}},
    {"getProjectTotalsForSingleProject", {"total"}},
    // Its only workspace-level twin (getProjectTotals) is deprecated: no prefix.
    {"getUserTotalsForSingleUser", {"total"}},
    {"getTags", {"tag"}},
    {"getTag", {"tag"}},
    {"getInProgressTimeEntries", {"time_entry"}},  // a view: status/in-progress
    {"getTimeEntry", {"time_entry"}},
    {"getBalancesForPolicy", {"balance"}},  // a list filtered by a trailing parent
    {"getBalancesForUser", {"balance"}},
    {"findPoliciesForWorkspace", {"policy"}},
    {"getPolicy", {"policy"}},
    {"getUserGroups", {"user_group"}},
    // Under a user, but the workspace's own time-entry list is only a view: the same things.
    {"getTimeEntries", {"time_entry"}},
    {"getUsersOfWorkspace", {"user"}},
    {"getManagersOfUser", {"manager"}},
    {"getWebhooks", {"webhook"}},
    {"getWebhook", {"webhook"}},
    {"getPtoBalancesForPolicy", {"balance"}},
    {"getPtoBalancesForUser", {"balance"}},
    {"findPtoPoliciesForWorkspace", {"policy"}},
    {"getPtoPolicy", {"policy"}},
    {"generateSharedReportV1", {"shared_report"}},
    {"getSharedReportsV1", {"shared_report"}},
};

TEST(EntityTypesTest, EveryGetOperationOfTheRealSpecHasItsType) {
  const auto shapes = DescribeGetOperations(testing::Catalog());
  // The table covers exactly the document's GET operations.
  std::set<std::string> gets;
  for (const auto& [path, item] : testing::Document()["paths"].items()) {
    if (item.contains("get")) gets.insert(item["get"]["operationId"].get<std::string>());
  }
  std::set<std::string> table;
  for (const auto& [id, expected] : kTypes) table.insert(id);
  EXPECT_EQ(table, gets);
  EXPECT_EQ(shapes.size(), gets.size());

  for (const auto& [id, expected] : kTypes) {
    auto it = shapes.find(id);
    ASSERT_NE(it, shapes.end()) << id;
    EXPECT_EQ(it->second.entity_type, expected.type) << id;
    EXPECT_EQ(it->second.prefixed, expected.prefixed) << id;
  }
}

TEST(EntityTypesTest, ListsAndWhereTheirItemsAre) {
  const auto shapes = DescribeGetOperations(testing::Catalog());
  const std::map<std::string, std::string> lists = {
      {"getTags", ""},
      {"getWorkspacesOfUser", ""},
      {"getWebhooks", "/webhooks"},
      {"getAddonWebhooks", "/webhooks"},
      {"getInvoices", "/invoices"},
      {"getCategories", "/categories"},
      {"getBalancesForUser", "/balances"},
      {"getSharedReportsV1", "/reports"},
      // {"dailyTotals":[…],"expenses":{"count":…,"expenses":[…]},"weeklyTotals":[…]}
      {"getExpenses", "/expenses/expenses"},
  };
  for (const auto& [id, pointer] : lists) {
    EXPECT_TRUE(shapes.at(id).is_list) << id;
    EXPECT_EQ(shapes.at(id).list_pointer, pointer) << id;
  }
  for (const char* id : {"getLoggedUser", "getProject", "getInvoiceSettings", "getMemberProfile",
                         "getUserTotalsForSingleUser", "generateSharedReportV1", "downloadFile"}) {
    EXPECT_FALSE(shapes.at(id).is_list) << id;
  }
}

TEST(EntityTypesTest, ParentsAreThePathIdsWithTheirCollections) {
  const auto shapes = DescribeGetOperations(testing::Catalog());
  using Parents = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(shapes.at("getTasks").parents, (Parents{{"projectId", "project"}}));
  EXPECT_EQ(shapes.at("getTimeEntries").parents, (Parents{{"userId", "user"}}));
  EXPECT_EQ(shapes.at("getBalancesForPolicy").parents, (Parents{{"policyId", "policy"}}));
  EXPECT_EQ(shapes.at("getAddonWebhooks").parents, (Parents{{"addonId", "addon"}}));
  EXPECT_EQ(shapes.at("getTask").parents, (Parents{{"projectId", "project"}, {"taskId", "task"}}));
  EXPECT_TRUE(shapes.at("getTags").parents.empty());
  EXPECT_TRUE(shapes.at("getLoggedUser").parents.empty());
}

TEST(EntityTypesTest, SingularSnakeCase) {
  const std::map<std::string, std::string> cases = {
      {"projects", "project"},
      {"time-entries", "time_entry"},
      {"user-groups", "user_group"},
      {"custom-fields", "custom_field"},
      {"policies", "policy"},
      {"categories", "category"},
      {"holidays", "holiday"},
      {"addresses", "address"},
      {"status", "status"},
      {"balance", "balance"},
      {"member-profile", "member_profile"},
      {"Shared-Reports", "shared_report"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(SingularSnake(in), out) << in;
  EXPECT_EQ(LowerCamel("approval_request"), "approvalRequest");
  EXPECT_EQ(LowerCamel("shared-reports"), "sharedReports");
  EXPECT_EQ(LowerCamel("tag"), "tag");
}

}  // namespace
}  // namespace uwh::bootstrap
