#pragma once
// Turns an operation and the caller's parameters into an ApiRequest (SPEC §5.2). Shared by the API
// explorer and flow actions.
#include <nlohmann/json_fwd.hpp>

#include <string>

#include "clockify/api_client.hpp"
#include "clockify/openapi_catalog.hpp"
#include "common/error.hpp"

namespace uwh::clockify {

// `parameters` is either flat ({"projectId":"p1","page":2,"body":{…}}: names matched to the
// operation's path and query parameters, "body" the request body) or split
// ({"path":{…},"query":{…},"body":…}). `workspaceId` defaults to `workspace_id`; another value is
// 403 forbidden. Errors: 400 deprecated_operation, 400 missing_parameter naming every missing
// required parameter (field "parameters.<first>"), 400 validation_failed for a value that is not
// a scalar (path) or scalar/array of scalars (query), or an unknown parameter name.
[[nodiscard]] Result<ApiRequest> BuildApiRequest(const Operation& operation,
                                                 const nlohmann::json& parameters,
                                                 const std::string& workspace_id);

}  // namespace uwh::clockify
