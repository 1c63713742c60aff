#include "clockify/jwt.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace uwh::clockify {
namespace {

using std::chrono::seconds;
using Json = nlohmann::json;

constexpr int64_t kStart = 1'767'225'600;  // 2026-01-01T00:00:00Z

std::chrono::system_clock::time_point At(int64_t unix_seconds) {
  return std::chrono::system_clock::time_point(seconds(unix_seconds));
}

std::string B64Url(std::string_view data) {
  std::string text = Base64Encode(data);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::vector<std::string> SplitDots(const std::string& token) {
  std::vector<std::string> parts;
  std::stringstream in(token);
  std::string part;
  while (std::getline(in, part, '.')) parts.push_back(part);
  return parts;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "uwh_jwt_test_XXXXXX").string();
  const char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::filesystem::path(pattern);
}

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(MakeTempDir());
    // Key generation dominates the run time; each test runs in its own process under CTest, so
    // only the pair every test needs is made here.
    ASSERT_TRUE(WriteDevKeyPair((*dir_ / "keys").string()).has_value());
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
    dir_ = nullptr;
  }

  static std::string KeyPath(const char* pair, const char* file) {
    return (*dir_ / pair / file).string();
  }
  static JwtSigner Signer(const char* pair = "keys") {
    auto signer = JwtSigner::FromPemFile(KeyPath(pair, "private.pem"));
    EXPECT_TRUE(signer.has_value());
    return *signer;
  }
  static JwtVerifier Verifier(const char* pair = "keys") {
    auto verifier = JwtVerifier::FromPemFile(KeyPath(pair, "public.pem"));
    EXPECT_TRUE(verifier.has_value());
    return *verifier;
  }

  std::string SignedToken(const Json& claims) const {
    auto token = Signer().Sign(claims.dump());
    EXPECT_TRUE(token.has_value());
    return token.value_or("");
  }

  Json AddonClaims() const {
    return Json{{"iss", "clockify"},    {"sub", "universal-webhook"}, {"type", "addon"},
                {"workspaceId", "ws1"}, {"addonId", "addon1"},        {"iat", kStart}};
  }

  // Expects `token` refused as invalid_signature with a message that does not echo the token.
  void ExpectRefused(const std::string& token, const std::string& message_part = "") const {
    auto result = Verifier().Verify(token, clock_);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, ErrorCode::kUnauthenticated);
    EXPECT_EQ(result.error().code, "invalid_signature");
    EXPECT_FALSE(result.error().message.empty());
    if (!token.empty()) {
      EXPECT_EQ(result.error().message.find(token), std::string::npos);
    }
    for (const auto& part : SplitDots(token)) {
      if (part.size() > 8) {
        EXPECT_EQ(result.error().message.find(part), std::string::npos);
      }
    }
    if (!message_part.empty()) {
      EXPECT_NE(result.error().message.find(message_part), std::string::npos)
          << result.error().message;
    }
  }

  static std::filesystem::path* dir_;
  ManualClock clock_{At(kStart)};
};

std::filesystem::path* JwtTest::dir_ = nullptr;

TEST_F(JwtTest, SignedTokenVerifies) {
  Json claims = AddonClaims();
  claims["user"] = "u1";
  claims["backendUrl"] = "https://api.clockify.me/api";
  claims["reportsUrl"] = "https://reports.api.clockify.me";
  claims["apiUrl"] = "https://api.clockify.me/api/v1";
  claims["workspaceRole"] = "OWNER";
  claims["theme"] = "DARK";
  claims["language"] = "EN";
  claims["exp"] = kStart + 1800;
  const std::string token = SignedToken(claims);
  EXPECT_EQ(SplitDots(token).size(), 3u);

  auto verified = Verifier().Verify(token, clock_);
  ASSERT_TRUE(verified.has_value()) << verified.error().message;
  EXPECT_EQ(verified->iss, "clockify");
  EXPECT_EQ(verified->sub, "universal-webhook");
  EXPECT_EQ(verified->type, "addon");
  EXPECT_EQ(verified->workspace_id, "ws1");
  EXPECT_EQ(verified->addon_id, "addon1");
  EXPECT_EQ(verified->user_id, "u1");
  EXPECT_EQ(verified->workspace_role, "OWNER");
  EXPECT_EQ(verified->theme, "DARK");
  EXPECT_EQ(verified->language, "EN");
  EXPECT_EQ(verified->backend_url, "https://api.clockify.me/api");
  EXPECT_EQ(verified->reports_url, "https://reports.api.clockify.me");
  EXPECT_EQ(verified->api_url, "https://api.clockify.me/api/v1");
  EXPECT_EQ(verified->exp, kStart + 1800);
  EXPECT_EQ(verified->iat, kStart);
  EXPECT_EQ(Json::parse(verified->json), claims);
}

TEST_F(JwtTest, HeaderIsRs256Jwt) {
  const auto parts = SplitDots(SignedToken(AddonClaims()));
  ASSERT_EQ(parts.size(), 3u);
  std::string padded = parts[0];
  for (char& c : padded) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (padded.size() % 4 != 0) padded.push_back('=');
  auto header = Base64Decode(padded);
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(Json::parse(*header), (Json{{"alg", "RS256"}, {"typ", "JWT"}}));
}

TEST_F(JwtTest, UserClaimAsObjectOrUserId) {
  Json object_form = AddonClaims();
  object_form["user"] = {{"id", "u2"}, {"name", "Ann"}};
  auto verified = Verifier().Verify(SignedToken(object_form), clock_);
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->user_id, "u2");

  Json user_id_form = AddonClaims();
  user_id_form["userId"] = "u3";
  verified = Verifier().Verify(SignedToken(user_id_form), clock_);
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->user_id, "u3");
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  const auto parts = SplitDots(SignedToken(AddonClaims()));
  Json forged = AddonClaims();
  forged["workspaceId"] = "someone-elses-workspace";
  ExpectRefused(parts[0] + "." + B64Url(forged.dump()) + "." + parts[2], "does not verify");
}

TEST_F(JwtTest, TamperedSignatureIsRefused) {
  auto parts = SplitDots(SignedToken(AddonClaims()));
  parts[2][10] = parts[2][10] == 'A' ? 'B' : 'A';
  ExpectRefused(parts[0] + "." + parts[1] + "." + parts[2], "does not verify");
}

TEST_F(JwtTest, TokenOfAnotherKeyIsRefused) {
  ASSERT_TRUE(WriteDevKeyPair((*dir_ / "other").string()).has_value());
  auto token = Signer("other").Sign(AddonClaims().dump());
  ASSERT_TRUE(token.has_value());
  ExpectRefused(*token, "does not verify");
  EXPECT_TRUE(Verifier("other").Verify(*token, clock_).has_value());
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  const auto parts = SplitDots(SignedToken(AddonClaims()));
  const std::string header = B64Url(R"({"alg":"none","typ":"JWT"})");
  ExpectRefused(header + "." + parts[1] + ".", "RS256");
  ExpectRefused(header + "." + parts[1] + "." + parts[2], "RS256");
}

TEST_F(JwtTest, AlgHs256IsRefused) {
  // The classic confusion attack: HMAC keyed with the verifier's public key.
  const std::string header = B64Url(R"({"alg":"HS256","typ":"JWT"})");
  const std::string payload = B64Url(AddonClaims().dump());
  const std::string public_pem = ReadFile(KeyPath("keys", "public.pem"));
  const std::string mac = HmacSha256(public_pem, header + "." + payload);
  ExpectRefused(header + "." + payload + "." + B64Url(mac), "RS256");
}

TEST_F(JwtTest, OtherAlgsAreRefused) {
  const auto parts = SplitDots(SignedToken(AddonClaims()));
  for (const char* header : {R"({"typ":"JWT"})", R"({"alg":"rs256"})", R"({"alg":"RS512"})",
                             R"({"alg":"PS256"})", R"({"alg":null})", R"({"alg":["RS256"]})"}) {
    SCOPED_TRACE(header);
    ExpectRefused(B64Url(header) + "." + parts[1] + "." + parts[2]);
  }
}

TEST_F(JwtTest, CritHeaderIsRefused) {
  const auto parts = SplitDots(SignedToken(AddonClaims()));
  ExpectRefused(
      B64Url(R"({"alg":"RS256","crit":["b64"],"b64":false})") + "." + parts[1] + "." + parts[2],
      "crit");
}

TEST_F(JwtTest, ExpiryHonoursLeeway) {
  Json claims = AddonClaims();
  claims["exp"] = kStart + 100;
  const std::string token = SignedToken(claims);

  clock_.Set(At(kStart + 99));
  EXPECT_TRUE(Verifier().Verify(token, clock_, seconds(0)).has_value());
  clock_.Set(At(kStart + 100));
  EXPECT_FALSE(Verifier().Verify(token, clock_, seconds(0)).has_value());
  EXPECT_TRUE(Verifier().Verify(token, clock_, seconds(60)).has_value());
  clock_.Set(At(kStart + 159));
  EXPECT_TRUE(Verifier().Verify(token, clock_).has_value());
  clock_.Set(At(kStart + 160));
  auto expired = Verifier().Verify(token, clock_);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, "invalid_signature");
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

TEST_F(JwtTest, RepeatedTokenIsStillCheckedForExpiry) {
  Json claims = AddonClaims();
  claims["exp"] = kStart + 10;
  const std::string token = SignedToken(claims);
  const JwtVerifier verifier = Verifier();
  EXPECT_TRUE(verifier.Verify(token, clock_, seconds(0)).has_value());
  EXPECT_TRUE(verifier.Verify(token, clock_, seconds(0)).has_value());
  clock_.Advance(seconds(11));
  EXPECT_FALSE(verifier.Verify(token, clock_, seconds(0)).has_value());
  const JwtVerifier copy = verifier;
  EXPECT_FALSE(copy.Verify(token, clock_, seconds(0)).has_value());
}

TEST_F(JwtTest, SharedVerifierAcrossThreads) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 4; ++i) {
    Json claims = AddonClaims();
    claims["addonId"] = "addon" + std::to_string(i);
    tokens.push_back(SignedToken(claims));
  }
  const JwtVerifier verifier = Verifier();
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string& token = tokens[(t + i) % tokens.size()];
        auto claims = verifier.Verify(token, clock_);
        if (!claims || claims->addon_id != "addon" + std::to_string((t + i) % 4)) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST_F(JwtTest, TokenWithoutExpNeverExpires) {
  const std::string token = SignedToken(AddonClaims());
  clock_.Set(At(kStart + 10LL * 365 * 24 * 3600));
  EXPECT_TRUE(Verifier().Verify(token, clock_).has_value());
}

TEST_F(JwtTest, NotBeforeIsHonoured) {
  Json claims = AddonClaims();
  claims["nbf"] = kStart + 100;
  const std::string token = SignedToken(claims);
  EXPECT_FALSE(Verifier().Verify(token, clock_, seconds(0)).has_value());
  clock_.Set(At(kStart + 100));
  EXPECT_TRUE(Verifier().Verify(token, clock_, seconds(0)).has_value());
}

TEST_F(JwtTest, NonNumericTimesAreRefused) {
  Json claims = AddonClaims();
  claims["exp"] = "tomorrow";
  ExpectRefused(SignedToken(claims), "exp");
  claims = AddonClaims();
  claims["iat"] = Json::object();
  ExpectRefused(SignedToken(claims), "iat");
}

TEST_F(JwtTest, ExtremeTimesDoNotOverflow) {
  Json claims = AddonClaims();
  claims["exp"] = std::numeric_limits<int64_t>::max();
  EXPECT_TRUE(Verifier().Verify(SignedToken(claims), clock_).has_value());
  claims["exp"] = std::numeric_limits<int64_t>::min();
  ExpectRefused(SignedToken(claims), "expired");
  claims["exp"] = 1e300;
  ExpectRefused(SignedToken(claims), "exp");
  claims["exp"] = kStart + 1000.5;
  auto verified = Verifier().Verify(SignedToken(claims), clock_);
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->exp, kStart + 1000);
}

TEST_F(JwtTest, VerifierWithoutKeyRefuses) {
  const JwtVerifier empty;
  auto result = empty.Verify(SignedToken(AddonClaims()), clock_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  const auto parts = SplitDots(SignedToken(AddonClaims()));
  ExpectRefused("", "empty");
  ExpectRefused(parts[0], "three");
  ExpectRefused(parts[0] + "." + parts[1], "three");
  ExpectRefused(parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[2], "three");
  ExpectRefused(parts[0] + ".." + parts[2]);
  ExpectRefused("." + parts[1] + "." + parts[2]);
  ExpectRefused(parts[0] + "." + parts[1] + "*" + "." + parts[2], "base64url");
  ExpectRefused("!!!." + parts[1] + "." + parts[2], "base64url");
  ExpectRefused(parts[0] + "." + parts[1] + ".a+b/", "base64url");
  ExpectRefused(parts[0] + "." + parts[1] + "=." + parts[2], "base64url");
  ExpectRefused(parts[0] + "." + B64Url("{\"iss\":") + "." + parts[2], "not JSON");
  ExpectRefused(B64Url("not json") + "." + parts[1] + "." + parts[2], "not JSON");
  ExpectRefused(parts[0] + "." + B64Url("[1,2]") + "." + parts[2], "JSON object");
  ExpectRefused(parts[0] + "." + B64Url("\"text\"") + "." + parts[2], "JSON object");
  ExpectRefused(std::string(20000, 'a') + "." + parts[1] + "." + parts[2], "too long");
}

TEST_F(JwtTest, NonCanonicalBase64IsRefused) {
  // A 256-byte signature leaves 4 unused bits in its last character; setting one changes the
  // text but not the bytes, and the strict decoder refuses it.
  auto parts = SplitDots(SignedToken(AddonClaims()));
  ASSERT_EQ(parts[2].size(), 342u);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const size_t index = alphabet.find(parts[2].back());
  ASSERT_EQ(index % 16, 0u);
  parts[2].back() = alphabet[index + 1];
  ExpectRefused(parts[0] + "." + parts[1] + "." + parts[2], "base64url");
}

TEST_F(JwtTest, CheckAddonClaims) {
  TokenClaims claims;
  claims.iss = "clockify";
  claims.type = "addon";
  claims.sub = "universal-webhook";
  EXPECT_TRUE(CheckAddonClaims(claims, "universal-webhook").has_value());

  auto other_key = CheckAddonClaims(claims, "other-addon");
  ASSERT_FALSE(other_key.has_value());
  EXPECT_EQ(other_key.error().kind, ErrorCode::kUnauthenticated);
  EXPECT_EQ(other_key.error().code, "invalid_signature");

  TokenClaims wrong_iss = claims;
  wrong_iss.iss = "Clockify";
  EXPECT_FALSE(CheckAddonClaims(wrong_iss, "universal-webhook").has_value());
  TokenClaims wrong_type = claims;
  wrong_type.type = "user";
  EXPECT_FALSE(CheckAddonClaims(wrong_type, "universal-webhook").has_value());
  EXPECT_FALSE(CheckAddonClaims(TokenClaims{}, "universal-webhook").has_value());
  EXPECT_FALSE(CheckAddonClaims(TokenClaims{}, "").has_value());
}

TEST_F(JwtTest, DecodeClaimsUnverified) {
  const auto parts = SplitDots(SignedToken(AddonClaims()));
  auto claims = DecodeClaimsUnverified(parts[0] + "." + parts[1] + ".garbage");
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->workspace_id, "ws1");
  EXPECT_EQ(claims->addon_id, "addon1");
  EXPECT_FALSE(DecodeClaimsUnverified(parts[0]).has_value());
  EXPECT_FALSE(DecodeClaimsUnverified(parts[0] + ".%%%." + parts[2]).has_value());
}

TEST_F(JwtTest, ClockifyPublicKeyLoads) {
  const std::string path = std::string(UWH_SHARED_DIR) + "/clockify/clockify-public-key.pem";
  auto verifier = JwtVerifier::FromPemFile(path);
  ASSERT_TRUE(verifier.has_value()) << verifier.error().message;
  auto result = verifier->Verify(SignedToken(AddonClaims()), clock_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "invalid_signature");
}

TEST_F(JwtTest, Pkcs1PublicKeyLoads) {
  // An RSA-2048 SubjectPublicKeyInfo is a fixed 24-byte prefix followed by the PKCS#1 key.
  std::string body;
  std::istringstream pem(ReadFile(KeyPath("keys", "public.pem")));
  for (std::string line; std::getline(pem, line);) {
    if (line.rfind("-----", 0) != 0) body += line;
  }
  auto der = Base64Decode(body);
  ASSERT_TRUE(der.has_value());
  ASSERT_GT(der->size(), 24u);
  const std::string pkcs1 = "-----BEGIN RSA PUBLIC KEY-----\n" + Base64Encode(der->substr(24)) +
                            "\n-----END RSA PUBLIC KEY-----\n";
  auto verifier = JwtVerifier::FromPem(pkcs1);
  ASSERT_TRUE(verifier.has_value()) << verifier.error().message;
  EXPECT_TRUE(verifier->Verify(SignedToken(AddonClaims()), clock_).has_value());
}

TEST_F(JwtTest, KeyLoadingFailures) {
  const std::string missing = (*dir_ / "no-such-dir" / "public.pem").string();
  auto verifier = JwtVerifier::FromPemFile(missing);
  ASSERT_FALSE(verifier.has_value());
  EXPECT_EQ(verifier.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_NE(verifier.error().message.find(missing), std::string::npos);

  auto signer = JwtSigner::FromPemFile(missing);
  ASSERT_FALSE(signer.has_value());
  EXPECT_EQ(signer.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_NE(signer.error().message.find(missing), std::string::npos);

  EXPECT_FALSE(JwtVerifier::FromPem("not a key").has_value());
  EXPECT_FALSE(JwtVerifier::FromPem("").has_value());
  EXPECT_FALSE(JwtSigner::FromPem("not a key").has_value());
  // A public key cannot sign.
  auto from_public = JwtSigner::FromPemFile(KeyPath("keys", "public.pem"));
  ASSERT_FALSE(from_public.has_value());
  EXPECT_EQ(from_public.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_NE(from_public.error().message.find("public.pem"), std::string::npos);
}

TEST_F(JwtTest, SignRefusesNonObjectClaims) {
  const JwtSigner signer = Signer();
  EXPECT_FALSE(signer.Sign("not json").has_value());
  EXPECT_FALSE(signer.Sign("[1,2,3]").has_value());
  EXPECT_EQ(signer.Sign("[]").error().kind, ErrorCode::kInvalidArgument);
}

TEST_F(JwtTest, DevKeyPairFiles) {
  const std::filesystem::path dir = *dir_ / "nested" / "deeper";
  ASSERT_TRUE(WriteDevKeyPair(dir.string()).has_value());
  struct stat info {};
  ASSERT_EQ(stat((dir / "private.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(dir / "public.pem").rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
  EXPECT_NE(ReadFile(dir / "private.pem").find("PRIVATE KEY-----"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "private.pem.tmp"));

  // A second pair replaces the first: tokens of the old key no longer verify.
  const std::string old_token =
      *JwtSigner::FromPemFile((dir / "private.pem").string())->Sign(AddonClaims().dump());
  ASSERT_TRUE(WriteDevKeyPair(dir.string()).has_value());
  ASSERT_EQ(stat((dir / "private.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto verifier = JwtVerifier::FromPemFile((dir / "public.pem").string());
  ASSERT_TRUE(verifier.has_value());
  EXPECT_FALSE(verifier->Verify(old_token, clock_).has_value());
}

TEST_F(JwtTest, DevKeyPairFailsOnUnwritableDir) {
  const std::filesystem::path file = *dir_ / "a-file";
  std::ofstream(file) << "x";
  auto result = WriteDevKeyPair((file / "keys").string());
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("a-file"), std::string::npos);
}

// ---- DevTokenClaims ----

Json Claims(const DevTokenRequest& request, const Clock& clock) {
  auto text = DevTokenClaims(request, clock);
  EXPECT_TRUE(text.has_value());
  return Json::parse(text.value_or("{}"));
}

TEST(DevTokenClaimsTest, Install) {
  ManualClock clock(At(kStart));
  DevTokenRequest request;
  request.kind = TokenKind::kInstall;
  request.workspace_id = "ws1";
  const Json claims = Claims(request, clock);
  EXPECT_EQ(claims["iss"], "clockify");
  EXPECT_EQ(claims["sub"], "universal-webhook");
  EXPECT_EQ(claims["type"], "addon");
  EXPECT_EQ(claims["workspaceId"], "ws1");
  EXPECT_EQ(claims["addonId"], "dev-addon");
  EXPECT_EQ(claims["user"], "dev-user");
  EXPECT_EQ(claims["backendUrl"], "https://api.clockify.me/api");
  EXPECT_EQ(claims["reportsUrl"], "https://reports.api.clockify.me");
  EXPECT_TRUE(claims["locationsUrl"].is_string());
  EXPECT_TRUE(claims["screenshotsUrl"].is_string());
  EXPECT_EQ(claims["iat"], kStart);
  EXPECT_FALSE(claims.contains("exp"));
  EXPECT_FALSE(claims.contains("workspaceRole"));
}

TEST(DevTokenClaimsTest, User) {
  ManualClock clock(At(kStart));
  DevTokenRequest request;
  request.kind = TokenKind::kUser;
  request.workspace_id = "ws1";
  request.user_id = "u9";
  request.role = "ADMIN";
  request.backend_url = "http://127.0.0.1:5050/api";
  const Json claims = Claims(request, clock);
  EXPECT_EQ(claims["user"], "u9");
  EXPECT_EQ(claims["workspaceRole"], "ADMIN");
  EXPECT_EQ(claims["theme"], "DEFAULT");
  EXPECT_EQ(claims["language"], "EN");
  EXPECT_EQ(claims["backendUrl"], "http://127.0.0.1:5050/api");
  EXPECT_EQ(claims["iat"], kStart);
  EXPECT_EQ(claims["exp"], kStart + int64_t{30} * 60);
}

TEST(DevTokenClaimsTest, Webhook) {
  ManualClock clock(At(kStart));
  DevTokenRequest request;
  request.kind = TokenKind::kWebhook;
  request.workspace_id = "ws1";
  request.addon_id = "a1";
  Json claims = Claims(request, clock);
  // Each minted webhook token is distinct, like Clockify's one token per webhook.
  ASSERT_TRUE(claims.contains("jti"));
  EXPECT_NE(claims["jti"], Claims(request, clock)["jti"]);
  claims.erase("jti");
  EXPECT_EQ(claims, (Json{{"iss", "clockify"},
                          {"sub", "universal-webhook"},
                          {"type", "addon"},
                          {"workspaceId", "ws1"},
                          {"addonId", "a1"},
                          {"iat", kStart}}));
}

TEST(DevTokenClaimsTest, Lifecycle) {
  ManualClock clock(At(kStart));
  DevTokenRequest request;
  request.kind = TokenKind::kLifecycle;
  request.workspace_id = "ws1";
  const Json claims = Claims(request, clock);
  EXPECT_EQ(claims["exp"], kStart + int64_t{5} * 60);
  EXPECT_FALSE(claims.contains("user"));
  EXPECT_FALSE(claims.contains("backendUrl"));
}

TEST(DevTokenClaimsTest, ExplicitTtlSetsExp) {
  ManualClock clock(At(kStart));
  for (TokenKind kind :
       {TokenKind::kInstall, TokenKind::kUser, TokenKind::kWebhook, TokenKind::kLifecycle}) {
    DevTokenRequest request;
    request.kind = kind;
    request.workspace_id = "ws1";
    request.ttl = seconds(42);
    EXPECT_EQ(Claims(request, clock)["exp"], kStart + 42);
  }
}

TEST(DevTokenClaimsTest, ExtraClaimsOverrideAndAdd) {
  ManualClock clock(At(kStart));
  DevTokenRequest request;
  request.kind = TokenKind::kUser;
  request.workspace_id = "ws1";
  request.extra_claims = {{"exp", "123"},          {"theme", "DARK"},   {"flag", "true"},
                          {"nothing", "null"},     {"quoted", "\"5\""}, {"obj", R"({"a":[1]})"},
                          {"text", "hello world"}, {"empty", ""},       {"sub", "other-addon"}};
  const Json claims = Claims(request, clock);
  EXPECT_EQ(claims["exp"], 123);
  EXPECT_EQ(claims["theme"], "DARK");
  EXPECT_EQ(claims["flag"], true);
  EXPECT_TRUE(claims["nothing"].is_null());
  EXPECT_EQ(claims["quoted"], "5");
  EXPECT_EQ(claims["obj"], (Json{{"a", {1}}}));
  EXPECT_EQ(claims["text"], "hello world");
  EXPECT_EQ(claims["empty"], "");
  EXPECT_EQ(claims["sub"], "other-addon");
}

TEST(DevTokenClaimsTest, RequiresWorkspace) {
  ManualClock clock(At(kStart));
  DevTokenRequest request;
  auto result = DevTokenClaims(request, clock);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field, "workspace_id");
}

TEST_F(JwtTest, DevTokenSignsAndVerifies) {
  DevTokenRequest request;
  request.kind = TokenKind::kUser;
  request.workspace_id = "ws1";
  auto claims = DevTokenClaims(request, clock_);
  ASSERT_TRUE(claims.has_value());
  auto token = Signer().Sign(*claims);
  ASSERT_TRUE(token.has_value());
  auto verified = Verifier().Verify(*token, clock_);
  ASSERT_TRUE(verified.has_value());
  EXPECT_TRUE(CheckAddonClaims(*verified, "universal-webhook").has_value());
  EXPECT_EQ(verified->workspace_role, "OWNER");
  clock_.Advance(std::chrono::minutes(32));
  EXPECT_FALSE(Verifier().Verify(*token, clock_).has_value());
}

}  // namespace
}  // namespace uwh::clockify
