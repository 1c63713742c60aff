#pragma once
// Workspace settings (SPEC §7): parsing Clockify's SETTINGS_UPDATED forms, validation, and the
// effective values (server defaults overlaid by what the workspace set).
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "common/error.hpp"

namespace uwh::lifecycle {

// Parses `settings` in Clockify's list form [{"id":"bootstrap.max_rps","value":10},…] or the
// nested form {"bootstrap":{"max_rps":10}} (also a flat {"bootstrap.max_rps":10}), validates every
// value against its type and range, and returns `stored_json` (a flat JSON object of the values
// the workspace set) with them merged in. kInvalidArgument "validation_failed" naming the setting
// for an unknown id or a bad value; nothing is merged then.
[[nodiscard]] Result<std::string> MergeSettings(std::string_view stored_json,
                                                std::string_view settings_json);

// `defaults` overlaid by the flat stored values (already validated).
WorkspaceSettings EffectiveSettings(const WorkspaceSettings& defaults,
                                    std::string_view stored_json);

// The effective settings as a flat JSON object {"bootstrap.max_rps":25,…}.
std::string SettingsToJson(const WorkspaceSettings& settings);

bool BootstrapSettingsDiffer(const WorkspaceSettings& a, const WorkspaceSettings& b);

}  // namespace uwh::lifecycle
