#include "api/app_context.hpp"

#include "clockify/manifest.hpp"
#include "common/logging.hpp"

namespace uwh::api {

Result<std::unique_ptr<AppContext>> AppContext::Create(Config config, const Clock& clock) {
  if (auto ok = clockify::ValidateManifestConfig(config); !ok) return Fail(ok.error());
  std::unique_ptr<AppContext> ctx(new AppContext(std::move(config), clock));
  const Config& c = ctx->config;

  auto store = store::OpenStore(c.database_url, c.db_synchronous_full);
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
  ctx->writer = std::make_unique<ingest::GroupCommitWriter>(
      *ctx->store, ingest::GroupCommitWriter::Options{});
  ctx->manifest_json = clockify::BuildManifest(ctx->config);
  log::Info("database ready", {{"schema_version", std::to_string(*version)}});
  return ctx;
}

AppContext::~AppContext() { Shutdown(); }

void AppContext::Shutdown() {
  if (writer) writer->Stop();
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
}

}  // namespace uwh::api
