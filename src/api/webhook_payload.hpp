#pragma once
// A stored webhook's payload as a JSON value, as flows and the UI see it.
#include <nlohmann/json_fwd.hpp>

#include "store/store.hpp"

namespace uwh::api {

// The payload parsed: form bodies (application/x-www-form-urlencoded) as an object of their
// fields, JSON bodies as themselves; a body that does not parse is returned as a JSON string.
nlohmann::json WebhookPayloadJson(const store::WebhookRecord& record);

}  // namespace uwh::api
