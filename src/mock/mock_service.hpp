#pragma once
// The simulated Clockify (SPEC §12): Clockify's REST API under /api and /reports over seeded,
// mutable workspaces; X-Addon-Token checking; the 50 requests/s limit; injectable faults;
// installing an add-on like Clockify does; and signed webhooks sent when data changes. A control
// API under /_mock drives it from tests.
//
// Thread-safe: the workspaces are guarded by one mutex, held only for in-memory work. Outgoing
// HTTP (manifest, lifecycle calls, webhooks) runs on the sender thread or the blocking pool,
// never on the threads that serve HTTP.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "clockify/jwt.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "http/router.hpp"
#include "mock/api_handlers.hpp"
#include "mock/faults.hpp"
#include "mock/model.hpp"
#include "mock/rate_window.hpp"
#include "mock/schema_examples.hpp"
#include "mock/seed.hpp"
#include "mock/stats.hpp"
#include "mock/webhook_sender.hpp"

namespace uwh::mock {

struct MockOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string private_key_path;  // signs every token the mock issues (required)
  std::string public_key_path;   // verifies X-Addon-Token; empty: derived from the private key
  uint64_t seed = 1;
  // Workspaces seeded at start; empty: one, DefaultWorkspaceId(seed). A token or an install
  // naming another workspace seeds that one on first use.
  std::vector<std::string> workspace_ids;
  std::string openapi_path;  // unmodelled operations answer an example from it; empty: 404
  size_t rate_limit_per_second = 50;
  bool allow_remote_control = false;  // /_mock on a non-loopback address
  SeedSizes seed_sizes;
  SenderOptions sender;
};

class MockService {
 public:
  // kInvalidArgument when the key or the OpenAPI document cannot be read.
  [[nodiscard]] static Result<std::unique_ptr<MockService>> Create(MockOptions options,
                                                                   const Clock& clock);
  ~MockService();

  // Where the add-on reaches the mock ("http://127.0.0.1:PORT"); backendUrl is it + "/api",
  // reportsUrl it + "/reports". Set once the port is known, before serving.
  void SetPublicUrl(std::string url);
  std::string BackendUrl() const;
  std::string ReportsUrl() const;

  void RegisterRoutes(http::Router& router);

  // Installs the add-on of `manifest_url` into `workspace_id` (empty: the first workspace):
  // fetches the manifest, registers its webhooks with fresh tokens and sends INSTALLED. Blocking.
  // On success {status, workspace_id, addon_key, addon_id, lifecycle_status, webhooks,
  // issued_tokens: {installation, webhooks: […]}} (the tokens so that tests can look for leaks;
  // the control API is for tests only); kUpstream when the manifest cannot be read or the add-on
  // refuses the call (nothing is kept then).
  [[nodiscard]] Result<Json> Install(const std::string& manifest_url,
                                     const std::string& workspace_id);
  // Sends DELETED and forgets the installation, its webhooks and tokens. Blocking.
  [[nodiscard]] Result<Json> Uninstall(const std::string& workspace_id,
                                       const std::string& addon_key);
  // Sends another lifecycle call (STATUS_CHANGED, SETTINGS_UPDATED) with {addonId, workspaceId}
  // plus `extra`. Blocking.
  [[nodiscard]] Result<Json> SendLifecycle(const std::string& workspace_id,
                                           const std::string& addon_key, const std::string& type,
                                           const Json& extra);
  // Queues `event` for the entity (or a given body) to every webhook registered for it.
  [[nodiscard]] Result<Json> Emit(const std::string& workspace_id, const std::string& event,
                                  const std::string& entity_id, const Json* body);
  // Runs Install in the background, retrying while the add-on is not reachable yet.
  void InstallInBackground(std::string manifest_url, std::string workspace_id);

  // The seeded data of a workspace as the API shows it; kNotFound for an unknown one.
  [[nodiscard]] Result<Json> StateJson(const std::string& workspace_id) const;
  Json WorkspacesJson() const;
  std::string FirstWorkspaceId() const;

  // Stops the sender and the background work.
  void Shutdown();

 private:
  MockService(MockOptions options, const Clock& clock, clockify::JwtSigner signer,
              clockify::JwtVerifier verifier, std::shared_ptr<const SchemaExamples> examples);

  // The workspace, seeded on first use. Caller holds mutex_.
  Workspace& EnsureWorkspaceLocked(const std::string& id);
  // Deliveries for the events, computed under mutex_ (held by the caller).
  std::vector<Delivery> DeliveriesLocked(const Workspace& ws, const std::vector<Event>& events);
  std::string Sign(const clockify::DevTokenRequest& request) const;
  std::string MintWebhookToken(const User& owner) const;

  asio::awaitable<http::Response> HandleApi(http::Request& req, const ApiRoute* route,
                                            bool reports);
  void RegisterControlRoutes(http::Router& router);

  MockOptions options_;
  const Clock& clock_;
  clockify::JwtSigner signer_;
  clockify::JwtVerifier verifier_;
  std::shared_ptr<const SchemaExamples> examples_;
  RateWindow rate_;
  Faults faults_;
  RequestStats stats_;
  WebhookSender sender_;
  asio::thread_pool blocking_{2};
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;
  std::string public_url_;
  std::map<std::string, std::unique_ptr<Workspace>> workspaces_;
  std::vector<std::string> workspace_order_;
  std::set<std::string> revoked_jtis_;  // installation tokens of uninstalled add-ons
};

}  // namespace uwh::mock
