// GET /ui/entities?type= (SPEC §4.4): the cached entities of one type, for the flow builder's
// pickers. Keyset pages by entity id.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/ui_auth.hpp"
#include "common/json_parse.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

bool ValidType(const std::string& type) {
  return !type.empty() && type.size() <= 100 && std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

asio::awaitable<http::Response> List(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  const std::string* type = req.Query("type");
  if (type == nullptr || !ValidType(*type)) {
    co_return ErrorResponse(
        req, Error::Make(ErrorCode::kInvalidArgument, "validation_failed",
                         "type is required: an entity type such as project, user or time_entry "
                         "(lower case letters, digits and _)",
                         "type"));
  }
  auto limit = UiListLimit(req);
  if (!limit) co_return ErrorResponse(req, limit.error());
  std::optional<std::string> after;
  if (const std::string* cursor = req.Query("cursor"); cursor && !cursor->empty()) after = *cursor;
  auto page = co_await Offload(
      ctx, [&] { return ctx.store->ListEntities(caller->workspace_id, *type, after, *limit); });
  if (!page) co_return ErrorResponse(req, page.error());
  json items = json::array();
  for (const auto& e : page->items) {
    json data = ParseJson(e.data_json);
    json item = {{"entity_type", e.entity_type},
                 {"entity_id", e.entity_id},
                 {"fetched_at", FormatTimestamp(e.fetched_at)}};
    item["name"] = data.is_object() && data.contains("name") && data["name"].is_string()
                       ? data["name"]
                       : json();
    item["data"] = data.is_discarded() ? json(e.data_json) : std::move(data);
    items.push_back(std::move(item));
  }
  json body = {{"items", std::move(items)}};
  body["next_cursor"] = page->next_after_id ? json(*page->next_after_id) : json();
  co_return http::Response::Json(200, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void RegisterUiEntityRoutes(http::Router& router, AppContext& ctx) {
  router.Add("GET", "/ui/entities", [&ctx](http::Request& r) { return List(ctx, r); });
}

}  // namespace uwh::api
