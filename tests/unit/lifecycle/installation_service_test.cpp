// InstallationService against a real SQLite store and tokens signed by a development key.
#include "lifecycle/installation_service.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

#include <gtest/gtest.h>

namespace uwh::lifecycle {
namespace {

using nlohmann::json;

class RecordingListener : public LifecycleListener {
 public:
  void OnInstalled(const store::Installation& i, const WorkspaceSettings&) override {
    events.push_back("installed:" + i.workspace_id);
  }
  void OnUninstalled(const std::string& ws) override { events.push_back("uninstalled:" + ws); }
  void OnSettingsUpdated(const std::string& ws, const WorkspaceSettings& before,
                         const WorkspaceSettings& after) override {
    events.push_back("settings:" + ws + ":" + std::to_string(before.bootstrap_max_rps) + "->" +
                     std::to_string(after.bootstrap_max_rps));
  }
  void OnStatusChanged(const std::string& ws, bool active) override {
    events.push_back("status:" + ws + ":" + (active ? "ACTIVE" : "INACTIVE"));
  }
  std::vector<std::string> events;
};

class InstallationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("uwh-life-" + RandomHex(6));
    ASSERT_TRUE(clockify::WriteDevKeyPair(dir_.string()));
    signer_.emplace(*clockify::JwtSigner::FromPemFile((dir_ / "private.pem").string()));
    verifier_.emplace(*clockify::JwtVerifier::FromPemFile((dir_ / "public.pem").string()));
    auto store = store::OpenStore("sqlite:///" + (dir_ / "t.db").string(), false);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
    secrets_.emplace(*SecretBox::FromKeyText(std::string(64, 'c')));
    config_.clockify_public_key_path = "unused";
    directory_ = std::make_unique<TokenDirectory>(*store_, clock_);
    service_ = std::make_unique<InstallationService>(config_, *store_, *secrets_, &*verifier_,
                                                     clock_, *directory_);
    service_->AddListener(&listener_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Token(clockify::TokenKind kind, const std::string& ws,
                    std::vector<std::pair<std::string, std::string>> extra = {}) {
    clockify::DevTokenRequest r;
    r.kind = kind;
    r.workspace_id = ws;
    r.backend_url = "http://mock/api";
    r.reports_url = "http://mock/reports";
    r.extra_claims = std::move(extra);
    return *signer_->Sign(*clockify::DevTokenClaims(r, clock_));
  }

  std::string InstallBody(const std::string& ws, const std::vector<std::string>& events) {
    json body = {{"addonId", "a1"},
                 {"workspaceId", ws},
                 {"authToken", Token(clockify::TokenKind::kInstall, ws)},
                 {"asUser", "u1"},
                 {"apiUrl", "http://mock/api"},
                 {"webhooks", json::array()}};
    for (const auto& e : events) {
      body["webhooks"].push_back({{"path", "https://addon.example/webhooks/clockify/" + e},
                                  {"webhookType", "ADDON"},
                                  {"authToken", Token(clockify::TokenKind::kWebhook, ws,
                                                      {{"event", "\"" + e + "\""}})}});
    }
    return body.dump();
  }

  std::filesystem::path dir_;
  ManualClock clock_{std::chrono::system_clock::now()};
  std::optional<clockify::JwtSigner> signer_;
  std::optional<clockify::JwtVerifier> verifier_;
  std::unique_ptr<store::Store> store_;
  std::optional<SecretBox> secrets_;
  Config config_;
  std::unique_ptr<TokenDirectory> directory_;
  std::unique_ptr<InstallationService> service_;
  RecordingListener listener_;
};

TEST_F(InstallationServiceTest, InstallStoresEncryptedTokensBoundToTheirEvents) {
  const std::string body = InstallBody("ws1", {"NEW_PROJECT", "TIMER_STOPPED"});
  auto installed = service_->Installed(Token(clockify::TokenKind::kLifecycle, "ws1"), body);
  ASSERT_TRUE(installed) << installed.error().message;
  EXPECT_EQ(installed->backend_url, "http://mock/api");
  EXPECT_EQ(installed->reports_url, "http://mock/reports");
  const std::string install_token = json::parse(body)["authToken"];
  EXPECT_EQ(installed->addon_token_ciphertext.find(install_token), std::string::npos);
  EXPECT_EQ(*secrets_->Open(installed->addon_token_ciphertext), install_token);

  auto tokens = store_->ListWebhookTokens("ws1");
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 2u);
  // Named: a range-for over a member of a temporary would read the temporary after its end.
  const json sent = json::parse(body);
  for (const auto& hook : sent["webhooks"]) {
    const std::string token = hook["authToken"];
    auto binding = directory_->Load(Sha256Hex(token));
    ASSERT_TRUE(binding);
    EXPECT_EQ(binding->workspace_id, "ws1");
    EXPECT_EQ(binding->event_type, EventOfWebhookPath(hook["path"].get<std::string>()));
    EXPECT_TRUE(binding->installed);
  }
  EXPECT_EQ(listener_.events, (std::vector<std::string>{"installed:ws1"}));
}

TEST_F(InstallationServiceTest, ReinstallReplacesTheTokens) {
  const std::string first = InstallBody("ws1", {"NEW_PROJECT"});
  ASSERT_TRUE(service_->Installed(Token(clockify::TokenKind::kLifecycle, "ws1"), first));
  const std::string old_token = json::parse(first)["webhooks"][0]["authToken"];
  ASSERT_TRUE(service_->Uninstalled(Token(clockify::TokenKind::kLifecycle, "ws1"),
                                    R"({"workspaceId":"ws1"})"));
  EXPECT_FALSE(directory_->Load(Sha256Hex(old_token)));
  const std::string second = InstallBody("ws1", {"NEW_PROJECT"});
  ASSERT_TRUE(service_->Installed(Token(clockify::TokenKind::kLifecycle, "ws1"), second));
  EXPECT_FALSE(directory_->Load(Sha256Hex(old_token)));
    const std::string new_token = json::parse(second)["webhooks"][0]["authToken"];
  EXPECT_TRUE(directory_->Load(Sha256Hex(new_token)));
  EXPECT_TRUE(store_->GetInstallation("ws1")->is_active);
}

TEST_F(InstallationServiceTest, BadLifecycleTokensChangeNothing) {
  const std::string body = InstallBody("ws1", {"NEW_PROJECT"});
  for (const std::string& token :
       {std::string(), std::string("garbage"), Token(clockify::TokenKind::kLifecycle, "ws2"),
        Token(clockify::TokenKind::kLifecycle, "ws1", {{"sub", "\"other-addon\""}}),
        Token(clockify::TokenKind::kLifecycle, "ws1", {{"iss", "\"someone\""}})}) {
    auto r = service_->Installed(token, body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "invalid_signature");
  }
  auto missing = store_->GetInstallation("ws1");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorCode::kNotFound);
  EXPECT_TRUE(listener_.events.empty());
}

// Clockify signs user, installation and webhook tokens with the same key and claims pattern as
// lifecycle tokens. None of them may stand in for one: any user who opens the sidebar holds a
// user token, and a webhook's token never expires and travels with every delivery.
TEST_F(InstallationServiceTest, OtherTokensOfTheWorkspaceCannotMakeLifecycleCalls) {
  const std::string body = InstallBody("ws1", {"NEW_PROJECT"});
  ASSERT_TRUE(service_->Installed(Token(clockify::TokenKind::kLifecycle, "ws1"), body));
  listener_.events.clear();
  const json sent = json::parse(body);
  const std::string webhook_token = sent["webhooks"][0]["authToken"];
  const std::string installation_token = sent["authToken"];
  const std::string user_token = Token(clockify::TokenKind::kUser, "ws1");
  const std::string uninstall = R"({"workspaceId":"ws1"})";
  const std::string settings =
      R"({"workspaceId":"ws1","settings":[{"id":"flows.enable_flows","value":false}]})";
  const std::string inactive = R"({"workspaceId":"ws1","status":"INACTIVE"})";
  for (const std::string& token : {user_token, webhook_token, installation_token}) {
    auto u = service_->Uninstalled(token, uninstall);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().code, "invalid_signature");
    EXPECT_EQ(u.error().message.find(token), std::string::npos);
    auto st = service_->SettingsUpdated(token, settings);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, "invalid_signature");
    auto ch = service_->StatusChanged(token, inactive);
    ASSERT_FALSE(ch);
    EXPECT_EQ(ch.error().code, "invalid_signature");
    auto again = service_->Installed(token, InstallBody("ws1", {"NEW_TAG"}));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, "invalid_signature");
  }
  // Nothing changed: still installed and active, the same token, no listener called.
  auto installation = store_->GetInstallation("ws1");
  ASSERT_TRUE(installation);
  EXPECT_TRUE(installation->is_active);
  EXPECT_EQ(installation->status, "ACTIVE");
  EXPECT_EQ(installation->settings_json.find("enable_flows"), std::string::npos);
  EXPECT_TRUE(directory_->Load(Sha256Hex(webhook_token)));
  EXPECT_TRUE(listener_.events.empty());
  // A lifecycle token still does it.
  EXPECT_TRUE(service_->Uninstalled(Token(clockify::TokenKind::kLifecycle, "ws1"), uninstall));
}

TEST_F(InstallationServiceTest, UnknownWorkspaceIsNotFoundAfterTheTokenCheck) {
  const std::string lt = Token(clockify::TokenKind::kLifecycle, "nope");
  auto r = service_->Uninstalled(lt, R"({"workspaceId":"nope"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorCode::kNotFound);
  auto s = service_->StatusChanged(lt, R"({"workspaceId":"nope","status":"INACTIVE"})");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorCode::kNotFound);
}

TEST_F(InstallationServiceTest, SettingsAndStatusReachListeners) {
  ASSERT_TRUE(service_->Installed(Token(clockify::TokenKind::kLifecycle, "ws1"),
                                  InstallBody("ws1", {})));
  const std::string lt = Token(clockify::TokenKind::kLifecycle, "ws1");
  auto bad = service_->SettingsUpdated(
      lt, R"({"workspaceId":"ws1","settings":[{"id":"bootstrap.max_rps","value":51}]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "settings[0].value");
  EXPECT_EQ(service_->Settings("ws1")->bootstrap_max_rps, 25);
  auto ok = service_->SettingsUpdated(
      lt, R"({"workspaceId":"ws1","settings":[{"id":"bootstrap.max_rps","value":10}]})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(service_->Settings("ws1")->bootstrap_max_rps, 10);
  ASSERT_TRUE(service_->StatusChanged(lt, R"({"workspaceId":"ws1","status":"INACTIVE"})"));
  EXPECT_FALSE(service_->StatusChanged(lt, R"({"workspaceId":"ws1","status":"PAUSED"})"));
  EXPECT_EQ(store_->GetInstallation("ws1")->status, "INACTIVE");
  EXPECT_EQ(listener_.events, (std::vector<std::string>{"installed:ws1", "settings:ws1:25->10",
                                                        "status:ws1:INACTIVE"}));
}

TEST(EventOfWebhookPathTest, TakesTheEventFromPathsAndUrls) {
  EXPECT_EQ(EventOfWebhookPath("/webhooks/clockify/NEW_PROJECT"), "NEW_PROJECT");
  EXPECT_EQ(EventOfWebhookPath("https://x.example/base/webhooks/clockify/TIMER_STOPPED?a=1"),
            "TIMER_STOPPED");
  EXPECT_EQ(EventOfWebhookPath("/webhooks/clockify"), "");
}

}  // namespace
}  // namespace uwh::lifecycle
