// Unmodelled operations answer an example built from Clockify's own response schema.
#include "mock/schema_examples.hpp"

#include <gtest/gtest.h>

namespace uwh::mock {
namespace {

const std::string kSpec = std::string(UWH_SHARED_DIR) + "/clockify/openapi.json";

TEST(SchemaExamplesTest, IndexesEveryOperationOfTheDocument) {
  auto loaded = SchemaExamples::FromFile(kSpec);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)->size(), 170u);
}

TEST(SchemaExamplesTest, MatchesPathsWithTheirServer) {
  auto examples = *SchemaExamples::FromFile(kSpec);
  const auto* expenses = examples->Find("GET", false, "/v1/workspaces/abc/expenses");
  ASSERT_NE(expenses, nullptr);
  EXPECT_EQ(expenses->operation_id, "getExpenses");
  // A literal segment beats a parameter: /expenses/categories is not /expenses/{expenseId}.
  const auto* categories = examples->Find("GET", false, "/v1/workspaces/abc/expenses/categories");
  ASSERT_NE(categories, nullptr);
  EXPECT_EQ(categories->operation_id, "getCategories");
  const auto* summary = examples->Find("POST", true, "/v1/workspaces/abc/reports/summary");
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary->operation_id, "generateSummaryReport");
  EXPECT_EQ(examples->Find("POST", false, "/v1/workspaces/abc/reports/summary"), nullptr)
      << "report operations live on the reports server";
  EXPECT_EQ(examples->Find("GET", false, "/v1/nothing/here"), nullptr);
}

TEST(SchemaExamplesTest, BuildsExamplesFromResponseSchemas) {
  auto examples = *SchemaExamples::FromFile(kSpec);
  const auto* holidays = examples->Find("GET", false, "/v1/workspaces/abc/holidays");
  ASSERT_NE(holidays, nullptr);
  const Json example = examples->Example(*holidays);
  ASSERT_TRUE(example.is_array());
  ASSERT_FALSE(example.empty());
  EXPECT_TRUE(example[0].is_object());
  EXPECT_TRUE(example[0].contains("id"));
  const auto* create = examples->Find("POST", false, "/v1/workspaces/abc/expenses/categories");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->operation_id, "createExpenseCategory");
  EXPECT_EQ(create->status, 201) << "the document's own success status";
}

TEST(SchemaExamplesTest, RefusesWhatIsNotADocument) {
  EXPECT_FALSE(SchemaExamples::FromText("{}"));
  EXPECT_FALSE(SchemaExamples::FromText("nope"));
  EXPECT_FALSE(SchemaExamples::FromFile("/nonexistent/openapi.json"));
}

}  // namespace
}  // namespace uwh::mock
