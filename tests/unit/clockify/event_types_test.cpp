#include "clockify/event_types.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace uwh::clockify {
namespace {

TEST(EventTypesTest, Counts) {
  EXPECT_EQ(AllEventTypes().size(), 51u);
  EXPECT_EQ(ManifestEventTypes().size(), 22u);
}

TEST(EventTypesTest, NoRepeats) {
  const std::set<std::string_view> all(AllEventTypes().begin(), AllEventTypes().end());
  EXPECT_EQ(all.size(), AllEventTypes().size());
  const std::set<std::string_view> manifest(ManifestEventTypes().begin(),
                                            ManifestEventTypes().end());
  EXPECT_EQ(manifest.size(), ManifestEventTypes().size());
}

TEST(EventTypesTest, ManifestTypesAreKnownTypes) {
  for (const auto event : ManifestEventTypes()) {
    EXPECT_TRUE(IsKnownEventType(event)) << event;
    EXPECT_TRUE(IsManifestEventType(event)) << event;
  }
  for (const auto event : AllEventTypes()) EXPECT_TRUE(IsKnownEventType(event)) << event;
}

TEST(EventTypesTest, Membership) {
  EXPECT_TRUE(IsKnownEventType("NEW_TIME_ENTRY"));
  EXPECT_TRUE(IsKnownEventType("TIME_ENTRY_BATCH_DELETED"));
  EXPECT_TRUE(IsKnownEventType("BILLABLE_RATE_UPDATED"));
  EXPECT_TRUE(IsKnownEventType("LIMITED_USERS_ADDED_TO_WORKSPACE"));
  EXPECT_FALSE(IsKnownEventType("new_time_entry"));
  EXPECT_FALSE(IsKnownEventType(""));
  EXPECT_FALSE(IsKnownEventType("NEW_TIME_ENTRY "));
  EXPECT_FALSE(IsKnownEventType("PROJECT_ARCHIVED"));

  EXPECT_TRUE(IsManifestEventType("NEW_PROJECT"));
  EXPECT_TRUE(IsManifestEventType("BALANCE_UPDATED"));
  EXPECT_TRUE(IsManifestEventType("TIME_OFF_REQUEST_WITHDRAWN"));
  EXPECT_FALSE(IsManifestEventType("PROJECT_UPDATED"));
  EXPECT_FALSE(IsManifestEventType("TIME_OFF_REQUEST_UPDATED"));
  EXPECT_FALSE(IsManifestEventType("TIME_ENTRY_BATCH_DELETED"));
  EXPECT_FALSE(IsManifestEventType("EXPENSE_CREATED"));
}

nlohmann::json ReadShared(const std::string& relative) {
  std::ifstream in(std::string(UWH_SHARED_DIR) + "/clockify/" + relative);
  EXPECT_TRUE(in.good()) << relative;
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// The lists agree with Clockify's own documents (read in place, never copied).
TEST(EventTypesTest, MatchesOpenApiEnum) {
  const auto spec = ReadShared("openapi.json");
  const auto& values =
      spec["components"]["schemas"]["CreateWebhookRequestV1"]["properties"]["webhookEvent"]["enum"];
  ASSERT_EQ(values.size(), 50u);
  std::set<std::string> expected;
  for (const auto& value : values) expected.insert(value.get<std::string>());
  expected.insert("TIME_ENTRY_BATCH_DELETED");
  const std::set<std::string> ours(AllEventTypes().begin(), AllEventTypes().end());
  EXPECT_EQ(ours, expected);
}

TEST(EventTypesTest, MatchesManifestSchemaEnum) {
  const auto schema = ReadShared("manifest-schema-1.3.json");
  const auto& values = schema["definitions"]["webhook"]["properties"]["event"]["enum"];
  std::set<std::string> expected;
  for (const auto& value : values) expected.insert(value.get<std::string>());
  const std::set<std::string> ours(ManifestEventTypes().begin(), ManifestEventTypes().end());
  EXPECT_EQ(ours, expected);
}

}  // namespace
}  // namespace uwh::clockify
