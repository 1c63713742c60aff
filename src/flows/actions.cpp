#include "flows/actions.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "clockify/request_builder.hpp"
#include "common/json_parse.hpp"

namespace uwh::flows {

using nlohmann::json;

namespace {

constexpr std::string_view kRedacted = "[redacted]";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool LooksSecret(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 9> kParts = {
      "auth", "token", "secret", "signature", "password", "passwd", "key", "cookie", "session"};
  return std::any_of(kParts.begin(), kParts.end(), [&](std::string_view part) {
    return lower_name.find(part) != std::string_view::npos;
  });
}

std::string Escape(const std::string& s) {
  char* escaped = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

json ParseBody(const std::string& body) {
  if (body.empty()) return nullptr;
  json parsed = ParseJson(body);
  return parsed.is_discarded() ? json(body) : parsed;
}

std::string Text(const json& v) {
  return v.is_string() ? v.get<std::string>()
                       : v.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<PreparedAction> PrepareClockify(const CompiledAction& action, const TemplateContext& context,
                                       const std::string& workspace_id,
                                       const std::string& base_url) {
  auto parameters = action.parameters.Render(context);
  if (!parameters) return Fail(parameters.error());
  auto request = clockify::BuildApiRequest(*action.operation, *parameters, workspace_id);
  if (!request) return Fail(request.error());
  request->priority = clockify::Priority::kBackground;
  PreparedAction out;
  out.action = &action;
  std::string url = base_url + request->path;
  json query = json::array();
  for (size_t i = 0; i < request->query.size(); ++i) {
    const auto& [name, value] = request->query[i];
    url += (i == 0 ? "?" : "&") + Escape(name) + "=" + Escape(value);
    query.push_back(json::array({name, value}));
  }
  out.record = {{"method", request->method},
                {"operation_id", action.operation_id},
                {"url", RedactUrl(url)},
                {"query", std::move(query)}};
  out.record["body"] = request->body ? ParseBody(*request->body) : json();
  out.api = std::move(*request);
  return out;
}

Result<PreparedAction> PrepareHttp(const CompiledAction& action, const TemplateContext& context) {
  PreparedAction out;
  out.action = &action;
  out.http.method = action.method;
  out.http.timeout = std::chrono::milliseconds(action.timeout_ms);
  auto url = action.url.Render(context);
  if (!url) return Fail(url.error());
  if (!url->is_string() || url->get<std::string>().empty()) {
    return Fail(ErrorCode::kInvalidArgument, "template_error", "the URL did not render to text",
                "url");
  }
  out.http.url = url->get<std::string>();
  json headers_record = json::object();
  // A flow without headers has a null template here.
  auto headers = action.headers.Render(context);
  if (!headers) return Fail(headers.error());
  if (headers->is_object()) {
    for (const auto& [name, value] : headers->items()) {
      std::string text = value.is_null() ? std::string() : Text(value);
      if (text.find_first_of("\r\n") != std::string::npos) {
        return Fail(ErrorCode::kInvalidArgument, "template_error",
                    "header '" + name + "' rendered to a value with a line break", name);
      }
      headers_record[name] = IsSecretHeaderName(name) ? json(kRedacted) : json(text);
      out.http.headers.emplace_back(name, std::move(text));
    }
  }
  json body_record;
  if (action.has_body) {
    auto body = action.body.Render(context);
    if (!body) return Fail(body.error());
    out.http.body = Text(*body);
    body_record = std::move(*body);
  }
  out.record = {{"method", action.method},
                {"url", RedactUrl(out.http.url)},
                {"headers", std::move(headers_record)},
                {"body", std::move(body_record)}};
  return out;
}

}  // namespace

bool IsSecretHeaderName(std::string_view name) { return LooksSecret(Lower(name)); }

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  // user:password@host
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t authority = scheme + 3;
    const size_t end = out.find_first_of("/?#", authority);
    const size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= authority) {
      out.replace(authority, at - authority, std::string(kRedacted));
    }
  }
  const size_t q = out.find('?');
  if (q == std::string::npos) return out;
  const size_t fragment = out.find('#', q);
  std::string query =
      out.substr(q + 1, fragment == std::string::npos ? std::string::npos : fragment - q - 1);
  std::string rebuilt;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(start, amp - start);
    const size_t eq = pair.find('=');
    if (eq != std::string::npos && LooksSecret(Lower(pair.substr(0, eq)))) {
      pair = pair.substr(0, eq + 1) + std::string(kRedacted);
    }
    if (!rebuilt.empty() || start > 0) rebuilt += "&";
    rebuilt += pair;
    start = amp + 1;
  }
  return out.substr(0, q + 1) + rebuilt +
         (fragment == std::string::npos ? std::string() : out.substr(fragment));
}

Result<PreparedAction> PrepareAction(const CompiledAction& action, const TemplateContext& context,
                                     const std::string& workspace_id, const std::string& base_url) {
  if (action.type == CompiledAction::Type::kClockifyApi) {
    return PrepareClockify(action, context, workspace_id, base_url);
  }
  return PrepareHttp(action, context);
}

LiveActionTransport::LiveActionTransport(clockify::ApiClient& api, ApiTargetProvider targets,
                                         const HttpActionClient& http)
    : api_(api), targets_(std::move(targets)), http_(http) {}

Result<ActionOutcome> LiveActionTransport::Send(const std::string& workspace_id,
                                                const PreparedAction& prepared) {
  ActionOutcome out;
  if (prepared.action->type == CompiledAction::Type::kClockifyApi) {
    auto target = targets_(workspace_id);
    if (!target) return Fail(target.error());
    auto response = api_.Call(*target, prepared.api);
    if (!response) return Fail(response.error());
    out.status_code = response->status_code;
    out.result = ParseBody(response->body);
    out.latency = response->latency;
    out.attempts = response->attempts;
    out.error = response->error;
    out.url = RedactUrl(response->url);
    return out;
  }
  auto response = http_.Send(prepared.http);
  if (!response) return Fail(response.error());
  out.status_code = response->status_code;
  out.result = ParseBody(response->body);
  out.latency = response->latency;
  out.error = response->error;
  if (response->truncated) out.error = "the response was cut at the size limit";
  out.url = RedactUrl(response->final_url);
  return out;
}

std::string LiveActionTransport::BaseUrl(const std::string& workspace_id,
                                         clockify::ServerKind server) {
  auto target = targets_(workspace_id);
  if (!target) return {};
  return server == clockify::ServerKind::kReports ? target->reports_url : target->backend_url;
}

}  // namespace uwh::flows
