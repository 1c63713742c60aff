#include "clockify/api_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <utility>

#include "common/logging.hpp"
#include "common/metrics.hpp"

namespace uwh::clockify {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr std::string_view kRedacted = "[redacted]";
// Shorter tokens could collide with ordinary text; real installation tokens are long JWTs.
constexpr size_t kMinRedactableToken = 8;
// 2^kMaxBackoffExponent * backoff_base is the largest backoff: keeps the shift from overflowing.
constexpr int kMaxBackoffExponent = 16;

void EnsureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One header line per call. A status line starts a new response (after 100 Continue or a
// redirect), so the headers collected so far are dropped.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  const std::string_view line = Trim(std::string_view(data, size * count));
  if (line.starts_with("HTTP/")) {
    headers->clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name = Lower(Trim(line.substr(0, colon)));
  if (name.empty() || name == "set-cookie") return size * count;
  const std::string_view value = Trim(line.substr(colon + 1));
  auto [it, inserted] = headers->try_emplace(std::move(name), value);
  if (!inserted) {
    it->second += ", ";
    it->second += value;
  }
  return size * count;
}

struct CurlSlist {
  curl_slist* list = nullptr;
  CurlSlist() = default;
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  ~CurlSlist() { curl_slist_free_all(list); }
  void Append(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// What one attempt produced.
struct Attempt {
  CURLcode code = CURLE_OK;
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  std::string error;  // set when code != CURLE_OK
};

bool IsIdempotent(const std::string& method) {
  return method == "GET" || method == "PUT" || method == "DELETE";
}

bool IsKnownMethod(const std::string& method) {
  return method == "GET" || method == "POST" || method == "PUT" || method == "PATCH" ||
         method == "DELETE";
}

// Errors that another attempt cannot fix.
bool IsPermanentCurlError(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
      return true;
    default:
      return false;
  }
}

double RandomUnit() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

nanoseconds Exponential(milliseconds base, int attempt) {
  const int exponent = std::clamp(attempt, 0, kMaxBackoffExponent);
  return std::chrono::duration_cast<nanoseconds>(base) * (int64_t{1} << exponent);
}

// Full jitter: uniform in [0, base * 2^attempt].
nanoseconds FullJitterBackoff(milliseconds base, int attempt) {
  const auto cap = Exponential(base, attempt);
  return nanoseconds(static_cast<int64_t>(static_cast<double>(cap.count()) * RandomUnit()));
}

// A 429 without Retry-After: we are over the limit, so wait at least half the exponential step.
nanoseconds EqualJitterBackoff(milliseconds base, int attempt) {
  const auto cap = Exponential(base, attempt);
  const auto half = cap / 2;
  return half + nanoseconds(static_cast<int64_t>(static_cast<double>(half.count()) * RandomUnit()));
}

void Redact(std::string& text, const std::string& secret) {
  if (secret.size() < kMinRedactableToken) return;
  for (size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + kRedacted.size())) {
    text.replace(pos, secret.size(), kRedacted);
  }
}

}  // namespace

struct ApiClient::Impl {
  ApiClientOptions options;
  WorkspaceRateLimiter& limiter;
  const Clock& clock;
  WorkspaceRateLimiter::SleepFn sleep;
  std::mutex pool_mutex;
  std::vector<CURL*> pool;  // idle handles; each keeps its live connections for reuse

  Impl(ApiClientOptions o, WorkspaceRateLimiter& l, const Clock& c, WorkspaceRateLimiter::SleepFn s)
      : options(std::move(o)), limiter(l), clock(c), sleep(std::move(s)) {
    if (!sleep) sleep = [](nanoseconds d) { std::this_thread::sleep_for(d); };
  }

  ~Impl() {
    for (CURL* handle : pool) curl_easy_cleanup(handle);
  }

  // An idle handle from the pool, or a new one; nullptr only when libcurl cannot allocate.
  CURL* Take() {
    {
      std::lock_guard lock(pool_mutex);
      if (!pool.empty()) {
        CURL* handle = pool.back();
        pool.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Return(CURL* handle) {
    std::lock_guard lock(pool_mutex);
    pool.push_back(handle);
  }

  Attempt Perform(CURL* handle, const std::string& method, const std::string& url,
                  const ApiTarget& target, const ApiRequest& request) const {
    Attempt out;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    // Reset drops the previous call's options but keeps the handle's connections alive.
    curl_easy_reset(handle);
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "universal-webhook-clockify/0.1");
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &out.headers);

    CurlSlist headers;
    headers.Append("X-Addon-Token: " + target.addon_token);
    headers.Append("Accept: application/json");
    // Bodies are small JSON; a 100-continue round trip would only add latency.
    headers.Append("Expect:");
    const bool sends_body = request.body.has_value();
    if (sends_body) {
      headers.Append("Content-Type: application/json");
    } else {
      // An empty POST/PUT/PATCH would otherwise be labelled form-urlencoded by libcurl.
      headers.Append("Content-Type:");
    }
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.list);

    // libcurl sends a request again by itself when a reused connection dies before any answer.
    // That is fine for GET, PUT and DELETE, but a POST or PATCH may have reached Clockify: those
    // go on a connection of their own, which libcurl never retries.
    if (!IsIdempotent(method)) curl_easy_setopt(handle, CURLOPT_FRESH_CONNECT, 1L);
    if (method == "GET") {
      curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else {
      if (method != "POST") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method.c_str());
      if (sends_body || method != "DELETE") {
        // POSTFIELDS makes libcurl send the body (or Content-Length: 0) with the custom method.
        // libcurl does not copy it: request.body outlives the transfer.
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(sends_body ? request.body->size() : 0));
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, sends_body ? request.body->c_str() : "");
      }
    }

    out.code = curl_easy_perform(handle);
    if (out.code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
      out.status = static_cast<int>(status);
    } else {
      out.error = error_buffer[0] != '\0' ? std::string(error_buffer)
                                          : std::string(curl_easy_strerror(out.code));
      out.headers.clear();
      out.body.clear();
    }
    // The handle must not keep pointers into this frame.
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    return out;
  }

  std::string BuildUrl(const std::string& base, const ApiRequest& request, CURL* handle) const {
    std::string url = base;
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!request.path.empty() && request.path.front() != '/') url += '/';
    url += request.path;
    char separator = '?';
    for (const auto& [name, value] : request.query) {
      url += separator;
      separator = '&';
      char* n = curl_easy_escape(handle, name.data(), static_cast<int>(name.size()));
      char* v = curl_easy_escape(handle, value.data(), static_cast<int>(value.size()));
      if (n) url += n;
      url += '=';
      if (v) url += v;
      curl_free(n);
      curl_free(v);
    }
    return url;
  }
};

ApiClient::ApiClient(ApiClientOptions options, WorkspaceRateLimiter& limiter, const Clock& clock,
                     WorkspaceRateLimiter::SleepFn sleep)
    : impl_(std::make_unique<Impl>(std::move(options), limiter, clock, std::move(sleep))) {
  EnsureCurlGlobalInit();
}

ApiClient::~ApiClient() = default;

Result<ApiResponse> ApiClient::Call(const ApiTarget& target, const ApiRequest& request) {
  const auto started = impl_->clock.Now();
  const std::string method = Upper(request.method);
  if (!IsKnownMethod(method)) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_method",
                "method must be GET, POST, PUT, PATCH or DELETE, not " + request.method, "method");
  }
  std::string base;
  switch (request.server) {
    case ServerKind::kBackend:
      base = target.backend_url;
      break;
    case ServerKind::kReports:
      base = target.reports_url.empty() ? target.backend_url : target.reports_url;
      break;
    case ServerKind::kDeprecated:
      return Fail(ErrorCode::kInvalidArgument, "deprecated_operation",
                  "operation " + request.operation_id +
                      " is deprecated: its server has no real address",
                  "operation_id");
  }
  if (base.empty()) {
    return Fail(ErrorCode::kUnavailable, "no_base_url",
                "the installation has no base URL for this operation's server");
  }
  // A line break in the token would let it inject headers; say so without echoing it.
  if (target.addon_token.find_first_of("\r\n") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_token",
                "the add-on token contains a line break");
  }

  CURL* handle = impl_->Take();
  if (handle == nullptr) {
    return Fail(ErrorCode::kInternal, "curl_init_failed", "cannot create a libcurl handle");
  }
  ApiResponse response;
  response.method = method;
  response.url = impl_->BuildUrl(base, request, handle);
  const bool idempotent = IsIdempotent(method);
  const int max_retries = std::max(0, impl_->options.max_retries);

  for (int attempt = 0;; ++attempt) {
    impl_->limiter.Acquire(target.workspace_id, target.max_rps, request.priority);
    Attempt result = impl_->Perform(handle, method, response.url, target, request);
    response.attempts = attempt + 1;
    response.status_code = result.code == CURLE_OK ? result.status : 0;
    response.body = std::move(result.body);
    response.headers = std::move(result.headers);
    response.error = std::move(result.error);

    std::optional<nanoseconds> wait;
    if (result.code == CURLE_OK) {
      if (result.status == 429) {
        std::optional<milliseconds> retry_after;
        if (auto it = response.headers.find("retry-after"); it != response.headers.end()) {
          retry_after = ParseRetryAfter(it->second, impl_->clock.Now());
        }
        wait = retry_after ? nanoseconds(std::min(*retry_after, impl_->options.max_retry_after))
                           : EqualJitterBackoff(impl_->options.backoff_base, attempt);
        // Every caller of this workspace holds back, not only this one, and even when this call
        // has no retry left.
        impl_->limiter.Penalize(target.workspace_id, *wait);
      } else if (result.status >= 500 && idempotent) {
        wait = FullJitterBackoff(impl_->options.backoff_base, attempt);
      }
    } else if (!IsPermanentCurlError(result.code) &&
               (idempotent || result.code == CURLE_COULDNT_CONNECT)) {
      // A refused connection surely never reached the server, so even POST may try again.
      wait = FullJitterBackoff(impl_->options.backoff_base, attempt);
    }
    if (attempt >= max_retries) break;
    if (!wait) break;

    const std::string status_text = std::to_string(response.status_code);
    const std::string attempt_text = std::to_string(attempt + 1);
    const std::string wait_text =
        std::to_string(std::chrono::duration_cast<milliseconds>(*wait).count());
    log::Warn("clockify call retried", {{"operation_id", request.operation_id},
                                        {"workspace_id", target.workspace_id},
                                        {"method", method},
                                        {"status", status_text},
                                        {"attempt", attempt_text},
                                        {"wait_ms", wait_text}});
    if (wait->count() > 0) impl_->sleep(*wait);
  }
  impl_->Return(handle);

  const auto elapsed = impl_->clock.Now() - started;
  response.latency = std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(elapsed));
  metrics::ApiCalls(request.operation_id, response.status_code);
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("clockify call", {{"operation_id", request.operation_id},
                                 {"workspace_id", target.workspace_id},
                                 {"method", method},
                                 {"status", std::to_string(response.status_code)},
                                 {"attempts", std::to_string(response.attempts)},
                                 {"latency_ms", std::to_string(response.latency.count())}});
  }
  const std::string& token = target.addon_token;
  Redact(response.url, token);
  Redact(response.body, token);
  Redact(response.error, token);
  for (auto& [name, value] : response.headers) Redact(value, token);
  return response;
}

std::optional<milliseconds> ParseRetryAfter(const std::string& value,
                                            std::chrono::system_clock::time_point now) {
  const std::string_view text = Trim(value);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    // Anything beyond a day is capped by the caller anyway; keep the arithmetic in range.
    constexpr int64_t kMaxSeconds = 86'400LL * 365;
    int64_t seconds = 0;
    for (const char c : text) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kMaxSeconds) {
        seconds = kMaxSeconds;
        break;
      }
    }
    return std::chrono::duration_cast<milliseconds>(std::chrono::seconds(seconds));
  }
  const std::string date(text);
  const time_t at = curl_getdate(date.c_str(), nullptr);
  if (at == static_cast<time_t>(-1)) return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(at);
  if (when <= now) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(when - now);
}

}  // namespace uwh::clockify
