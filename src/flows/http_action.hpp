#pragma once
// The `http` action's client (SPEC §6.4): one request with libcurl to a URL a flow rendered,
// behind the SSRF guard. Every connection curl opens — the first, each redirect's (at most
// max_redirects, http and https only), every address a name resolves to, IPv4 or IPv6 — is
// checked at the moment it is opened (CURLOPT_OPENSOCKETFUNCTION) and refused unless its address
// is public or allow_private is set. Proxies from the environment are not used (they would hide
// the destination). Blocking: call it from worker threads only.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace uwh::flows {

struct HttpActionRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  std::chrono::milliseconds timeout{10000};
};

struct HttpActionResponse {
  int status_code = 0;  // of the last response (after redirects)
  std::string body;     // at most max_response_bytes
  bool truncated = false;
  std::map<std::string, std::string> headers;  // lower-case names, of the last response
  std::string final_url;
  int redirects = 0;
  std::chrono::milliseconds latency{0};
  std::string error;  // network error text when status_code is 0
  bool ok() const { return status_code >= 200 && status_code < 300; }
};

struct HttpActionOptions {
  bool allow_private = false;  // UNIVERSAL_WEBHOOK_HTTP_ACTION_ALLOW_PRIVATE
  int max_redirects = 5;
  size_t max_response_bytes = 1 << 20;
  std::chrono::milliseconds connect_timeout{5000};
  // Numeric addresses let through even when not public; only for tests that need a local peer
  // to redirect from.
  std::vector<std::string> allowed_addresses_for_test;
};

// Thread-safe (each Send uses its own curl handle).
class HttpActionClient {
 public:
  explicit HttpActionClient(HttpActionOptions options);

  // Sends the request and returns the response, whatever its status; a network failure is a
  // response with status_code 0 and `error`. Error (kind kForbidden, code
  // "destination_refused") when the guard refused a destination: the message names the host,
  // the address and its class, never a header or the body. kInvalidArgument for a URL curl
  // cannot use.
  [[nodiscard]] Result<HttpActionResponse> Send(const HttpActionRequest& request) const;

  const HttpActionOptions& options() const { return options_; }

 private:
  HttpActionOptions options_;
};

}  // namespace uwh::flows
