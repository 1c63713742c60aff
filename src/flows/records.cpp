#include "flows/records.hpp"

#include "common/clock.hpp"
#include "common/json_parse.hpp"

namespace uwh::flows {

using nlohmann::json;

namespace {

json ParseOr(const std::string& text, json fallback) {
  json parsed = ParseJson(text);
  return parsed.is_discarded() ? fallback : parsed;
}

json OptionalText(const std::string& s) { return s.empty() ? json() : json(s); }

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

json FlowToJson(const store::Flow& f, const store::FlowExecution* last) {
  json out = {{"id", f.id},
              {"workspace_id", f.workspace_id},
              {"name", f.name},
              {"description", f.description},
              {"enabled", f.enabled},
              {"paused_reason", OptionalText(f.paused_reason)},
              {"trigger_source", f.trigger_source},
              {"trigger_event_type", f.trigger_event_type},
              {"conditions", ParseOr(f.conditions_json, json::object())},
              {"actions", ParseOr(f.actions_json, json::array())},
              {"created_at", FormatTimestamp(f.created_at)},
              {"updated_at", FormatTimestamp(f.updated_at)}};
  out["last_execution"] = last ? json{{"id", last->id},
                                      {"status", last->status},
                                      {"started_at", FormatTimestamp(last->started_at)}}
                               : json();
  return out;
}

json ExecutionToJson(const store::FlowExecution& e) {
  const json result = ParseOr(e.result_json, json::object());
  const json snapshot = ParseOr(e.flow_json, json::object());
  json out = {{"id", e.id},
              {"flow_id", e.flow_id},
              {"flow_name", snapshot.is_object() ? snapshot.value("name", json()) : json()},
              {"webhook_id", e.webhook_log_id ? json(*e.webhook_log_id) : json()},
              {"status", e.status},
              {"trigger", e.trigger},
              {"replay_of", e.replay_of ? json(*e.replay_of) : json()},
              {"entity_id", OptionalText(e.entity_id)},
              {"actions_executed", e.actions_executed},
              {"error_message", OptionalText(e.error_message)},
              {"started_at", FormatTimestamp(e.started_at)},
              {"completed_at", e.completed_at ? json(FormatTimestamp(*e.completed_at)) : json()}};
  out["actions"] = result.is_object() ? result.value("actions", json::array()) : json::array();
  return out;
}

FlowDefinition DefinitionOf(const store::Flow& f) {
  FlowDefinition d;
  d.name = f.name;
  d.description = f.description;
  d.enabled = f.enabled;
  d.trigger_source = f.trigger_source;
  d.trigger_event_type = f.trigger_event_type;
  d.conditions = ParseOr(f.conditions_json, json::object());
  d.actions = ParseOr(f.actions_json, json::array());
  return d;
}

void ApplyDefinition(const FlowDefinition& d, store::Flow& f) {
  f.name = d.name;
  f.description = d.description;
  f.enabled = d.enabled;
  f.trigger_source = d.trigger_source;
  f.trigger_event_type = d.trigger_event_type;
  f.conditions_json = Dump(d.conditions);
  f.actions_json = Dump(d.actions);
}

std::string FlowSnapshot(const store::Flow& f) {
  return Dump(json{{"id", f.id},
                   {"name", f.name},
                   {"trigger_source", f.trigger_source},
                   {"trigger_event_type", f.trigger_event_type},
                   {"conditions", ParseOr(f.conditions_json, json::object())},
                   {"actions", ParseOr(f.actions_json, json::array())},
                   {"updated_at", FormatTimestamp(f.updated_at)}});
}

}  // namespace uwh::flows
