// The service through its router (no socket): authentication, the rate limit, faults, the
// control API, and webhook events queued when data changes.
#include "mock/mock_service.hpp"

#include <filesystem>
#include <future>

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace uwh::mock {
namespace {

class MockServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("uwh-mock-test-" + RandomHex(6));
    ASSERT_TRUE(clockify::WriteDevKeyPair(dir_.string()));
    MockOptions options;
    options.private_key_path = (dir_ / "private.pem").string();
    options.workspace_ids = {kWorkspace};
    options.seed = 5;
    options.sender.retry_delay = std::chrono::milliseconds(10);
    auto created = MockService::Create(options, SystemClock::Instance());
    ASSERT_TRUE(created) << created.error().message;
    service_ = std::move(*created);
    service_->SetPublicUrl("http://127.0.0.1:9");
    service_->RegisterRoutes(router_);
    auto signer = clockify::JwtSigner::FromPemFile(options.private_key_path);
    ASSERT_TRUE(signer);
    signer_ = std::make_unique<clockify::JwtSigner>(*signer);
  }
  void TearDown() override {
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Token(const std::string& workspace) {
    clockify::DevTokenRequest r;
    r.kind = clockify::TokenKind::kInstall;
    r.workspace_id = workspace;
    return *signer_->Sign(*clockify::DevTokenClaims(r, SystemClock::Instance()));
  }

  http::Response Send(const std::string& method, const std::string& target,
                      const std::string& token = "", const std::string& body = "") {
    http::Request req;
    req.method = method;
    EXPECT_TRUE(http::ParseTarget(target, &req.path, &req.query));
    if (!token.empty()) req.headers.emplace_back("x-addon-token", token);
    req.body = body;
    req.request_id = "test";
    asio::io_context ioc;
    auto future = asio::co_spawn(ioc, router_.Route(req), asio::use_future);
    ioc.run();
    return future.get();
  }

  static constexpr const char* kWorkspace = "64a687e29ae1f428e7ebe303";
  std::filesystem::path dir_;
  http::Router router_;
  std::unique_ptr<MockService> service_;
  std::unique_ptr<clockify::JwtSigner> signer_;
};

TEST_F(MockServiceTest, RefusesRequestsWithoutAValidTokenForTheWorkspace) {
  const std::string path = std::string("/api/v1/workspaces/") + kWorkspace + "/projects";
  auto none = Send("GET", path);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Json::parse(none.body)["code"], 401);
  EXPECT_EQ(Send("GET", path, "not.a.token").status, 401);
  EXPECT_EQ(Send("GET", path, Token("ffffffffffffffffffffffff")).status, 401)
      << "a token for another workspace";
  auto ok = Send("GET", path, Token(kWorkspace));
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(Json::parse(ok.body).is_array());
}

TEST_F(MockServiceTest, AnswersTooManyRequestsAboveFiftyPerSecond) {
  const std::string token = Token(kWorkspace);
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 60; ++i) {
    auto r = Send("GET", "/api/v1/user", token);
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      for (const auto& [k, v] : r.headers) {
        if (k == "Retry-After") retry_after = v;
      }
    }
  }
  // Sixty requests take far less than a second here.
  EXPECT_EQ(ok, 50);
  EXPECT_EQ(limited, 10);
  EXPECT_EQ(retry_after, "1");
  auto stats = Json::parse(Send("GET", "/_mock/stats").body);
  EXPECT_EQ(stats["rate_limited"], 10);
  EXPECT_EQ(stats["by_workspace"][kWorkspace]["requests"], 60);
  EXPECT_GE(stats["by_workspace"][kWorkspace]["max_in_1s_window"].get<int>(), 60);
  EXPECT_EQ(Send("POST", "/_mock/reset-stats").status, 200);
  EXPECT_EQ(Send("GET", "/api/v1/user", token).status, 200) << "the reset also clears the window";
}

TEST_F(MockServiceTest, InjectsBurstsAndErrors) {
  const std::string token = Token(kWorkspace);
  ASSERT_EQ(Send("POST", "/_mock/faults", "", R"({"burst_429":2,"retry_after":3})").status, 200);
  EXPECT_EQ(Send("GET", "/api/v1/user", token).status, 429);
  EXPECT_EQ(Send("GET", "/api/v1/user", token).status, 429);
  EXPECT_EQ(Send("GET", "/api/v1/user", token).status, 200);
  ASSERT_EQ(Send("POST", "/_mock/faults", "", R"({"error_rate":1,"status":502})").status, 200);
  EXPECT_EQ(Send("GET", "/api/v1/user", token).status, 502);
  EXPECT_EQ(Send("DELETE", "/_mock/faults").status, 200);
  EXPECT_EQ(Send("GET", "/api/v1/user", token).status, 200);
  auto bad = Send("POST", "/_mock/faults", "", R"({"error_rate":2})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json::parse(bad.body)["error"]["field"], "error_rate");
}

TEST_F(MockServiceTest, SeedsAWorkspaceOnFirstUseAndShowsItsState) {
  const std::string other = "0123456789abcdef01234567";
  EXPECT_EQ(Send("GET", std::string("/_mock/state?workspace=") + other).status, 404);
  EXPECT_EQ(Send("GET", "/api/v1/workspaces", Token(other)).status, 200);
  auto state = Json::parse(Send("GET", std::string("/_mock/state?workspace=") + other).body);
  EXPECT_EQ(state["workspace"]["id"], other);
  EXPECT_EQ(state["users"].size(), 8u);
  EXPECT_FALSE(state["time_entries"].empty());
  auto list = Json::parse(Send("GET", "/_mock/workspaces").body);
  EXPECT_EQ(list["workspaces"].size(), 2u);
}

TEST_F(MockServiceTest, QueuesWebhooksForRegisteredUrlsOnly) {
  const std::string token = Token(kWorkspace);
  const std::string base = std::string("/api/v1/workspaces/") + kWorkspace;
  auto created = Send("POST", base + "/webhooks", token,
                      R"({"url":"http://127.0.0.1:9/hook","webhookEvent":"NEW_TAG",)"
                      R"("triggerSourceType":"WORKSPACE_ID","triggerSource":[]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const Json hook = Json::parse(created.body);
  auto claims = clockify::DecodeClaimsUnverified(hook["authToken"].get<std::string>());
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->iss, "clockify");
  EXPECT_EQ(claims->type, "access");
  auto tag = Send("POST", base + "/tags", token, R"({"name":"fresh tag"})");
  ASSERT_EQ(tag.status, 201);
  auto project = Send("POST", base + "/projects", token, R"({"name":"no hook for this"})");
  ASSERT_EQ(project.status, 201);
  auto emitted = Json::parse(Send("POST", "/_mock/emit", "", R"({"event":"NEW_TAG"})").body);
  EXPECT_EQ(emitted["deliveries"], 1);
  EXPECT_EQ(Send("POST", "/_mock/emit", "", R"({"event":"NOT_AN_EVENT"})").status, 400);
  // Nothing listens on port 9: the two NEW_TAG deliveries are attempted and fail; none for the
  // project.
  Json stats;
  for (int i = 0; i < 200; ++i) {
    stats = Json::parse(Send("GET", "/_mock/deliveries").body)["stats"];
    if (stats["pending"] == 0 && stats["failed"] == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(stats["failed"], 2) << stats;
  EXPECT_EQ(stats["by_event"].size(), 1u);
}

// The control calls that block (install, uninstall, lifecycle) run on the mock's own pool. The
// work handed there once owned its strings inside the co_await, which g++ 12 destroys twice: the
// process died with "free(): invalid pointer" on the first POST /_mock/install.
TEST_F(MockServiceTest, BlockingControlCallsAnswerThroughTheRouter) {
  for (int i = 0; i < 3; ++i) {
    auto installed = Send("POST", "/_mock/install", "",
                          R"({"manifest_url":"http://127.0.0.1:9/manifest-of-nothing-listening"})");
    EXPECT_EQ(installed.status, 502) << installed.body;
    EXPECT_NE(installed.body.find("manifest_unavailable"), std::string::npos) << installed.body;
    auto uninstalled = Send("POST", "/_mock/uninstall", "",
                            std::string(R"({"workspace_id":")") + kWorkspace + R"("})");
    EXPECT_EQ(uninstalled.status, 404) << uninstalled.body;
    auto lifecycle = Send("POST", "/_mock/lifecycle", "",
                          std::string(R"({"type":"STATUS_CHANGED","workspace_id":")") +
                              kWorkspace + R"("})");
    EXPECT_EQ(lifecycle.status, 404) << lifecycle.body;
  }
}

TEST_F(MockServiceTest, UnmodelledOperationsAnswerNotFoundWithoutADocument) {
  auto r = Send("GET", std::string("/api/v1/workspaces/") + kWorkspace + "/expenses",
                Token(kWorkspace));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json::parse(r.body)["code"], 404);
}

}  // namespace
}  // namespace uwh::mock
