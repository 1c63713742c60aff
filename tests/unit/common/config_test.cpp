#include "common/config.hpp"

#include <gtest/gtest.h>

namespace uwh {
namespace {

std::map<std::string, std::string> WithKey(std::map<std::string, std::string> vars) {
  vars.emplace("UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH", "/keys/clockify.pem");
  return vars;
}

TEST(ConfigTest, DefaultsMatchTheSeedAndTheSpec) {
  auto c = ConfigFromVariables(WithKey({}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 8001);
  EXPECT_EQ(c->max_body_bytes, 1 << 20);
  EXPECT_EQ(c->dedup_window_seconds, 300);
  EXPECT_TRUE(c->verify_signatures);
  EXPECT_TRUE(c->db_synchronous_full);
  EXPECT_EQ(c->workspace_defaults.bootstrap_max_rps, 25);
  EXPECT_EQ(c->workspace_defaults.bootstrap_time_entry_days_back, 30);
  EXPECT_EQ(c->workspace_defaults.webhooks_webhook_log_retention_days, 90);
  EXPECT_EQ(c->workspace_defaults.data_cache_ttl_days, 7);
  EXPECT_EQ(c->manifest_events.size(), 10u);
  EXPECT_EQ(c->extra_events.size(), 10u);
}

TEST(ConfigTest, SeedDatabaseUrlsAreAccepted) {
  auto c = ConfigFromVariables(
      WithKey({{"UNIVERSAL_WEBHOOK_DATABASE_URL", "sqlite+aiosqlite:///./x.db"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sqlite_path, "./x.db");
  c = ConfigFromVariables(WithKey({{"UNIVERSAL_WEBHOOK_DATABASE_URL", "sqlite:////var/uwh.db"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sqlite_path, "/var/uwh.db");
  c = ConfigFromVariables(
      WithKey({{"UNIVERSAL_WEBHOOK_DATABASE_URL", "postgresql+asyncpg://u:p@h/db"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->database_kind, DatabaseKind::kPostgres);
}

TEST(ConfigTest, InvalidValuesNameTheVariable) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"UNIVERSAL_WEBHOOK_PORT", "abc"},
      {"UNIVERSAL_WEBHOOK_PORT", "70000"},
      {"UNIVERSAL_WEBHOOK_VERIFY_SIGNATURES", "maybe"},
      {"UNIVERSAL_WEBHOOK_MAX_BODY_BYTES", "10"},
      {"UNIVERSAL_WEBHOOK_LOG_LEVEL", "loud"},
      {"UNIVERSAL_WEBHOOK_DATABASE_URL", "mysql://x"},
      {"UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS", "51"},
      {"UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS", "0"},
      {"UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS", "SOME"},
      {"UNIVERSAL_WEBHOOK_DB_SYNCHRONOUS", "off"},
      {"UNIVERSAL_WEBHOOK_BASE_URL", "localhost:8001"},
      {"UNIVERSAL_WEBHOOK_MAX_CONNECTIONS", "0"},
      {"UNIVERSAL_WEBHOOK_MAX_CONNECTIONS", "many"},
      {"UNIVERSAL_WEBHOOK_HEADER_TIMEOUT_SECONDS", "0"},
      {"UNIVERSAL_WEBHOOK_BODY_TIMEOUT_SECONDS", "-1"},
      {"UNIVERSAL_WEBHOOK_MIN_BODY_BYTES_PER_SECOND", "0"},
      {"UNIVERSAL_WEBHOOK_KEEP_ALIVE_TIMEOUT_SECONDS", "1h"},
      {"UNIVERSAL_WEBHOOK_SHUTDOWN_GRACE_SECONDS", "601"},
  };
  for (const auto& [name, value] : bad) {
    auto c = ConfigFromVariables(WithKey({{name, value}}));
    ASSERT_FALSE(c) << name << "=" << value;
    EXPECT_NE(c.error().message.find(name), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().field, name);
  }
}

TEST(ConfigTest, ConnectionLimitsAndTimeoutsAreRead) {
  auto c = ConfigFromVariables(WithKey({}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->max_connections, 10000);
  EXPECT_EQ(c->header_timeout_seconds, 10);
  EXPECT_EQ(c->body_timeout_seconds, 10);
  EXPECT_EQ(c->min_body_bytes_per_second, 32 * 1024);
  EXPECT_EQ(c->keep_alive_timeout_seconds, 60);
  EXPECT_EQ(c->shutdown_grace_seconds, 10);
  c = ConfigFromVariables(WithKey({{"UNIVERSAL_WEBHOOK_MAX_CONNECTIONS", "500"},
                                   {"UNIVERSAL_WEBHOOK_HEADER_TIMEOUT_SECONDS", "3"},
                                   {"UNIVERSAL_WEBHOOK_BODY_TIMEOUT_SECONDS", "4"},
                                   {"UNIVERSAL_WEBHOOK_MIN_BODY_BYTES_PER_SECOND", "1000"},
                                   {"UNIVERSAL_WEBHOOK_KEEP_ALIVE_TIMEOUT_SECONDS", "5"},
                                   {"UNIVERSAL_WEBHOOK_SHUTDOWN_GRACE_SECONDS", "6"}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->max_connections, 500);
  EXPECT_EQ(c->header_timeout_seconds, 3);
  EXPECT_EQ(c->body_timeout_seconds, 4);
  EXPECT_EQ(c->min_body_bytes_per_second, 1000);
  EXPECT_EQ(c->keep_alive_timeout_seconds, 5);
  EXPECT_EQ(c->shutdown_grace_seconds, 6);
}

TEST(ConfigTest, PublicKeyIsRequiredOnlyWhileVerifying) {
  auto c = ConfigFromVariables({});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field, "UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH");
  c = ConfigFromVariables({{"UNIVERSAL_WEBHOOK_VERIFY_SIGNATURES", "false"}});
  EXPECT_TRUE(c);
}

TEST(ConfigTest, MasterSwitchesSetTheWorkspaceDefaults) {
  auto c = ConfigFromVariables(WithKey({{"UNIVERSAL_WEBHOOK_FLOW_ENABLE_FLOWS", "false"},
                                        {"UNIVERSAL_WEBHOOK_WEBHOOK_ENABLE_CUSTOM", "0"}}));
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->flow_enable_flows);
  EXPECT_FALSE(c->workspace_defaults.flows_enable_flows);
  EXPECT_FALSE(c->workspace_defaults.webhooks_enable_custom_webhooks);
}

TEST(ConfigTest, EnvFileParsing) {
  const auto vars = ParseEnvFile(
      "# comment\n\nUNIVERSAL_WEBHOOK_PORT=9000\nexport UNIVERSAL_WEBHOOK_HOST = 127.0.0.1 \n"
      "UNIVERSAL_WEBHOOK_ADDON_NAME=\"My # add-on\"\nUNIVERSAL_WEBHOOK_LOG_LEVEL=debug # why\n"
      "not a pair\n");
  EXPECT_EQ(vars.at("UNIVERSAL_WEBHOOK_PORT"), "9000");
  EXPECT_EQ(vars.at("UNIVERSAL_WEBHOOK_HOST"), "127.0.0.1");
  EXPECT_EQ(vars.at("UNIVERSAL_WEBHOOK_ADDON_NAME"), "My # add-on");
  EXPECT_EQ(vars.at("UNIVERSAL_WEBHOOK_LOG_LEVEL"), "debug");
  EXPECT_EQ(vars.size(), 4u);
}

TEST(ConfigTest, ListsAreTrimmed) {
  auto c = ConfigFromVariables(
      WithKey({{"UNIVERSAL_WEBHOOK_MANIFEST_EVENTS", " NEW_PROJECT , NEW_TAG,,"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->manifest_events, (std::vector<std::string>{"NEW_PROJECT", "NEW_TAG"}));
}

}  // namespace
}  // namespace uwh
