// GET /ui/webhooks, GET /ui/webhooks/{id}, GET /ui/dashboard (SPEC §4.4).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/event_coverage.hpp"
#include "api/ui_auth.hpp"
#include "api/ui_bootstrap.hpp"
#include "api/ui_params.hpp"
#include "api/webhook_payload.hpp"
#include "clockify/event_types.hpp"
#include "common/json_parse.hpp"
#include "flows/records.hpp"
#include "ingest/custom_receiver.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::api {
namespace {

using nlohmann::json;

constexpr int kActivityHours = 24;

Result<std::optional<store::TimePoint>> TimeParam(const http::Request& req, const char* name) {
  const std::string* v = req.Query(name);
  if (!v || v->empty()) return std::optional<store::TimePoint>();
  store::TimePoint t;
  if (!ParseTimestamp(*v, &t)) {
    return InvalidField(name, std::string(name) + " must be an ISO-8601 timestamp such as "
                                                  "2026-01-31T00:00:00Z");
  }
  return std::optional<store::TimePoint>(t);
}

json Summary(const store::WebhookRecord& r) {
  json j = {{"id", r.id},
            {"workspace_id", r.workspace_id},
            {"event_type", r.event_type},
            {"source", r.source},
            {"status", r.status},
            {"received_at", FormatTimestamp(r.received_at)}};
  j["custom_source"] = r.custom_source.empty() ? json() : json(r.custom_source);
  j["error_message"] = r.error_message.empty() ? json() : json(r.error_message);
  j["content_type"] = r.content_type.empty() ? json() : json(r.content_type);
  return j;
}

json Counts(const std::vector<store::CountByKey>& counts) {
  json out = json::object();
  for (const auto& c : counts) out[c.key] = c.count;
  return out;
}

asio::awaitable<http::Response> ListWebhooks(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  auto page = ReadPageParams(req);
  if (!page) co_return ErrorResponse(req, page.error());
  store::WebhookFilter filter;
  if (const auto* v = req.Query("event_type")) filter.event_type = *v;
  if (const auto* v = req.Query("status"); v != nullptr && !v->empty()) {
    static constexpr std::string_view kStatuses[] = {"received", "processing", "processed",
                                                     "error", "skipped_inactive"};
    if (std::find(std::begin(kStatuses), std::end(kStatuses), *v) == std::end(kStatuses)) {
      co_return ErrorResponse(req, InvalidField("status", "status must be received, processing, "
                                                          "processed, error or skipped_inactive")
                                       .value());
    }
    filter.status = *v;
  }
  if (const auto* v = req.Query("source")) {
    // Either the kind of source or a custom source's name.
    if (*v == "CLOCKIFY" || *v == "CUSTOM") {
      filter.source = *v;
    } else if (ingest::IsValidSourceName(*v)) {
      filter.custom_source = *v;
    } else if (!v->empty()) {
      co_return ErrorResponse(req, InvalidField("source", "source must be CLOCKIFY, CUSTOM or "
                                                          "a custom source name")
                                       .value());
    }
  }
  auto from = TimeParam(req, "from");
  if (!from) co_return ErrorResponse(req, from.error());
  auto to = TimeParam(req, "to");
  if (!to) co_return ErrorResponse(req, to.error());
  filter.from = *from;
  filter.to = *to;

  auto result = co_await Offload(ctx, [&] {
    return ctx.store->ListWebhooks(caller->workspace_id, filter, page->before_id, page->limit);
  });
  if (!result) co_return ErrorResponse(req, result.error());
  json items = json::array();
  for (const auto& r : result->items) items.push_back(Summary(r));
  json body = {{"items", std::move(items)}};
  body["next_cursor"] = NextCursor(result->next_before_id);
  co_return http::Response::Json(200, Dump(body));
}

asio::awaitable<http::Response> GetWebhook(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  auto id = PathId(req, "webhook");
  if (!id) co_return ErrorResponse(req, id.error());
  struct Data {
    store::WebhookRecord record;
    std::vector<store::FlowExecution> executions;
  };
  auto data = co_await Offload(ctx, [&]() -> Result<Data> {
    auto record = ctx.store->GetWebhook(caller->workspace_id, *id);
    if (!record) return Fail(record.error());
    auto executions = ctx.store->ListWebhookExecutions(caller->workspace_id, *id);
    if (!executions) return Fail(executions.error());
    return Data{std::move(*record), std::move(*executions)};
  });
  if (!data) co_return ErrorResponse(req, data.error());
  const store::WebhookRecord* record = &data->record;
  json body = Summary(*record);
  body["attempts"] = record->attempts;
  body["flows_matched"] = record->flows_matched ? json(*record->flows_matched) : json();
  body["processed_at"] =
      record->processed_at ? json(FormatTimestamp(*record->processed_at)) : json();
  body["payload"] = WebhookPayloadJson(*record);
  json headers = ParseJson(record->headers_json);
  body["headers"] = headers.is_discarded() ? json::object() : headers;
  json executions = json::array();
  for (const auto& e : data->executions) executions.push_back(flows::ExecutionToJson(e));
  body["executions"] = std::move(executions);
  co_return http::Response::Json(200, Dump(body));
}

asio::awaitable<http::Response> Dashboard(AppContext& ctx, http::Request& req) {
  auto caller = co_await AuthenticateUi(ctx, req);
  if (!caller) co_return ErrorResponse(req, caller.error());
  const std::string ws = caller->workspace_id;
  const auto now = ctx.clock.Now();
  const auto since = now - std::chrono::hours(24);
  // The chart's 24 buckets are whole clock hours, the last one the current (partial) hour.
  const auto hours_start =
      std::chrono::floor<std::chrono::hours>(now) - std::chrono::hours(kActivityHours - 1);
  struct Data {
    store::Installation installation;
    store::BootstrapState bootstrap;
    store::WebhookStats stats;
    std::vector<int64_t> by_hour;
    std::vector<int64_t> executions_by_hour;
    std::vector<store::WebhookToken> tokens;
    std::vector<store::WebhookRegistration> registrations;
    std::vector<store::CustomSource> sources;
    store::FlowCounts flows;
    store::ExecutionStats executions;
    std::vector<store::CountByKey> entities;
  };
  auto data = co_await Offload(ctx, [&]() -> Result<Data> {
    Data d;
    auto installation = ctx.store->GetInstallation(ws);
    if (!installation) return Fail(installation.error());
    d.installation = std::move(*installation);
    auto bootstrap = ctx.store->GetBootstrapState(ws);
    if (bootstrap) d.bootstrap = std::move(*bootstrap);
    auto stats = ctx.store->GetWebhookStats(ws, since);
    if (!stats) return Fail(stats.error());
    d.stats = std::move(*stats);
    auto by_hour = ctx.store->CountWebhooksByHour(ws, hours_start, kActivityHours);
    if (!by_hour) return Fail(by_hour.error());
    d.by_hour = std::move(*by_hour);
    auto executions_by_hour = ctx.store->CountExecutionsByHour(ws, hours_start, kActivityHours);
    if (!executions_by_hour) return Fail(executions_by_hour.error());
    d.executions_by_hour = std::move(*executions_by_hour);
    auto tokens = ctx.store->ListWebhookTokens(ws);
    if (!tokens) return Fail(tokens.error());
    d.tokens = std::move(*tokens);
    auto registrations = ctx.store->ListWebhookRegistrations(ws);
    if (!registrations) return Fail(registrations.error());
    d.registrations = std::move(*registrations);
    auto sources = ctx.store->ListCustomSources(ws);
    if (!sources) return Fail(sources.error());
    d.sources = std::move(*sources);
    auto flows = ctx.store->CountFlows(ws);
    if (!flows) return Fail(flows.error());
    d.flows = *flows;
    auto executions = ctx.store->GetExecutionStats(ws, since);
    if (!executions) return Fail(executions.error());
    d.executions = std::move(*executions);
    auto entities = ctx.store->CountEntitiesByType(ws);
    if (!entities) return Fail(entities.error());
    d.entities = std::move(*entities);
    return d;
  });
  if (!data) co_return ErrorResponse(req, data.error());
  const auto& in = data->installation;
  const auto settings = lifecycle::EffectiveSettings(ctx.config.workspace_defaults, in.settings_json);

  json body;
  body["workspace_id"] = ws;
  body["installation"] = {{"active", in.is_active},
                          {"status", in.status},
                          {"installed_at", FormatTimestamp(in.installed_at)},
                          {"api_url", in.api_url},
                          {"backend_url", in.backend_url},
                          {"reports_url", in.reports_url}};
  body["settings"] = json::parse(lifecycle::SettingsToJson(settings));
  body["bootstrap"] = BootstrapStateJson(data->bootstrap);
  body["entities"] = Counts(data->entities);
  body["flows"] = {{"total", data->flows.total}, {"enabled", data->flows.enabled}};
  const auto& s = data->stats;
  body["webhooks_24h"] = {{"total", s.total},
                          {"by_status", Counts(s.by_status)},
                          {"by_event_type", Counts(s.by_event_type)},
                          {"by_source", Counts(s.by_source)}};
  body["webhooks_24h"]["last_received_at"] =
      s.last_received_at ? json(FormatTimestamp(*s.last_received_at)) : json();
  body["webhooks_24h"]["by_hour"] = {{"start", FormatTimestamp(hours_start)},
                                     {"counts", data->by_hour}};
  const auto& x = data->executions;
  body["executions_24h"] = {{"total", x.total}, {"by_status", Counts(x.by_status)}};
  // The same buckets as the webhooks', so the chart draws both side by side.
  body["executions_24h"]["by_hour"] = {{"start", FormatTimestamp(hours_start)},
                                       {"counts", data->executions_by_hour}};
  int64_t execution_errors = 0;
  for (const auto& c : x.by_status) {
    if (c.key == "error" || c.key == "partial" || c.key == "unknown") execution_errors += c.count;
  }
  body["errors_24h"] = {{"webhooks", s.errors}, {"executions", execution_errors}};

  // Which event types reach the add-on, and how (SPEC §8).
  body["event_coverage"] = EventCoverage(ctx.config, data->tokens, data->registrations);
  json sources = json::array();
  for (const auto& src : data->sources) sources.push_back(src.source);
  body["custom_sources"] = std::move(sources);
  co_return http::Response::Json(200, Dump(body));
}

}  // namespace

nlohmann::json WebhookPayloadJson(const store::WebhookRecord& record) {
  json payload = record.content_type == "application/x-www-form-urlencoded"
                     ? ParseJson(ingest::FormToJson(record.payload))
                     : ParseJson(record.payload);
  return payload.is_discarded() ? json(record.payload) : payload;
}

void RegisterUiWebhookRoutes(http::Router& router, AppContext& ctx) {
  router.Add("GET", "/ui/webhooks", [&ctx](http::Request& r) { return ListWebhooks(ctx, r); });
  router.Add("GET", "/ui/webhooks/{id}", [&ctx](http::Request& r) { return GetWebhook(ctx, r); });
  router.Add("GET", "/ui/dashboard", [&ctx](http::Request& r) { return Dashboard(ctx, r); });
}

}  // namespace uwh::api
