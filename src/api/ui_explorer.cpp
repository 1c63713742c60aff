// GET /ui/api-explorer/endpoints and GET /ui/api-explorer/endpoints/{operationId} (SPEC §4.4):
// the operations of Clockify's OpenAPI document, read from the catalog loaded at start.
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/ui_auth.hpp"
#include "clockify/openapi_catalog.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Error SpecUnavailable() {
  return Error::Make(ErrorCode::kUnavailable, "spec_unavailable",
                     "the Clockify OpenAPI document is not loaded: set "
                     "UNIVERSAL_WEBHOOK_OPENAPI_PATH (a file) or UNIVERSAL_WEBHOOK_OPENAPI_URL "
                     "(downloaded once) and restart");
}

Error Invalid(const std::string& field, const std::string& message) {
  return Error::Make(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

bool IsHttpMethod(std::string method) {
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}) {
    if (method == m) return true;
  }
  return false;
}

asio::awaitable<http::Response> ListEndpoints(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  const std::shared_ptr<const clockify::OpenApiCatalog> catalog = ctx.catalog;
  if (!catalog) co_return ErrorResponse(req, SpecUnavailable());

  clockify::OperationFilter filter;
  if (const auto* v = req.Query("tag")) filter.tag = *v;
  if (const auto* v = req.Query("q")) filter.q = *v;
  if (const auto* v = req.Query("method"); v && !v->empty()) {
    if (!IsHttpMethod(*v)) {
      co_return ErrorResponse(req, Invalid("method",
                                           "method must be GET, POST, PUT, PATCH or "
                                           "DELETE"));
    }
    filter.method = *v;
  }
  if (const auto* v = req.Query("include_deprecated"); v && !v->empty()) {
    if (*v != "true" && *v != "false") {
      co_return ErrorResponse(
          req, Invalid("include_deprecated", "include_deprecated must be true or false"));
    }
    filter.include_deprecated = *v == "true";
  }

  // The items are serialised once at load; the answer only strings them together.
  const auto operations = catalog->List(filter);
  std::string body = R"({"items":[)";
  size_t size = 0;
  for (const clockify::Operation* op : operations) size += op->summary_json.size() + 1;
  body.reserve(size + 1024);
  for (size_t i = 0; i < operations.size(); ++i) {
    if (i > 0) body += ',';
    body += operations[i]->summary_json;
  }
  body += R"(],"next_cursor":null,"total":)";
  body += std::to_string(operations.size());
  body += R"(,"tags":)";
  body += Dump(catalog->Tags());
  body += '}';
  co_return http::Response::Json(200, std::move(body));
}

asio::awaitable<http::Response> GetEndpoint(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  const std::shared_ptr<const clockify::OpenApiCatalog> catalog = ctx.catalog;
  if (!catalog) co_return ErrorResponse(req, SpecUnavailable());

  const std::string id(req.Param("operationId"));
  if (const clockify::Operation* op = catalog->Find(id)) {
    co_return http::Response::Json(200, Dump(clockify::OperationToJson(*op, /*detail=*/true)));
  }
  // Response::FromError has no room for suggestions: same shape, built here.
  const auto suggestions = catalog->Suggest(id);
  std::string message = "unknown operation '" + id + "'";
  if (!suggestions.empty()) message += "; did you mean '" + suggestions.front() + "'?";
  const json body = {{"error",
                      {{"code", "unknown_operation"},
                       {"message", message},
                       {"request_id", req.request_id},
                       {"suggestions", suggestions}}}};
  co_return http::Response::Json(HttpStatusFor(ErrorCode::kNotFound), Dump(body));
}

}  // namespace

void RegisterUiExplorerRoutes(http::Router& router, AppContext& ctx) {
  router.Add("GET", "/ui/api-explorer/endpoints",
             [&ctx](http::Request& r) { return ListEndpoints(ctx, r); });
  router.Add("GET", "/ui/api-explorer/endpoints/{operationId}",
             [&ctx](http::Request& r) { return GetEndpoint(ctx, r); });
}

}  // namespace uwh::api
