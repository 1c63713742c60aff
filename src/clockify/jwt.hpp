#pragma once
// Clockify's add-on tokens: RS256 JWTs (SPEC §4, CLOCKIFY.md "Tokens"). Verification with OpenSSL,
// and signing with a development key so tests, the demo and people without a Clockify account can
// drive the server.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace uwh::clockify {

// The claims the product reads. `json` holds the whole claim set as compact JSON.
struct TokenClaims {
  std::string iss;
  std::string sub;
  std::string type;
  std::string workspace_id;
  std::string addon_id;
  std::string user_id;         // claim "user" (a string id), or "userId"
  std::string workspace_role;  // user tokens: OWNER, ADMIN, ...
  std::string theme;           // user tokens: DEFAULT or DARK
  std::string language;
  std::string backend_url;
  std::string reports_url;
  std::string api_url;
  std::optional<int64_t> exp;
  std::optional<int64_t> iat;
  std::string json;
};

// Verifies RS256 tokens against one trusted public key. Thread-safe; cheap to copy (shares the key).
class JwtVerifier {
 public:
  // kInvalidArgument naming the path when the file is missing or not an RSA public key (PEM).
  [[nodiscard]] static Result<JwtVerifier> FromPemFile(const std::string& path);
  [[nodiscard]] static Result<JwtVerifier> FromPem(std::string_view pem);

  // Checks the form, that the header's alg is exactly RS256 (every other alg, "none" and HS256
  // included, is refused), the signature, and exp (with `leeway`) when present. Does not check
  // iss/sub/type: see CheckAddonClaims. Failures are kUnauthenticated "invalid_signature" with a
  // message that never contains the token.
  [[nodiscard]] Result<TokenClaims> Verify(std::string_view token, const Clock& clock,
                                           std::chrono::seconds leeway = std::chrono::seconds(60)) const;

 private:
  struct Key;
  std::shared_ptr<const Key> key_;
};

// iss == "clockify", type == "addon", sub == addon_key; else kUnauthenticated "invalid_signature".
[[nodiscard]] Result<void> CheckAddonClaims(const TokenClaims& claims, std::string_view addon_key);

// Reads the claims without checking the signature (for a token that is trusted otherwise).
[[nodiscard]] Result<TokenClaims> DecodeClaimsUnverified(std::string_view token);

// A development signing key (never Clockify's).
class JwtSigner {
 public:
  [[nodiscard]] static Result<JwtSigner> FromPemFile(const std::string& private_key_path);
  [[nodiscard]] static Result<JwtSigner> FromPem(std::string_view pem);
  // Signs the claim set (a JSON object as text) with RS256; header {"alg":"RS256","typ":"JWT"}.
  [[nodiscard]] Result<std::string> Sign(std::string_view claims_json) const;

 private:
  struct Key;
  std::shared_ptr<const Key> key_;
};

// Writes a new RSA-2048 key pair: <dir>/private.pem (mode 0600) and <dir>/public.pem.
[[nodiscard]] Result<void> WriteDevKeyPair(const std::string& dir);

// What `uwh dev token` mints.
enum class TokenKind { kInstall, kUser, kWebhook, kLifecycle };

struct DevTokenRequest {
  TokenKind kind = TokenKind::kInstall;
  std::string addon_key = "universal-webhook";
  std::string workspace_id;
  std::string addon_id = "dev-addon";
  std::string user_id = "dev-user";
  std::string role = "OWNER";              // user tokens
  std::string backend_url = "https://api.clockify.me/api";
  std::string reports_url = "https://reports.api.clockify.me";
  std::optional<std::chrono::seconds> ttl;  // default: user 30 min, lifecycle 5 min, others none
  // name=value overrides/additions; a value that parses as JSON (number, true, null, "...") is
  // stored as that JSON value, else as a string.
  std::vector<std::pair<std::string, std::string>> extra_claims;
};

// The claim set Clockify would put in such a token, as compact JSON.
[[nodiscard]] Result<std::string> DevTokenClaims(const DevTokenRequest& request, const Clock& clock);

}  // namespace uwh::clockify
