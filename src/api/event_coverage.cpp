#include "api/event_coverage.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "clockify/event_types.hpp"

namespace uwh::api {

using nlohmann::json;

namespace {

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

json OrNull(const std::string& s) { return s.empty() ? json() : json(s); }

}  // namespace

json EventCoverage(const Config& config, const std::vector<store::WebhookToken>& tokens,
                   const std::vector<store::WebhookRegistration>& registrations) {
  std::map<std::string, const store::WebhookToken*, std::less<>> by_event;
  for (const auto& t : tokens) {
    // The manifest's route wins when both carry an event: it needs no registration.
    auto [it, inserted] = by_event.emplace(t.event_type, &t);
    if (!inserted && t.route == "manifest") it->second = &t;
  }
  std::map<std::string, const store::WebhookRegistration*, std::less<>> outcome;
  for (const auto& r : registrations) outcome[r.event_type] = &r;

  json coverage = json::array();
  for (const std::string_view event : clockify::AllEventTypes()) {
    const auto token = by_event.find(event);
    const auto registration = outcome.find(event);
    const store::WebhookRegistration* r =
        registration == outcome.end() ? nullptr : registration->second;
    json item = {{"event_type", event}, {"reaches", token != by_event.end()}};
    std::string status, reason, webhook_id;
    if (token != by_event.end()) {
      const store::WebhookToken& t = *token->second;
      item["route"] = t.route;
      status = t.route == "manifest" ? "manifest" : "registered";
      webhook_id = t.clockify_webhook_id;
      if (t.route != "manifest" && r != nullptr) reason = r->reason;
    } else {
      item["route"] = nullptr;
      if (r != nullptr && r->status != "registered" && r->status != "manifest") {
        status = r->status;
        reason = r->reason;
      } else if (Contains(config.extra_events, event)) {
        status = "pending";
        reason = "registration through Clockify's Webhooks API has not finished";
      } else if (Contains(config.manifest_events, event)) {
        status = "missing";
        reason = "in the manifest, but the install gave no token for it: reinstall the add-on";
      } else {
        status = "not_subscribed";
        reason =
            "not in UNIVERSAL_WEBHOOK_MANIFEST_EVENTS or UNIVERSAL_WEBHOOK_EXTRA_EVENTS";
      }
    }
    item["status"] = status;
    item["reason"] = OrNull(reason);
    item["webhook_id"] = OrNull(webhook_id);
    coverage.push_back(std::move(item));
  }
  return coverage;
}

}  // namespace uwh::api
