#include "clockify/openapi_catalog.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "common/text.hpp"

namespace uwh::clockify {
namespace {

using Json = nlohmann::json;
// The document is parsed with insertion order kept: "in document order" (operations, parameters,
// responses, tags) depends on it. Resolved schemas are plain nlohmann::json (the contract's type).
using Doc = nlohmann::ordered_json;

constexpr size_t kNoCut = std::numeric_limits<size_t>::max();

tl::unexpected<Error> NotOpenApi(const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "invalid_openapi", message);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string StringOr(const Doc& node, const char* key, std::string fallback = {}) {
  if (!node.is_object()) return fallback;
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Follows a local reference ("#/components/schemas/X"); nullptr when it points nowhere.
const Doc* Lookup(const Doc& root, const std::string& ref) {
  if (ref.size() < 2 || ref[0] != '#' || ref[1] != '/') return nullptr;
  try {
    const Doc::json_pointer pointer(ref.substr(1));
    return root.contains(pointer) ? &root.at(pointer) : nullptr;
  } catch (const Doc::exception&) {
    return nullptr;
  }
}

// Keywords whose values are data, not schemas: copied as they are, never searched for $ref.
bool IsLiteralKeyword(const std::string& key) {
  return key == "example" || key == "examples" || key == "enum" || key == "default" ||
         key == "const";
}

// Resolves every $ref of schema trees into self-contained copies.
//
// A reference already on the resolution stack (the path from the tree's root) is a cycle: it
// becomes {"$ref": "<ref>", "x-cycle": true}, the only "$ref" left in a resolved tree. So a tree is
// what plain recursive expansion gives, stopped where a schema re-enters itself; it does not
// depend on what was resolved before.
// Resolved references are memoized (and shared) when their tree does not depend on the stack:
// every cut inside points at the reference itself or deeper. A memoized tree is reused only where
// none of the references expanded inside it is on the current stack (there the plain expansion
// would cut earlier), otherwise it is resolved again for that context.
class SchemaResolver {
 public:
  explicit SchemaResolver(const Doc& root) : root_(root) {}

  // A plain {"$ref": …} shares the memoized tree; anything else gets a fresh tree.
  std::shared_ptr<const Json> ResolveShared(const Doc& node) {
    Trace trace;
    if (node.is_object() && node.size() == 1) {
      auto it = node.find("$ref");
      if (it != node.end() && it->is_string()) return ResolveRef(it->get<std::string>(), &trace);
    }
    return std::make_shared<const Json>(Resolve(node, &trace));
  }

 private:
  // What a subtree's resolution met: the shallowest stack depth a cut in it points at, and the
  // ids of the references expanded in it.
  struct Trace {
    size_t min_cut = kNoCut;
    std::vector<int> expanded;
  };
  struct Memo {
    std::shared_ptr<const Json> tree;
    std::vector<int> expanded;  // sorted
  };

  Json Resolve(const Doc& node, Trace* trace) {
    if (node.is_array()) {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(Resolve(item, trace));
      return out;
    }
    if (!node.is_object()) return Json(node);
    if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
      const auto target = ResolveRef(ref->get<std::string>(), trace);
      if (node.size() == 1) return *target;
      // Keywords beside a $ref (OpenAPI 3.1 style) refine the target.
      Json out = *target;
      if (!out.is_object()) out = Json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it.key() == "$ref") continue;
        out[it.key()] = Child(it.key(), it.value(), trace);
      }
      return out;
    }
    Json out = Json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      out[it.key()] = Child(it.key(), it.value(), trace);
    }
    return out;
  }

  Json Child(const std::string& key, const Doc& value, Trace* trace) {
    if (IsLiteralKeyword(key)) return Json(value);
    if ((key == "properties" || key == "patternProperties") && value.is_object()) {
      // Names here are property names, not keywords: every value is a schema.
      Json out = Json::object();
      for (auto it = value.begin(); it != value.end(); ++it) {
        out[it.key()] = Resolve(it.value(), trace);
      }
      return out;
    }
    return Resolve(value, trace);
  }

  int IdOf(const std::string& ref) {
    auto [it, inserted] = ids_.emplace(ref, static_cast<int>(ids_.size()));
    return it->second;
  }

  bool Reusable(const Memo& memo) const {
    for (int id : stack_) {
      if (std::binary_search(memo.expanded.begin(), memo.expanded.end(), id)) return false;
    }
    return true;
  }

  std::shared_ptr<const Json> ResolveRef(const std::string& ref, Trace* trace) {
    const int id = IdOf(ref);
    if (auto on_stack = std::find(stack_.begin(), stack_.end(), id); on_stack != stack_.end()) {
      trace->min_cut = std::min(trace->min_cut, static_cast<size_t>(on_stack - stack_.begin()));
      return std::make_shared<const Json>(Json{{"$ref", ref}, {"x-cycle", true}});
    }
    if (auto hit = memo_.find(id); hit != memo_.end() && Reusable(hit->second)) {
      trace->expanded.insert(trace->expanded.end(), hit->second.expanded.begin(),
                             hit->second.expanded.end());
      return hit->second.tree;
    }
    const Doc* target = Lookup(root_, ref);
    if (target == nullptr) {
      return std::make_shared<const Json>(
          Json{{"description", "unresolved reference " + ref}, {"x-unresolved-ref", ref}});
    }
    const size_t depth = stack_.size();
    stack_.push_back(id);
    Trace inner;
    inner.expanded.push_back(id);
    auto resolved = std::make_shared<const Json>(Resolve(*target, &inner));
    stack_.pop_back();
    std::sort(inner.expanded.begin(), inner.expanded.end());
    inner.expanded.erase(std::unique(inner.expanded.begin(), inner.expanded.end()),
                         inner.expanded.end());
    trace->expanded.insert(trace->expanded.end(), inner.expanded.begin(), inner.expanded.end());
    if (inner.min_cut >= depth) {
      memo_.insert_or_assign(id, Memo{resolved, std::move(inner.expanded)});
    } else {
      trace->min_cut = std::min(trace->min_cut, inner.min_cut);
    }
    return resolved;
  }

  const Doc& root_;
  std::unordered_map<std::string, int> ids_;
  std::unordered_map<int, Memo> memo_;
  std::vector<int> stack_;
};

const Doc& Deref(const Doc& root, const Doc& node) {
  if (node.is_object()) {
    if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
      if (const Doc* target = Lookup(root, ref->get<std::string>())) return *target;
    }
  }
  return node;
}

ServerKind KindOfServer(const std::string& url) {
  const std::string lower = Lower(url);
  if (lower.find("localhost") != std::string::npos ||
      lower.find("127.0.0.1") != std::string::npos) {
    return ServerKind::kDeprecated;
  }
  if (lower.find("reports.") != std::string::npos) return ServerKind::kReports;
  return ServerKind::kBackend;
}

std::string FirstServerUrl(const Doc& node) {
  if (!node.is_object()) return {};
  auto servers = node.find("servers");
  if (servers == node.end() || !servers->is_array() || servers->empty()) return {};
  return StringOr(servers->front(), "url");
}

int ParameterRank(const std::string& in) {
  if (in == "path") return 0;
  if (in == "query") return 1;
  if (in == "header") return 3;
  return 2;  // cookie and anything else
}

// Path-item-level then operation-level parameters; an operation parameter with the same name and
// location replaces the path item's in place.
std::vector<Parameter> BuildParameters(const Doc& root, const Doc& path_item, const Doc& op,
                                       SchemaResolver& resolver) {
  std::vector<const Doc*> merged;
  auto add = [&](const Doc& list, bool override_existing) {
    if (!list.is_array()) return;
    for (const auto& raw : list) {
      const Doc& p = Deref(root, raw);
      if (!p.is_object()) continue;
      const std::string name = StringOr(p, "name"), in = StringOr(p, "in");
      bool replaced = false;
      if (override_existing) {
        for (auto& existing : merged) {
          if (StringOr(*existing, "name") == name && StringOr(*existing, "in") == in) {
            existing = &p;
            replaced = true;
            break;
          }
        }
      }
      if (!replaced) merged.push_back(&p);
    }
  };
  if (auto it = path_item.find("parameters"); it != path_item.end()) add(*it, false);
  if (auto it = op.find("parameters"); it != op.end()) add(*it, true);

  std::vector<Parameter> out;
  out.reserve(merged.size());
  for (const Doc* p : merged) {
    Parameter param;
    param.name = StringOr(*p, "name");
    param.in = StringOr(*p, "in");
    param.description = StringOr(*p, "description");
    if (auto r = p->find("required"); r != p->end() && r->is_boolean()) param.required = *r;
    if (param.in == "path") param.required = true;  // OpenAPI: path parameters always are
    if (auto s = p->find("schema"); s != p->end()) {
      param.schema = resolver.ResolveShared(*s);
    } else if (auto c = p->find("content"); c != p->end() && c->is_object() && !c->empty()) {
      const Doc& media = c->begin().value();
      if (auto s2 = media.find("schema"); s2 != media.end())
        param.schema = resolver.ResolveShared(*s2);
    }
    if (!param.schema) param.schema = std::make_shared<const Json>(Json::object());
    out.push_back(std::move(param));
  }
  std::stable_sort(out.begin(), out.end(), [](const Parameter& a, const Parameter& b) {
    return ParameterRank(a.in) < ParameterRank(b.in);
  });
  return out;
}

void BuildRequestBody(const Doc& root, const Doc& op, SchemaResolver& resolver, Operation* out) {
  auto it = op.find("requestBody");
  if (it == op.end()) return;
  const Doc& body = Deref(root, *it);
  if (!body.is_object()) return;
  if (auto r = body.find("required"); r != body.end() && r->is_boolean()) {
    out->request_body_required = *r;
  }
  const Doc* media = nullptr;
  if (auto content = body.find("content"); content != body.end() && content->is_object()) {
    if (auto json = content->find("application/json"); json != content->end()) {
      out->request_content_type = "application/json";
      media = &json.value();
    } else if (!content->empty()) {
      out->request_content_type = content->begin().key();
      media = &content->begin().value();
    }
  }
  if (media != nullptr && media->is_object()) {
    if (auto s = media->find("schema"); s != media->end())
      out->request_body = resolver.ResolveShared(*s);
  }
  if (!out->request_body) out->request_body = std::make_shared<const Json>(Json::object());
}

// The first 2xx response with an application/json schema; failing that, the first 2xx with a
// "*/*" schema (Clockify's report operations answer JSON but declare "*/*").
void BuildResponse(const Doc& root, const Doc& op, SchemaResolver& resolver, Operation* out) {
  auto responses = op.find("responses");
  if (responses == op.end() || !responses->is_object()) return;
  for (const char* wanted : {"application/json", "*/*"}) {
    for (auto it = responses->begin(); it != responses->end(); ++it) {
      const std::string& code = it.key();
      if (code.size() != 3 || code[0] != '2') continue;
      const Doc& response = Deref(root, it.value());
      auto content = response.find("content");
      if (content == response.end() || !content->is_object()) continue;
      auto media = content->find(wanted);
      if (media == content->end() || !media->is_object()) continue;
      if (auto s = media->find("schema"); s != media->end()) {
        out->response_schema = resolver.ResolveShared(*s);
        return;
      }
    }
  }
}

std::string NormalizeId(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (char c : id) {
    if (c == '-' || c == '_') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

const char* ServerName(ServerKind kind) {
  switch (kind) {
    case ServerKind::kBackend:
      return "backend";
    case ServerKind::kReports:
      return "reports";
    case ServerKind::kDeprecated:
      return "deprecated";
  }
  return "backend";
}

}  // namespace

Result<std::shared_ptr<const OpenApiCatalog>> OpenApiCatalog::FromText(std::string_view text) {
  Doc doc = Doc::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return NotOpenApi("the OpenAPI document is not valid JSON");
  if (!doc.is_object()) return NotOpenApi("the OpenAPI document is not a JSON object");
  const std::string version = StringOr(doc, "openapi");
  if (version.empty() || version[0] != '3') {
    return NotOpenApi("not an OpenAPI 3 document (the \"openapi\" field must be 3.x)");
  }
  auto paths = doc.find("paths");
  if (paths == doc.end() || !paths->is_object()) {
    return NotOpenApi("the OpenAPI document has no \"paths\" object");
  }

  auto catalog = std::make_shared<OpenApiCatalog>();
  SchemaResolver resolver(doc);
  const std::string document_server = FirstServerUrl(doc);
  static constexpr const char* kMethods[] = {"get",   "put",  "post",    "delete",
                                             "patch", "head", "options", "trace"};
  for (auto path_it = paths->begin(); path_it != paths->end(); ++path_it) {
    const Doc& item = Deref(doc, path_it.value());
    if (!item.is_object()) continue;
    std::string path_server = FirstServerUrl(item);
    if (path_server.empty()) path_server = document_server;
    // Operations in the path item's own key order.
    for (auto op_it = item.begin(); op_it != item.end(); ++op_it) {
      const std::string key = Lower(op_it.key());
      if (std::find(std::begin(kMethods), std::end(kMethods), key) == std::end(kMethods)) continue;
      const Doc& op = op_it.value();
      if (!op.is_object()) continue;
      Operation o;
      o.method = Upper(key);
      o.path = path_it.key();
      o.operation_id = StringOr(op, "operationId", o.method + " " + o.path);
      o.server_url = FirstServerUrl(op);
      if (o.server_url.empty()) o.server_url = path_server;
      o.server = KindOfServer(o.server_url);
      if (auto tags = op.find("tags"); tags != op.end() && tags->is_array()) {
        for (const auto& t : *tags) {
          if (t.is_string()) o.tags.push_back(t.get<std::string>());
        }
      }
      if (!o.tags.empty()) o.tag = o.tags.front();
      o.summary = StringOr(op, "summary");
      o.description = StringOr(op, "description");
      if (auto d = op.find("deprecated"); d != op.end() && d->is_boolean()) o.deprecated = *d;
      for (const auto& t : o.tags) {
        if (t.find("(Deprecated)") != std::string::npos) o.deprecated = true;
      }
      if (o.server == ServerKind::kDeprecated) o.deprecated = true;
      o.parameters = BuildParameters(doc, item, op, resolver);
      BuildRequestBody(doc, op, resolver, &o);
      BuildResponse(doc, op, resolver, &o);
      catalog->operations_.push_back(std::move(o));
    }
  }

  // Tags: those the operations use, in the order of the document's tag list, then any unlisted.
  std::vector<std::string> used;
  for (const auto& o : catalog->operations_) {
    for (const auto& t : o.tags) {
      if (std::find(used.begin(), used.end(), t) == used.end()) used.push_back(t);
    }
  }
  if (auto tags = doc.find("tags"); tags != doc.end() && tags->is_array()) {
    for (const auto& t : *tags) {
      const std::string name = StringOr(t, "name");
      if (std::find(used.begin(), used.end(), name) != used.end() &&
          std::find(catalog->tags_.begin(), catalog->tags_.end(), name) == catalog->tags_.end()) {
        catalog->tags_.push_back(name);
      }
    }
  }
  for (const auto& t : used) {
    if (std::find(catalog->tags_.begin(), catalog->tags_.end(), t) == catalog->tags_.end()) {
      catalog->tags_.push_back(t);
    }
  }
  for (auto& o : catalog->operations_) {
    o.summary_json = OperationToJson(o, /*detail=*/false).dump(-1, ' ', false,
                                                               Json::error_handler_t::replace);
  }
  return std::shared_ptr<const OpenApiCatalog>(std::move(catalog));
}

Result<std::shared_ptr<const OpenApiCatalog>> OpenApiCatalog::FromFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Fail(ErrorCode::kUnavailable, "spec_unavailable",
                "cannot read the OpenAPI document " + path + ": " + std::strerror(errno));
  }
  std::string text;
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) {
    return Fail(ErrorCode::kUnavailable, "spec_unavailable",
                "cannot read the OpenAPI document " + path);
  }
  auto catalog = FromText(text);
  if (!catalog) {
    Error error = catalog.error();
    error.message = path + ": " + error.message;
    return Fail(std::move(error));
  }
  return catalog;
}

const Operation* OpenApiCatalog::Find(std::string_view operation_id) const {
  for (const auto& o : operations_) {
    if (o.operation_id == operation_id) return &o;
  }
  return nullptr;
}

std::vector<const Operation*> OpenApiCatalog::List(const OperationFilter& filter) const {
  const std::string method = Upper(filter.method);
  const std::string q = Lower(filter.q);
  std::vector<const Operation*> out;
  for (const auto& o : operations_) {
    if (o.deprecated && !filter.include_deprecated) continue;
    if (!filter.tag.empty() &&
        std::find(o.tags.begin(), o.tags.end(), filter.tag) == o.tags.end()) {
      continue;
    }
    if (!method.empty() && o.method != method) continue;
    if (!q.empty() && Lower(o.operation_id).find(q) == std::string::npos &&
        Lower(o.summary).find(q) == std::string::npos &&
        Lower(o.path).find(q) == std::string::npos) {
      continue;
    }
    out.push_back(&o);
  }
  return out;
}

std::vector<std::string> OpenApiCatalog::Suggest(std::string_view operation_id, size_t max) const {
  const std::string wanted = NormalizeId(operation_id);
  std::vector<std::pair<size_t, const std::string*>> scored;
  scored.reserve(operations_.size());
  for (const auto& o : operations_) {
    scored.emplace_back(EditDistance(wanted, NormalizeId(o.operation_id)), &o.operation_id);
  }
  const size_t n = std::min(max, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first < b.first : *a.second < *b.second;
                    });
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(*scored[i].second);
  return out;
}

nlohmann::json OperationToJson(const Operation& op, bool detail) {
  Json out = {{"operation_id", op.operation_id},
              {"method", op.method},
              {"path", op.path},
              {"server", ServerName(op.server)},
              {"server_url", op.server_url},
              {"tag", op.tag},
              {"tags", op.tags},
              {"summary", op.summary},
              {"deprecated", op.deprecated}};
  if (detail) out["description"] = op.description;
  Json params = Json::array();
  for (const auto& p : op.parameters) {
    Json j = {{"name", p.name}, {"in", p.in}, {"required", p.required}};
    if (detail) {
      j["description"] = p.description;
      j["schema"] = *p.schema;
    }
    params.push_back(std::move(j));
  }
  out["parameters"] = std::move(params);
  if (op.request_body) {
    Json body = {{"content_type", op.request_content_type}, {"required", op.request_body_required}};
    if (detail) body["schema"] = *op.request_body;
    out["request_body"] = std::move(body);
  } else {
    out["request_body"] = nullptr;
  }
  if (detail) out["response_schema"] = op.response_schema ? *op.response_schema : Json();
  return out;
}

}  // namespace uwh::clockify
