#include "ingest/custom_receiver.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>

#include "common/json_parse.hpp"
#include "ingest/clockify_receiver.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::ingest {
namespace {

using nlohmann::json;

constexpr std::string_view kSecretPrefix = "whsec_";

std::string_view HeaderValue(const CustomDelivery& d, std::string_view name) {
  if (!d.headers) return {};
  for (const auto& [k, v] : *d.headers) {
    if (k == name) return v;
  }
  return {};
}

tl::unexpected<Error> BadSignature(std::string message) {
  return Fail(ErrorCode::kUnauthenticated, "invalid_signature", std::move(message));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string PercentDecodeForm(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

bool IsValidSourceName(std::string_view source) {
  if (source.empty() || source.size() > 64) return false;
  for (const char c : source) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewWebhookSecret() { return std::string(kSecretPrefix) + Base64Encode(RandomBytes(24)); }

std::string SignStandardWebhook(std::string_view secret, std::string_view id,
                                std::string_view timestamp, std::string_view body) {
  std::string_view encoded = secret;
  if (encoded.substr(0, kSecretPrefix.size()) == kSecretPrefix) {
    encoded = encoded.substr(kSecretPrefix.size());
  }
  const std::string key = Base64Decode(encoded).value_or(std::string());
  std::string signed_content;
  signed_content.reserve(id.size() + timestamp.size() + body.size() + 2);
  signed_content.append(id).append(".").append(timestamp).append(".").append(body);
  return "v1," + Base64Encode(HmacSha256(key, signed_content));
}

Result<void> VerifyStandardWebhook(std::string_view secret, std::string_view id,
                                   std::string_view timestamp, std::string_view signature_header,
                                   std::string_view body, const Clock& clock,
                                   std::chrono::seconds tolerance) {
  if (id.empty() || timestamp.empty() || signature_header.empty()) {
    return BadSignature("missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  char* end = nullptr;
  const std::string ts(timestamp);
  const long long seconds = std::strtoll(ts.c_str(), &end, 10);
  if (ts.empty() || *end != '\0') return BadSignature("webhook-timestamp is not Unix seconds");
  const long long now = UnixSeconds(clock.Now());
  if (seconds < now - tolerance.count() || seconds > now + tolerance.count()) {
    return BadSignature("webhook-timestamp is outside the 5-minute window");
  }
  const std::string expected = SignStandardWebhook(secret, id, timestamp, body);
  std::string_view rest = signature_header;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const std::string_view candidate = rest.substr(0, space);
    if (ConstantTimeEquals(candidate, expected)) return {};
    if (space == std::string_view::npos) break;
    rest = rest.substr(space + 1);
  }
  return BadSignature("webhook-signature does not match");
}

std::string FormToJson(std::string_view form) {
  json out = json::object();
  while (!form.empty()) {
    const auto amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const std::string key = PercentDecodeForm(pair.substr(0, eq));
      const std::string value =
          eq == std::string_view::npos ? std::string() : PercentDecodeForm(pair.substr(eq + 1));
      auto it = out.find(key);
      if (it == out.end()) {
        out[key] = value;
      } else {
        if (!it->is_array()) *it = json::array({*it});
        it->push_back(value);
      }
    }
    if (amp == std::string_view::npos) break;
    form = form.substr(amp + 1);
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

CustomReceiver::CustomReceiver(const Config& config, store::Store& store, const SecretBox& secrets,
                               const Clock& clock)
    : config_(config), store_(store), secrets_(secrets), clock_(clock) {}

Result<store::NewWebhook> CustomReceiver::Prepare(const CustomDelivery& d) const {
  if (!IsValidSourceName(d.source)) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_source",
                "the source name must be 1 to 64 of A-Z a-z 0-9 . _ -", "source");
  }
  const std::string_view header_source = HeaderValue(d, "x-webhook-source");
  if (header_source != d.source) {
    return Fail(ErrorCode::kInvalidArgument, "source_mismatch",
                "the X-Webhook-Source header must equal the source in the path",
                "X-Webhook-Source");
  }

  const std::string content_type = Lower(HeaderValue(d, "content-type"));
  const std::string media = content_type.substr(0, content_type.find(';'));
  const bool is_form = media == "application/x-www-form-urlencoded";
  if (!is_form && !media.empty() && media != "application/json" &&
      !(media.starts_with("application/") && media.ends_with("+json"))) {
    return Fail(ErrorCode::kUnsupportedMedia, "unsupported_media_type",
                "the body must be application/json or application/x-www-form-urlencoded",
                "Content-Type");
  }
  json body;
  if (is_form) {
    body = json::parse(FormToJson(d.body));
  } else {
    body = ParseJson(d.body);
    if (body.is_discarded()) {
      // Why, only when it failed: ParseJson measured the depth already.
      if (!JsonDepthAtMost(d.body)) return TooDeep();
      return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the body is not valid JSON");
    }
  }

  std::string workspace_id(HeaderValue(d, "x-workspace-id"));
  if (workspace_id.empty() && body.is_object()) {
    if (auto it = body.find("workspaceId"); it != body.end() && it->is_string()) {
      workspace_id = it->get<std::string>();
    }
  }
  if (workspace_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "send the workspace in X-Workspace-Id or as the body's workspaceId",
                "X-Workspace-Id");
  }
  if (!store::IsStorableText(workspace_id)) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "X-Workspace-Id is not UTF-8 text", "X-Workspace-Id");
  }
  if (!config_.webhook_enable_custom) {
    return Fail(ErrorCode::kForbidden, "custom_webhooks_disabled",
                "custom webhooks are turned off on this server");
  }
  auto installation = store_.GetInstallation(workspace_id);
  if (!installation) {
    if (installation.error().kind != ErrorCode::kNotFound) return Fail(installation.error());
    return Fail(ErrorCode::kForbidden, "not_installed", "the workspace has not installed the add-on");
  }
  if (!installation->is_active) {
    return Fail(ErrorCode::kForbidden, "not_installed", "the workspace has not installed the add-on");
  }
  const auto settings =
      lifecycle::EffectiveSettings(config_.workspace_defaults, installation->settings_json);
  if (!settings.webhooks_enable_custom_webhooks) {
    return Fail(ErrorCode::kForbidden, "custom_webhooks_disabled",
                "custom webhooks are turned off for this workspace");
  }

  const std::string source(d.source);
  auto registered = store_.GetCustomSource(workspace_id, source);
  if (!registered) {
    if (registered.error().kind != ErrorCode::kNotFound) return Fail(registered.error());
    return BadSignature("unknown source '" + source +
                        "': create it first (POST /ui/custom-sources) to get its secret");
  }
  const std::string_view webhook_id = HeaderValue(d, "webhook-id");
  if (!registered->open) {
    auto secret = secrets_.Open(registered->secret_ciphertext);
    if (!secret) return Fail(secret.error());
    if (auto ok = VerifyStandardWebhook(*secret, webhook_id, HeaderValue(d, "webhook-timestamp"),
                                        HeaderValue(d, "webhook-signature"), d.body, clock_,
                                        std::chrono::minutes(5));
        !ok) {
      return Fail(ok.error());
    }
  }

  std::string event_type(HeaderValue(d, "x-event-type"));
  if (event_type.empty()) event_type = source;
  if (event_type.size() > 255) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "X-Event-Type is longer than 255 characters", "X-Event-Type");
  }

  store::NewWebhook row;
  row.workspace_id = workspace_id;
  row.event_type = event_type;
  row.source = "CUSTOM";
  row.custom_source = source;
  row.payload = std::string(d.body);
  row.headers_json = d.headers ? RedactedHeadersJson(*d.headers) : "{}";
  row.content_type = is_form ? "application/x-www-form-urlencoded" : "application/json";
  row.status = installation->status == "INACTIVE" ? "skipped_inactive" : "received";
  row.received_at = clock_.Now();
  if (!webhook_id.empty()) {
    // Standard Webhooks senders retry with the same id: a repeat is the same message.
    row.dedup_key = "custom:" + source + ":" + std::string(webhook_id);
  }
  return row;
}

}  // namespace uwh::ingest
