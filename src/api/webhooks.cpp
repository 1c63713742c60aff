// POST /webhooks/clockify, /webhooks/clockify/{event} and /webhooks/custom/{source} (SPEC §4.3).
#include "api/app_context.hpp"
#include "clockify/event_types.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"

namespace uwh::api {
namespace {

// What a delivery turned out to be, for the metrics and the log line. Filled as the receiver
// learns it; values are bounded vocabularies (see metrics::WebhooksReceived).
struct DeliveryLabels {
  std::string source;
  std::string event_type = "unknown";
  std::string workspace_id;
};

http::Response Answer(const http::Request& req, const DeliveryLabels& labels,
                      const Result<store::AppendOutcome>& outcome) {
  if (!outcome) {
    metrics::WebhooksReceived(labels.source, labels.event_type, outcome.error().code);
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("webhook refused", {{"request_id", req.request_id},
                                     {"source", labels.source},
                                     {"event_type", labels.event_type},
                                     {"workspace_id", labels.workspace_id},
                                     {"code", outcome.error().code}});
    }
    return ErrorResponse(req, outcome.error());
  }
  metrics::WebhooksReceived(labels.source, labels.event_type,
                            outcome->duplicate ? "duplicate" : "accepted");
  const std::string id = std::to_string(outcome->id);
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("webhook accepted", {{"request_id", req.request_id},
                                    {"source", labels.source},
                                    {"event_type", labels.event_type},
                                    {"workspace_id", labels.workspace_id},
                                    {"webhook_id", id},
                                    {"duplicate", outcome->duplicate ? "true" : ""}});
  }
  std::string body = R"({"status":"accepted","id":)" + id;
  if (outcome->duplicate) body += R"(,"duplicate":true)";
  body += "}";
  return http::Response::Json(200, std::move(body));
}

asio::awaitable<Result<store::AppendOutcome>> ReceiveClockify(AppContext& ctx,
                                                              http::Request& req,
                                                              DeliveryLabels* labels) {
  labels->source = "CLOCKIFY";
  if (const auto event = req.Header("clockify-webhook-event-type");
      clockify::IsKnownEventType(event)) {
    labels->event_type = std::string(event);
  }
  const ingest::ClockifyDelivery delivery{req.Param("event"), req.body, &req.headers};
  auto checked = ctx.clockify_receiver->Check(delivery);
  if (!checked) co_return Fail(checked.error());

  Result<lifecycle::TokenBinding> binding =
      Fail(ErrorCode::kNotFound, "not_found", "unknown token");
  if (ctx.verifier) {
    if (auto cached = ctx.directory->Cached(checked->token_hash)) {
      binding = *cached;
    } else {
      binding = co_await Offload(ctx, [&] { return ctx.directory->Load(checked->token_hash); });
    }
  } else {
    if (checked->workspace_hint.empty()) {
      co_return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                     "signatures are off: send clockify-webhook-workspace-id or a body "
                     "with workspaceId",
                     "workspaceId");
    }
    binding = co_await Offload(
        ctx, [&] { return ctx.directory->LoadWorkspace(checked->workspace_hint); });
  }
  if (binding) labels->workspace_id = binding->workspace_id;

  // A verified token that is no longer stored: its workspace uninstalled the add-on (the
  // uninstall erased the tokens) → 403 not_installed rather than 401.
  if (ctx.verifier && !binding && binding.error().kind == ErrorCode::kNotFound &&
      !checked->claim_workspace.empty()) {
    auto installation = co_await Offload(
        ctx, [&] { return ctx.store->GetInstallation(checked->claim_workspace); });
    if (installation && !installation->is_active) {
      labels->workspace_id = checked->claim_workspace;
      co_return Fail(ErrorCode::kForbidden, "not_installed",
                     "the workspace has uninstalled the add-on");
    }
  }

  auto row = ctx.clockify_receiver->Build(delivery, *checked, binding);
  if (!row) co_return Fail(row.error());
  co_return co_await AppendWebhook(ctx, std::move(*row));
}

asio::awaitable<Result<store::AppendOutcome>> ReceiveCustom(AppContext& ctx, http::Request& req,
                                                            DeliveryLabels* labels) {
  // The path's name is unchecked input until the source is found: it labels nothing before.
  labels->source = "CUSTOM";
  const ingest::CustomDelivery delivery{req.Param("source"), req.body, &req.headers};
  auto row = co_await Offload(ctx, [&] { return ctx.custom_receiver->Prepare(delivery); });
  if (!row) co_return Fail(row.error());
  labels->source = row->custom_source;
  labels->event_type = row->event_type;
  labels->workspace_id = row->workspace_id;
  co_return co_await AppendWebhook(ctx, std::move(*row));
}

}  // namespace

void RegisterWebhookRoutes(http::Router& router, AppContext& ctx) {
  router.Add("POST", "/webhooks/custom/{source*}",
             [&ctx](http::Request& req) -> asio::awaitable<http::Response> {
               DeliveryLabels labels;
               auto outcome = co_await ReceiveCustom(ctx, req, &labels);
               co_return Answer(req, labels, outcome);
             });
  auto handler = [&ctx](http::Request& req) -> asio::awaitable<http::Response> {
    DeliveryLabels labels;
    auto outcome = co_await ReceiveClockify(ctx, req, &labels);
    co_return Answer(req, labels, outcome);
  };
  router.Add("POST", "/webhooks/clockify", handler);
  router.Add("POST", "/webhooks/clockify/{event}", handler);
}

}  // namespace uwh::api
