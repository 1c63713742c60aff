#pragma once
// Flow actions (SPEC §6.4): rendering a compiled action into a request, and sending it —
// `clockify_api` through the shared ApiClient (the workspace's limiter, retries of §5.1),
// `http` through the SSRF-guarded HttpActionClient.
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "clockify/api_client.hpp"
#include "common/error.hpp"
#include "flows/flow_definition.hpp"
#include "flows/http_action.hpp"
#include "flows/templates.hpp"

namespace uwh::flows {

// A rendered action, ready to send.
struct PreparedAction {
  const CompiledAction* action = nullptr;
  clockify::ApiRequest api;  // clockify_api
  HttpActionRequest http;    // http
  // The request as it is recorded and shown (secrets redacted): {"method","url"|"path",
  // "query","headers","body"}.
  nlohmann::json record;
};

// Renders every template of `action` with `context` and builds its request. Errors: a template
// that cannot be rendered (code template_error, the message names the template), and for
// clockify_api the errors of clockify::BuildApiRequest (missing_parameter, validation_failed,
// forbidden for another workspace). `base_url` (may be empty) completes the recorded URL of a
// clockify_api request.
[[nodiscard]] Result<PreparedAction> PrepareAction(const CompiledAction& action,
                                                   const TemplateContext& context,
                                                   const std::string& workspace_id,
                                                   const std::string& base_url);

// What came back from an action.
struct ActionOutcome {
  int status_code = 0;    // 0: no response (network error)
  nlohmann::json result;  // the response body: parsed JSON, else its text, null when empty
  std::chrono::milliseconds latency{0};
  int attempts = 1;
  std::string error;  // network error or refusal
  std::string url;    // as finally called (no token)
  bool ok() const { return status_code >= 200 && status_code < 300; }
};

// Sends prepared actions. Implementations are thread-safe and blocking.
class ActionTransport {
 public:
  virtual ~ActionTransport() = default;
  // An outcome for every request sent, whatever its status. Error only when it was not sent at
  // all: no installation to call as, a refused destination (code destination_refused).
  [[nodiscard]] virtual Result<ActionOutcome> Send(const std::string& workspace_id,
                                                   const PreparedAction& prepared) = 0;
  // The base URL clockify_api requests of the workspace go to, for records; empty if unknown.
  [[nodiscard]] virtual std::string BaseUrl(const std::string& workspace_id,
                                            clockify::ServerKind server) = 0;
};

using ApiTargetProvider =
    std::function<Result<clockify::ApiTarget>(const std::string& workspace_id)>;

// The real thing: ApiClient for clockify_api (as the installation, at background priority),
// HttpActionClient for http. References must outlive it.
class LiveActionTransport final : public ActionTransport {
 public:
  LiveActionTransport(clockify::ApiClient& api, ApiTargetProvider targets,
                      const HttpActionClient& http);
  [[nodiscard]] Result<ActionOutcome> Send(const std::string& workspace_id,
                                           const PreparedAction& prepared) override;
  [[nodiscard]] std::string BaseUrl(const std::string& workspace_id,
                                    clockify::ServerKind server) override;

 private:
  clockify::ApiClient& api_;
  ApiTargetProvider targets_;
  const HttpActionClient& http_;
};

// True for header names whose values are secrets (authorization, cookies, tokens, keys,
// signatures, passwords): recorded as "[redacted]".
[[nodiscard]] bool IsSecretHeaderName(std::string_view name);
// `url` with the values of secret-looking query parameters replaced by "[redacted]".
[[nodiscard]] std::string RedactUrl(const std::string& url);

}  // namespace uwh::flows
