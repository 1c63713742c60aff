#include "bootstrap/entity_types.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>

namespace uwh::bootstrap {
namespace {

using nlohmann::json;

struct Segment {
  std::string text;
  bool param = false;  // "{projectId}" → text "projectId"
};

// Path segments without the version prefix ("/v1/workspaces/{workspaceId}/tags" →
// workspaces, {workspaceId}, tags).
std::vector<Segment> Split(std::string_view path) {
  std::vector<Segment> out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t j = std::min(path.find('/', i), path.size());
    const std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty()) continue;
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      out.push_back({std::string(part.substr(1, part.size() - 2)), true});
      continue;
    }
    const bool version =
        out.empty() && part.size() >= 2 && part[0] == 'v' &&
        std::all_of(part.begin() + 1, part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!version) out.push_back({std::string(part), false});
  }
  return out;
}

// Segments that name a view of the collection before them, not a collection.
bool IsView(const Segment& s) {
  static constexpr std::array<std::string_view, 4> kViews = {"status", "in-progress", "in-period",
                                                             "all"};
  return !s.param && std::find(kViews.begin(), kViews.end(), s.text) != kViews.end();
}

std::string Singular(std::string word) {
  auto ends = [&](std::string_view suffix) { return word.ends_with(suffix); };
  if (word.size() > 3 && ends("ies")) return word.substr(0, word.size() - 3) + "y";
  for (std::string_view es : {"sses", "xes", "ches", "shes", "zes"}) {
    if (ends(es)) return word.substr(0, word.size() - 2);
  }
  if (ends("ss") || ends("us")) return word;
  if (word.size() > 1 && ends("s")) return word.substr(0, word.size() - 1);
  return word;
}

bool IsArrayOfObjects(const json& schema) {
  if (!schema.is_object() || schema.value("type", "") != "array") return false;
  auto items = schema.find("items");
  return items != schema.end() && items->is_object() &&
         (items->value("type", "") == "object" || items->contains("properties") ||
          items->contains("$ref"));
}

bool IsNumber(const json& schema) {
  const std::string type = schema.is_object() ? schema.value("type", "") : "";
  return type == "integer" || type == "number";
}

// The JSON pointer to the list a response holds: "" for an array; for an object, the property
// named like the collection (followed one level down: {"expenses":{"expenses":[…]}}), else the
// one array of objects of an envelope whose other properties are counts.
std::optional<std::string> ListPointer(const json* schema, const std::string& preferred,
                                       int depth = 0) {
  if (schema == nullptr || !schema->is_object()) return std::nullopt;
  if (depth == 0 && (schema->value("type", "") == "array" || schema->contains("items"))) {
    return std::string();
  }
  auto props = schema->find("properties");
  if (props == schema->end() || !props->is_object()) return std::nullopt;
  if (auto named = props->find(preferred); named != props->end()) {
    if (IsArrayOfObjects(*named)) return "/" + preferred;
    if (depth < 1) {
      if (auto inner = ListPointer(&*named, preferred, depth + 1)) return "/" + preferred + *inner;
    }
  }
  std::optional<std::string> only;
  for (const auto& [name, property] : props->items()) {
    if (IsArrayOfObjects(property)) {
      if (only) return std::nullopt;
      only = "/" + name;
    } else if (!IsNumber(property)) {
      return std::nullopt;
    }
  }
  return only;
}

// The shape of one GET operation before the prefix rule (which needs every operation).
struct Analysis {
  OperationShape shape;
  bool deprecated = false;
  bool direct_parent = false;       // the collection hangs right under a parent id
  std::string direct_parent_type;   // that parent's type
  bool ends_in_collection = false;  // the path's last segment is the collection itself
};

Analysis Analyse(const clockify::Operation& op) {
  Analysis a;
  a.deprecated = op.deprecated;
  const std::vector<Segment> segs = Split(op.path);
  if (segs.empty()) return a;
  const int n = static_cast<int>(segs.size());

  for (int i = 0; i < n; ++i) {
    if (!segs[i].param || segs[i].text == "workspaceId") continue;
    const std::string type = i > 0 && !segs[i - 1].param ? SingularSnake(segs[i - 1].text) : "";
    a.shape.parents.emplace_back(segs[i].text, type);
  }

  int last_literal = n - 1;
  while (last_literal > 0 && (segs[last_literal].param || IsView(segs[last_literal]))) {
    --last_literal;
  }
  const auto pointer = ListPointer(op.response_schema.get(), LowerCamel(segs[last_literal].text));
  a.shape.is_list = pointer.has_value();
  a.shape.list_pointer = pointer.value_or("");

  int c = n - 1;
  if (segs[c].param) {
    // A list ending in an id is filtered by that parent: collection/kind/{id}.
    const bool filtered = a.shape.is_list && c >= 2 && !segs[c - 1].param && !segs[c - 2].param;
    c -= filtered ? 2 : 1;
  }
  while (c > 0 && (segs[c].param || IsView(segs[c]))) --c;
  a.ends_in_collection = c == n - 1;
  a.shape.base_type = SingularSnake(segs[c].text);
  a.shape.entity_type = a.shape.base_type;
  if (c >= 2 && segs[c - 1].param && segs[c - 1].text != "workspaceId" && !segs[c - 2].param) {
    a.direct_parent = true;
    a.direct_parent_type = SingularSnake(segs[c - 2].text);
  }
  return a;
}

}  // namespace

std::string SingularSnake(std::string_view segment) {
  std::string lower(segment);
  for (char& ch : lower) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    if (ch == '-') ch = '_';
  }
  const size_t last = lower.rfind('_');
  if (last == std::string::npos) return Singular(lower);
  return lower.substr(0, last + 1) + Singular(lower.substr(last + 1));
}

std::string LowerCamel(std::string_view words) {
  std::string out;
  bool upper = false;
  for (const char ch : words) {
    if (ch == '_' || ch == '-') {
      upper = !out.empty();
      continue;
    }
    out += upper && ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch;
    upper = false;
  }
  return out;
}

std::map<std::string, OperationShape> DescribeGetOperations(
    const clockify::OpenApiCatalog& catalog) {
  std::map<std::string, Analysis> analysed;
  for (const auto& op : catalog.Operations()) {
    if (op.method == "GET") analysed.emplace(op.operation_id, Analyse(op));
  }
  // Base types that the workspace lists as a collection of its own (not a view, no parent).
  std::vector<std::string> workspace_collections;
  for (const auto& [id, a] : analysed) {
    if (!a.deprecated && a.shape.is_list && a.shape.parents.empty() && a.ends_in_collection) {
      workspace_collections.push_back(a.shape.base_type);
    }
  }
  std::map<std::string, OperationShape> out;
  for (auto& [id, a] : analysed) {
    const bool clash = std::find(workspace_collections.begin(), workspace_collections.end(),
                                 a.shape.base_type) != workspace_collections.end();
    if (a.direct_parent && a.ends_in_collection && clash && !a.direct_parent_type.empty()) {
      a.shape.entity_type = a.direct_parent_type + "_" + a.shape.base_type;
      a.shape.prefixed = true;
    }
    out.emplace(id, std::move(a.shape));
  }
  return out;
}

}  // namespace uwh::bootstrap
