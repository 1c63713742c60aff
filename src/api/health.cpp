// GET /healthz, /readyz, /manifest, /metrics (SPEC §4.1).
#include "api/app_context.hpp"
#include "common/metrics.hpp"

namespace uwh::api {

void RegisterHealthRoutes(http::Router& router, AppContext& ctx) {
  router.Add("GET", "/healthz", [](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::Json(200, R"({"status":"ok"})");
  });

  router.Add("GET", "/readyz", [&ctx](http::Request& req) -> asio::awaitable<http::Response> {
    auto version = co_await Offload(ctx, [&ctx]() -> Result<int> {
      if (auto ping = ctx.store->Ping(); !ping) return Fail(ping.error());
      return ctx.store->SchemaVersion();
    });
    if (!version) {
      co_return ErrorResponse(req, Error::Make(ErrorCode::kUnavailable, "not_ready",
                                               "the database does not answer"));
    }
    if (*version != ctx.store->LatestSchemaVersion()) {
      co_return ErrorResponse(req, Error::Make(ErrorCode::kUnavailable, "not_ready",
                                               "database migrations are not current"));
    }
    co_return http::Response::Json(
        200, R"({"status":"ready","schema_version":)" + std::to_string(*version) + "}");
  });

  router.Add("GET", "/manifest", [&ctx](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::Json(200, ctx.manifest_json);
  });

  // Public like the health checks (SPEC §4.1): label values are route patterns, event types,
  // source names and status codes, never a path, a token or a secret.
  router.Add("GET", "/metrics", [&ctx](http::Request&) -> asio::awaitable<http::Response> {
    metrics::IngestQueueDepth().Set(static_cast<double>(ctx.writer->Pending()));
    http::Response response;
    response.content_type = std::string(metrics::kContentType);
    response.body = metrics::Default().Render();
    co_return response;
  });
}

}  // namespace uwh::api
