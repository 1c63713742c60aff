#pragma once
// Custom webhooks from other systems (SPEC §4.3): source names, workspace resolution, per-workspace
// enablement, Standard Webhooks signatures, JSON and form bodies, de-duplication on webhook-id.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "store/store.hpp"

namespace uwh::ingest {

struct CustomDelivery {
  std::string_view source;  // from the path, unvalidated
  std::string_view body;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // lower-case names
};

// Thread-safe. Prepare reads the store, so it is blocking.
class CustomReceiver {
 public:
  CustomReceiver(const Config& config, store::Store& store, const SecretBox& secrets,
                 const Clock& clock);

  // Checks the delivery and returns the row to append. Errors: 400 invalid_source /
  // source_mismatch / invalid_json / validation_failed (no workspace), 415, 403 not_installed /
  // custom_webhooks_disabled, 401 invalid_signature.
  [[nodiscard]] Result<store::NewWebhook> Prepare(const CustomDelivery& delivery) const;

 private:
  const Config& config_;
  store::Store& store_;
  const SecretBox& secrets_;
  const Clock& clock_;
};

// [A-Za-z0-9._-]{1,64}
bool IsValidSourceName(std::string_view source);

// A new Standard Webhooks secret: "whsec_" + base64 of 24 random bytes.
std::string NewWebhookSecret();

// Verifies a Standard Webhooks signature: `signature_header` holds space-separated "v1,<base64>"
// entries, one of which must be the HMAC-SHA256 of "id.timestamp.body" under the decoded secret;
// the timestamp (Unix seconds) must lie within `tolerance` of now. 401 invalid_signature otherwise.
[[nodiscard]] Result<void> VerifyStandardWebhook(std::string_view secret, std::string_view id,
                                                 std::string_view timestamp,
                                                 std::string_view signature_header,
                                                 std::string_view body, const Clock& clock,
                                                 std::chrono::seconds tolerance);

// The signature a sender puts in webhook-signature ("v1,<base64>"), for tests and examples.
std::string SignStandardWebhook(std::string_view secret, std::string_view id,
                                std::string_view timestamp, std::string_view body);

// Decodes application/x-www-form-urlencoded text into a JSON object (as text); repeated keys
// become arrays.
std::string FormToJson(std::string_view form);

}  // namespace uwh::ingest
