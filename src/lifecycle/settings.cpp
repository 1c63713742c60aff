#include "lifecycle/settings.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdlib>

#include "common/json_parse.hpp"

namespace uwh::lifecycle {
namespace {

using nlohmann::json;

struct Spec {
  std::string_view id;
  bool is_bool;
  int min;
  int max;
  bool WorkspaceSettings::*flag;
  int WorkspaceSettings::*number;
};

constexpr std::array<Spec, 12> kSpecs = {{
    {"bootstrap.run_on_install", true, 0, 0, &WorkspaceSettings::bootstrap_run_on_install, nullptr},
    {"bootstrap.include_heavy_endpoints", true, 0, 0,
     &WorkspaceSettings::bootstrap_include_heavy_endpoints, nullptr},
    {"bootstrap.max_rps", false, 1, 50, nullptr, &WorkspaceSettings::bootstrap_max_rps},
    {"bootstrap.include_time_entries", true, 0, 0,
     &WorkspaceSettings::bootstrap_include_time_entries, nullptr},
    {"bootstrap.time_entry_days_back", false, 1, 365, nullptr,
     &WorkspaceSettings::bootstrap_time_entry_days_back},
    {"webhooks.enable_custom_webhooks", true, 0, 0,
     &WorkspaceSettings::webhooks_enable_custom_webhooks, nullptr},
    {"webhooks.webhook_log_retention_days", false, 1, 365, nullptr,
     &WorkspaceSettings::webhooks_webhook_log_retention_days},
    {"flows.enable_flows", true, 0, 0, &WorkspaceSettings::flows_enable_flows, nullptr},
    {"flows.enable_generic_http_actions", true, 0, 0,
     &WorkspaceSettings::flows_enable_generic_http_actions, nullptr},
    {"flows.flow_execution_retention_days", false, 1, 365, nullptr,
     &WorkspaceSettings::flows_flow_execution_retention_days},
    {"flows.loop_guard_limit", false, 2, 1000, nullptr, &WorkspaceSettings::flows_loop_guard_limit},
    {"data.cache_ttl_days", false, 1, 30, nullptr, &WorkspaceSettings::data_cache_ttl_days},
}};

const Spec* FindSpec(std::string_view id) {
  for (const auto& s : kSpecs) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

tl::unexpected<Error> Invalid(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

// Clockify sends values as strings, numbers or booleans: normalise to the setting's type.
Result<json> Normalise(const Spec& spec, const json& value, const std::string& field) {
  if (spec.is_bool) {
    if (value.is_boolean()) return value;
    if (value.is_string()) {
      const auto& s = value.get_ref<const std::string&>();
      if (s == "true") return json(true);
      if (s == "false") return json(false);
    }
    return Invalid(field, std::string(spec.id) + " must be true or false");
  }
  double number = NAN;
  if (value.is_number()) {
    number = value.get<double>();
  } else if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    char* end = nullptr;
    number = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') number = NAN;
  }
  if (std::isnan(number) || number != std::floor(number)) {
    return Invalid(field, std::string(spec.id) + " must be a whole number");
  }
  if (number < spec.min || number > spec.max) {
    return Invalid(field, std::string(spec.id) + " must be between " + std::to_string(spec.min) +
                              " and " + std::to_string(spec.max));
  }
  return json(static_cast<int>(number));
}

Result<void> Put(json& merged, const std::string& id, const json& value, const std::string& field) {
  const Spec* spec = FindSpec(id);
  if (!spec) return Invalid(field, "unknown setting '" + id + "'");
  auto normalised = Normalise(*spec, value, field);
  if (!normalised) return Fail(normalised.error());
  merged[id] = *normalised;
  return {};
}

}  // namespace

Result<std::string> MergeSettings(std::string_view stored_json, std::string_view settings_json) {
  json merged = ParseJson(stored_json);
  if (!merged.is_object()) merged = json::object();
  const json input = ParseJson(settings_json);
  if (input.is_discarded()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "settings are not valid JSON",
                "settings");
  }
  if (input.is_array()) {
    for (size_t i = 0; i < input.size(); ++i) {
      const std::string field = "settings[" + std::to_string(i) + "]";
      const json& item = input[i];
      if (!item.is_object() || !item.contains("id") || !item["id"].is_string() ||
          !item.contains("value")) {
        return Invalid(field, "each setting needs an id and a value");
      }
      if (auto ok = Put(merged, item["id"].get<std::string>(), item["value"], field + ".value");
          !ok) {
        return Fail(ok.error());
      }
    }
  } else if (input.is_object()) {
    for (const auto& [key, value] : input.items()) {
      if (value.is_object()) {
        for (const auto& [inner, inner_value] : value.items()) {
          const std::string id = key + "." + inner;
          if (auto ok = Put(merged, id, inner_value, "settings." + id); !ok) {
            return Fail(ok.error());
          }
        }
      } else if (auto ok = Put(merged, key, value, "settings." + key); !ok) {
        return Fail(ok.error());
      }
    }
  } else {
    return Invalid("settings", "settings must be a list of {id, value} or an object");
  }
  return merged.dump();
}

WorkspaceSettings EffectiveSettings(const WorkspaceSettings& defaults,
                                    std::string_view stored_json) {
  WorkspaceSettings out = defaults;
  const json stored = ParseJson(stored_json);
  if (!stored.is_object()) return out;
  for (const auto& spec : kSpecs) {
    auto it = stored.find(std::string(spec.id));
    if (it == stored.end()) continue;
    if (spec.is_bool && it->is_boolean()) out.*spec.flag = it->get<bool>();
    if (!spec.is_bool && it->is_number_integer()) out.*spec.number = it->get<int>();
  }
  return out;
}

std::string SettingsToJson(const WorkspaceSettings& settings) {
  json out = json::object();
  for (const auto& spec : kSpecs) {
    if (spec.is_bool) {
      out[std::string(spec.id)] = settings.*spec.flag;
    } else {
      out[std::string(spec.id)] = settings.*spec.number;
    }
  }
  return out.dump();
}

bool BootstrapSettingsDiffer(const WorkspaceSettings& a, const WorkspaceSettings& b) {
  return a.bootstrap_run_on_install != b.bootstrap_run_on_install ||
         a.bootstrap_include_heavy_endpoints != b.bootstrap_include_heavy_endpoints ||
         a.bootstrap_max_rps != b.bootstrap_max_rps ||
         a.bootstrap_include_time_entries != b.bootstrap_include_time_entries ||
         a.bootstrap_time_entry_days_back != b.bootstrap_time_entry_days_back;
}

}  // namespace uwh::lifecycle
