// POST /ui/api-explorer/execute (SPEC §5.2): runs one Clockify operation as the installation.
#include <nlohmann/json.hpp>

#include "api/ui_auth.hpp"
#include "bootstrap/entity_data.hpp"
#include "clockify/request_builder.hpp"
#include "common/json_parse.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

http::Response UnknownOperation(const http::Request& req, const AppContext& ctx,
                                const std::string& operation_id) {
  json error = {{"code", "unknown_operation"},
                {"message", "unknown operation '" + operation_id + "'"},
                {"field", "operation_id"},
                {"suggestions", ctx.catalog->Suggest(operation_id)},
                {"request_id", req.request_id}};
  return http::Response::Json(404, json{{"error", error}}.dump(-1, ' ', false,
                                                                json::error_handler_t::replace));
}

asio::awaitable<http::Response> Execute(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (!ctx.catalog) {
    co_return ErrorResponse(
        req, Error::Make(ErrorCode::kUnavailable, "spec_unavailable",
                         "no OpenAPI document: set UNIVERSAL_WEBHOOK_OPENAPI_PATH or "
                         "UNIVERSAL_WEBHOOK_OPENAPI_URL"));
  }
  const json body = ParseJson(req.body);
  if (body.is_discarded() || !body.is_object()) {
    co_return ErrorResponse(req, Error::Make(ErrorCode::kInvalidArgument, "invalid_json",
                                             "the body must be a JSON object"));
  }
  auto id = body.find("operation_id");
  if (id == body.end() || !id->is_string()) {
    co_return ErrorResponse(req, Error::Make(ErrorCode::kInvalidArgument, "validation_failed",
                                             "operation_id is required", "operation_id"));
  }
  const clockify::Operation* op = ctx.catalog->Find(id->get<std::string>());
  if (!op) co_return UnknownOperation(req, ctx, id->get<std::string>());
  if (op->method != "GET") {
    if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  }
  const json parameters = body.contains("parameters") ? body["parameters"] : json::object();
  auto request = clockify::BuildApiRequest(*op, parameters, caller->workspace_id);
  if (!request) co_return ErrorResponse(req, request.error());
  request->priority = clockify::Priority::kInteractive;

  auto response = co_await OffloadUpstream(ctx, [&]() -> Result<clockify::ApiResponse> {
    auto target = ctx.ApiTargetFor(caller->workspace_id);
    if (!target) return Fail(target.error());
    return ctx.api_client->Call(*target, *request);
  });
  if (!response) co_return ErrorResponse(req, response.error());
  json data = ParseJson(response->body);
  if (data.is_discarded()) data = response->body.empty() ? json() : json(response->body);
  // Clockify answers with secrets of its own (a webhook's authToken signs its deliveries).
  bootstrap::RedactSecrets(data);
  json out = {{"status_code", response->status_code},
              {"ok", response->ok()},
              {"latency_ms", response->latency.count()},
              {"attempts", response->attempts},
              {"data", std::move(data)},
              {"headers", response->headers},
              {"request", {{"method", response->method}, {"url", response->url}}}};
  if (!response->error.empty()) out["error"] = response->error;
  co_return http::Response::Json(200, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void RegisterUiExplorerExecuteRoutes(http::Router& router, AppContext& ctx) {
  router.Add("POST", "/ui/api-explorer/execute",
             [&ctx](http::Request& r) { return Execute(ctx, r); });
}

}  // namespace uwh::api
