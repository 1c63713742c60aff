#pragma once
// Clockify's webhook event types (CLOCKIFY.md): 51 in all, 22 admitted by the manifest schema.
#include <span>
#include <string_view>

namespace uwh::clockify {

std::span<const std::string_view> AllEventTypes();       // the 51
std::span<const std::string_view> ManifestEventTypes();  // the 22 the manifest schema admits
bool IsKnownEventType(std::string_view event_type);
bool IsManifestEventType(std::string_view event_type);

}  // namespace uwh::clockify
