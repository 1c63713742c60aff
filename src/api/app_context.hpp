#pragma once
// Everything the HTTP handlers share, built once by `uwh serve`. Owns the modules.
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "bootstrap/cache_refresher.hpp"
#include "bootstrap/runner.hpp"
#include "clockify/api_client.hpp"
#include "clockify/jwt.hpp"
#include "clockify/openapi_catalog.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/crypto.hpp"
#include "http/router.hpp"
#include "ingest/clockify_receiver.hpp"
#include "ingest/custom_receiver.hpp"
#include "ingest/group_commit_writer.hpp"
#include "ingest/webhook_queue.hpp"
#include "lifecycle/installation_service.hpp"
#include "lifecycle/token_directory.hpp"
#include "lifecycle/webhook_registrar.hpp"
#include "retention/retention_job.hpp"
#include "store/store.hpp"

namespace uwh::flows {
class FlowExecutor;
class HttpActionClient;
class LiveActionTransport;
}  // namespace uwh::flows

namespace uwh::api {

struct AppContext {
  // Builds every module from the configuration: opens and migrates the store, loads the secret
  // key and the trusted public key. Fails with a message naming the variable at fault.
  [[nodiscard]] static Result<std::unique_ptr<AppContext>> Create(Config config,
                                                                  const Clock& clock);
  ~AppContext();

  // Starts the background work that runs beside the server (after every consumer of the
  // webhook queue is registered): the queue's workers, the bootstrap runner (which resumes
  // interrupted bootstraps) and the retention job.
  void StartBackgroundWork();

  // Stops background work: the retention job, webhook registration, bootstraps (at a request
  // boundary, resumable), the group-commit writer (after committing what it holds), the flow
  // runs (at their next action boundary) and the queue's workers, and the pools.
  void Shutdown();

  Config config;
  const Clock& clock;
  std::unique_ptr<store::Store> store;
  std::optional<SecretBox> secrets;
  std::optional<clockify::JwtVerifier> verifier;  // empty when signatures are not verified
  std::unique_ptr<lifecycle::TokenDirectory> directory;
  std::unique_ptr<lifecycle::InstallationService> installations;
  std::unique_ptr<ingest::ClockifyReceiver> clockify_receiver;
  std::unique_ptr<ingest::CustomReceiver> custom_receiver;
  std::unique_ptr<ingest::GroupCommitWriter> writer;
  std::string manifest_json;
  // Clockify's operations; null when no OpenAPI document is configured (explorer answers 503).
  std::shared_ptr<const clockify::OpenApiCatalog> catalog;
  // Calls to Clockify: one limiter per workspace shared by every caller, one client.
  std::unique_ptr<clockify::WorkspaceRateLimiter> limiter;
  std::unique_ptr<clockify::ApiClient> api_client;
  // The GET bootstrap (a lifecycle listener: it starts on install).
  std::unique_ptr<bootstrap::BootstrapRunner> bootstrap;
  // Keeps the entity cache fresh: the webhook queue worker hands it every committed webhook.
  std::unique_ptr<bootstrap::CacheRefresher> cache_refresher;
  std::unique_ptr<retention::RetentionJob> retention;
  // Subscribes the extra event types through Clockify's Webhooks API after each install.
  std::unique_ptr<lifecycle::WebhookRegistrar> registrar;
  // The durable webhook queue and what consumes it (SPEC §6.4): consumers are registered in
  // Create, in order; the flow executor last.
  std::unique_ptr<ingest::WebhookQueue> queue;
  std::unique_ptr<flows::HttpActionClient> http_actions;
  std::unique_ptr<flows::LiveActionTransport> action_transport;
  std::unique_ptr<flows::FlowExecutor> flow_executor;

  // Blocking: where and as whom to call Clockify for a workspace (its installation's URLs, token
  // and max_rps). 403 not_installed without an active installation.
  [[nodiscard]] Result<clockify::ApiTarget> ApiTargetFor(const std::string& workspace_id);
  // Blocking work (database reads and lifecycle writes) runs here, never on the HTTP threads.
  asio::thread_pool blocking{4};
  // Calls to Clockify run here (OffloadUpstream): they wait for the workspace's limiter and the
  // network, mostly asleep, and must not hold the threads that database work needs. Its size
  // also bounds how many calls are in flight at once.
  static constexpr int kUpstreamThreads = 8;
  asio::thread_pool upstream{kUpstreamThreads};

 private:
  AppContext(Config c, const Clock& k);  // in the .cpp, where the flow types are complete
  Result<void> LoadCatalog();
};

// Runs `fn` on `pool`; the caller resumes on its own executor with fn's result.
// Capture by reference only: g++ 12 destroys a temporary with a non-trivial destructor inside a
// co_await expression twice, so a lambda owning a std::string there corrupts the heap.
template <typename F>
asio::awaitable<std::invoke_result_t<F&>> OffloadTo(asio::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F&>;
  co_return co_await asio::co_spawn(
      pool.get_executor(), [fn = std::move(fn)]() mutable -> asio::awaitable<R> { co_return fn(); },
      asio::use_awaitable);
}

// Database work: on the blocking pool.
template <typename F>
asio::awaitable<std::invoke_result_t<F&>> Offload(AppContext& ctx, F fn) {
  co_return co_await OffloadTo(ctx.blocking, std::move(fn));
}

// Calls to Clockify (ApiClient): on the upstream pool.
template <typename F>
asio::awaitable<std::invoke_result_t<F&>> OffloadUpstream(AppContext& ctx, F fn) {
  co_return co_await OffloadTo(ctx.upstream, std::move(fn));
}

// Appends a row through the group-commit writer; resumes once it is durably committed.
asio::awaitable<Result<store::AppendOutcome>> AppendWebhook(AppContext& ctx, store::NewWebhook row);

// Registers every endpoint.
void RegisterRoutes(http::Router& router, AppContext& ctx);
void RegisterHealthRoutes(http::Router& router, AppContext& ctx);
void RegisterLifecycleRoutes(http::Router& router, AppContext& ctx);
void RegisterWebhookRoutes(http::Router& router, AppContext& ctx);
void RegisterUiWebhookRoutes(http::Router& router, AppContext& ctx);
void RegisterUiCustomSourceRoutes(http::Router& router, AppContext& ctx);
void RegisterUiExplorerRoutes(http::Router& router, AppContext& ctx);
void RegisterUiExplorerExecuteRoutes(http::Router& router, AppContext& ctx);
void RegisterUiJsonPathRoutes(http::Router& router, AppContext& ctx);
void RegisterUiFlowRoutes(http::Router& router, AppContext& ctx);
void RegisterUiBootstrapRoutes(http::Router& router, AppContext& ctx);
void RegisterUiEntityRoutes(http::Router& router, AppContext& ctx);
// GET /ui (the web UI) and its files under /ui/static/ (web_assets.hpp).
void RegisterUiPageRoutes(http::Router& router, AppContext& ctx);

// An error response for `request`.
http::Response ErrorResponse(const http::Request& request, const Error& error);

}  // namespace uwh::api
