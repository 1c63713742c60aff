#include "api/app_context.hpp"

#include "clockify/manifest.hpp"
#include "clockify/openapi_source.hpp"
#include "common/logging.hpp"
#include "flows/actions.hpp"
#include "flows/executor.hpp"
#include "flows/http_action.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::api {

Result<std::unique_ptr<AppContext>> AppContext::Create(Config config, const Clock& clock) {
  if (auto ok = clockify::ValidateManifestConfig(config); !ok) return Fail(ok.error());
  std::unique_ptr<AppContext> ctx(new AppContext(std::move(config), clock));
  const Config& c = ctx->config;

  store::StoreOptions store_options;
  store_options.synchronous_full = c.db_synchronous_full;
  store_options.pool_size = c.db_pool_size;
  auto store = store::OpenStore(c.database_url, store_options);
  if (!store) return Fail(store.error());
  ctx->store = std::move(*store);
  auto version = ctx->store->Migrate();
  if (!version) {
    return Fail(ErrorCode::kUnavailable, "migration_failed",
                "database migration failed: " + version.error().message);
  }

  auto secrets = c.encryption_key.empty() ? SecretBox::FromKeyFile(c.encryption_key_file)
                                          : SecretBox::FromKeyText(c.encryption_key);
  if (!secrets) return Fail(secrets.error());
  ctx->secrets.emplace(std::move(*secrets));

  if (c.verify_signatures) {
    auto verifier = clockify::JwtVerifier::FromPemFile(c.clockify_public_key_path);
    if (!verifier) {
      return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                  "UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH: " + verifier.error().message,
                  "UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH");
    }
    ctx->verifier.emplace(std::move(*verifier));
  } else {
    log::Warn("UNIVERSAL_WEBHOOK_VERIFY_SIGNATURES=false: webhook and lifecycle signatures are NOT "
              "verified; use this for development only");
  }
  const clockify::JwtVerifier* verifier = ctx->verifier ? &*ctx->verifier : nullptr;

  ctx->directory = std::make_unique<lifecycle::TokenDirectory>(*ctx->store, clock);
  ctx->installations = std::make_unique<lifecycle::InstallationService>(
      ctx->config, *ctx->store, *ctx->secrets, verifier, clock, *ctx->directory);
  ctx->clockify_receiver =
      std::make_unique<ingest::ClockifyReceiver>(ctx->config, verifier, *ctx->directory, clock);
  ctx->custom_receiver =
      std::make_unique<ingest::CustomReceiver>(ctx->config, *ctx->store, *ctx->secrets, clock);
  ingest::WebhookQueue::Options queue_options;
  queue_options.workers = c.queue_workers;
  queue_options.lease = std::chrono::seconds(c.queue_lease_seconds);
  ctx->queue = std::make_unique<ingest::WebhookQueue>(*ctx->store, clock, queue_options);
  ingest::GroupCommitWriter::Options writer_options;
  // New webhooks are taken up as soon as they are committed.
  writer_options.on_commit = [queue = ctx->queue.get()] { queue->Wake(); };
  ctx->writer = std::make_unique<ingest::GroupCommitWriter>(*ctx->store, writer_options);
  // On PostgreSQL every instance paces each workspace together with the others.
  ctx->limiter = std::make_unique<clockify::WorkspaceRateLimiter>(clock, nullptr,
                                                                  ctx->store->SharedApiPace());
  ctx->api_client = std::make_unique<clockify::ApiClient>(clockify::ApiClientOptions{},
                                                          *ctx->limiter, clock);
  AppContext* raw = ctx.get();
  ctx->registrar = std::make_unique<lifecycle::WebhookRegistrar>(
      lifecycle::WebhookRegistrar::Options{c.base_url, c.extra_events}, *ctx->store, *ctx->secrets,
      *ctx->directory, [raw](const std::string& ws) { return raw->ApiTargetFor(ws); },
      [raw](const clockify::ApiTarget& target, const clockify::ApiRequest& request) {
        return raw->api_client->Call(target, request);
      });
  ctx->installations->AddListener(ctx->registrar.get());
  ctx->manifest_json = clockify::BuildManifest(ctx->config);
  if (auto ok = ctx->LoadCatalog(); !ok) return Fail(ok.error());
  ctx->bootstrap = std::make_unique<bootstrap::BootstrapRunner>(
      bootstrap::RunnerOptions{}, *ctx->store, ctx->catalog, ctx->config.workspace_defaults,
      [raw](const std::string& workspace_id) { return raw->ApiTargetFor(workspace_id); },
      [raw](const clockify::ApiTarget& target, const clockify::ApiRequest& request) {
        return raw->api_client->Call(target, request);
      },
      clock);
  ctx->installations->AddListener(ctx->bootstrap.get());
  ctx->cache_refresher = std::make_unique<bootstrap::CacheRefresher>(*ctx->store, clock);
  ctx->retention = std::make_unique<retention::RetentionJob>(
      retention::RetentionOptions{}, *ctx->store, ctx->config.workspace_defaults, clock,
      [raw](const std::string& workspace_id) {
        return raw->bootstrap->Trigger(workspace_id).has_value();
      });

  flows::HttpActionOptions http_options;
  http_options.allow_private = c.http_action_allow_private;
  ctx->http_actions = std::make_unique<flows::HttpActionClient>(http_options);
  ctx->action_transport = std::make_unique<flows::LiveActionTransport>(
      *ctx->api_client, [raw](const std::string& ws) { return raw->ApiTargetFor(ws); },
      *ctx->http_actions);
  flows::ExecutorOptions executor_options;
  executor_options.enable_flows = c.flow_enable_flows;
  executor_options.enable_generic_http_actions = c.flow_enable_generic_http_actions;
  executor_options.defaults = c.workspace_defaults;
  ctx->flow_executor = std::make_unique<flows::FlowExecutor>(
      *ctx->store, clock, *ctx->action_transport, ctx->catalog, executor_options);
  // The cache sees each webhook before the flows that may read it (SPEC §9).
  ctx->queue->AddConsumer(ctx->cache_refresher.get());
  ctx->queue->AddConsumer(ctx->flow_executor.get());
  log::Info("database ready", {{"schema_version", std::to_string(*version)}});
  return ctx;
}

Result<void> AppContext::LoadCatalog() {
  if (config.openapi_path.empty() && config.openapi_url.empty()) {
    log::Warn("no OpenAPI document configured (UNIVERSAL_WEBHOOK_OPENAPI_PATH or _OPENAPI_URL): "
              "the API explorer answers 503 until one is set");
    return {};
  }
  const auto started = std::chrono::steady_clock::now();
  auto loaded =
      clockify::LoadOpenApiCatalog(config.openapi_path, config.openapi_url, config.openapi_cache_path);
  if (!loaded) return Fail(loaded.error());
  catalog = std::move(*loaded);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log::Info("OpenAPI document loaded", {{"operations", std::to_string(catalog->Operations().size())},
                                        {"load_ms", std::to_string(ms)}});
  return {};
}

Result<clockify::ApiTarget> AppContext::ApiTargetFor(const std::string& workspace_id) {
  auto installation = store->GetInstallation(workspace_id);
  if (!installation || !installation->is_active) {
    return Fail(ErrorCode::kForbidden, "not_installed", "the workspace has not installed the add-on");
  }
  auto token = secrets->Open(installation->addon_token_ciphertext);
  if (!token) return Fail(token.error());
  clockify::ApiTarget target;
  target.workspace_id = workspace_id;
  target.backend_url =
      installation->backend_url.empty() ? installation->api_url : installation->backend_url;
  target.reports_url =
      installation->reports_url.empty() ? target.backend_url : installation->reports_url;
  target.addon_token = std::move(*token);
  target.max_rps = lifecycle::EffectiveSettings(config.workspace_defaults,
                                                installation->settings_json)
                       .bootstrap_max_rps;
  return target;
}

AppContext::AppContext(Config c, const Clock& k) : config(std::move(c)), clock(k) {}

AppContext::~AppContext() { Shutdown(); }

void AppContext::StartBackgroundWork() {
  if (queue) queue->Start();
  bootstrap->Start();
  retention->Start();
}

void AppContext::Shutdown() {
  if (retention) retention->Stop();
  if (bootstrap) bootstrap->Stop();
  if (registrar) registrar->Stop();
  if (writer) writer->Stop();
  if (flow_executor) flow_executor->RequestStop();
  if (queue) queue->Stop();
  upstream.join();
  blocking.join();
}

asio::awaitable<Result<store::AppendOutcome>> AppendWebhook(AppContext& ctx,
                                                            store::NewWebhook row) {
  using Outcome = Result<store::AppendOutcome>;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Outcome)>(
      [&ctx](auto handler, store::NewWebhook r) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        ctx.writer->Submit(std::move(r), [shared](Outcome outcome) {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, [shared, outcome = std::move(outcome)]() mutable {
            std::move (*shared)(std::move(outcome));
          });
        });
      },
      asio::use_awaitable, std::move(row));
}

http::Response ErrorResponse(const http::Request& request, const Error& error) {
  if (error.kind == ErrorCode::kInternal) {
    log::Error("internal error", {{"request_id", request.request_id}, {"error", error.message}});
    return http::Response::FromError(
        Error::Make(ErrorCode::kInternal, "internal_error", "internal error"), request.request_id);
  }
  return http::Response::FromError(error, request.request_id);
}

void RegisterRoutes(http::Router& router, AppContext& ctx) {
  RegisterHealthRoutes(router, ctx);
  RegisterLifecycleRoutes(router, ctx);
  RegisterWebhookRoutes(router, ctx);
  RegisterUiWebhookRoutes(router, ctx);
  RegisterUiCustomSourceRoutes(router, ctx);
  RegisterUiExplorerRoutes(router, ctx);
  RegisterUiExplorerExecuteRoutes(router, ctx);
  RegisterUiJsonPathRoutes(router, ctx);
  RegisterUiFlowRoutes(router, ctx);
  RegisterUiBootstrapRoutes(router, ctx);
  RegisterUiEntityRoutes(router, ctx);
  RegisterUiPageRoutes(router, ctx);
}

}  // namespace uwh::api
