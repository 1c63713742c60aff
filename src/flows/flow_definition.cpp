#include "flows/flow_definition.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
#include <utility>

#include "clockify/event_types.hpp"
#include "common/text.hpp"

namespace uwh::flows {

using nlohmann::json;

namespace {

tl::unexpected<Error> Invalid(const std::string& field, const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed",
              field.empty() ? what : field + ": " + what, field);
}

// Errors of Conditions and CompiledTemplate carry their own codes; on save they are all
// validation failures of one field.
Error AsValidation(Error e) {
  e.code = "validation_failed";
  return e;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string ClosestEventType(const std::string& wanted) {
  const std::string upper = Upper(wanted);
  std::string best;
  size_t best_distance = std::string::npos;
  for (std::string_view event : clockify::AllEventTypes()) {
    const size_t d = EditDistance(upper, event);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(event);
    }
  }
  return best;
}

Result<std::string> OptionalString(const json& body, const char* key, const std::string& dflt) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return dflt;
  if (!it->is_string()) return Invalid(key, "must be a string");
  return it->get<std::string>();
}

Result<bool> OptionalBool(const json& body, const char* key, bool dflt, const std::string& field) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) return Invalid(field, "must be true or false");
  return it->get<bool>();
}

Result<void> KnownKeys(const json& object, const std::set<std::string_view>& allowed,
                       const std::string& prefix) {
  for (const auto& [key, value] : object.items()) {
    if (allowed.count(key) == 0) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Invalid(prefix.empty() ? key : prefix + "." + key,
                     "unknown field (expected one of: " + list + ")");
    }
  }
  return {};
}

const clockify::Parameter* FindParameter(const clockify::Operation& op, const std::string& name) {
  for (const auto& p : op.parameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// The split form {"path":{…},"query":{…},"body":…} of clockify::BuildApiRequest.
bool IsSplitForm(const clockify::Operation& op, const json& parameters) {
  if (!parameters.is_object() || parameters.empty()) return false;
  for (const auto& [key, value] : parameters.items()) {
    if (key != "path" && key != "query" && key != "body") return false;
    if (key != "body" && !value.is_object()) return false;
  }
  return FindParameter(op, "path") == nullptr && FindParameter(op, "query") == nullptr;
}

std::string ParameterNames(const clockify::Operation& op) {
  std::string names;
  for (const auto& p : op.parameters) {
    if (p.in == "path" || p.in == "query") names += (names.empty() ? "" : ", ") + p.name;
  }
  return names.empty() ? "none" : names;
}

// What can be checked before the templates are rendered: every name is a parameter of the
// operation, every required parameter is given (workspaceId defaults to the flow's workspace),
// a required body is given.
Result<void> CheckParameters(const clockify::Operation& op, const json& parameters,
                             const std::string& field) {
  std::set<std::string> given;
  bool has_body = false;
  auto check_name = [&](const std::string& key, const char* in,
                        const std::string& key_field) -> Result<void> {
    const clockify::Parameter* p = FindParameter(op, key);
    if (p == nullptr || (p->in != "path" && p->in != "query") || (in != nullptr && p->in != in)) {
      return Invalid(key_field, "operation '" + op.operation_id + "' has no " +
                                    (in ? std::string(in) + " " : std::string()) + "parameter '" +
                                    key + "' (its parameters: " + ParameterNames(op) + ")");
    }
    given.insert(key);
    return {};
  };
  if (IsSplitForm(op, parameters)) {
    for (const char* part : {"path", "query"}) {
      if (!parameters.contains(part)) continue;
      for (const auto& [key, value] : parameters[part].items()) {
        if (auto ok = check_name(key, part, field + "." + part + "." + key); !ok) return ok;
      }
    }
    has_body = parameters.contains("body") && !parameters["body"].is_null();
  } else {
    for (const auto& [key, value] : parameters.items()) {
      if (key == "body") {
        has_body = !value.is_null();
        continue;
      }
      if (auto ok = check_name(key, nullptr, field + "." + key); !ok) return ok;
    }
  }
  std::string missing;
  std::string first;
  for (const auto& p : op.parameters) {
    const bool needed = p.in == "path" || (p.in == "query" && p.required);
    if (!needed || p.name == "workspaceId" || given.count(p.name) > 0) continue;
    missing += (missing.empty() ? "" : ", ") + p.name;
    if (first.empty()) first = p.name;
  }
  if (!missing.empty()) {
    return Invalid(field + "." + first,
                   "operation '" + op.operation_id + "' needs the parameter(s) " + missing);
  }
  if (op.request_body_required && !has_body) {
    return Invalid(field + ".body", "operation '" + op.operation_id + "' needs a request body");
  }
  return {};
}

Result<CompiledTemplate> CompileTemplate(const json& value, const std::string& field,
                                         size_t action_index) {
  auto compiled = CompiledTemplate::Compile(value, field);
  if (!compiled) return Fail(AsValidation(compiled.error()));
  if (compiled->MaxActionIndex() >= static_cast<int>(action_index)) {
    return Invalid(field, "refers to actions[" + std::to_string(compiled->MaxActionIndex()) +
                              "], which has not run before this action (actions count from 0)");
  }
  return compiled;
}

Result<CompiledAction> CompileClockifyAction(
    const json& a, const std::string& prefix, size_t index,
    const std::shared_ptr<const clockify::OpenApiCatalog>& catalog) {
  if (auto ok = KnownKeys(a, {"type", "operation_id", "parameters", "continue_on_error"}, prefix);
      !ok) {
    return Fail(ok.error());
  }
  CompiledAction out;
  out.type = CompiledAction::Type::kClockifyApi;
  auto id = a.find("operation_id");
  if (id == a.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Invalid(prefix + ".operation_id", "an operation id is required");
  }
  out.operation_id = id->get<std::string>();
  if (!catalog) {
    return Fail(ErrorCode::kUnavailable, "spec_unavailable",
                "no OpenAPI document: set UNIVERSAL_WEBHOOK_OPENAPI_PATH or "
                "UNIVERSAL_WEBHOOK_OPENAPI_URL to check clockify_api actions",
                prefix + ".operation_id");
  }
  out.operation = catalog->Find(out.operation_id);
  if (out.operation == nullptr) {
    const auto suggestions = catalog->Suggest(out.operation_id, 1);
    std::string message = "unknown operation '" + out.operation_id + "'";
    if (!suggestions.empty()) message += ", did you mean '" + suggestions.front() + "'?";
    return Invalid(prefix + ".operation_id", message);
  }
  if (out.operation->deprecated || out.operation->server == clockify::ServerKind::kDeprecated) {
    return Invalid(prefix + ".operation_id",
                   "operation '" + out.operation_id + "' is deprecated and cannot be executed");
  }
  out.method = out.operation->method;
  const json parameters = a.value("parameters", json::object());
  if (!parameters.is_object()) return Invalid(prefix + ".parameters", "must be an object");
  if (auto ok = CheckParameters(*out.operation, parameters, prefix + ".parameters"); !ok) {
    return Fail(ok.error());
  }
  auto compiled = CompileTemplate(parameters, prefix + ".parameters", index);
  if (!compiled) return Fail(compiled.error());
  out.parameters = std::move(*compiled);
  return out;
}

Result<CompiledAction> CompileHttpAction(const json& a, const std::string& prefix, size_t index) {
  if (auto ok = KnownKeys(
          a, {"type", "method", "url", "headers", "body", "timeout_ms", "continue_on_error"},
          prefix);
      !ok) {
    return Fail(ok.error());
  }
  CompiledAction out;
  out.type = CompiledAction::Type::kHttp;
  auto method = a.find("method");
  if (method == a.end() || !method->is_string()) {
    return Invalid(prefix + ".method", "a method is required (GET, POST, PUT, PATCH or DELETE)");
  }
  out.method = Upper(method->get<std::string>());
  static const std::set<std::string> kMethods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  if (kMethods.count(out.method) == 0) {
    return Invalid(prefix + ".method", "must be GET, HEAD, POST, PUT, PATCH or DELETE");
  }
  auto url = a.find("url");
  if (url == a.end() || !url->is_string() || url->get<std::string>().empty()) {
    return Invalid(prefix + ".url", "a URL is required");
  }
  const std::string text = url->get<std::string>();
  std::string lower = text.substr(0, 8);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!text.starts_with("{{") && !lower.starts_with("http://") && !lower.starts_with("https://")) {
    return Invalid(prefix + ".url", "must be an http:// or https:// URL");
  }
  auto compiled_url = CompileTemplate(*url, prefix + ".url", index);
  if (!compiled_url) return Fail(compiled_url.error());
  out.url = std::move(*compiled_url);
  if (auto h = a.find("headers"); h != a.end() && !h->is_null()) {
    if (!h->is_object()) return Invalid(prefix + ".headers", "must be an object of strings");
    for (const auto& [name, value] : h->items()) {
      if (!value.is_string()) return Invalid(prefix + ".headers." + name, "must be a string");
      if (name.empty() || name.find_first_of(" :\r\n\t") != std::string::npos) {
        return Invalid(prefix + ".headers." + name, "is not a valid header name");
      }
    }
    auto compiled = CompileTemplate(*h, prefix + ".headers", index);
    if (!compiled) return Fail(compiled.error());
    out.headers = std::move(*compiled);
  }
  if (auto b = a.find("body"); b != a.end() && !b->is_null()) {
    auto compiled = CompileTemplate(*b, prefix + ".body", index);
    if (!compiled) return Fail(compiled.error());
    out.body = std::move(*compiled);
    out.has_body = true;
  }
  if (auto t = a.find("timeout_ms"); t != a.end() && !t->is_null()) {
    if (!t->is_number_integer() || t->get<int64_t>() < 1 || t->get<int64_t>() > kMaxHttpTimeoutMs) {
      return Invalid(prefix + ".timeout_ms", "must be a whole number of milliseconds from 1 to " +
                                                 std::to_string(kMaxHttpTimeoutMs));
    }
    out.timeout_ms = static_cast<int>(t->get<int64_t>());
  }
  return out;
}

}  // namespace

bool CompiledAction::Idempotent() const {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE";
}

std::string CompiledAction::Label() const {
  return type == Type::kClockifyApi ? operation_id : "http " + method;
}

const char* CompiledAction::TypeName() const {
  return type == Type::kClockifyApi ? "clockify_api" : "http";
}

Result<CompiledFlow> CompileFlow(const json& conditions, const json& actions,
                                 std::shared_ptr<const clockify::OpenApiCatalog> catalog) {
  CompiledFlow flow;
  if (!conditions.is_null() && !conditions.is_object()) {
    return Invalid("conditions", "must be an object {\"mode\":\"ALL\",\"rules\":[…]}");
  }
  auto compiled_conditions = Conditions::Compile(conditions, "conditions");
  if (!compiled_conditions) return Fail(AsValidation(compiled_conditions.error()));
  flow.conditions = std::move(*compiled_conditions);

  if (!actions.is_array()) return Invalid("actions", "must be a list of actions");
  if (actions.empty()) return Invalid("actions", "a flow needs at least one action");
  if (actions.size() > static_cast<size_t>(kMaxActions)) {
    return Invalid("actions", "at most " + std::to_string(kMaxActions) + " actions");
  }
  for (size_t i = 0; i < actions.size(); ++i) {
    const std::string prefix = "actions[" + std::to_string(i) + "]";
    const json& a = actions[i];
    if (!a.is_object()) return Invalid(prefix, "must be an object");
    auto type = a.find("type");
    if (type == a.end() || !type->is_string()) {
      return Invalid(prefix + ".type", "a type is required (clockify_api or http)");
    }
    Result<CompiledAction> action = Fail(ErrorCode::kInternal, "internal", "unreachable");
    if (*type == "clockify_api") {
      action = CompileClockifyAction(a, prefix, i, catalog);
    } else if (*type == "http") {
      action = CompileHttpAction(a, prefix, i);
    } else {
      return Invalid(prefix + ".type", "unknown action type '" + type->get<std::string>() +
                                           "' (expected clockify_api or http)");
    }
    if (!action) return Fail(action.error());
    auto continue_on_error =
        OptionalBool(a, "continue_on_error", false, prefix + ".continue_on_error");
    if (!continue_on_error) return Fail(continue_on_error.error());
    action->continue_on_error = *continue_on_error;
    flow.actions.push_back(std::move(*action));
  }
  flow.catalog = std::move(catalog);
  return flow;
}

Result<FlowDefinition> ParseFlowDefinition(
    const json& body, const FlowDefinition* base,
    std::shared_ptr<const clockify::OpenApiCatalog> catalog) {
  if (!body.is_object()) return Invalid("", "the flow must be a JSON object");
  if (auto ok = KnownKeys(
          body,
          {"name", "description", "enabled", "trigger_source", "trigger_event_type", "conditions",
           "actions", "id", "workspace_id", "created_at", "updated_at", "paused_reason"},
          "");
      !ok) {
    return Fail(ok.error());
  }
  FlowDefinition out = base ? *base : FlowDefinition{};

  auto name = OptionalString(body, "name", out.name);
  if (!name) return Fail(name.error());
  if (name->empty()) return Invalid("name", "a name is required");
  if (name->size() > 255) return Invalid("name", "at most 255 characters");
  out.name = std::move(*name);

  auto description = OptionalString(body, "description", out.description);
  if (!description) return Fail(description.error());
  out.description = std::move(*description);

  auto enabled = OptionalBool(body, "enabled", out.enabled, "enabled");
  if (!enabled) return Fail(enabled.error());
  out.enabled = *enabled;

  auto source = OptionalString(body, "trigger_source", out.trigger_source);
  if (!source) return Fail(source.error());
  out.trigger_source = Upper(*source);
  if (out.trigger_source != "CLOCKIFY" && out.trigger_source != "CUSTOM") {
    return Invalid("trigger_source", "must be CLOCKIFY or CUSTOM");
  }

  auto event = OptionalString(body, "trigger_event_type", out.trigger_event_type);
  if (!event) return Fail(event.error());
  if (event->empty()) {
    return Invalid("trigger_event_type", "an event type (or \"*\" for every event) is required");
  }
  if (event->size() > 255) return Invalid("trigger_event_type", "at most 255 characters");
  if (out.trigger_source == "CLOCKIFY" && *event != "*" && !clockify::IsKnownEventType(*event)) {
    return Invalid("trigger_event_type", "unknown Clockify event type '" + *event +
                                             "', did you mean '" + ClosestEventType(*event) +
                                             "'? (\"*\" matches every event)");
  }
  out.trigger_event_type = std::move(*event);

  if (auto c = body.find("conditions"); c != body.end()) {
    out.conditions = c->is_null() ? json::object() : *c;
  }
  if (auto a = body.find("actions"); a != body.end()) out.actions = *a;
  auto compiled = CompileFlow(out.conditions, out.actions, std::move(catalog));
  if (!compiled) return Fail(compiled.error());
  return out;
}

json DefinitionToJson(const FlowDefinition& d) {
  return json{{"name", d.name},
              {"description", d.description},
              {"enabled", d.enabled},
              {"trigger_source", d.trigger_source},
              {"trigger_event_type", d.trigger_event_type},
              {"conditions", d.conditions},
              {"actions", d.actions}};
}

}  // namespace uwh::flows
