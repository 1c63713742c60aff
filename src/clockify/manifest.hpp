#pragma once
// The add-on manifest (SPEC §8, schema 1.3).
#include <string>

#include "common/config.hpp"
#include "common/error.hpp"

namespace uwh::clockify {

// Checks the event lists and sidebar access of the configuration: manifest events at most 10, each
// one of the 22, no repeats; extra events known. Fails naming the variable.
[[nodiscard]] Result<void> ValidateManifestConfig(const Config& config);

// The manifest as pretty JSON text: key, name, baseUrl, ENTERPRISE, scopes, four lifecycle hooks
// (/lifecycle/installed, /lifecycle/uninstalled, /lifecycle/settings-updated,
// /lifecycle/status-changed), a sidebar at /ui, settings of SPEC §7 with the configured defaults,
// and one webhook entry per manifest event at /webhooks/clockify/{EVENT}.
std::string BuildManifest(const Config& config);

// The webhook path of an event: "/webhooks/clockify/NEW_PROJECT".
std::string WebhookPathFor(std::string_view event_type);

}  // namespace uwh::clockify
