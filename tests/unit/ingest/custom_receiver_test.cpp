#include "ingest/custom_receiver.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace uwh::ingest {
namespace {

constexpr int64_t kNow = 1796326247;

ManualClock ClockAt(int64_t seconds) {
  return ManualClock(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
}

TEST(StandardWebhookTest, MatchesTheSpecificationsExample) {
  // The example of the Standard Webhooks specification (its README's "Verifying" section).
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  const std::string ts = "1614265330";
  const std::string body = R"({"test": 2432232314})";
  EXPECT_EQ(SignStandardWebhook(secret, id, ts, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  const ManualClock clock = ClockAt(1614265330 + 10);
  EXPECT_TRUE(VerifyStandardWebhook(secret, id, ts,
                                    "v1,bm90aGluZw== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                                    body, clock, std::chrono::minutes(5)));
}

TEST(StandardWebhookTest, RefusesWrongStaleAndMissing) {
  const std::string secret = NewWebhookSecret();
  const std::string ts = std::to_string(kNow);
  const std::string body = R"({"a":1})";
  const std::string good = SignStandardWebhook(secret, "id1", ts, body);
  const ManualClock clock = ClockAt(kNow);
  const auto five = std::chrono::minutes(5);
  EXPECT_TRUE(VerifyStandardWebhook(secret, "id1", ts, good, body, clock, five));
  EXPECT_FALSE(VerifyStandardWebhook(secret, "id1", ts, good, R"({"a":2})", clock, five));
  EXPECT_FALSE(VerifyStandardWebhook(secret, "id2", ts, good, body, clock, five));
  EXPECT_FALSE(VerifyStandardWebhook(NewWebhookSecret(), "id1", ts, good, body, clock, five));
  EXPECT_FALSE(VerifyStandardWebhook(secret, "id1", ts, "", body, clock, five));
  EXPECT_FALSE(VerifyStandardWebhook(secret, "", ts, good, body, clock, five));
  EXPECT_FALSE(VerifyStandardWebhook(secret, "id1", "12x", good, body, clock, five));
  const std::string stale = std::to_string(kNow - 301);
  auto r = VerifyStandardWebhook(secret, "id1", stale,
                                 SignStandardWebhook(secret, "id1", stale, body), body, clock, five);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_signature");
  const std::string future = std::to_string(kNow + 301);
  EXPECT_FALSE(VerifyStandardWebhook(secret, "id1", future,
                                     SignStandardWebhook(secret, "id1", future, body), body, clock,
                                     five));
  const std::string edge = std::to_string(kNow - 300);
  EXPECT_TRUE(VerifyStandardWebhook(secret, "id1", edge,
                                    SignStandardWebhook(secret, "id1", edge, body), body, clock,
                                    five));
}

TEST(StandardWebhookTest, SecretsHaveTheStandardForm) {
  const std::string s = NewWebhookSecret();
  ASSERT_EQ(s.rfind("whsec_", 0), 0u);
  auto key = Base64Decode(s.substr(6));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 24u);
  EXPECT_NE(s, NewWebhookSecret());
}

TEST(SourceNameTest, FollowsTheSpecPattern) {
  EXPECT_TRUE(IsValidSourceName("github"));
  EXPECT_TRUE(IsValidSourceName("a.b_c-D9"));
  EXPECT_TRUE(IsValidSourceName(std::string(64, 'x')));
  EXPECT_FALSE(IsValidSourceName(std::string(65, 'x')));
  EXPECT_FALSE(IsValidSourceName(""));
  EXPECT_FALSE(IsValidSourceName("a/b"));
  EXPECT_FALSE(IsValidSourceName("a b"));
  EXPECT_FALSE(IsValidSourceName("é"));
}

TEST(FormToJsonTest, DecodesPairsAndRepeats) {
  const auto j = nlohmann::json::parse(FormToJson("a=1&b=x+y%21&a=2&empty=&flag&workspaceId=w1"));
  EXPECT_EQ(j, nlohmann::json::parse(
                   R"({"a":["1","2"],"b":"x y!","empty":"","flag":"","workspaceId":"w1"})"));
  EXPECT_EQ(FormToJson(""), "{}");
}

}  // namespace
}  // namespace uwh::ingest
