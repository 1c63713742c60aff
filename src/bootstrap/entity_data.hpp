#pragma once
// What the cache keeps of an entity, shared by the bootstrap and the webhook refresher.
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace uwh::bootstrap {

// Removes, at any depth, the members that carry credentials (names ending in "token" —
// a webhook's authToken —, "secret", "password", "apikey"; case-insensitive): the cache is shown
// to UI users and filled into templates, and must never hold a secret.
void RemoveSecrets(nlohmann::json& entity);
// The same members, kept with "[redacted]" as their value (what the API explorer shows).
void RedactSecrets(nlohmann::json& value);

// The entity's id: its "id" (a string, or a number written as text), else the "id" of the
// member named after its type (an approval request's list item is {"approvalRequest":{"id":…}}).
// Empty when it has none.
std::string EntityIdOf(const nlohmann::json& entity, const std::string& base_type);

}  // namespace uwh::bootstrap
