#include "lifecycle/webhook_registrar.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "clockify/event_types.hpp"
#include "common/json_parse.hpp"
#include "common/logging.hpp"

namespace uwh::lifecycle {
namespace {

using nlohmann::json;

constexpr std::string_view kStatusRegistered = "registered";
constexpr std::string_view kStatusRefused = "refused";
constexpr std::string_view kStatusFailed = "failed";
constexpr std::string_view kStatusManifest = "manifest";
// Clockify's limit on a webhook's name.
constexpr size_t kMaxWebhookName = 30;

std::string StringField(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Excerpt(std::string_view text) {
  constexpr size_t kMax = 200;
  return std::string(text.substr(0, kMax)) + (text.size() > kMax ? "…" : "");
}

// Clockify's reason for a refusal: its {"message": …} when there is one, else the body.
std::string ClockifyReason(const clockify::ApiResponse& r) {
  const json body = ParseJson(r.body);
  std::string message = body.is_object() ? StringField(body, "message") : std::string();
  if (message.empty()) message = Excerpt(r.body);
  return "Clockify answered " + std::to_string(r.status_code) +
         (message.empty() ? std::string() : ": " + message);
}

std::string FailureReason(const Result<clockify::ApiResponse>& r) {
  if (!r) return r.error().message;
  if (r->status_code == 0) return "no answer from Clockify: " + r->error;
  return ClockifyReason(*r);
}

store::WebhookRegistration Outcome(const std::string& workspace_id, const std::string& event,
                                   std::string_view status, std::string webhook_id,
                                   std::string reason) {
  store::WebhookRegistration r;
  r.workspace_id = workspace_id;
  r.event_type = event;
  r.status = std::string(status);
  r.clockify_webhook_id = std::move(webhook_id);
  r.reason = std::move(reason);
  return r;
}

std::string WebhookUrlPrefix(std::string base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  return base_url + "/webhooks/clockify/";
}

}  // namespace

RegistrationPlan PlanRegistrations(const std::vector<std::string>& wanted,
                                   const std::set<std::string>& manifest_events,
                                   const std::vector<ListedWebhook>& listed,
                                   std::string_view webhook_url_prefix) {
  RegistrationPlan plan;
  std::vector<std::string> events;  // wanted, once each, in order
  for (const auto& e : wanted) {
    if (std::find(events.begin(), events.end(), e) == events.end()) events.push_back(e);
  }
  std::set<std::string> via_api;
  for (const auto& e : events) {
    if (manifest_events.count(e) > 0) {
      plan.manifest.push_back(e);
    } else {
      via_api.insert(e);
    }
  }
  std::set<std::string> reused;
  for (const ListedWebhook& w : listed) {
    if (w.addon || !w.url.starts_with(webhook_url_prefix)) continue;  // not ours
    const bool usable = via_api.count(w.event) > 0 &&
                        w.url.substr(webhook_url_prefix.size()) == w.event && w.enabled &&
                        !w.token.empty() && reused.count(w.event) == 0;
    if (usable) {
      reused.insert(w.event);
      plan.reuse.push_back(w);
    } else {
      plan.remove.push_back(w);
    }
  }
  for (const auto& e : events) {
    if (via_api.count(e) > 0 && reused.count(e) == 0) plan.create.push_back(e);
  }
  return plan;
}

Result<std::vector<ListedWebhook>> ParseWebhookList(std::string_view body) {
  const json doc = ParseJson(body);
  const json* list = nullptr;
  if (doc.is_array()) {
    list = &doc;
  } else if (doc.is_object() && doc.contains("webhooks") && doc["webhooks"].is_array()) {
    list = &doc["webhooks"];
  }
  if (list == nullptr) {
    return Fail(ErrorCode::kUpstream, "upstream_error",
                "getWebhooks answered something that is not a list of webhooks");
  }
  std::vector<ListedWebhook> out;
  for (const json& w : *list) {
    if (!w.is_object()) continue;
    ListedWebhook h;
    h.id = StringField(w, "id");
    h.event = StringField(w, "webhookEvent");
    h.url = StringField(w, "url");
    h.token = StringField(w, "authToken");
    h.enabled = !w.contains("enabled") || !w["enabled"].is_boolean() || w["enabled"].get<bool>();
    h.addon = StringField(w, "webhookType") == "ADDON";
    if (!h.id.empty()) out.push_back(std::move(h));
  }
  return out;
}

WebhookRegistrar::WebhookRegistrar(Options options, store::Store& store, const SecretBox& secrets,
                                   TokenDirectory& directory, TargetFn target_for, CallFn call)
    : options_(std::move(options)),
      store_(store),
      secrets_(secrets),
      directory_(directory),
      target_for_(std::move(target_for)),
      call_(std::move(call)),
      thread_([this] { Run(); }) {}

WebhookRegistrar::~WebhookRegistrar() { Stop(); }

void WebhookRegistrar::OnInstalled(const store::Installation& installation,
                                   const WorkspaceSettings& /*settings*/) {
  const std::string workspace_id = installation.workspace_id;
  Post([this, workspace_id] {
    auto done = Reconcile(workspace_id);
    if (!done) {
      log::Warn("webhook registration failed",
                {{"workspace_id", workspace_id}, {"error", done.error().message}});
    }
  });
}

void WebhookRegistrar::OnUninstalled(const std::string& workspace_id) {
  Post([this, workspace_id] { Forget(workspace_id); });
}

void WebhookRegistrar::Post(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  jobs_.push_back(std::move(job));
  changed_.notify_all();
}

void WebhookRegistrar::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) break;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    job();
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
  busy_ = false;
  changed_.notify_all();
}

void WebhookRegistrar::WaitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stopping_ || (jobs_.empty() && !busy_); });
}

void WebhookRegistrar::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

Result<clockify::ApiResponse> WebhookRegistrar::Call(const clockify::ApiTarget& target,
                                                     const std::string& method,
                                                     const std::string& path, std::string body,
                                                     const std::string& operation_id) {
  clockify::ApiRequest request;
  request.method = method;
  request.server = clockify::ServerKind::kBackend;
  request.path = "/v1/workspaces/" + target.workspace_id + "/webhooks" + path;
  if (!body.empty()) request.body = std::move(body);
  request.priority = clockify::Priority::kBackground;
  request.operation_id = operation_id;
  return call_(target, request);
}

void WebhookRegistrar::RecordFailure(const std::string& workspace_id, const std::string& reason) {
  // Events registered before keep their token and row: they still reach the add-on.
  std::set<std::string> with_token;
  if (auto tokens = store_.ListWebhookTokens(workspace_id)) {
    for (const auto& t : *tokens) with_token.insert(t.event_type);
  }
  std::map<std::string, store::WebhookRegistration> rows;
  if (auto previous = store_.ListWebhookRegistrations(workspace_id)) {
    for (auto& r : *previous) {
      if (with_token.count(r.event_type) > 0) rows[r.event_type] = std::move(r);
    }
  }
  for (const auto& e : options_.extra_events) {
    if (rows.count(e) == 0 && with_token.count(e) == 0 && clockify::IsKnownEventType(e)) {
      rows[e] = Outcome(workspace_id, e, kStatusFailed, "", reason);
    }
  }
  std::vector<store::WebhookRegistration> out;
  for (auto& [event, r] : rows) out.push_back(std::move(r));
  if (auto ok = store_.ReplaceWebhookRegistrations(workspace_id, out); !ok) {
    log::Error("cannot record webhook registrations",
               {{"workspace_id", workspace_id}, {"error", ok.error().message}});
  }
}

Result<std::vector<store::WebhookRegistration>> WebhookRegistrar::Reconcile(
    const std::string& workspace_id) {
  auto target = target_for_(workspace_id);
  if (!target) {
    RecordFailure(workspace_id, "cannot call Clockify: " + target.error().message);
    return Fail(target.error());
  }
  {
    std::lock_guard lock(targets_mutex_);
    last_targets_[workspace_id] = *target;
  }
  auto tokens = store_.ListWebhookTokens(workspace_id);
  if (!tokens) return Fail(tokens.error());
  std::set<std::string> manifest_events;
  for (const auto& t : *tokens) {
    if (t.route == "manifest") manifest_events.insert(t.event_type);
  }
  std::vector<std::string> wanted;
  for (const auto& e : options_.extra_events) {
    if (clockify::IsKnownEventType(e)) wanted.push_back(e);
  }

  auto listed = Call(*target, "GET", "", "", "getWebhooks");
  if (!listed || !listed->ok()) {
    const std::string reason = "could not list the workspace's webhooks: " + FailureReason(listed);
    RecordFailure(workspace_id, reason);
    return Fail(ErrorCode::kUpstream, "upstream_error", reason);
  }
  auto existing = ParseWebhookList(listed->body);
  if (!existing) {
    RecordFailure(workspace_id, existing.error().message);
    return Fail(existing.error());
  }
  const std::string prefix = WebhookUrlPrefix(options_.base_url);
  const RegistrationPlan plan = PlanRegistrations(wanted, manifest_events, *existing, prefix);

  // Deletions first: they free room under Clockify's limits for the creations.
  for (const ListedWebhook& w : plan.remove) {
    auto deleted = Call(*target, "DELETE", "/" + w.id, "", "deleteWebhook");
    if (!deleted || !deleted->ok()) {
      log::Warn("could not delete a stale webhook registration",
                {{"workspace_id", workspace_id},
                 {"event_type", w.event},
                 {"webhook_id", w.id},
                 {"error", FailureReason(deleted)}});
    }
  }

  std::vector<store::WebhookRegistration> outcomes;
  std::vector<store::WebhookToken> api_tokens;
  auto keep_token = [&](const std::string& event, const std::string& id, const std::string& token) {
    store::WebhookToken t;
    t.workspace_id = workspace_id;
    t.event_type = event;
    t.path = prefix + event;
    t.route = "api";
    t.token_hash = Sha256Hex(token);
    t.token_ciphertext = secrets_.Seal(token);
    t.clockify_webhook_id = id;
    api_tokens.push_back(std::move(t));
  };
  for (const auto& e : plan.manifest) {
    outcomes.push_back(Outcome(workspace_id, e, kStatusManifest, "", "carried by the manifest"));
  }
  for (const ListedWebhook& w : plan.reuse) {
    keep_token(w.event, w.id, w.token);
    outcomes.push_back(Outcome(workspace_id, w.event, kStatusRegistered, w.id,
                               "reused an earlier registration"));
  }
  for (const auto& e : plan.create) {
    const json body = {{"name", e.substr(0, kMaxWebhookName)},
                       {"url", prefix + e},
                       {"webhookEvent", e},
                       {"triggerSourceType", "WORKSPACE_ID"},
                       {"triggerSource", json::array({workspace_id})}};
    auto created = Call(*target, "POST", "", body.dump(), "createWebhook");
    if (created && created->ok()) {
      const json answer = ParseJson(created->body);
      const std::string id = answer.is_object() ? StringField(answer, "id") : std::string();
      const std::string token = answer.is_object() ? StringField(answer, "authToken") : std::string();
      if (!id.empty() && !token.empty()) {
        keep_token(e, id, token);
        outcomes.push_back(Outcome(workspace_id, e, kStatusRegistered, id, "created"));
      } else {
        outcomes.push_back(Outcome(workspace_id, e, kStatusFailed, id,
                                   "createWebhook answered without an id or token"));
      }
    } else if (created && created->status_code >= 400 && created->status_code < 500) {
      outcomes.push_back(Outcome(workspace_id, e, kStatusRefused, "", ClockifyReason(*created)));
    } else {
      outcomes.push_back(Outcome(workspace_id, e, kStatusFailed, "", FailureReason(created)));
    }
  }
  std::sort(outcomes.begin(), outcomes.end(),
            [](const auto& a, const auto& b) { return a.event_type < b.event_type; });

  if (auto ok = store_.ReplaceWebhookTokens(workspace_id, "api", api_tokens); !ok) {
    return Fail(ok.error());
  }
  if (auto ok = store_.ReplaceWebhookRegistrations(workspace_id, outcomes); !ok) {
    return Fail(ok.error());
  }
  directory_.InvalidateWorkspace(workspace_id);
  size_t refused = 0;
  for (const auto& o : outcomes) refused += o.status != kStatusRegistered && o.status != kStatusManifest;
  log::Info("webhook registrations reconciled",
            {{"workspace_id", workspace_id},
             {"registered", std::to_string(api_tokens.size())},
             {"reused", std::to_string(plan.reuse.size())},
             {"removed", std::to_string(plan.remove.size())},
             {"not_registered", std::to_string(refused)}});
  return outcomes;
}

void WebhookRegistrar::Forget(const std::string& workspace_id) {
  std::optional<clockify::ApiTarget> target;
  {
    std::lock_guard lock(targets_mutex_);
    if (auto it = last_targets_.find(workspace_id); it != last_targets_.end()) {
      target = std::move(it->second);
      last_targets_.erase(it);
    }
  }
  auto registrations = store_.ListWebhookRegistrations(workspace_id);
  size_t deleted = 0, kept = 0;
  if (registrations) {
    for (const auto& r : *registrations) {
      if (r.status != kStatusRegistered || r.clockify_webhook_id.empty()) continue;
      if (target) {
        auto answer = Call(*target, "DELETE", "/" + r.clockify_webhook_id, "", "deleteWebhook");
        if (answer && answer->ok()) {
          ++deleted;
          continue;
        }
      }
      ++kept;
    }
  }
  if (auto ok = store_.ReplaceWebhookTokens(workspace_id, "api", {}); !ok) {
    log::Error("cannot forget webhook tokens",
               {{"workspace_id", workspace_id}, {"error", ok.error().message}});
  }
  if (auto ok = store_.ReplaceWebhookRegistrations(workspace_id, {}); !ok) {
    log::Error("cannot forget webhook registrations",
               {{"workspace_id", workspace_id}, {"error", ok.error().message}});
  }
  directory_.InvalidateWorkspace(workspace_id);
  // What could not be deleted stays at Clockify, sending to a workspace we refuse (403); a
  // reinstall finds and reuses it.
  log::Info("webhook registrations forgotten", {{"workspace_id", workspace_id},
                                                {"deleted", std::to_string(deleted)},
                                                {"left_at_clockify", std::to_string(kept)}});
}

}  // namespace uwh::lifecycle
