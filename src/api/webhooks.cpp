// POST /webhooks/clockify and /webhooks/clockify/{event} (SPEC §4.3).
#include "api/app_context.hpp"

namespace uwh::api {
namespace {

http::Response AcceptedResponse(const store::AppendOutcome& outcome) {
  std::string body = R"({"status":"accepted","id":)" + std::to_string(outcome.id);
  if (outcome.duplicate) body += R"(,"duplicate":true)";
  body += "}";
  return http::Response::Json(200, std::move(body));
}

asio::awaitable<http::Response> ReceiveClockify(AppContext& ctx, http::Request& req) {
  const ingest::ClockifyDelivery delivery{req.Param("event"), req.body, &req.headers};
  auto checked = ctx.clockify_receiver->Check(delivery);
  if (!checked) co_return ErrorResponse(req, checked.error());

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
      co_return ErrorResponse(
          req, Error::Make(ErrorCode::kInvalidArgument, "validation_failed",
                           "signatures are off: send clockify-webhook-workspace-id or a body "
                           "with workspaceId",
                           "workspaceId"));
    }
    binding = co_await Offload(
        ctx, [&] { return ctx.directory->LoadWorkspace(checked->workspace_hint); });
  }

  // A verified token that is no longer stored: its workspace uninstalled the add-on (the
  // uninstall erased the tokens) → 403 not_installed rather than 401.
  if (ctx.verifier && !binding && binding.error().kind == ErrorCode::kNotFound &&
      !checked->claim_workspace.empty()) {
    auto installation = co_await Offload(
        ctx, [&] { return ctx.store->GetInstallation(checked->claim_workspace); });
    if (installation && !installation->is_active) {
      co_return ErrorResponse(req, Error::Make(ErrorCode::kForbidden, "not_installed",
                                               "the workspace has uninstalled the add-on"));
    }
  }

  auto row = ctx.clockify_receiver->Build(delivery, *checked, binding);
  if (!row) co_return ErrorResponse(req, row.error());
  auto outcome = co_await AppendWebhook(ctx, std::move(*row));
  if (!outcome) co_return ErrorResponse(req, outcome.error());
  co_return AcceptedResponse(*outcome);
}

asio::awaitable<http::Response> ReceiveCustom(AppContext& ctx, http::Request& req) {
  const ingest::CustomDelivery delivery{req.Param("source"), req.body, &req.headers};
  auto row = co_await Offload(ctx, [&] { return ctx.custom_receiver->Prepare(delivery); });
  if (!row) co_return ErrorResponse(req, row.error());
  auto outcome = co_await AppendWebhook(ctx, std::move(*row));
  if (!outcome) co_return ErrorResponse(req, outcome.error());
  co_return AcceptedResponse(*outcome);
}

}  // namespace

void RegisterWebhookRoutes(http::Router& router, AppContext& ctx) {
  router.Add("POST", "/webhooks/custom/{source*}",
             [&ctx](http::Request& req) { return ReceiveCustom(ctx, req); });
  auto handler = [&ctx](http::Request& req) { return ReceiveClockify(ctx, req); };
  router.Add("POST", "/webhooks/clockify", handler);
  router.Add("POST", "/webhooks/clockify/{event}", handler);
}

}  // namespace uwh::api
