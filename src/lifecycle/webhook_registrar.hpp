#pragma once
// Event coverage beyond the manifest (SPEC §8). The manifest can carry at most 10 of 22 event
// types; every other type reaches the add-on only through the workspace Webhooks API. After an
// install this listener subscribes the configured extra event types (UNIVERSAL_WEBHOOK_EXTRA_EVENTS)
// with createWebhook, each pointing at /webhooks/clockify/{EVENT}, and stores each returned token
// (route "api", encrypted) so that their deliveries verify like the manifest's.
//
// Reconciled, never duplicated: it first lists the workspace's webhooks (getWebhooks) and reuses
// or replaces those that point at this add-on, so a reinstall adds nothing. Refusals (Clockify's
// limits: 10 webhooks per user, 100 per workspace) register what fits and record the rest with
// Clockify's reason; every event's outcome is stored (store::WebhookRegistration) for the
// dashboard. On uninstall the installation token is already dead at Clockify, so it deletes what
// it can (best effort) and forgets the rest. A failed registration is not retried by itself: it is
// shown, and the next install reconciles again.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "clockify/api_client.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "lifecycle/installation_service.hpp"
#include "lifecycle/token_directory.hpp"
#include "store/store.hpp"

namespace uwh::lifecycle {

// A webhook of the workspace as getWebhooks lists it.
struct ListedWebhook {
  std::string id;
  std::string event;
  std::string url;
  std::string token;   // authToken; empty when the list does not show it
  bool enabled = true;
  bool addon = false;  // webhookType ADDON: the manifest's own, never touched here
};

// What to do for one workspace, given what it has.
struct RegistrationPlan {
  std::vector<ListedWebhook> reuse;   // one per wanted event: ours, enabled, with its token
  std::vector<std::string> create;    // wanted events without a usable webhook, in wanted order
  std::vector<ListedWebhook> remove;  // ours but unusable, duplicated, or no longer wanted
  std::vector<std::string> manifest;  // wanted events the manifest already carries
};

// Pure. A webhook is ours when it is not an ADDON webhook and its URL starts with
// `webhook_url_prefix` (the add-on's base URL + "/webhooks/clockify/"); it is usable for EVENT
// when its URL is the prefix + EVENT, its event is EVENT, it is enabled and its token is known.
// `wanted` may repeat an event; it counts once.
RegistrationPlan PlanRegistrations(const std::vector<std::string>& wanted,
                                   const std::set<std::string>& manifest_events,
                                   const std::vector<ListedWebhook>& listed,
                                   std::string_view webhook_url_prefix);

// getWebhooks' answer ({"webhooks":[…]}, or a bare list). kUpstream when it is neither.
[[nodiscard]] Result<std::vector<ListedWebhook>> ParseWebhookList(std::string_view body);

// Thread-safe. Lifecycle callbacks only queue work for its own thread, so INSTALLED is answered
// at once; Reconcile and Forget may also be called directly (they are blocking).
class WebhookRegistrar final : public LifecycleListener {
 public:
  // Where and as whom to call Clockify for a workspace (its active installation).
  using TargetFn = std::function<Result<clockify::ApiTarget>(const std::string& workspace_id)>;
  // One call to Clockify (the shared ApiClient in production: its limiter and retries).
  using CallFn = std::function<Result<clockify::ApiResponse>(const clockify::ApiTarget&,
                                                             const clockify::ApiRequest&)>;
  struct Options {
    std::string base_url;                   // the add-on's public URL (manifest baseUrl)
    std::vector<std::string> extra_events;  // UNIVERSAL_WEBHOOK_EXTRA_EVENTS
  };

  // Every reference must outlive the registrar.
  WebhookRegistrar(Options options, store::Store& store, const SecretBox& secrets,
                   TokenDirectory& directory, TargetFn target_for, CallFn call);
  ~WebhookRegistrar() override;

  void OnInstalled(const store::Installation& installation,
                   const WorkspaceSettings& settings) override;
  void OnUninstalled(const std::string& workspace_id) override;

  // Blocking. Lists the workspace's webhooks, deletes the unusable ones of ours, creates the
  // missing ones, and stores the tokens and every wanted event's outcome. Returns the outcomes
  // (one per wanted event). Errors only when it could not ask Clockify or write the store; the
  // outcomes stored then say "failed" with the reason.
  [[nodiscard]] Result<std::vector<store::WebhookRegistration>> Reconcile(
      const std::string& workspace_id);
  // Blocking. Deletes the workspace's registered webhooks with the last token known for it
  // (usually dead by now: failures are only logged) and forgets its registrations.
  void Forget(const std::string& workspace_id);

  // Waits until every queued job has run (tests, shutdown).
  void WaitIdle();
  // Finishes the job in hand, drops the rest, joins the thread. Idempotent.
  void Stop();

 private:
  void Post(std::function<void()> job);
  void Run();
  Result<clockify::ApiResponse> Call(const clockify::ApiTarget& target, const std::string& method,
                                     const std::string& path, std::string body,
                                     const std::string& operation_id);
  // Records `reason` as the outcome of every wanted event that does not reach the add-on yet;
  // events that already do keep their row.
  void RecordFailure(const std::string& workspace_id, const std::string& reason);

  Options options_;
  store::Store& store_;
  const SecretBox& secrets_;
  TokenDirectory& directory_;
  TargetFn target_for_;
  CallFn call_;

  std::mutex targets_mutex_;
  // The last target used per workspace: the only way to reach Clockify after an uninstall, when
  // the stored installation token is already erased.
  std::map<std::string, clockify::ApiTarget> last_targets_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace uwh::lifecycle
