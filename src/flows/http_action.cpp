#include "flows/http_action.hpp"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "flows/ssrf_guard.hpp"

namespace uwh::flows {

namespace {

struct Transfer {
  const HttpActionOptions* options = nullptr;
  HttpActionResponse* response = nullptr;
  std::string refused;  // why the guard refused a connection, when it did
};

curl_socket_t OpenSocket(void* data, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(data);
  if (purpose == CURLSOCKTYPE_IPCXN) {
    const auto* sa = &address->addr;
    const AddressClass c = ClassifyAddress(sa);
    const std::string text = AddressText(sa);
    const auto& allowed = t->options->allowed_addresses_for_test;
    const bool listed = std::find(allowed.begin(), allowed.end(), text) != allowed.end();
    if (c != AddressClass::kPublic && !t->options->allow_private && !listed) {
      if (t->refused.empty()) {
        t->refused = text + " is a " + std::string(AddressClassName(c)) + " address";
      }
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  std::string& body = t->response->body;
  const size_t room =
      t->options->max_response_bytes - std::min(body.size(), t->options->max_response_bytes);
  if (bytes > room) t->response->truncated = true;
  body.append(data, std::min(bytes, room));
  return bytes;  // keep reading (and discard) so the connection ends cleanly
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  std::string line(data, bytes);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a new response (after a redirect or a 100 Continue)
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return bytes;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  if (name == "set-cookie") value = "[redacted]";
  t->response->headers[name] = value;
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

HttpActionClient::HttpActionClient(HttpActionOptions options) : options_(std::move(options)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

Result<HttpActionResponse> HttpActionClient::Send(const HttpActionRequest& request) const {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Fail(ErrorCode::kInternal, "http_action_failed", "cannot start libcurl");
  HttpActionResponse response;
  Transfer transfer{&options_, &response, {}};
  CURL* c = curl.get();

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    has_content_type = has_content_type || lower == "content-type";
    headers.reset(curl_slist_append(headers.release(), (name + ": " + value).c_str()));
  }
  if (request.body && !has_content_type) {
    headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  }
  // No "Expect: 100-continue" round trip for larger bodies.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options_.connect_timeout, request.timeout).count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "universal-webhook/flow");
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
  }

  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(c);
  response.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  long redirects = 0;
  curl_easy_getinfo(c, CURLINFO_REDIRECT_COUNT, &redirects);
  response.redirects = static_cast<int>(redirects);
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective != nullptr) response.final_url = effective;

  if (!transfer.refused.empty() && rc != CURLE_OK) {
    std::string host;
    if (CURLU* u = curl_url()) {
      char* h = nullptr;
      if (curl_url_set(u, CURLUPART_URL, response.final_url.c_str(), 0) == CURLUE_OK &&
          curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
        host = h;
      }
      curl_free(h);
      curl_url_cleanup(u);
    }
    return Fail(ErrorCode::kForbidden, "destination_refused",
                "http action refused: " + (host.empty() ? std::string() : host + " → ") +
                    transfer.refused +
                    (response.redirects > 0
                         ? " (after " + std::to_string(response.redirects) + " redirect(s))"
                         : std::string()) +
                    "; http actions may reach public addresses only unless "
                    "UNIVERSAL_WEBHOOK_HTTP_ACTION_ALLOW_PRIVATE=true");
  }
  if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                std::string("the URL cannot be used: ") + curl_easy_strerror(rc), "url");
  }
  if (rc != CURLE_OK) {
    response.status_code = 0;
    response.error = curl_easy_strerror(rc);
    return response;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status_code = static_cast<int>(status);
  return response;
}

}  // namespace uwh::flows
