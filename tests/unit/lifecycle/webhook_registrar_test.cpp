// WebhookRegistrar: the reconciliation plan, and Reconcile/Forget against a real SQLite store and
// an in-memory Webhooks API with Clockify's per-user limit.
#include "lifecycle/webhook_registrar.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

namespace uwh::lifecycle {
namespace {

using nlohmann::json;

constexpr const char* kBase = "https://addon.example";
constexpr const char* kPrefix = "https://addon.example/webhooks/clockify/";
constexpr const char* kWorkspace = "ws-1";

ListedWebhook Ours(const std::string& id, const std::string& event, const std::string& token = "t") {
  return ListedWebhook{id, event, std::string(kPrefix) + event, token, true, false};
}

std::vector<std::string> Ids(const std::vector<ListedWebhook>& list) {
  std::vector<std::string> out;
  for (const auto& w : list) out.push_back(w.id);
  return out;
}

// ---- The plan ----

TEST(PlanRegistrationsTest, FreshWorkspaceCreatesEveryWantedEventOnce) {
  const auto plan = PlanRegistrations({"TAG_UPDATED", "PROJECT_UPDATED", "TAG_UPDATED"}, {}, {},
                                      kPrefix);
  EXPECT_EQ(plan.create, (std::vector<std::string>{"TAG_UPDATED", "PROJECT_UPDATED"}));
  EXPECT_TRUE(plan.reuse.empty());
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.manifest.empty());
}

TEST(PlanRegistrationsTest, ReinstallReusesItsWebhooksAndCreatesNothing) {
  const auto plan = PlanRegistrations({"TAG_UPDATED", "PROJECT_UPDATED"}, {},
                                      {Ours("w1", "TAG_UPDATED"), Ours("w2", "PROJECT_UPDATED")},
                                      kPrefix);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(Ids(plan.reuse), (std::vector<std::string>{"w1", "w2"}));
  EXPECT_TRUE(plan.remove.empty());
}

TEST(PlanRegistrationsTest, DuplicatesUnusableAndUnwantedOnesOfOursAreRemoved) {
  ListedWebhook disabled = Ours("w3", "CLIENT_UPDATED");
  disabled.enabled = false;
  ListedWebhook tokenless = Ours("w4", "TAG_DELETED", "");
  ListedWebhook wrong_path = Ours("w5", "PROJECT_DELETED");
  wrong_path.url = std::string(kPrefix) + "TAG_DELETED";
  const auto plan = PlanRegistrations(
      {"TAG_UPDATED", "CLIENT_UPDATED", "TAG_DELETED", "PROJECT_DELETED"}, {},
      {Ours("w1", "TAG_UPDATED"), Ours("w2", "TAG_UPDATED"), disabled, tokenless, wrong_path,
       Ours("w6", "USER_UPDATED")},
      kPrefix);
  EXPECT_EQ(Ids(plan.reuse), (std::vector<std::string>{"w1"}));
  EXPECT_EQ(Ids(plan.remove), (std::vector<std::string>{"w2", "w3", "w4", "w5", "w6"}));
  EXPECT_EQ(plan.create,
            (std::vector<std::string>{"CLIENT_UPDATED", "TAG_DELETED", "PROJECT_DELETED"}));
}

TEST(PlanRegistrationsTest, OthersWebhooksAndTheManifestsAreLeftAlone) {
  ListedWebhook foreign{"w1", "TAG_UPDATED", "https://elsewhere.example/hook", "t", true, false};
  ListedWebhook addon = Ours("w2", "NEW_PROJECT");
  addon.addon = true;
  ListedWebhook other_addon{"w3", "TAG_UPDATED", "https://addon.example.evil/webhooks/clockify/TAG_UPDATED",
                            "t", true, false};
  const auto plan =
      PlanRegistrations({"TAG_UPDATED", "NEW_PROJECT"}, {"NEW_PROJECT"},
                        {foreign, addon, other_addon}, kPrefix);
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.reuse.empty());
  EXPECT_EQ(plan.create, (std::vector<std::string>{"TAG_UPDATED"}));
  EXPECT_EQ(plan.manifest, (std::vector<std::string>{"NEW_PROJECT"}));
}

TEST(ParseWebhookListTest, ReadsClockifysShapeAndRefusesOthers) {
  auto listed = ParseWebhookList(R"({"workspaceWebhookCount":2,"webhooks":[
      {"id":"w1","webhookEvent":"TAG_UPDATED","url":"u1","authToken":"a","enabled":false},
      {"id":"w2","webhookEvent":"NEW_TAG","url":"u2","webhookType":"ADDON"},
      {"webhookEvent":"NO_ID"}]})");
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].token, "a");
  EXPECT_FALSE((*listed)[0].enabled);
  EXPECT_FALSE((*listed)[0].addon);
  EXPECT_TRUE((*listed)[1].enabled);
  EXPECT_TRUE((*listed)[1].addon);
  EXPECT_TRUE(ParseWebhookList(R"([{"id":"w1"}])"));
  EXPECT_FALSE(ParseWebhookList(R"({"message":"nope"})"));
  EXPECT_FALSE(ParseWebhookList("not json"));
}

// ---- Reconcile and Forget ----

// The workspace Webhooks API of one workspace, with Clockify's limit of webhooks per user (every
// call here is made as the same user).
class FakeWebhooksApi {
 public:
  size_t per_user_limit = 10;
  int list_status = 200;
  std::vector<json> webhooks;
  int creates = 0, deletes = 0, lists = 0;

  Result<clockify::ApiResponse> Call(const clockify::ApiTarget& target,
                                     const clockify::ApiRequest& request) {
    EXPECT_EQ(target.addon_token, "install-token");
    EXPECT_EQ(request.priority, clockify::Priority::kBackground);
    const std::string base = "/v1/workspaces/" + target.workspace_id + "/webhooks";
    clockify::ApiResponse r;
    r.method = request.method;
    if (request.method == "GET" && request.path == base) {
      ++lists;
      r.status_code = list_status;
      r.body = list_status == 200 ? json{{"webhooks", webhooks}}.dump() : R"({"message":"down"})";
    } else if (request.method == "POST" && request.path == base) {
      ++creates;
      if (webhooks.size() >= per_user_limit) {
        r.status_code = 400;
        r.body = R"({"message":"Webhook limit reached: a user can create at most 10 webhooks","code":400})";
        return r;
      }
      json w = json::parse(*request.body);
      w["id"] = "wh-" + std::to_string(++next_id_);
      w["authToken"] = "token-" + std::to_string(next_id_);
      w["enabled"] = true;
      webhooks.push_back(w);
      r.status_code = 201;
      r.body = w.dump();
    } else if (request.method == "DELETE" && request.path.starts_with(base + "/")) {
      ++deletes;
      const std::string id = request.path.substr(base.size() + 1);
      const auto before = webhooks.size();
      std::erase_if(webhooks, [&](const json& w) { return w["id"] == id; });
      r.status_code = webhooks.size() < before ? 200 : 404;
    } else {
      ADD_FAILURE() << "unexpected call " << request.method << " " << request.path;
      r.status_code = 404;
    }
    return r;
  }

  std::vector<std::string> Events() const {
    std::vector<std::string> out;
    for (const auto& w : webhooks) out.push_back(w["webhookEvent"]);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  int next_id_ = 0;
};

const std::vector<std::string> kTwelve = {
    "PROJECT_UPDATED", "PROJECT_DELETED", "TASK_UPDATED",       "TASK_DELETED",
    "CLIENT_UPDATED",  "CLIENT_DELETED",  "TAG_UPDATED",        "TAG_DELETED",
    "TIME_ENTRY_RESTORED", "TIME_ENTRY_SPLIT", "USER_UPDATED", "EXPENSE_CREATED"};

class WebhookRegistrarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("uwh-reg-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    auto store = store::OpenStore("sqlite:///" + (dir_ / "t.db").string(), false);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
    secrets_.emplace(*SecretBox::FromKeyText(std::string(64, 'd')));
    directory_ = std::make_unique<TokenDirectory>(*store_, clock_);
    store::Installation in;
    in.workspace_id = kWorkspace;
    in.addon_token_ciphertext = secrets_->Seal("install-token");
    ASSERT_TRUE(store_->UpsertInstallation(in));
    // The manifest carries NEW_PROJECT.
    store::WebhookToken manifest;
    manifest.event_type = "NEW_PROJECT";
    manifest.token_hash = Sha256Hex("manifest-token");
    manifest.token_ciphertext = secrets_->Seal("manifest-token");
    ASSERT_TRUE(store_->ReplaceWebhookTokens(kWorkspace, "manifest", {manifest}));
  }
  void TearDown() override {
    registrar_.reset();
    std::filesystem::remove_all(dir_);
  }

  WebhookRegistrar& Registrar(std::vector<std::string> events) {
    registrar_ = std::make_unique<WebhookRegistrar>(
        WebhookRegistrar::Options{kBase, std::move(events)}, *store_, *secrets_, *directory_,
        [this](const std::string& ws) -> Result<clockify::ApiTarget> {
          if (!target_available_) {
            return Fail(ErrorCode::kForbidden, "not_installed", "the workspace is not installed");
          }
          clockify::ApiTarget t;
          t.workspace_id = ws;
          t.backend_url = "http://clockify.test/api";
          t.addon_token = "install-token";
          return t;
        },
        [this](const clockify::ApiTarget& t, const clockify::ApiRequest& r) {
          return api_.Call(t, r);
        });
    return *registrar_;
  }

  std::map<std::string, store::WebhookRegistration> Stored() {
    std::map<std::string, store::WebhookRegistration> out;
    const auto listed = store_->ListWebhookRegistrations(kWorkspace);
    EXPECT_TRUE(listed);
    for (const auto& r : listed.value()) out[r.event_type] = r;
    return out;
  }

  std::vector<store::WebhookToken> ApiTokens() {
    std::vector<store::WebhookToken> out;
    const auto listed = store_->ListWebhookTokens(kWorkspace);
    EXPECT_TRUE(listed);
    for (const auto& t : listed.value()) {
      if (t.route == "api") out.push_back(t);
    }
    return out;
  }

  std::filesystem::path dir_;
  ManualClock clock_{std::chrono::system_clock::now()};
  std::unique_ptr<store::Store> store_;
  std::optional<SecretBox> secrets_;
  std::unique_ptr<TokenDirectory> directory_;
  FakeWebhooksApi api_;
  bool target_available_ = true;
  std::unique_ptr<WebhookRegistrar> registrar_;
};

TEST_F(WebhookRegistrarTest, AtTheLimitRegistersWhatFitsAndRecordsClockifysReasonForTheRest) {
  auto& registrar = Registrar(kTwelve);
  auto outcomes = registrar.Reconcile(kWorkspace);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  ASSERT_EQ(outcomes->size(), 12u);
  EXPECT_EQ(api_.creates, 12);
  ASSERT_EQ(api_.webhooks.size(), 10u);

  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 12u);
  size_t registered = 0;
  for (const auto& e : kTwelve) {
    const auto& r = stored.at(e);
    if (r.status == "registered") {
      ++registered;
      EXPECT_FALSE(r.clockify_webhook_id.empty()) << e;
    } else {
      EXPECT_EQ(r.status, "refused") << e;
      EXPECT_NE(r.reason.find("Clockify answered 400: Webhook limit reached"), std::string::npos)
          << r.reason;
    }
  }
  EXPECT_EQ(registered, 10u);
  // The first ten in the configured order fit.
  EXPECT_EQ(stored.at("USER_UPDATED").status, "refused");
  EXPECT_EQ(stored.at("EXPENSE_CREATED").status, "refused");

  // Each token is stored encrypted, bound to its event and its Clockify webhook, and the
  // directory accepts it for that event.
  const auto tokens = ApiTokens();
  ASSERT_EQ(tokens.size(), 10u);
  for (const auto& t : tokens) {
    auto webhook = std::find_if(api_.webhooks.begin(), api_.webhooks.end(),
                                [&](const json& w) { return w["id"] == t.clockify_webhook_id; });
    ASSERT_NE(webhook, api_.webhooks.end()) << t.clockify_webhook_id;
    EXPECT_EQ((*webhook)["webhookEvent"], t.event_type);
    EXPECT_EQ((*webhook)["url"], std::string(kPrefix) + t.event_type);
    EXPECT_EQ((*webhook)["triggerSourceType"], "WORKSPACE_ID");
    EXPECT_EQ((*webhook)["triggerSource"], json::array({kWorkspace}));
    const std::string token = (*webhook)["authToken"];
    EXPECT_EQ(t.token_hash, Sha256Hex(token));
    EXPECT_EQ(secrets_->Open(t.token_ciphertext).value(), token);
    EXPECT_EQ(t.token_ciphertext.find(token), std::string::npos);
    auto binding = directory_->Load(t.token_hash);
    ASSERT_TRUE(binding) << binding.error().message;
    EXPECT_EQ(binding->workspace_id, kWorkspace);
    EXPECT_EQ(binding->event_type, t.event_type);
    EXPECT_TRUE(binding->installed);
  }
  // The manifest's token is untouched.
  EXPECT_EQ(store_->ListWebhookTokens(kWorkspace).value().size(), 11u);
}

TEST_F(WebhookRegistrarTest, ReinstallingNeverDuplicatesARegistration) {
  auto& registrar = Registrar({"TAG_UPDATED", "TAG_DELETED", "PROJECT_UPDATED"});
  ASSERT_TRUE(registrar.Reconcile(kWorkspace));
  const auto first = api_.webhooks;
  const auto first_tokens = ApiTokens();
  ASSERT_EQ(first.size(), 3u);

  // A reinstall (same configuration) and one more.
  for (int i = 0; i < 2; ++i) {
    auto again = registrar.Reconcile(kWorkspace);
    ASSERT_TRUE(again) << again.error().message;
    for (const auto& r : *again) {
      EXPECT_EQ(r.status, "registered") << r.event_type;
      EXPECT_EQ(r.reason, "reused an earlier registration");
    }
  }
  EXPECT_EQ(api_.creates, 3);
  EXPECT_EQ(api_.deletes, 0);
  EXPECT_EQ(api_.webhooks, first);
  const auto tokens = ApiTokens();
  ASSERT_EQ(tokens.size(), 3u);
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].token_hash, first_tokens[i].token_hash);
    EXPECT_EQ(tokens[i].clockify_webhook_id, first_tokens[i].clockify_webhook_id);
  }
}

TEST_F(WebhookRegistrarTest, ReinstallWithFewerEventsDeletesTheOnesNoLongerWanted) {
  ASSERT_TRUE(Registrar({"TAG_UPDATED", "TAG_DELETED"}).Reconcile(kWorkspace));
  // A duplicate someone made by hand, pointing at the add-on.
  api_.webhooks.push_back({{"id", "dup"},
                           {"webhookEvent", "TAG_UPDATED"},
                           {"url", std::string(kPrefix) + "TAG_UPDATED"},
                           {"authToken", "dup-token"}});
  auto outcomes = Registrar({"TAG_UPDATED"}).Reconcile(kWorkspace);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  EXPECT_EQ(api_.Events(), (std::vector<std::string>{"TAG_UPDATED"}));
  EXPECT_EQ(api_.deletes, 2);
  EXPECT_EQ(ApiTokens().size(), 1u);
  EXPECT_EQ(Stored().size(), 1u);
}

TEST_F(WebhookRegistrarTest, AnEventTheManifestCarriesIsNotRegisteredAgain) {
  auto outcomes = Registrar({"NEW_PROJECT", "TAG_UPDATED"}).Reconcile(kWorkspace);
  ASSERT_TRUE(outcomes);
  EXPECT_EQ(api_.Events(), (std::vector<std::string>{"TAG_UPDATED"}));
  EXPECT_EQ(Stored().at("NEW_PROJECT").status, "manifest");
}

TEST_F(WebhookRegistrarTest, AListThatFailsCreatesNothingAndSaysWhy) {
  api_.list_status = 503;
  auto outcomes = Registrar({"TAG_UPDATED"}).Reconcile(kWorkspace);
  ASSERT_FALSE(outcomes);
  EXPECT_EQ(api_.creates, 0);
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored.at("TAG_UPDATED").status, "failed");
  EXPECT_NE(stored.at("TAG_UPDATED").reason.find("could not list the workspace's webhooks: "
                                                 "Clockify answered 503: down"),
            std::string::npos)
      << stored.at("TAG_UPDATED").reason;
}

TEST_F(WebhookRegistrarTest, ForgetDeletesWhatItCanAndForgetsTheRest) {
  auto& registrar = Registrar({"TAG_UPDATED", "TAG_DELETED"});
  ASSERT_TRUE(registrar.Reconcile(kWorkspace));
  // One is already gone at Clockify: its delete fails, and it is forgotten all the same.
  api_.webhooks.erase(api_.webhooks.begin());
  registrar.Forget(kWorkspace);
  EXPECT_EQ(api_.deletes, 2);
  EXPECT_TRUE(api_.webhooks.empty());
  EXPECT_TRUE(ApiTokens().empty());
  EXPECT_TRUE(Stored().empty());
}

TEST_F(WebhookRegistrarTest, ForgetWithoutAKnownTokenOnlyForgets) {
  Registrar({"TAG_UPDATED"});
  ASSERT_TRUE(registrar_->Reconcile(kWorkspace));
  // A restarted process knows no token for the workspace any more.
  Registrar({"TAG_UPDATED"}).Forget(kWorkspace);
  EXPECT_EQ(api_.deletes, 0);
  EXPECT_EQ(api_.webhooks.size(), 1u);
  EXPECT_TRUE(Stored().empty());
  EXPECT_TRUE(ApiTokens().empty());
}

TEST_F(WebhookRegistrarTest, LifecycleCallbacksRunInTheBackgroundInOrder) {
  auto& registrar = Registrar({"TAG_UPDATED"});
  store::Installation in;
  in.workspace_id = kWorkspace;
  registrar.OnInstalled(in, WorkspaceSettings{});
  registrar.WaitIdle();
  EXPECT_EQ(api_.Events(), (std::vector<std::string>{"TAG_UPDATED"}));
  EXPECT_EQ(ApiTokens().size(), 1u);
  registrar.OnUninstalled(kWorkspace);
  registrar.OnInstalled(in, WorkspaceSettings{});
  registrar.WaitIdle();
  // Forgotten, deleted, and registered afresh: still exactly one.
  EXPECT_EQ(api_.Events(), (std::vector<std::string>{"TAG_UPDATED"}));
  EXPECT_EQ(api_.creates, 2);
  EXPECT_EQ(ApiTokens().size(), 1u);
}

}  // namespace
}  // namespace uwh::lifecycle
