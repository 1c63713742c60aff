// POST /lifecycle/{installed,uninstalled,settings-updated,status-changed} (SPEC §4.2).
#include "api/app_context.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::api {
namespace {

constexpr std::string_view kOk = R"({"status":"ok"})";

}  // namespace

void RegisterLifecycleRoutes(http::Router& router, AppContext& ctx) {
  router.Add("POST", "/lifecycle/installed",
             [&ctx](http::Request& req) -> asio::awaitable<http::Response> {
               auto installed = co_await Offload(ctx, [&] {
                 return ctx.installations->Installed(req.Header("x-addon-lifecycle-token"),
                                                     req.body);
               });
               if (!installed) co_return ErrorResponse(req, installed.error());
               co_return http::Response::Json(
                   200, R"({"status":"installed","workspace_id":)" +
                            http::JsonQuote(installed->workspace_id) + "}");
             });

  router.Add("POST", "/lifecycle/uninstalled",
             [&ctx](http::Request& req) -> asio::awaitable<http::Response> {
               auto done = co_await Offload(ctx, [&] {
                 return ctx.installations->Uninstalled(req.Header("x-addon-lifecycle-token"),
                                                       req.body);
               });
               if (!done) co_return ErrorResponse(req, done.error());
               co_return http::Response::Json(200, std::string(kOk));
             });

  router.Add("POST", "/lifecycle/settings-updated",
             [&ctx](http::Request& req) -> asio::awaitable<http::Response> {
               auto settings = co_await Offload(ctx, [&] {
                 return ctx.installations->SettingsUpdated(
                     req.Header("x-addon-lifecycle-token"), req.body);
               });
               if (!settings) co_return ErrorResponse(req, settings.error());
               co_return http::Response::Json(
                   200, R"({"status":"ok","settings":)" + lifecycle::SettingsToJson(*settings) +
                            "}");
             });

  router.Add("POST", "/lifecycle/status-changed",
             [&ctx](http::Request& req) -> asio::awaitable<http::Response> {
               auto done = co_await Offload(ctx, [&] {
                 return ctx.installations->StatusChanged(req.Header("x-addon-lifecycle-token"),
                                                         req.body);
               });
               if (!done) co_return ErrorResponse(req, done.error());
               co_return http::Response::Json(200, std::string(kOk));
             });
}

}  // namespace uwh::api
