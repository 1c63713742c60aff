#pragma once
// Checks a Clockify webhook delivery (SPEC §4.3) and turns it into a webhook-log row. No I/O of its
// own: the caller looks up the token binding (TokenDirectory) between Check and Build, so the
// blocking part can run off the HTTP threads and only on a cache miss.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clockify/jwt.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "lifecycle/token_directory.hpp"
#include "store/store.hpp"

namespace uwh::ingest {

struct ClockifyDelivery {
  std::string_view path_event;  // from /webhooks/clockify/{EVENT}; empty for /webhooks/clockify
  std::string_view body;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // lower-case names
};

struct CheckedDelivery {
  std::string event_type;
  std::string token_hash;         // set when signatures are verified
  std::string workspace_hint;     // signatures off: from the header or the body
  std::string claim_workspace;    // the verified token's workspaceId claim (empty when cached)
  bool cached_signature = false;  // the token was already known: no RSA verification was done
};

// Thread-safe after construction.
class ClockifyReceiver {
 public:
  // `verifier` null: signatures are not verified (UNIVERSAL_WEBHOOK_VERIFY_SIGNATURES=false).
  ClockifyReceiver(const Config& config, const clockify::JwtVerifier* verifier,
                   lifecycle::TokenDirectory& directory, const Clock& clock);

  // Step 1, no I/O: the event type is known and agrees with the path (400 unknown_event_type /
  // event_type_mismatch); the signature is an RS256 Clockify token (401 invalid_signature),
  // verified unless the directory already holds it.
  [[nodiscard]] Result<CheckedDelivery> Check(const ClockifyDelivery& delivery) const;

  // Step 2, no I/O: with the token's binding (from TokenDirectory; kNotFound → 401), checks the
  // binding's event (401), the installation (403 not_installed), the JSON body (400 invalid_json),
  // and returns the row to append (status skipped_inactive for an INACTIVE installation).
  [[nodiscard]] Result<store::NewWebhook> Build(const ClockifyDelivery& delivery,
                                                const CheckedDelivery& checked,
                                                const Result<lifecycle::TokenBinding>& binding) const;

 private:
  const Config& config_;
  const clockify::JwtVerifier* verifier_;
  lifecycle::TokenDirectory& directory_;
  const Clock& clock_;
};

// Headers as a JSON object for storage, with secret values replaced by "[redacted]".
std::string RedactedHeadersJson(const std::vector<std::pair<std::string, std::string>>& headers);

// 400 invalid_json for a webhook body nested deeper than kMaxJsonDepth (common/json_scan.hpp).
tl::unexpected<Error> TooDeep();
// True for header names whose values are secrets.
bool IsSecretHeader(std::string_view lower_name);

}  // namespace uwh::ingest
