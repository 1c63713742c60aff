#include "clockify/manifest.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <vector>

#include "clockify/event_types.hpp"

namespace uwh::clockify {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr size_t kMaxManifestWebhooks = 10;
constexpr std::string_view kManifestEventsVariable = "UNIVERSAL_WEBHOOK_MANIFEST_EVENTS";
constexpr std::string_view kExtraEventsVariable = "UNIVERSAL_WEBHOOK_EXTRA_EVENTS";
constexpr std::string_view kSidebarAccessVariable = "UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS";

tl::unexpected<Error> Invalid(std::string_view variable, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "invalid_config",
              std::string(variable) + ": " + std::move(message), std::string(variable));
}

const std::vector<std::string>& EffectiveManifestEvents(const Config& config) {
  return config.manifest_events.empty() ? DefaultManifestEvents() : config.manifest_events;
}

// Scopes the product uses: full access to what flows and the cache work on, read access to the
// rest so the bootstrap and the explorer can show it. Names as in the schema's scope enum.
constexpr std::string_view kReadWriteScopes[] = {
    "CLIENT", "PROJECT", "TAG", "TASK", "TIME_ENTRY", "USER", "GROUP", "WORKSPACE", "CUSTOM_FIELDS",
};
constexpr std::string_view kReadOnlyScopes[] = {
    "EXPENSE", "INVOICE", "APPROVAL", "SCHEDULING", "REPORTS", "TIME_OFF",
};

OrderedJson Scopes() {
  OrderedJson scopes = OrderedJson::array();
  for (const auto scope : kReadWriteScopes) {
    scopes.push_back(std::string(scope) + "_READ");
    scopes.push_back(std::string(scope) + "_WRITE");
  }
  for (const auto scope : kReadOnlyScopes) scopes.push_back(std::string(scope) + "_READ");
  return scopes;
}

OrderedJson Lifecycle() {
  OrderedJson hooks = OrderedJson::array();
  const std::pair<const char*, const char*> kHooks[] = {
      {"INSTALLED", "/lifecycle/installed"},
      {"DELETED", "/lifecycle/uninstalled"},
      {"SETTINGS_UPDATED", "/lifecycle/settings-updated"},
      {"STATUS_CHANGED", "/lifecycle/status-changed"},
  };
  for (const auto& [type, path] : kHooks) hooks.push_back({{"type", type}, {"path", path}});
  return hooks;
}

OrderedJson Setting(const char* id, const char* name, const char* description, bool value) {
  return {{"id", id},
          {"name", name},
          {"type", "CHECKBOX"},
          {"value", value},
          {"accessLevel", "ADMINS"},
          {"description", description}};
}

OrderedJson Setting(const char* id, const char* name, const char* description, int value) {
  return {{"id", id},
          {"name", name},
          {"type", "NUMBER"},
          {"value", value},
          {"accessLevel", "ADMINS"},
          {"description", description}};
}

OrderedJson Group(const char* id, const char* title, const char* description,
                  std::vector<OrderedJson> settings) {
  return {{"id", id},
          {"title", title},
          {"description", description},
          {"settings", OrderedJson(std::move(settings))}};
}

// SPEC §7: ids "section.key", values the server's defaults for new installations.
OrderedJson Settings(const WorkspaceSettings& d) {
  OrderedJson groups = OrderedJson::array();
  groups.push_back(Group(
      "bootstrap", "Bootstrap", "Caching the workspace's data when the add-on is installed.",
      {Setting("bootstrap.run_on_install", "Run on install",
               "Cache the workspace's data right after installation.", d.bootstrap_run_on_install),
       Setting("bootstrap.include_heavy_endpoints", "Include heavy endpoints",
               "Also fetch report endpoints (slow on large workspaces).",
               d.bootstrap_include_heavy_endpoints),
       Setting("bootstrap.max_rps", "Maximum requests per second",
               "Rate of calls to the Clockify API for this workspace (1-50).", d.bootstrap_max_rps),
       Setting("bootstrap.include_time_entries", "Include time entries",
               "Cache recent time entries of every user.", d.bootstrap_include_time_entries),
       Setting("bootstrap.time_entry_days_back", "Time entry days back",
               "How many days of time entries to cache (1-365).",
               d.bootstrap_time_entry_days_back)}));
  groups.push_back(
      Group("webhooks", "Webhooks", "Receiving Clockify and custom webhooks.",
            {Setting("webhooks.enable_custom_webhooks", "Enable custom webhooks",
                     "Accept webhooks from external systems.", d.webhooks_enable_custom_webhooks),
             Setting("webhooks.webhook_log_retention_days", "Webhook log retention (days)",
                     "How long received webhooks are kept (1-365).",
                     d.webhooks_webhook_log_retention_days)}));
  groups.push_back(Group(
      "flows", "Flows", "No-code automations triggered by webhooks.",
      {Setting("flows.enable_flows", "Enable flows", "Run flows when matching webhooks arrive.",
               d.flows_enable_flows),
       Setting("flows.enable_generic_http_actions", "Enable generic HTTP actions",
               "Allow flows to call URLs outside Clockify.", d.flows_enable_generic_http_actions),
       Setting("flows.flow_execution_retention_days", "Flow execution retention (days)",
               "How long flow execution records are kept (1-365).",
               d.flows_flow_execution_retention_days),
       Setting("flows.loop_guard_limit", "Loop guard limit",
               "Runs of one flow for one entity within 60 seconds before the flow is paused "
               "(2-1000).",
               d.flows_loop_guard_limit)}));
  groups.push_back(Group("data", "Data", "The cache of workspace entities.",
                         {Setting("data.cache_ttl_days", "Cache lifetime (days)",
                                  "Cached entities older than this are refreshed or removed "
                                  "(1-30).",
                                  d.data_cache_ttl_days)}));
  OrderedJson tab = {{"id", "settings"}, {"name", "Settings"}, {"groups", std::move(groups)}};
  return {{"tabs", OrderedJson::array({std::move(tab)})}};
}

std::string TrimTrailingSlashes(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string WebhookPathFor(std::string_view event_type) {
  return "/webhooks/clockify/" + std::string(event_type);
}

Result<void> ValidateManifestConfig(const Config& config) {
  std::set<std::string_view> seen;
  for (const auto& event : config.manifest_events) {
    if (!IsKnownEventType(event)) {
      return Invalid(kManifestEventsVariable, "unknown event type " + event);
    }
    if (!IsManifestEventType(event)) {
      return Invalid(kManifestEventsVariable,
                     event +
                         " is not one of the 22 event types Clockify's manifest admits; "
                         "list it in " +
                         std::string(kExtraEventsVariable) + " instead");
    }
    if (!seen.insert(event).second) {
      return Invalid(kManifestEventsVariable, event + " is listed twice");
    }
  }
  if (config.manifest_events.size() > kMaxManifestWebhooks) {
    return Invalid(kManifestEventsVariable,
                   "lists " + std::to_string(config.manifest_events.size()) +
                       " events; Clockify allows at most 10 webhooks in a manifest");
  }

  const auto& manifest_events = EffectiveManifestEvents(config);
  std::set<std::string_view> extra_seen;
  for (const auto& event : config.extra_events) {
    if (!IsKnownEventType(event)) {
      return Invalid(kExtraEventsVariable, "unknown event type " + event);
    }
    if (!extra_seen.insert(event).second) {
      return Invalid(kExtraEventsVariable, event + " is listed twice");
    }
    // The same event through both routes would deliver every such event twice.
    if (std::find(manifest_events.begin(), manifest_events.end(), event) != manifest_events.end()) {
      return Invalid(kExtraEventsVariable, event + " is already a manifest event (" +
                                               std::string(kManifestEventsVariable) + ")");
    }
  }

  if (config.sidebar_access != "ADMINS" && config.sidebar_access != "EVERYONE") {
    return Invalid(kSidebarAccessVariable, "must be ADMINS or EVERYONE");
  }
  return {};
}

std::string BuildManifest(const Config& config) {
  const std::string base_url = TrimTrailingSlashes(config.base_url);

  OrderedJson webhooks = OrderedJson::array();
  std::set<std::string_view> seen;
  // Entries the schema would refuse (not among its 22, or repeated) are left out so the manifest
  // stays valid; ValidateManifestConfig reports them at start-up.
  for (const auto& event : EffectiveManifestEvents(config)) {
    if (!IsManifestEventType(event) || !seen.insert(event).second) continue;
    webhooks.push_back({{"event", event}, {"path", WebhookPathFor(event)}});
  }

  const std::string access = config.sidebar_access == "EVERYONE" ? "EVERYONE" : "ADMINS";
  OrderedJson sidebar = {
      {"type", "sidebar"}, {"label", config.addon_name}, {"path", "/ui"}, {"accessLevel", access}};

  OrderedJson manifest = {
      {"schemaVersion", "1.3"},
      {"key", config.addon_key},
      {"name", config.addon_name},
      {"baseUrl", base_url},
      {"description",
       "Receives every Clockify webhook and custom webhooks from other systems, caches the "
       "workspace's data, explores the whole Clockify API and runs no-code flows."},
      {"minimalSubscriptionPlan", "ENTERPRISE"},
      {"scopes", Scopes()},
      {"lifecycle", Lifecycle()},
      {"components", OrderedJson::array({std::move(sidebar)})},
      {"settings", Settings(config.workspace_defaults)},
      {"webhooks", std::move(webhooks)},
  };
  return manifest.dump(2, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace uwh::clockify
