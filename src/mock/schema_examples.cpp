#include "mock/schema_examples.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "http/router.hpp"

namespace uwh::mock {
namespace {

constexpr int kMaxDepth = 8;
constexpr std::string_view kSchemaPrefix = "#/components/schemas/";

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

bool ServerIsReports(const nlohmann::json& servers) {
  if (!servers.is_array() || servers.empty() || !servers[0].is_object()) return false;
  const auto url = servers[0].value("url", std::string());
  return url.find("reports") != std::string::npos;
}

class ExampleBuilder {
 public:
  explicit ExampleBuilder(const nlohmann::json& doc) : doc_(doc) {}

  Json Build(const nlohmann::json& s, int depth) {
    if (!s.is_object() || depth > kMaxDepth) return nullptr;
    if (auto ref = s.find("$ref"); ref != s.end() && ref->is_string()) {
      const std::string& name = ref->get_ref<const std::string&>();
      if (!name.starts_with(kSchemaPrefix)) return nullptr;
      const std::string key = name.substr(kSchemaPrefix.size());
      if (std::find(stack_.begin(), stack_.end(), key) != stack_.end()) return nullptr;
      const auto& schemas = doc_["components"]["schemas"];
      auto it = schemas.find(key);
      if (it == schemas.end()) return nullptr;
      stack_.push_back(key);
      Json out = Build(*it, depth + 1);
      stack_.pop_back();
      return out;
    }
    for (const char* combo : {"oneOf", "anyOf"}) {
      if (auto it = s.find(combo); it != s.end() && it->is_array() && !it->empty()) {
        return Build((*it)[0], depth + 1);
      }
    }
    if (auto it = s.find("allOf"); it != s.end() && it->is_array()) {
      Json merged = Json::object();
      for (const auto& part : *it) {
        Json p = Build(part, depth + 1);
        if (p.is_object()) merged.update(p);
      }
      return merged;
    }
    const std::string type = s.value("type", std::string());
    if (auto props = s.find("properties"); props != s.end() && props->is_object()) {
      Json out = Json::object();
      for (const auto& [name, prop] : props->items()) out[name] = Build(prop, depth + 1);
      return out;
    }
    if (type == "array") {
      Json out = Json::array();
      if (auto items = s.find("items"); items != s.end()) {
        Json item = Build(*items, depth + 1);
        if (!item.is_null()) out.push_back(std::move(item));
      }
      return out;
    }
    if (auto ex = s.find("example"); ex != s.end()) return Json(*ex);
    if (auto en = s.find("enum"); en != s.end() && en->is_array() && !en->empty()) {
      return Json((*en)[0]);
    }
    if (type == "string") {
      const std::string format = s.value("format", std::string());
      if (format == "date-time") return "2024-01-01T00:00:00Z";
      if (format == "date") return "2024-01-01";
      return "string";
    }
    if (type == "integer" || type == "number") return 0;
    if (type == "boolean") return false;
    if (type == "object") return Json::object();
    return nullptr;
  }

 private:
  const nlohmann::json& doc_;
  std::vector<std::string> stack_;
};

}  // namespace

Result<std::shared_ptr<const SchemaExamples>> SchemaExamples::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                "cannot read the OpenAPI document " + path, "openapi");
  }
  std::stringstream text;
  text << in.rdbuf();
  auto loaded = FromText(text.str());
  if (!loaded) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                path + ": " + loaded.error().message, "openapi");
  }
  return loaded;
}

Result<std::shared_ptr<const SchemaExamples>> SchemaExamples::FromText(std::string_view text) {
  auto out = std::make_shared<SchemaExamples>();
  out->document_ = nlohmann::json::parse(text, nullptr, false);
  const auto& doc = out->document_;
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("paths") ||
      !doc["paths"].is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                "not an OpenAPI document with paths");
  }
  const bool doc_reports = ServerIsReports(doc.value("servers", nlohmann::json()));
  for (const auto& [path, item] : doc["paths"].items()) {
    if (!item.is_object()) continue;
    const bool path_reports = item.contains("servers") ? ServerIsReports(item["servers"]) : doc_reports;
    for (const auto& [method, op] : item.items()) {
      static const std::vector<std::string> kMethods = {"get", "post", "put", "patch", "delete"};
      if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) continue;
      if (!op.is_object()) continue;
      Operation o;
      o.operation_id = op.value("operationId", method + " " + path);
      o.method = Upper(method);
      o.path = path;
      o.reports = op.contains("servers") ? ServerIsReports(op["servers"]) : path_reports;
      o.segments = http::SplitPath(path);
      for (const auto& seg : o.segments) {
        if (seg.empty() || seg.front() != '{') ++o.literal_count;
      }
      if (auto responses = op.find("responses"); responses != op.end() && responses->is_object()) {
        for (const auto& [code, response] : responses->items()) {
          if (code.size() != 3 || code[0] != '2') continue;
          o.status = std::stoi(code);
          if (auto content = response.find("content");
              content != response.end() && content->is_object()) {
            for (const auto& [type, media] : content->items()) {
              if (type.find("json") != std::string::npos && media.contains("schema")) {
                o.response_schema = &media["schema"];
                break;
              }
            }
          }
          break;
        }
      }
      out->operations_.push_back(std::move(o));
    }
  }
  std::stable_sort(out->operations_.begin(), out->operations_.end(),
                   [](const Operation& a, const Operation& b) {
                     return a.literal_count > b.literal_count;
                   });
  return std::shared_ptr<const SchemaExamples>(std::move(out));
}

const SchemaExamples::Operation* SchemaExamples::Find(std::string_view method, bool reports,
                                                      std::string_view path) const {
  const auto segments = http::SplitPath(path);
  for (const auto& op : operations_) {
    if (op.reports != reports || op.method != method || op.segments.size() != segments.size()) {
      continue;
    }
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const auto& p = op.segments[i];
      match = (p.size() >= 2 && p.front() == '{' && p.back() == '}') || p == segments[i];
    }
    if (match) return &op;
  }
  return nullptr;
}

Json SchemaExamples::Example(const Operation& op) const {
  if (op.response_schema == nullptr) return nullptr;
  ExampleBuilder builder(document_);
  return builder.Build(*op.response_schema, 0);
}

}  // namespace uwh::mock
