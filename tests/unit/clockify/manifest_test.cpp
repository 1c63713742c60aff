#include "clockify/manifest.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "clockify/event_types.hpp"

namespace uwh::clockify {
namespace {

using Json = nlohmann::json;

const std::string kSchemaPath = std::string(UWH_SHARED_DIR) + "/clockify/manifest-schema-1.3.json";

Json Schema() {
  std::ifstream in(kSchemaPath);
  EXPECT_TRUE(in.good());
  return Json::parse(in, nullptr, /*allow_exceptions=*/false);
}

std::set<std::string> Enum(const Json& node) {
  std::set<std::string> values;
  for (const auto& v : node["enum"]) values.insert(v.get<std::string>());
  return values;
}

Json Manifest(const Config& config) { return Json::parse(BuildManifest(config)); }

std::vector<Json> AllSettings(const Json& manifest) {
  std::vector<Json> settings;
  for (const auto& tab : manifest["settings"]["tabs"]) {
    for (const auto& s : tab.value("settings", Json::array())) settings.push_back(s);
    for (const auto& group : tab.value("groups", Json::array())) {
      for (const auto& s : group["settings"]) settings.push_back(s);
    }
  }
  return settings;
}

Json SettingById(const Json& manifest, const std::string& id) {
  for (const auto& s : AllSettings(manifest)) {
    if (s["id"] == id) return s;
  }
  ADD_FAILURE() << "no setting " << id;
  return Json();
}

TEST(ManifestTest, TopLevel) {
  Config config;
  config.base_url = "https://uwh.example.com";
  config.addon_key = "my-addon";
  config.addon_name = "My Add-on";
  const Json manifest = Manifest(config);
  EXPECT_EQ(manifest["schemaVersion"], "1.3");
  EXPECT_EQ(manifest["key"], "my-addon");
  EXPECT_EQ(manifest["name"], "My Add-on");
  EXPECT_EQ(manifest["baseUrl"], "https://uwh.example.com");
  EXPECT_EQ(manifest["minimalSubscriptionPlan"], "ENTERPRISE");
  EXPECT_TRUE(manifest["description"].is_string());
  EXPECT_FALSE(manifest["description"].get<std::string>().empty());
}

TEST(ManifestTest, BaseUrlLosesTrailingSlash) {
  Config config;
  config.base_url = "https://uwh.example.com/addon/";
  EXPECT_EQ(Manifest(config)["baseUrl"], "https://uwh.example.com/addon");
}

TEST(ManifestTest, Scopes) {
  const Json manifest = Manifest(Config{});
  const std::set<std::string> allowed = Enum(Schema()["definitions"]["scope"]);
  std::set<std::string> scopes;
  for (const auto& scope : manifest["scopes"]) {
    EXPECT_TRUE(allowed.count(scope.get<std::string>())) << scope;
    scopes.insert(scope.get<std::string>());
  }
  EXPECT_EQ(scopes.size(), manifest["scopes"].size());
  for (const char* base : {"CLIENT", "PROJECT", "TAG", "TASK", "TIME_ENTRY", "USER", "GROUP",
                           "WORKSPACE", "CUSTOM_FIELDS"}) {
    EXPECT_TRUE(scopes.count(std::string(base) + "_READ")) << base;
    EXPECT_TRUE(scopes.count(std::string(base) + "_WRITE")) << base;
  }
  for (const char* base : {"EXPENSE", "INVOICE", "APPROVAL", "SCHEDULING", "REPORTS", "TIME_OFF"}) {
    EXPECT_TRUE(scopes.count(std::string(base) + "_READ")) << base;
  }
  EXPECT_EQ(scopes.size(), 24u);
}

TEST(ManifestTest, Lifecycle) {
  const Json lifecycle = Manifest(Config{})["lifecycle"];
  EXPECT_EQ(lifecycle, Json::parse(R"([
    {"type":"INSTALLED","path":"/lifecycle/installed"},
    {"type":"DELETED","path":"/lifecycle/uninstalled"},
    {"type":"SETTINGS_UPDATED","path":"/lifecycle/settings-updated"},
    {"type":"STATUS_CHANGED","path":"/lifecycle/status-changed"}])"));
}

TEST(ManifestTest, SidebarComponent) {
  Config config;
  config.addon_name = "Universal Webhook";
  Json components = Manifest(config)["components"];
  ASSERT_EQ(components.size(), 1u);
  EXPECT_EQ(components[0]["type"], "sidebar");
  EXPECT_EQ(components[0]["label"], "Universal Webhook");
  EXPECT_EQ(components[0]["path"], "/ui");
  EXPECT_EQ(components[0]["accessLevel"], "ADMINS");

  config.sidebar_access = "EVERYONE";
  EXPECT_EQ(Manifest(config)["components"][0]["accessLevel"], "EVERYONE");
}

TEST(ManifestTest, SettingsOfSpec) {
  const Json manifest = Manifest(Config{});
  const auto settings = AllSettings(manifest);
  const std::vector<std::pair<std::string, Json>> expected = {
      {"bootstrap.run_on_install", true},
      {"bootstrap.include_heavy_endpoints", false},
      {"bootstrap.max_rps", 25},
      {"bootstrap.include_time_entries", true},
      {"bootstrap.time_entry_days_back", 30},
      {"webhooks.enable_custom_webhooks", true},
      {"webhooks.webhook_log_retention_days", 90},
      {"flows.enable_flows", true},
      {"flows.enable_generic_http_actions", false},
      {"flows.flow_execution_retention_days", 30},
      {"flows.loop_guard_limit", 10},
      {"data.cache_ttl_days", 7},
  };
  ASSERT_EQ(settings.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].first);
    EXPECT_EQ(settings[i]["id"], expected[i].first);
    EXPECT_EQ(settings[i]["value"], expected[i].second);
    EXPECT_EQ(settings[i]["type"], expected[i].second.is_boolean() ? "CHECKBOX" : "NUMBER");
    EXPECT_EQ(settings[i]["accessLevel"], "ADMINS");
    EXPECT_FALSE(settings[i]["name"].get<std::string>().empty());
  }
}

TEST(ManifestTest, SettingsCarryConfiguredDefaults) {
  Config config;
  config.workspace_defaults.bootstrap_max_rps = 7;
  config.workspace_defaults.bootstrap_run_on_install = false;
  config.workspace_defaults.data_cache_ttl_days = 3;
  const Json manifest = Manifest(config);
  EXPECT_EQ(SettingById(manifest, "bootstrap.max_rps")["value"], 7);
  EXPECT_EQ(SettingById(manifest, "bootstrap.run_on_install")["value"], false);
  EXPECT_EQ(SettingById(manifest, "data.cache_ttl_days")["value"], 3);
}

TEST(ManifestTest, DefaultWebhooks) {
  const Json webhooks = Manifest(Config{})["webhooks"];
  const auto& defaults = DefaultManifestEvents();
  ASSERT_EQ(webhooks.size(), defaults.size());
  ASSERT_EQ(webhooks.size(), 10u);
  for (size_t i = 0; i < defaults.size(); ++i) {
    EXPECT_EQ(webhooks[i]["event"], defaults[i]);
    EXPECT_EQ(webhooks[i]["path"], "/webhooks/clockify/" + defaults[i]);
  }
}

TEST(ManifestTest, ConfiguredWebhooks) {
  Config config;
  config.manifest_events = {"BALANCE_UPDATED", "NEW_INVOICE"};
  EXPECT_EQ(Manifest(config)["webhooks"], Json::parse(R"([
    {"event":"BALANCE_UPDATED","path":"/webhooks/clockify/BALANCE_UPDATED"},
    {"event":"NEW_INVOICE","path":"/webhooks/clockify/NEW_INVOICE"}])"));
}

TEST(ManifestTest, WebhookPathFor) {
  EXPECT_EQ(WebhookPathFor("NEW_PROJECT"), "/webhooks/clockify/NEW_PROJECT");
}

// Every enum the manifest uses holds values the schema admits.
TEST(ManifestTest, ValuesWithinSchemaEnums) {
  const Json schema = Schema();
  const auto& defs = schema["definitions"];
  Config config;
  config.manifest_events.assign(ManifestEventTypes().begin(), ManifestEventTypes().begin() + 10);
  const Json manifest = Manifest(config);
  for (const auto& hook : manifest["lifecycle"]) {
    EXPECT_TRUE(Enum(defs["lifecycle"]["properties"]["type"]).count(hook["type"]));
  }
  for (const auto& hook : manifest["webhooks"]) {
    EXPECT_TRUE(Enum(defs["webhook"]["properties"]["event"]).count(hook["event"]));
  }
  for (const auto& component : manifest["components"]) {
    EXPECT_TRUE(Enum(defs["component"]["properties"]["type"]).count(component["type"]));
  }
  for (const auto& setting : AllSettings(manifest)) {
    EXPECT_TRUE(Enum(defs["setting"]["properties"]["type"]).count(setting["type"]));
  }
  EXPECT_TRUE(Enum(defs["minimalSubscriptionPlan"]).count(manifest["minimalSubscriptionPlan"]));
}

// Full JSON Schema validation with Debian's python3-jsonschema, when it is installed.
TEST(ManifestTest, ValidatesAgainstSchema) {
  if (std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-jsonschema is not installed";
  }
  std::string path = (std::filesystem::temp_directory_path() / "uwh_manifest_XXXXXX").string();
  const int fd = mkstemp(path.data());
  ASSERT_GE(fd, 0);
  close(fd);
  for (const char* access : {"ADMINS", "EVERYONE"}) {
    Config config;
    config.sidebar_access = access;
    {
      std::ofstream out(path);
      out << BuildManifest(config);
    }
    const std::string command =
        "python3 -c 'import json,sys,jsonschema; "
        "jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv["
        "2])))'"
        " '" +
        kSchemaPath + "' '" + path + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << access;
  }
  std::remove(path.c_str());
}

// ---- ValidateManifestConfig ----

void ExpectInvalid(const Config& config, const std::string& variable,
                   const std::string& message_part) {
  auto result = ValidateManifestConfig(config);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field, variable);
  EXPECT_NE(result.error().message.find(variable), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
}

TEST(ValidateManifestConfigTest, DefaultsAreValid) {
  Config config;
  EXPECT_TRUE(ValidateManifestConfig(config).has_value());
  config.manifest_events = DefaultManifestEvents();
  config.extra_events = DefaultExtraEvents();
  EXPECT_TRUE(ValidateManifestConfig(config).has_value());
  config.sidebar_access = "EVERYONE";
  EXPECT_TRUE(ValidateManifestConfig(config).has_value());
}

TEST(ValidateManifestConfigTest, TenManifestEventsAccepted) {
  Config config;
  config.manifest_events.assign(ManifestEventTypes().begin(), ManifestEventTypes().begin() + 10);
  EXPECT_TRUE(ValidateManifestConfig(config).has_value());
}

TEST(ValidateManifestConfigTest, ElevenManifestEventsRefused) {
  Config config;
  config.manifest_events.assign(ManifestEventTypes().begin(), ManifestEventTypes().begin() + 11);
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_MANIFEST_EVENTS", "at most 10");
}

TEST(ValidateManifestConfigTest, UnknownManifestEventRefused) {
  Config config;
  config.manifest_events = {"NEW_PROJECT", "NEW_THING"};
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_MANIFEST_EVENTS", "NEW_THING");
}

TEST(ValidateManifestConfigTest, EventOutsideManifestSchemaRefused) {
  Config config;
  config.manifest_events = {"PROJECT_UPDATED"};
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_MANIFEST_EVENTS", "PROJECT_UPDATED");
}

TEST(ValidateManifestConfigTest, RepeatedManifestEventRefused) {
  Config config;
  config.manifest_events = {"NEW_PROJECT", "NEW_TAG", "NEW_PROJECT"};
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_MANIFEST_EVENTS", "twice");
}

TEST(ValidateManifestConfigTest, ExtraEvents) {
  Config config;
  config.extra_events = {"PROJECT_UPDATED", "EXPENSE_CREATED", "TIME_ENTRY_BATCH_DELETED"};
  EXPECT_TRUE(ValidateManifestConfig(config).has_value());

  config.extra_events = {"PROJECT_UPDATED", "PROJECT_RENAMED"};
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_EXTRA_EVENTS", "PROJECT_RENAMED");

  config.extra_events = {"PROJECT_UPDATED", "PROJECT_UPDATED"};
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_EXTRA_EVENTS", "twice");

  // NEW_TIME_ENTRY is a default manifest event: subscribing twice would deliver it twice.
  config.extra_events = {"NEW_TIME_ENTRY"};
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_EXTRA_EVENTS", "NEW_TIME_ENTRY");
  config.manifest_events = {"NEW_PROJECT"};
  EXPECT_TRUE(ValidateManifestConfig(config).has_value());
}

TEST(ValidateManifestConfigTest, SidebarAccess) {
  Config config;
  config.sidebar_access = "SOMEONE";
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS", "ADMINS or EVERYONE");
  config.sidebar_access = "";
  ExpectInvalid(config, "UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS", "ADMINS or EVERYONE");
}

}  // namespace
}  // namespace uwh::clockify
