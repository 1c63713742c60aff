#include "api/ui_auth.hpp"

#include <cerrno>
#include <cstdlib>

namespace uwh::api {
namespace {

tl::unexpected<Error> Unauthenticated(std::string message) {
  return Fail(ErrorCode::kUnauthenticated, "unauthenticated", std::move(message));
}

}  // namespace

Result<void> RequireWrite(const Caller& caller) {
  if (caller.can_write) return {};
  return Fail(ErrorCode::kForbidden, "forbidden",
              "this needs a workspace owner or admin (your role: " +
                  (caller.role.empty() ? std::string("none") : caller.role) + ")");
}

Result<void> RequireSameWorkspace(const Caller& caller, const std::string& workspace_id) {
  if (workspace_id.empty() || workspace_id == caller.workspace_id) return {};
  return Fail(ErrorCode::kForbidden, "forbidden",
              "you may only act on your own workspace", "workspace_id");
}

asio::awaitable<Result<Caller>> AuthenticateUi(AppContext& ctx, const http::Request& request) {
  Caller caller;
  std::string token;
  const std::string_view authorization = request.Header("authorization");
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (ctx.config.admin_api_key.empty() || authorization.substr(0, kBearer.size()) != kBearer ||
        !ConstantTimeEquals(authorization.substr(kBearer.size()), ctx.config.admin_api_key)) {
      co_return Unauthenticated("the Authorization header does not carry a valid admin key");
    }
    const std::string* ws = request.Query("workspace_id");
    if (!ws || ws->empty()) {
      co_return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                     "the admin key needs ?workspace_id=", "workspace_id");
    }
    caller.kind = Caller::Kind::kAdmin;
    caller.workspace_id = *ws;
    caller.can_write = true;
  } else {
    token = std::string(request.Header("x-addon-token"));
    if (token.empty()) {
      if (const std::string* q = request.Query("auth_token")) token = *q;
    }
    if (token.empty()) {
      co_return Unauthenticated(
          "no credentials: send X-Addon-Token (or ?auth_token=) or an admin key");
    }
    Result<clockify::TokenClaims> claims =
        ctx.verifier ? ctx.verifier->Verify(token, ctx.clock)
                     : clockify::DecodeClaimsUnverified(token);
    if (claims && ctx.verifier) {
      if (auto ok = clockify::CheckAddonClaims(*claims, ctx.config.addon_key); !ok) {
        claims = Fail(ok.error());
      }
    }
    if (!claims) co_return Unauthenticated("invalid token: " + claims.error().message);
    if (claims->workspace_id.empty()) co_return Unauthenticated("the token names no workspace");
    caller.workspace_id = claims->workspace_id;
    caller.user_id = claims->user_id;
    caller.role = claims->workspace_role;
    caller.can_write = caller.role == "OWNER" || caller.role == "ADMIN";
  }
  for (const char* name : {"workspace_id", "workspaceId"}) {
    if (caller.kind == Caller::Kind::kAdmin) break;
    if (const std::string* ws = request.Query(name)) {
      if (auto ok = RequireSameWorkspace(caller, *ws); !ok) co_return Fail(ok.error());
    }
  }

  // The installation must be active; an installation token is recognised by equality with the
  // stored one (it has no role claim).
  auto installation =
      co_await Offload(ctx, [&] { return ctx.store->GetInstallation(caller.workspace_id); });
  if (!installation) {
    if (installation.error().kind != ErrorCode::kNotFound) co_return Fail(installation.error());
    co_return Fail(ErrorCode::kForbidden, "not_installed",
                   "the workspace has not installed the add-on");
  }
  if (!installation->is_active) {
    co_return Fail(ErrorCode::kForbidden, "not_installed",
                   "the workspace has not installed the add-on");
  }
  if (caller.kind == Caller::Kind::kUser && caller.role.empty()) {
    auto stored = ctx.secrets->Open(installation->addon_token_ciphertext);
    if (stored && ConstantTimeEquals(*stored, token)) {
      caller.kind = Caller::Kind::kInstallation;
      caller.can_write = true;
    }
  }
  if (caller.kind == Caller::Kind::kUser && !caller.can_write &&
      ctx.config.sidebar_access != "EVERYONE") {
    co_return Fail(ErrorCode::kForbidden, "forbidden",
                   "the add-on is open to workspace admins only");
  }
  co_return caller;
}

Result<int> UiListLimit(const http::Request& request) {
  const std::string* text = request.Query("limit");
  if (text == nullptr) return 50;
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno == ERANGE || n < 1 || n > 500) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "limit must be between 1 and 500", "limit");
  }
  return static_cast<int>(n);
}

}  // namespace uwh::api
