#pragma once
// Who is calling the UI API (SPEC §4.4): a Clockify user or installation token (X-Addon-Token or
// ?auth_token=), or the operator's admin key (Authorization: Bearer … with ?workspace_id=).
#include <string>

#include "api/app_context.hpp"

namespace uwh::api {

struct Caller {
  enum class Kind { kUser, kInstallation, kAdmin };
  Kind kind = Kind::kUser;
  std::string workspace_id;
  std::string user_id;
  std::string role;        // workspaceRole of a user token
  bool can_write = false;  // OWNER/ADMIN, the installation token, or the admin key
};

// 401 unauthenticated without valid credentials (an expired token says so); 403 forbidden when a
// workspace named in the query differs from the caller's or, with sidebar access ADMINS, for a
// non-admin user; 403 not_installed when the workspace has no active installation.
asio::awaitable<Result<Caller>> AuthenticateUi(AppContext& ctx, const http::Request& request);

// 403 forbidden unless the caller may change things.
[[nodiscard]] Result<void> RequireWrite(const Caller& caller);

// A list's ?limit= (SPEC §4: default 50, 1–500); 400 validation_failed naming "limit" otherwise.
[[nodiscard]] Result<int> UiListLimit(const http::Request& request);

// 403 forbidden when `workspace_id` (from a path or body) is set and is not the caller's.
[[nodiscard]] Result<void> RequireSameWorkspace(const Caller& caller,
                                                const std::string& workspace_id);

}  // namespace uwh::api
