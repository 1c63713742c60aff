#include "lifecycle/installation_service.hpp"

#include <nlohmann/json.hpp>

#include "clockify/event_types.hpp"
#include "common/json_parse.hpp"
#include "common/logging.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::lifecycle {
namespace {

using nlohmann::json;

tl::unexpected<Error> InvalidField(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

std::string StringField(const json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

struct InstallationService::Verified {
  json body;
  std::string workspace_id;
};

std::string EventOfWebhookPath(std::string_view path) {
  constexpr std::string_view kMarker = "/webhooks/clockify/";
  const auto at = path.rfind(kMarker);
  if (at == std::string_view::npos) return {};
  std::string_view event = path.substr(at + kMarker.size());
  if (const auto q = event.find_first_of("?#/"); q != std::string_view::npos) {
    event = event.substr(0, q);
  }
  return std::string(event);
}

InstallationService::InstallationService(const Config& config, store::Store& store,
                                         const SecretBox& secrets,
                                         const clockify::JwtVerifier* verifier, const Clock& clock,
                                         TokenDirectory& directory)
    : config_(config),
      store_(store),
      secrets_(secrets),
      verifier_(verifier),
      clock_(clock),
      directory_(directory) {}

void InstallationService::AddListener(LifecycleListener* listener) {
  listeners_.push_back(listener);
}

Result<InstallationService::Verified> InstallationService::Authenticate(std::string_view token,
                                                                        std::string_view body) {
  Verified v;
  v.body = ParseJson(body);
  std::string claim_workspace;
  if (verifier_) {
    if (token.empty()) {
      return Fail(ErrorCode::kUnauthenticated, "invalid_signature",
                  "missing X-Addon-Lifecycle-Token header");
    }
    auto claims = verifier_->Verify(token, clock_);
    if (!claims) return Fail(claims.error());
    if (auto ok = clockify::CheckAddonClaims(*claims, config_.addon_key); !ok) {
      return Fail(ok.error());
    }
    if (claims->workspace_id.empty()) {
      return Fail(ErrorCode::kUnauthenticated, "invalid_signature",
                  "the lifecycle token has no workspaceId claim");
    }
    // Clockify signs user, installation and webhook tokens with the same key and claims pattern.
    // A user token (the viewing user's, with their workspaceRole) is handed to every user who
    // opens the sidebar: it never authorizes a lifecycle call.
    if (!claims->workspace_role.empty()) {
      return Fail(ErrorCode::kUnauthenticated, "invalid_signature",
                  "a user token cannot authorize a lifecycle call");
    }
    claim_workspace = claims->workspace_id;
  }
  if (v.body.is_discarded()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the body is not valid JSON");
  }
  if (!v.body.is_object()) return InvalidField("", "the body must be a JSON object");
  v.workspace_id = StringField(v.body, "workspaceId");
  if (v.workspace_id.empty()) return InvalidField("workspaceId", "workspaceId is required");
  if (verifier_ && claim_workspace != v.workspace_id) {
    return Fail(ErrorCode::kUnauthenticated, "invalid_signature",
                "the lifecycle token is for another workspace than the body's workspaceId");
  }
  if (verifier_ && IsStoredToken(token, v.workspace_id)) {
    return Fail(ErrorCode::kUnauthenticated, "invalid_signature",
                "an installation or webhook token cannot authorize a lifecycle call");
  }
  return v;
}

// A webhook's signature token (it never expires and travels with every delivery) or the
// installation token of the workspace, presented as a lifecycle token.
bool InstallationService::IsStoredToken(std::string_view token, const std::string& workspace_id) {
  if (directory_.Load(Sha256Hex(token))) return true;
  auto installation = store_.GetInstallation(workspace_id);
  if (!installation || installation->addon_token_ciphertext.empty()) return false;
  auto stored = secrets_.Open(installation->addon_token_ciphertext);
  return stored && ConstantTimeEquals(*stored, token);
}

Result<store::Installation> InstallationService::Installed(std::string_view token,
                                                           std::string_view body) {
  auto verified = Authenticate(token, body);
  if (!verified) return Fail(verified.error());
  const json& b = verified->body;
  const std::string& workspace_id = verified->workspace_id;

  const std::string auth_token = StringField(b, "authToken");
  if (auth_token.empty()) return InvalidField("authToken", "authToken is required");
  auto token_claims = verifier_ ? verifier_->Verify(auth_token, clock_)
                                : clockify::DecodeClaimsUnverified(auth_token);
  if (!token_claims) {
    return InvalidField("authToken", "authToken is not a valid Clockify installation token");
  }
  if (!token_claims->workspace_id.empty() && token_claims->workspace_id != workspace_id) {
    return InvalidField("authToken", "authToken belongs to another workspace");
  }

  std::vector<store::WebhookToken> tokens;
  if (auto it = b.find("webhooks"); it != b.end() && !it->is_null()) {
    if (!it->is_array()) return InvalidField("webhooks", "webhooks must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& w = (*it)[i];
      const std::string field = "webhooks[" + std::to_string(i) + "]";
      if (!w.is_object()) return InvalidField(field, "each webhook must be an object");
      const std::string path = StringField(w, "path");
      const std::string webhook_token = StringField(w, "authToken");
      if (webhook_token.empty()) return InvalidField(field + ".authToken", "authToken is required");
      if (auto wc = clockify::DecodeClaimsUnverified(webhook_token);
          wc && !wc->workspace_id.empty() && wc->workspace_id != workspace_id) {
        return InvalidField(field + ".authToken", "the webhook token belongs to another workspace");
      }
      std::string event = StringField(w, "event");
      if (event.empty()) event = EventOfWebhookPath(path);
      if (!clockify::IsKnownEventType(event)) {
        // Tokens must be bound to one event; a path that names none cannot be trusted for any.
        log::Warn("install: webhook path names no known event; its token is not stored",
                  {{"workspace_id", workspace_id}, {"path", path}});
        continue;
      }
      store::WebhookToken t;
      t.workspace_id = workspace_id;
      t.event_type = event;
      t.path = path;
      t.route = "manifest";
      t.token_hash = Sha256Hex(webhook_token);
      t.token_ciphertext = secrets_.Seal(webhook_token);
      tokens.push_back(std::move(t));
    }
  }

  store::Installation in;
  in.workspace_id = workspace_id;
  in.addon_id = StringField(b, "addonId");
  in.addon_user_id = StringField(b, "addonUserId");
  in.as_user = StringField(b, "asUser");
  in.addon_token_ciphertext = secrets_.Seal(auth_token);
  in.api_url = StringField(b, "apiUrl");
  in.backend_url = token_claims->backend_url.empty() ? in.api_url : token_claims->backend_url;
  in.reports_url = token_claims->reports_url;
  in.is_active = true;
  in.status = "ACTIVE";
  in.installed_at = clock_.Now();
  in.updated_at = in.installed_at;

  auto stored = store_.UpsertInstallation(in);
  if (!stored) return stored;
  if (auto ok = store_.ReplaceWebhookTokens(workspace_id, "manifest", tokens); !ok) {
    return Fail(ok.error());
  }
  if (auto ok = store_.EnsureBootstrapState(workspace_id); !ok) return Fail(ok.error());
  directory_.InvalidateWorkspace(workspace_id);
  const auto settings = EffectiveSettings(config_.workspace_defaults, stored->settings_json);
  log::Info("installed", {{"workspace_id", workspace_id},
                          {"webhook_tokens", std::to_string(tokens.size())}});
  for (auto* l : listeners_) l->OnInstalled(*stored, settings);
  return stored;
}

Result<void> InstallationService::Uninstalled(std::string_view token, std::string_view body) {
  auto verified = Authenticate(token, body);
  if (!verified) return Fail(verified.error());
  const std::string& workspace_id = verified->workspace_id;
  if (auto ok = store_.DeactivateInstallation(workspace_id); !ok) return ok;
  directory_.InvalidateWorkspace(workspace_id);
  log::Info("uninstalled", {{"workspace_id", workspace_id}});
  for (auto* l : listeners_) l->OnUninstalled(workspace_id);
  return {};
}

Result<WorkspaceSettings> InstallationService::SettingsUpdated(std::string_view token,
                                                              std::string_view body) {
  auto verified = Authenticate(token, body);
  if (!verified) return Fail(verified.error());
  const std::string& workspace_id = verified->workspace_id;
  auto installation = store_.GetInstallation(workspace_id);
  if (!installation) return Fail(installation.error());
  auto it = verified->body.find("settings");
  if (it == verified->body.end()) return InvalidField("settings", "settings is required");
  auto merged = MergeSettings(installation->settings_json, it->dump());
  if (!merged) return Fail(merged.error());
  if (auto ok = store_.UpdateSettings(workspace_id, *merged); !ok) return Fail(ok.error());
  const auto before = EffectiveSettings(config_.workspace_defaults, installation->settings_json);
  const auto after = EffectiveSettings(config_.workspace_defaults, *merged);
  directory_.InvalidateWorkspace(workspace_id);
  log::Info("settings updated", {{"workspace_id", workspace_id}});
  for (auto* l : listeners_) l->OnSettingsUpdated(workspace_id, before, after);
  return after;
}

Result<void> InstallationService::StatusChanged(std::string_view token, std::string_view body) {
  auto verified = Authenticate(token, body);
  if (!verified) return Fail(verified.error());
  const std::string& workspace_id = verified->workspace_id;
  const std::string status = StringField(verified->body, "status");
  if (status != "ACTIVE" && status != "INACTIVE") {
    return InvalidField("status", "status must be ACTIVE or INACTIVE");
  }
  if (auto ok = store_.UpdateStatus(workspace_id, status); !ok) return ok;
  directory_.InvalidateWorkspace(workspace_id);
  log::Info("status changed", {{"workspace_id", workspace_id}, {"status", status}});
  for (auto* l : listeners_) l->OnStatusChanged(workspace_id, status == "ACTIVE");
  return {};
}

Result<WorkspaceSettings> InstallationService::Settings(const std::string& workspace_id) {
  auto installation = store_.GetInstallation(workspace_id);
  if (!installation) return Fail(installation.error());
  return EffectiveSettings(config_.workspace_defaults, installation->settings_json);
}

}  // namespace uwh::lifecycle
