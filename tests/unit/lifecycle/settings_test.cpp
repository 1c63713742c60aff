#include "lifecycle/settings.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace uwh::lifecycle {
namespace {

using nlohmann::json;

TEST(SettingsTest, ClockifyListFormWithStringValues) {
  auto merged = MergeSettings("{}", R"([{"id":"bootstrap.max_rps","name":"Max RPS","value":"10"},
      {"id":"bootstrap.include_time_entries","value":"false"},
      {"id":"flows.loop_guard_limit","value":20}])");
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(json::parse(*merged),
            json::parse(R"({"bootstrap.max_rps":10,"bootstrap.include_time_entries":false,
                            "flows.loop_guard_limit":20})"));
}

TEST(SettingsTest, NestedAndFlatObjectFormsMergeIntoStored) {
  auto merged = MergeSettings(R"({"data.cache_ttl_days":3})",
                              R"({"bootstrap":{"max_rps":10},"webhooks.enable_custom_webhooks":false})");
  ASSERT_TRUE(merged);
  EXPECT_EQ(json::parse(*merged),
            json::parse(R"({"data.cache_ttl_days":3,"bootstrap.max_rps":10,
                            "webhooks.enable_custom_webhooks":false})"));
}

TEST(SettingsTest, OutOfRangeValuesAreRefusedNamingTheField) {
  struct Case {
    const char* input;
    const char* field;
  };
  for (const Case& c : {
           Case{R"({"bootstrap":{"max_rps":0}})", "settings.bootstrap.max_rps"},
           Case{R"({"bootstrap":{"max_rps":51}})", "settings.bootstrap.max_rps"},
           Case{R"({"bootstrap":{"time_entry_days_back":0}})",
                "settings.bootstrap.time_entry_days_back"},
           Case{R"({"bootstrap":{"max_rps":2.5}})", "settings.bootstrap.max_rps"},
           Case{R"([{"id":"flows.loop_guard_limit","value":1}])", "settings[0].value"},
           Case{R"([{"id":"bootstrap.run_on_install","value":"yes"}])", "settings[0].value"},
           Case{R"([{"id":"no.such","value":1}])", "settings[0].value"},
           Case{R"([{"value":1}])", "settings[0]"},
       }) {
    auto merged = MergeSettings("{}", c.input);
    ASSERT_FALSE(merged) << c.input;
    EXPECT_EQ(merged.error().code, "validation_failed");
    EXPECT_EQ(merged.error().field, c.field) << c.input;
  }
}

TEST(SettingsTest, EffectiveSettingsOverlayDefaults) {
  WorkspaceSettings defaults;
  defaults.bootstrap_max_rps = 20;
  const auto s = EffectiveSettings(defaults, R"({"bootstrap.time_entry_days_back":7})");
  EXPECT_EQ(s.bootstrap_max_rps, 20);
  EXPECT_EQ(s.bootstrap_time_entry_days_back, 7);
  EXPECT_TRUE(BootstrapSettingsDiffer(defaults, s));
  EXPECT_FALSE(BootstrapSettingsDiffer(defaults, EffectiveSettings(defaults, "{}")));
  EXPECT_EQ(json::parse(SettingsToJson(s))["bootstrap.time_entry_days_back"], 7);
  EXPECT_EQ(json::parse(SettingsToJson(s)).size(), 12u);
}

}  // namespace
}  // namespace uwh::lifecycle
