#include "clockify/request_builder.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

namespace uwh::clockify {
namespace {

using nlohmann::json;

tl::unexpected<Error> Invalid(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

// A JSON scalar as the text Clockify expects in a path or query.
bool ScalarText(const json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
  } else if (v.is_boolean()) {
    *out = v.get<bool>() ? "true" : "false";
  } else if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float()) {
    *out = v.dump();
  } else {
    return false;
  }
  return true;
}

std::string EscapePathSegment(const std::string& s) {
  char* escaped = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

bool IsSplit(const Operation& op, const json& parameters) {
  if (!parameters.is_object()) return false;
  for (const auto& [key, value] : parameters.items()) {
    if (key != "path" && key != "query" && key != "body") return false;
    if (key != "body" && !value.is_object()) return false;
  }
  for (const auto& p : op.parameters) {
    if (p.name == "path" || p.name == "query") return false;
  }
  return !parameters.empty();
}

}  // namespace

Result<ApiRequest> BuildApiRequest(const Operation& op, const json& parameters,
                                   const std::string& workspace_id) {
  if (op.deprecated || op.server == ServerKind::kDeprecated) {
    return Fail(ErrorCode::kInvalidArgument, "deprecated_operation",
                "operation '" + op.operation_id + "' is deprecated and cannot be executed",
                "operation_id");
  }
  if (!parameters.is_null() && !parameters.is_object()) {
    return Invalid("parameters", "parameters must be an object");
  }
  json path_values = json::object();
  json query_values = json::object();
  std::optional<json> body;
  if (IsSplit(op, parameters)) {
    if (parameters.contains("path")) path_values = parameters["path"];
    if (parameters.contains("query")) query_values = parameters["query"];
    if (parameters.contains("body")) body = parameters["body"];
  } else if (parameters.is_object()) {
    for (const auto& [key, value] : parameters.items()) {
      if (key == "body") {
        body = value;
        continue;
      }
      const Parameter* match = nullptr;
      for (const auto& p : op.parameters) {
        if (p.name == key) match = &p;
      }
      if (!match) {
        return Invalid("parameters." + key,
                       "operation '" + op.operation_id + "' has no parameter '" + key + "'");
      }
      (match->in == "path" ? path_values : query_values)[key] = value;
    }
  }
  if (auto ws = path_values.find("workspaceId"); ws != path_values.end()) {
    if (!ws->is_string() || ws->get<std::string>() != workspace_id) {
      return Fail(ErrorCode::kForbidden, "forbidden", "you may only act on your own workspace",
                  "parameters.workspaceId");
    }
  }

  ApiRequest request;
  request.method = op.method;
  request.server = op.server;
  request.operation_id = op.operation_id;
  std::string path = op.path;
  std::vector<std::string> missing;
  for (const auto& p : op.parameters) {
    if (p.in == "path") {
      std::string text;
      if (p.name == "workspaceId" && !path_values.contains(p.name)) {
        text = workspace_id;
      } else if (auto it = path_values.find(p.name); it != path_values.end()) {
        if (!ScalarText(*it, &text) || text.empty()) {
          if (it->is_null() || (it->is_string() && text.empty())) {
            missing.push_back(p.name);
            continue;
          }
          return Invalid("parameters." + p.name, "path parameter '" + p.name + "' must be a "
                                                 "string or a number");
        }
      } else {
        missing.push_back(p.name);
        continue;
      }
      const std::string placeholder = "{" + p.name + "}";
      for (auto at = path.find(placeholder); at != std::string::npos;
           at = path.find(placeholder)) {
        path.replace(at, placeholder.size(), EscapePathSegment(text));
      }
    } else if (p.in == "query") {
      auto it = query_values.find(p.name);
      if (it == query_values.end() || it->is_null()) {
        if (p.required) missing.push_back(p.name);
        continue;
      }
      const json items = it->is_array() ? *it : json::array({*it});
      for (const auto& item : items) {
        std::string text;
        if (!ScalarText(item, &text)) {
          return Invalid("parameters." + p.name, "query parameter '" + p.name +
                                                     "' must be a scalar or a list of scalars");
        }
        request.query.emplace_back(p.name, text);
      }
    }
  }
  for (const auto& [key, value] : path_values.items()) {
    bool known = false;
    for (const auto& p : op.parameters) known = known || (p.in == "path" && p.name == key);
    if (!known) return Invalid("parameters.path." + key, "unknown path parameter '" + key + "'");
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    return Fail(ErrorCode::kInvalidArgument, "missing_parameter",
                "missing required parameter(s): " + names, "parameters." + missing.front());
  }
  if (op.request_body_required && (!body || body->is_null())) {
    return Fail(ErrorCode::kInvalidArgument, "missing_parameter",
                "operation '" + op.operation_id + "' needs a request body", "parameters.body");
  }
  if (body && !body->is_null()) {
    request.body = body->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  request.path = std::move(path);
  return request;
}

}  // namespace uwh::clockify
