#pragma once
// Which event types reach the add-on, through which route, and why not (SPEC §8), for the
// dashboard.
#include <nlohmann/json_fwd.hpp>

#include <vector>

#include "common/config.hpp"
#include "store/store.hpp"

namespace uwh::api {

// One item per known event type, in the catalogue's order:
// {"event_type", "reaches": bool, "route": "manifest"|"api"|null,
//  "status": "manifest"|"registered"|"refused"|"failed"|"pending"|"missing"|"not_subscribed",
//  "reason": text|null, "webhook_id": Clockify's id|null}.
// An event reaches the add-on exactly when a token is stored for it.
nlohmann::json EventCoverage(const Config& config, const std::vector<store::WebhookToken>& tokens,
                             const std::vector<store::WebhookRegistration>& registrations);

}  // namespace uwh::api
