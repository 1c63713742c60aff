// POST /ui/jsonpath/preview: what a condition's JSONPath selects in a webhook, for the flow
// builder's live preview. It runs the same RFC 9535 evaluator and condition rules as flows do, so
// the preview never disagrees with a real run.
//
// Body: {"path":"$.project.name", "webhook_id":N | "payload":<any JSON>,
//        "operator":"=="?, "value":…?}
// Answer: {"count":n, "singular":bool, "truncated":bool,
//          "nodes":[{"path":"$['project']['name']","value":…}], "passed":bool (with operator)}
// 400 invalid_jsonpath (field "path") with the position of the error; 400 invalid_condition for a
// bad operator or value; 404 for an unknown webhook. Reading only: any caller of the UI API.
#include <nlohmann/json.hpp>

#include "api/ui_auth.hpp"
#include "api/webhook_payload.hpp"
#include "common/json_parse.hpp"
#include "flows/conditions.hpp"
#include "flows/jsonpath/jsonpath.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxNodes = 50;

Error Invalid(const std::string& field, const std::string& message) {
  return Error::Make(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

asio::awaitable<http::Response> Preview(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  const json body = ParseJson(req.body);
  if (body.is_discarded() || !body.is_object()) {
    co_return ErrorResponse(req, Error::Make(ErrorCode::kInvalidArgument, "invalid_json",
                                             "the body must be a JSON object"));
  }
  const auto path = body.find("path");
  if (path == body.end() || !path->is_string()) {
    co_return ErrorResponse(req, Invalid("path", "path must be a JSONPath string such as "
                                                 "$.project.name"));
  }
  auto query = flows::jsonpath::Query::Compile(path->get<std::string>());
  if (!query) {
    Error e = query.error();
    e.field = "path";
    co_return ErrorResponse(req, e);
  }

  json payload;
  if (const auto id = body.find("webhook_id"); id != body.end()) {
    if (!id->is_number_integer() || id->get<int64_t>() <= 0) {
      co_return ErrorResponse(req, Invalid("webhook_id", "webhook_id must be a positive integer"));
    }
    const int64_t webhook_id = id->get<int64_t>();
    auto record = co_await Offload(
        ctx, [&] { return ctx.store->GetWebhook(caller->workspace_id, webhook_id); });
    if (!record) co_return ErrorResponse(req, record.error());
    payload = WebhookPayloadJson(*record);
  } else if (const auto p = body.find("payload"); p != body.end()) {
    payload = *p;
  } else {
    co_return ErrorResponse(req, Invalid("webhook_id", "give webhook_id or payload"));
  }

  const auto nodes = query->EvaluateWithPaths(payload);
  json out = {{"count", nodes.size()},
              {"singular", query->IsSingular()},
              {"truncated", nodes.size() > kMaxNodes}};
  json items = json::array();
  for (size_t i = 0; i < nodes.size() && i < kMaxNodes; ++i) {
    items.push_back({{"path", nodes[i].normalized_path}, {"value", *nodes[i].value}});
  }
  out["nodes"] = std::move(items);

  if (const auto op = body.find("operator"); op != body.end() && !op->is_null()) {
    json rule = {{"path", *path}, {"operator", *op}};
    if (const auto v = body.find("value"); v != body.end()) rule["value"] = *v;
    auto conditions = flows::Conditions::Compile(rule, "condition");
    if (!conditions) co_return ErrorResponse(req, conditions.error());
    out["passed"] = conditions->Evaluate(payload);
  }
  co_return http::Response::Json(200, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void RegisterUiJsonPathRoutes(http::Router& router, AppContext& ctx) {
  router.Add("POST", "/ui/jsonpath/preview", [&ctx](http::Request& r) { return Preview(ctx, r); });
}

}  // namespace uwh::api
