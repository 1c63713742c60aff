#pragma once
// What the bootstrap endpoints and the dashboard share.
#include <nlohmann/json_fwd.hpp>

#include "store/store.hpp"

namespace uwh::api {

// {status, progress, total_endpoints, completed_endpoints, error_message, started_at,
// completed_at} (times ISO-8601 or null).
nlohmann::json BootstrapStateJson(const store::BootstrapState& state);

}  // namespace uwh::api
