// GET /ui/bootstrap, POST /ui/bootstrap/trigger (SPEC §4.4, §9).
#include "api/ui_bootstrap.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "api/ui_auth.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

json OptionalTime(const std::optional<store::TimePoint>& t) {
  return t ? json(FormatTimestamp(*t)) : json();
}

json CheckpointJson(const store::BootstrapCheckpoint& c) {
  json j = {{"endpoint", c.endpoint},
            {"operation_id", c.operation_id},
            {"entity_type", c.entity_type},
            {"status", c.status},
            {"pages", c.pages},
            {"items", c.items}};
  if (!c.parent_id.empty()) j["parent_id"] = c.parent_id;
  if (c.status_code != 0) j["status_code"] = c.status_code;
  j["error_message"] = c.error_message.empty() ? json() : json(c.error_message);
  return j;
}

// The state, one line per planned operation (with its parents' tally when it is listed per
// parent), and every endpoint that was skipped, with why.
json Describe(const store::BootstrapState& state,
              const std::vector<store::BootstrapCheckpoint>& checkpoints) {
  json body = BootstrapStateJson(state);
  json endpoints = json::array();
  json skipped = json::array();
  std::map<std::string, json> parents;  // operation → {total, done, skipped}
  for (const auto& c : checkpoints) {
    if (c.status == "skipped") skipped.push_back(CheckpointJson(c));
    if (c.parent_id.empty()) continue;
    json& tally = parents[c.operation_id];
    if (tally.is_null()) tally = {{"total", 0}, {"done", 0}, {"skipped", 0}};
    tally["total"] = tally["total"].get<int>() + 1;
    if (c.status == "done" || c.status == "skipped") {
      tally[c.status] = tally[c.status].get<int>() + 1;
    }
  }
  for (const auto& c : checkpoints) {
    if (!c.parent_id.empty()) continue;
    json j = CheckpointJson(c);
    if (auto it = parents.find(c.operation_id); it != parents.end()) j["parents"] = it->second;
    endpoints.push_back(std::move(j));
  }
  body["endpoints"] = std::move(endpoints);
  body["skipped"] = std::move(skipped);
  return body;
}

asio::awaitable<http::Response> Get(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  struct Data {
    store::BootstrapState state;
    std::vector<store::BootstrapCheckpoint> checkpoints;
  };
  auto data = co_await Offload(ctx, [&]() -> Result<Data> {
    Data d;
    auto state = ctx.store->GetBootstrapState(caller->workspace_id);
    if (state) {
      d.state = std::move(*state);
    } else if (state.error().kind != ErrorCode::kNotFound) {
      return Fail(state.error());
    }
    auto checkpoints = ctx.store->ListBootstrapCheckpoints(caller->workspace_id);
    if (!checkpoints) return Fail(checkpoints.error());
    d.checkpoints = std::move(*checkpoints);
    return d;
  });
  if (!data) co_return ErrorResponse(req, data.error());
  co_return http::Response::Json(200, Describe(data->state, data->checkpoints)
                                          .dump(-1, ' ', false, json::error_handler_t::replace));
}

asio::awaitable<http::Response> Trigger(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  auto state = co_await Offload(ctx, [&] { return ctx.bootstrap->Trigger(caller->workspace_id); });
  if (!state) co_return ErrorResponse(req, state.error());
  co_return http::Response::Json(202, BootstrapStateJson(*state).dump());
}

}  // namespace

json BootstrapStateJson(const store::BootstrapState& b) {
  json j = {{"status", b.status},
            {"progress", b.progress},
            {"total_endpoints", b.total_endpoints},
            {"completed_endpoints", b.completed_endpoints},
            {"started_at", OptionalTime(b.started_at)},
            {"completed_at", OptionalTime(b.completed_at)}};
  j["error_message"] = b.error_message.empty() ? json() : json(b.error_message);
  return j;
}

void RegisterUiBootstrapRoutes(http::Router& router, AppContext& ctx) {
  router.Add("GET", "/ui/bootstrap", [&ctx](http::Request& r) { return Get(ctx, r); });
  router.Add("POST", "/ui/bootstrap/trigger", [&ctx](http::Request& r) { return Trigger(ctx, r); });
}

}  // namespace uwh::api
