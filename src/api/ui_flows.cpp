// Flows (SPEC §4.4, §6): GET/POST /ui/flows, GET/PUT/DELETE /ui/flows/{id},
// GET /ui/flows/{id}/executions, POST /ui/flows/{id}/test, POST /ui/webhooks/{id}/replay.
// Validation, execution and replay are the flow module's; these handlers authenticate, parse and
// move the blocking work to the blocking pool.
#include <nlohmann/json.hpp>

#include "api/ui_auth.hpp"
#include "api/ui_params.hpp"
#include "flows/executor.hpp"
#include "flows/flow_definition.hpp"
#include "flows/records.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

// Blocking: the flow as the API shows it, with its latest run.
Result<json> WithLastExecution(AppContext& ctx, const store::Flow& flow) {
  auto last = ctx.store->ListFlowExecutions(flow.workspace_id, flow.id, std::nullopt, 1);
  if (!last) return Fail(last.error());
  return flows::FlowToJson(flow, last->items.empty() ? nullptr : &last->items.front());
}

// 403 when the body names another workspace.
Result<void> BodyWorkspace(const Caller& caller, const json& body) {
  if (auto ws = body.find("workspace_id"); ws != body.end() && ws->is_string()) {
    return RequireSameWorkspace(caller, ws->get<std::string>());
  }
  return {};
}

asio::awaitable<http::Response> ListFlows(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  auto page = ReadPageParams(req);
  if (!page) co_return ErrorResponse(req, page.error());
  auto listed = co_await Offload(ctx, [&]() -> Result<json> {
    auto flows = ctx.store->ListFlows(caller->workspace_id, page->before_id, page->limit);
    if (!flows) return Fail(flows.error());
    json items = json::array();
    for (const auto& f : flows->items) {
      auto shown = WithLastExecution(ctx, f);
      if (!shown) return Fail(shown.error());
      items.push_back(std::move(*shown));
    }
    return json{{"items", std::move(items)}, {"next_cursor", NextCursor(flows->next_before_id)}};
  });
  if (!listed) co_return ErrorResponse(req, listed.error());
  co_return http::Response::Json(200, Dump(*listed));
}

asio::awaitable<http::Response> CreateFlow(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  auto body = JsonObjectBody(req);
  if (!body) co_return ErrorResponse(req, body.error());
  if (auto ok = BodyWorkspace(*caller, *body); !ok) co_return ErrorResponse(req, ok.error());
  auto created = co_await Offload(ctx, [&]() -> Result<store::Flow> {
    auto definition = flows::ParseFlowDefinition(*body, nullptr, ctx.catalog);
    if (!definition) return Fail(definition.error());
    store::Flow flow;
    flow.workspace_id = caller->workspace_id;
    flows::ApplyDefinition(*definition, flow);
    flow.created_at = flow.updated_at = ctx.clock.Now();
    return ctx.store->CreateFlow(flow);
  });
  if (!created) co_return ErrorResponse(req, created.error());
  co_return http::Response::Json(201, Dump(flows::FlowToJson(*created)));
}

asio::awaitable<http::Response> GetFlow(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  auto id = PathId(req, "flow");
  if (!id) co_return ErrorResponse(req, id.error());
  auto flow = co_await Offload(ctx, [&]() -> Result<json> {
    auto stored = ctx.store->GetFlow(caller->workspace_id, *id);
    if (!stored) return Fail(stored.error());
    return WithLastExecution(ctx, *stored);
  });
  if (!flow) co_return ErrorResponse(req, flow.error());
  co_return http::Response::Json(200, Dump(*flow));
}

asio::awaitable<http::Response> UpdateFlow(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  auto id = PathId(req, "flow");
  if (!id) co_return ErrorResponse(req, id.error());
  auto body = JsonObjectBody(req);
  if (!body) co_return ErrorResponse(req, body.error());
  if (auto ok = BodyWorkspace(*caller, *body); !ok) co_return ErrorResponse(req, ok.error());
  auto updated = co_await Offload(ctx, [&]() -> Result<store::Flow> {
    auto flow = ctx.store->GetFlow(caller->workspace_id, *id);
    if (!flow) return Fail(flow.error());
    const flows::FlowDefinition base = flows::DefinitionOf(*flow);
    auto definition = flows::ParseFlowDefinition(*body, &base, ctx.catalog);
    if (!definition) return Fail(definition.error());
    flows::ApplyDefinition(*definition, *flow);
    // Saving a paused flow enabled resumes it; the loop guard then counts from this save.
    if (flow->enabled) flow->paused_reason.clear();
    flow->updated_at = ctx.clock.Now();
    return ctx.store->UpdateFlow(*flow);
  });
  if (!updated) co_return ErrorResponse(req, updated.error());
  co_return http::Response::Json(200, Dump(flows::FlowToJson(*updated)));
}

asio::awaitable<http::Response> DeleteFlow(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  auto id = PathId(req, "flow");
  if (!id) co_return ErrorResponse(req, id.error());
  auto deleted =
      co_await Offload(ctx, [&] { return ctx.store->DeleteFlow(caller->workspace_id, *id); });
  if (!deleted) co_return ErrorResponse(req, deleted.error());
  http::Response response;
  response.status = 204;
  co_return response;
}

asio::awaitable<http::Response> ListExecutions(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  auto id = PathId(req, "flow");
  if (!id) co_return ErrorResponse(req, id.error());
  auto page = ReadPageParams(req);
  if (!page) co_return ErrorResponse(req, page.error());
  auto executions = co_await Offload(ctx, [&]() -> Result<store::ExecutionPage> {
    if (auto flow = ctx.store->GetFlow(caller->workspace_id, *id); !flow) {
      return Fail(flow.error());
    }
    return ctx.store->ListFlowExecutions(caller->workspace_id, *id, page->before_id, page->limit);
  });
  if (!executions) co_return ErrorResponse(req, executions.error());
  json items = json::array();
  for (const auto& e : executions->items) items.push_back(flows::ExecutionToJson(e));
  co_return http::Response::Json(
      200, Dump(json{{"items", std::move(items)},
                     {"next_cursor", NextCursor(executions->next_before_id)}}));
}

// {"webhook_id":N} or {"payload":{…},"event_type":"…","source"?}, "dry_run" (default true).
Result<std::pair<flows::TestInput, bool>> ReadTestBody(const json& body) {
  flows::TestInput input;
  bool dry_run = true;
  if (auto d = body.find("dry_run"); d != body.end() && !d->is_null()) {
    if (!d->is_boolean()) return InvalidField("dry_run", "dry_run must be true or false");
    dry_run = d->get<bool>();
  }
  if (auto w = body.find("webhook_id"); w != body.end() && !w->is_null()) {
    if (!w->is_number_integer() || w->get<int64_t>() <= 0) {
      return InvalidField("webhook_id", "webhook_id must be a webhook's id");
    }
    input.webhook_id = w->get<int64_t>();
    return std::make_pair(std::move(input), dry_run);
  }
  auto payload = body.find("payload");
  if (payload == body.end()) {
    return InvalidField("webhook_id", "give a webhook_id, or a payload and its event_type");
  }
  auto event = body.find("event_type");
  if (event == body.end() || !event->is_string() || event->get<std::string>().empty()) {
    return InvalidField("event_type", "event_type is required with a payload");
  }
  input.payload = *payload;
  input.event_type = event->get<std::string>();
  if (auto s = body.find("source"); s != body.end() && !s->is_null()) {
    if (!s->is_string() || (*s != "CLOCKIFY" && *s != "CUSTOM")) {
      return InvalidField("source", "source must be CLOCKIFY or CUSTOM");
    }
    input.source = s->get<std::string>();
  }
  return std::make_pair(std::move(input), dry_run);
}

asio::awaitable<http::Response> TestFlow(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  auto id = PathId(req, "flow");
  if (!id) co_return ErrorResponse(req, id.error());
  auto body = JsonObjectBody(req);
  if (!body) co_return ErrorResponse(req, body.error());
  auto test = ReadTestBody(*body);
  if (!test) co_return ErrorResponse(req, test.error());
  // A dry run changes nothing; a real one calls the actions.
  if (!test->second) {
    if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  }
  auto run = [&]() -> Result<json> {
    auto flow = ctx.store->GetFlow(caller->workspace_id, *id);
    if (!flow) return Fail(flow.error());
    return ctx.flow_executor->Test(*flow, test->first, test->second);
  };
  Result<json> outcome;
  if (test->second) {
    outcome = co_await Offload(ctx, run);
  } else {
    // A real run calls Clockify: on the upstream pool, like the explorer's calls.
    outcome = co_await OffloadUpstream(ctx, run);
  }
  if (!outcome) co_return ErrorResponse(req, outcome.error());
  co_return http::Response::Json(200, Dump(*outcome));
}

asio::awaitable<http::Response> ReplayWebhook(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  if (auto ok = RequireWrite(*caller); !ok) co_return ErrorResponse(req, ok.error());
  auto id = PathId(req, "webhook");
  if (!id) co_return ErrorResponse(req, id.error());
  // Replays call Clockify: on the upstream pool.
  auto executions = co_await OffloadUpstream(
      ctx, [&] { return ctx.flow_executor->Replay(caller->workspace_id, *id); });
  if (!executions) co_return ErrorResponse(req, executions.error());
  json items = json::array();
  for (const auto& e : *executions) items.push_back(flows::ExecutionToJson(e));
  co_return http::Response::Json(200, Dump(json{{"webhook_id", *id}, {"executions", items}}));
}

}  // namespace

void RegisterUiFlowRoutes(http::Router& router, AppContext& ctx) {
  router.Add("GET", "/ui/flows", [&ctx](http::Request& r) { return ListFlows(ctx, r); });
  router.Add("POST", "/ui/flows", [&ctx](http::Request& r) { return CreateFlow(ctx, r); });
  router.Add("GET", "/ui/flows/{id}", [&ctx](http::Request& r) { return GetFlow(ctx, r); });
  router.Add("PUT", "/ui/flows/{id}", [&ctx](http::Request& r) { return UpdateFlow(ctx, r); });
  router.Add("DELETE", "/ui/flows/{id}", [&ctx](http::Request& r) { return DeleteFlow(ctx, r); });
  router.Add("GET", "/ui/flows/{id}/executions",
             [&ctx](http::Request& r) { return ListExecutions(ctx, r); });
  router.Add("POST", "/ui/flows/{id}/test", [&ctx](http::Request& r) { return TestFlow(ctx, r); });
  router.Add("POST", "/ui/webhooks/{id}/replay",
             [&ctx](http::Request& r) { return ReplayWebhook(ctx, r); });
}

}  // namespace uwh::api
