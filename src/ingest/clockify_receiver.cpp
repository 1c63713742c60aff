#include "ingest/clockify_receiver.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "clockify/event_types.hpp"
#include "common/crypto.hpp"
#include "common/json_parse.hpp"
#include "common/json_scan.hpp"

namespace uwh::ingest {
namespace {

using nlohmann::json;

std::string_view HeaderValue(const ClockifyDelivery& d, std::string_view name) {
  if (!d.headers) return {};
  for (const auto& [k, v] : *d.headers) {
    if (k == name) return v;
  }
  return {};
}

tl::unexpected<Error> BadSignature(std::string message) {
  return Fail(ErrorCode::kUnauthenticated, "invalid_signature", std::move(message));
}

}  // namespace

bool IsSecretHeader(std::string_view n) {
  return n == "clockify-signature" || n == "x-addon-lifecycle-token" || n == "x-addon-token" ||
         n == "authorization" || n == "webhook-signature" || n == "cookie" || n == "x-api-key" ||
         n == "proxy-authorization";
}

namespace {

// Printable ASCII only: nothing to escape in JSON but '"' and '\\'.
bool IsPrintableAscii(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

tl::unexpected<Error> TooDeep() {
  return Fail(ErrorCode::kInvalidArgument, "invalid_json",
              "the body is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
}

std::string RedactedHeadersJson(const std::vector<std::pair<std::string, std::string>>& headers) {
  // The usual headers are printable ASCII: written directly, the same text nlohmann's dump of
  // the object gives (names in byte order, the last of repeated names wins) without building
  // one. Anything else (control characters, non-ASCII, invalid UTF-8) goes through nlohmann.
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(headers.size());
  size_t bytes = 2;
  bool plain = true;
  for (const auto& header : headers) {
    if (!IsPrintableAscii(header.first) || !IsPrintableAscii(header.second)) {
      plain = false;
      break;
    }
    sorted.push_back(&header);
    bytes += header.first.size() + header.second.size() + 8;
  }
  if (!plain) {
    json out = json::object();
    for (const auto& [name, value] : headers) {
      out[name] = IsSecretHeader(name) ? std::string("[redacted]") : value;
    }
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out;
  out.reserve(bytes);
  out += '{';
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& [name, value] = *sorted[i];
    if (i + 1 < sorted.size() && sorted[i + 1]->first == name) continue;  // a later one wins
    if (out.size() > 1) out += ',';
    AppendQuoted(out, name);
    out += ':';
    AppendQuoted(out, IsSecretHeader(name) ? std::string_view("[redacted]") : value);
  }
  out += '}';
  return out;
}

ClockifyReceiver::ClockifyReceiver(const Config& config, const clockify::JwtVerifier* verifier,
                                   lifecycle::TokenDirectory& directory, const Clock& clock)
    : config_(config), verifier_(verifier), directory_(directory), clock_(clock) {}

Result<CheckedDelivery> ClockifyReceiver::Check(const ClockifyDelivery& delivery) const {
  CheckedDelivery out;
  const std::string_view event = HeaderValue(delivery, "clockify-webhook-event-type");
  if (event.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "unknown_event_type",
                "missing clockify-webhook-event-type header", "clockify-webhook-event-type");
  }
  if (!clockify::IsKnownEventType(event)) {
    return Fail(ErrorCode::kInvalidArgument, "unknown_event_type",
                "unknown event type '" + std::string(event.substr(0, 64)) + "'",
                "clockify-webhook-event-type");
  }
  if (!delivery.path_event.empty() && delivery.path_event != event) {
    return Fail(ErrorCode::kInvalidArgument, "event_type_mismatch",
                "the path is for " + std::string(delivery.path_event.substr(0, 64)) +
                    " but the header says " + std::string(event),
                "clockify-webhook-event-type");
  }
  out.event_type = std::string(event);

  if (!verifier_) {
    out.workspace_hint = std::string(HeaderValue(delivery, "clockify-webhook-workspace-id"));
    if (out.workspace_hint.empty()) {
      const json body = ParseJson(delivery.body);
      if (body.is_object() && body.contains("workspaceId") && body["workspaceId"].is_string()) {
        out.workspace_hint = body["workspaceId"].get<std::string>();
      }
    }
    return out;
  }

  const std::string_view signature = HeaderValue(delivery, "clockify-signature");
  if (signature.empty()) return BadSignature("missing clockify-signature header");
  out.token_hash = Sha256Hex(signature);
  if (directory_.Cached(out.token_hash)) {
    out.cached_signature = true;
    return out;
  }
  auto claims = verifier_->Verify(signature, clock_);
  if (!claims) return Fail(claims.error());
  if (claims->iss != "clockify") return BadSignature("the signature was not issued by Clockify");
  out.claim_workspace = claims->workspace_id;
  // Tokens from the install payload are add-on tokens; createWebhook tokens carry other claims.
  if (claims->type == "addon") {
    if (auto ok = clockify::CheckAddonClaims(*claims, config_.addon_key); !ok) {
      return Fail(ok.error());
    }
  }
  return out;
}

Result<store::NewWebhook> ClockifyReceiver::Build(
    const ClockifyDelivery& delivery, const CheckedDelivery& checked,
    const Result<lifecycle::TokenBinding>& binding) const {
  if (!binding) {
    if (binding.error().kind == ErrorCode::kNotFound) {
      if (!verifier_) {
        return Fail(ErrorCode::kForbidden, "not_installed",
                    "the workspace has not installed the add-on");
      }
      return BadSignature("the signature is not a token issued to this add-on for a webhook");
    }
    return Fail(binding.error());
  }
  if (binding->event_type != "*" && binding->event_type != checked.event_type) {
    return BadSignature("the signature was issued for another event type");
  }
  if (!binding->installed) {
    return Fail(ErrorCode::kForbidden, "not_installed",
                "the workspace has not installed the add-on");
  }
  std::string body_workspace;
  JsonShape shape;
  // Validated in one pass without building a document: the hot path needs only "workspaceId",
  // the kind of value at the top and how deep it nests.
  if (!ScanJson(delivery.body, "workspaceId", &body_workspace, &shape)) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the body is not valid JSON");
  }
  if (shape.depth > static_cast<size_t>(kMaxJsonDepth)) return TooDeep();
  // Clockify sends an entity (an object) or a batch of them (an array), never a bare value.
  if (shape.top != '{' && shape.top != '[') {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json",
                "the body is not a JSON object or array");
  }
  // A body that names a workspace must name the one the signature token belongs to.
  if (!body_workspace.empty() && body_workspace != binding->workspace_id) {
    return BadSignature("the signature belongs to another workspace than the body's workspaceId");
  }
  store::NewWebhook row;
  row.workspace_id = binding->workspace_id;
  row.event_type = checked.event_type;
  row.source = "CLOCKIFY";
  row.payload = std::string(delivery.body);
  row.headers_json = delivery.headers ? RedactedHeadersJson(*delivery.headers) : "{}";
  row.content_type = std::string(HeaderValue(delivery, "content-type"));
  row.status = binding->status_active ? "received" : "skipped_inactive";
  row.received_at = clock_.Now();
  if (config_.dedup_window_seconds > 0) {
    row.dedup_key = Sha256Hex(row.event_type + "\n" + row.payload);
    row.dedup_since = row.received_at - std::chrono::seconds(config_.dedup_window_seconds);
  }
  return row;
}

}  // namespace uwh::ingest
