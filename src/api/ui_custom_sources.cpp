// GET/POST /ui/custom-sources, DELETE /ui/custom-sources/{source} (SPEC §4.4). The secret is shown
// once, at creation, and stored encrypted.
#include <nlohmann/json.hpp>

#include "api/ui_auth.hpp"
#include "common/json_parse.hpp"
#include "ingest/custom_receiver.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

json Describe(const AppContext& ctx, const store::CustomSource& s) {
  return {{"source", s.source},
          {"open", s.open},
          {"created_at", FormatTimestamp(s.created_at)},
          {"url", ctx.config.base_url + "/webhooks/custom/" + s.source}};
}

asio::awaitable<http::Response> List(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  auto sources =
      co_await Offload(ctx, [&] { return ctx.store->ListCustomSources(caller->workspace_id); });
  if (!sources) co_return ErrorResponse(req, sources.error());
  json items = json::array();
  for (const auto& s : *sources) items.push_back(Describe(ctx, s));
  co_return http::Response::Json(200, json{{"items", items}, {"next_cursor", nullptr}}.dump());
}

asio::awaitable<http::Response> Create(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  const json body = ParseJson(req.body);
  if (body.is_discarded()) {
    co_return ErrorResponse(req, Error::Make(ErrorCode::kInvalidArgument, "invalid_json",
                                             "the body is not valid JSON"));
  }
  auto invalid = [&](const std::string& field, const std::string& message) {
    return ErrorResponse(req, Error::Make(ErrorCode::kInvalidArgument, "validation_failed",
                                          message, field));
  };
  if (!body.is_object()) co_return invalid("", "the body must be an object");
  if (auto ws = body.find("workspace_id"); ws != body.end() && ws->is_string()) {
    if (auto ok = RequireSameWorkspace(*caller, *ws); !ok) co_return ErrorResponse(req, ok.error());
  }
  auto name = body.find("source");
  if (name == body.end() || !name->is_string() ||
      !ingest::IsValidSourceName(name->get<std::string>())) {
    co_return invalid("source", "source must be 1 to 64 of A-Z a-z 0-9 . _ -");
  }
  bool open = false;
  if (auto o = body.find("open"); o != body.end()) {
    if (!o->is_boolean()) co_return invalid("open", "open must be true or false");
    open = o->get<bool>();
  }
  store::CustomSource source;
  source.workspace_id = caller->workspace_id;
  source.source = name->get<std::string>();
  source.open = open;
  source.created_at = ctx.clock.Now();
  std::string secret;
  if (!open) {
    secret = ingest::NewWebhookSecret();
    source.secret_ciphertext = ctx.secrets->Seal(secret);
  }
  auto created = co_await Offload(ctx, [&] { return ctx.store->CreateCustomSource(source); });
  if (!created) co_return ErrorResponse(req, created.error());
  json out = Describe(ctx, *created);
  if (!open) {
    out["secret"] = secret;
    out["note"] = "Store this secret now: it is not shown again.";
  }
  http::Response response = http::Response::Json(201, out.dump());
  response.headers.emplace_back("Cache-Control", "no-store");
  co_return response;
}

asio::awaitable<http::Response> Delete(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  const std::string source(req.Param("source"));
  auto deleted = co_await Offload(
      ctx, [&] { return ctx.store->DeleteCustomSource(caller->workspace_id, source); });
  if (!deleted) co_return ErrorResponse(req, deleted.error());
  http::Response response;
  response.status = 204;
  co_return response;
}

}  // namespace

void RegisterUiCustomSourceRoutes(http::Router& router, AppContext& ctx) {
  router.Add("GET", "/ui/custom-sources", [&ctx](http::Request& r) { return List(ctx, r); });
  router.Add("POST", "/ui/custom-sources", [&ctx](http::Request& r) { return Create(ctx, r); });
  router.Add("DELETE", "/ui/custom-sources/{source}",
             [&ctx](http::Request& r) { return Delete(ctx, r); });
}

}  // namespace uwh::api
