#pragma once
// Calls Clockify's REST API (SPEC §5.1) with libcurl: base URL per operation server from the
// installation, X-Addon-Token, connection reuse, timeouts, retries, and the per-workspace limiter.
// Blocking: call it from worker threads, never from HTTP threads.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clockify/openapi_catalog.hpp"
#include "clockify/rate_limiter.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"

namespace uwh::clockify {

// Where and as whom to call: from the installation (token decrypted by the caller).
struct ApiTarget {
  std::string workspace_id;
  std::string backend_url;  // backendUrl claim (falls back to apiUrl)
  std::string reports_url;  // reportsUrl claim (falls back to backend_url)
  std::string addon_token;  // the installation token; never logged, never returned
  int max_rps = 25;
};

struct ApiRequest {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  ServerKind server = ServerKind::kBackend;
  std::string path;  // already filled: "/v1/workspaces/w1/projects"
  std::vector<std::pair<std::string, std::string>> query;  // not yet encoded
  std::optional<std::string> body;                         // JSON text
  Priority priority = Priority::kBackground;
  std::string operation_id;  // for logs and metrics
};

struct ApiResponse {
  int status_code = 0;   // 0 when no response came (network error)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; no secrets
  std::string method;
  std::string url;  // the full URL called (no token)
  std::chrono::milliseconds latency{0};  // of the whole call, retries and waits included
  int attempts = 0;
  std::string error;  // network error text when status_code is 0
  bool ok() const { return status_code >= 200 && status_code < 300; }
};

struct ApiClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{30000};
  int max_retries = 3;
  std::chrono::milliseconds backoff_base{250};  // doubled each retry, with full jitter
  std::chrono::milliseconds max_retry_after{60000};
};

// Thread-safe. Owns a pool of curl handles so connections are reused.
class ApiClient {
 public:
  // `limiter` and `clock` must outlive the client. `sleep` waits out backoffs and Retry-After
  // (null: real sleep); tests pass the same fake as the limiter's.
  ApiClient(ApiClientOptions options, WorkspaceRateLimiter& limiter, const Clock& clock,
            WorkspaceRateLimiter::SleepFn sleep = nullptr);
  ~ApiClient();

  // Sends the request, waiting for the workspace's limiter before each attempt. Retries: 429
  // waits for Retry-After (seconds or HTTP date) or backs off; 5xx and timeouts are retried for
  // GET, PUT, DELETE only; POST/PATCH are retried only on 429 or a refused connection; other
  // 4xx never. An upstream error is a response with its status, not an Error; Error only for a
  // request that cannot be made (no base URL: kUnavailable; a deprecated operation's server:
  // kInvalidArgument "deprecated_operation"; an unknown method: kInvalidArgument).
  [[nodiscard]] Result<ApiResponse> Call(const ApiTarget& target, const ApiRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses Retry-After: delta seconds or an HTTP date (relative to `now`); nullopt when invalid.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value,
                                                         std::chrono::system_clock::time_point now);

}  // namespace uwh::clockify
