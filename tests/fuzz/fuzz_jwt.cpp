// Clockify's tokens (src/clockify/jwt.cpp): splitting, base64url, the header and claim parsers,
// the RS256 check. Input: a token as sent in clockify-signature / X-Addon-Token; or, when it
// starts with '{', a claim set that is signed with a development key first, so that the claim
// parser after a valid signature is reached too.
#include <string>

#include "clockify/jwt.hpp"
#include "common/clock.hpp"
#include "fuzz_input.hpp"
#include "fuzz_keys.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)uwh::fuzz::TheDevKeys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = uwh::fuzz::AsText(data, size);
  // Tokens are checked at a fixed time, so that exp and iat are compared deterministically.
  static const uwh::ManualClock clock(
      std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)));
  std::string token(input);
  if (!input.empty() && input.front() == '{') {
    auto signed_token = uwh::fuzz::TheDevKeys().signer.Sign(input);
    if (!signed_token) return 0;
    token = std::move(*signed_token);
  }
  if (auto claims = uwh::clockify::DecodeClaimsUnverified(token)) {
    (void)uwh::clockify::CheckAddonClaims(*claims, "universal-webhook");
  }
  if (auto claims = uwh::fuzz::TheDevKeys().verifier.Verify(token, clock)) {
    (void)uwh::clockify::CheckAddonClaims(*claims, "universal-webhook");
  }
  return 0;
}
