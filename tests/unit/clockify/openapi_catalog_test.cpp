#include "clockify/openapi_catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace uwh::clockify {
namespace {

using Json = nlohmann::json;

const std::string kSpecPath = std::string(UWH_SHARED_DIR) + "/clockify/openapi.json";
const std::set<std::string> kMethods = {"get",   "put",  "post",    "delete",
                                        "patch", "head", "options", "trace"};

// The document, read independently of the catalog.
const Json& Document() {
  static const Json doc = [] {
    std::ifstream in(kSpecPath);
    EXPECT_TRUE(in.good()) << kSpecPath;
    return Json::parse(in);
  }();
  return doc;
}

const OpenApiCatalog& Catalog() {
  static const std::shared_ptr<const OpenApiCatalog> catalog = [] {
    auto loaded = OpenApiCatalog::FromFile(kSpecPath);
    EXPECT_TRUE(loaded) << loaded.error().message;
    return *loaded;
  }();
  return *catalog;
}

const Json& Deref(const Json& node) {
  if (node.is_object() && node.contains("$ref")) {
    return Document().at(Json::json_pointer(node["$ref"].get<std::string>().substr(1)));
  }
  return node;
}

struct DocOperation {
  std::string method, path, server_url;
  Json op;
  Json path_item;
};

std::map<std::string, DocOperation> DocumentOperations() {
  std::map<std::string, DocOperation> out;
  for (const auto& [path, raw_item] : Document()["paths"].items()) {
    const Json& item = Deref(raw_item);
    for (const auto& [key, op] : item.items()) {
      if (!kMethods.count(key)) continue;
      std::string method = key;
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      std::string server = op.contains("servers") ? op["servers"][0]["url"].get<std::string>()
                           : item.contains("servers")
                               ? item["servers"][0]["url"].get<std::string>()
                               : Document()["servers"][0]["url"].get<std::string>();
      const bool inserted = out.emplace(op["operationId"].get<std::string>(),
                                        DocOperation{method, path, server, op, item})
                                .second;
      EXPECT_TRUE(inserted) << "duplicate operationId " << op["operationId"];
    }
  }
  return out;
}

using ParamKey = std::tuple<std::string, std::string, bool>;  // name, in, required

std::set<ParamKey> DocumentParameters(const DocOperation& d) {
  std::map<std::pair<std::string, std::string>, bool> merged;  // operation-level wins
  for (const Json* list : {&d.path_item, &d.op}) {
    if (!list->contains("parameters")) continue;
    for (const auto& raw : (*list)["parameters"]) {
      const Json& p = Deref(raw);
      merged[{p["name"], p["in"]}] = p.value("required", false);
    }
  }
  std::set<ParamKey> out;
  for (const auto& [key, required] : merged) out.emplace(key.first, key.second, required);
  return out;
}

bool IsDeprecatedInDocument(const DocOperation& d) {
  if (d.op.value("deprecated", false)) return true;
  for (const auto& t : d.op.value("tags", Json::array())) {
    if (t.get<std::string>().find("(Deprecated)") != std::string::npos) return true;
  }
  return d.server_url.find("localhost:5050") != std::string::npos;
}

// Every schema tree of an operation.
std::vector<const Json*> Schemas(const Operation& op) {
  std::vector<const Json*> out;
  for (const auto& p : op.parameters) out.push_back(p.schema.get());
  if (op.request_body) out.push_back(op.request_body.get());
  if (op.response_schema) out.push_back(op.response_schema.get());
  return out;
}

// Calls `visit` on every object node of the tree.
template <typename F>
void Walk(const Json& node, F&& visit) {
  if (node.is_object()) {
    visit(node);
    for (const auto& [key, child] : node.items()) {
      if (key == "example" || key == "examples" || key == "enum" || key == "default") continue;
      Walk(child, visit);
    }
  } else if (node.is_array()) {
    for (const auto& child : node) Walk(child, visit);
  }
}

TEST(OpenApiCatalogTest, EveryOperationOfTheDocumentIsListedAsWritten) {
  const auto doc_ops = DocumentOperations();
  ASSERT_EQ(doc_ops.size(), 170u);
  ASSERT_EQ(Catalog().Operations().size(), 170u);
  std::set<std::string> seen;
  for (const auto& op : Catalog().Operations()) {
    SCOPED_TRACE(op.operation_id);
    EXPECT_TRUE(seen.insert(op.operation_id).second) << "listed twice";
    auto it = doc_ops.find(op.operation_id);
    ASSERT_NE(it, doc_ops.end()) << "not in the document";
    const DocOperation& d = it->second;
    EXPECT_EQ(op.method, d.method);
    EXPECT_EQ(op.path, d.path);
    EXPECT_EQ(op.server_url, d.server_url);
    const auto tags = d.op.value("tags", std::vector<std::string>{});
    EXPECT_EQ(op.tags, tags);
    EXPECT_EQ(op.tag, tags.empty() ? "" : tags.front());
    EXPECT_EQ(op.summary, d.op.value("summary", ""));
    EXPECT_EQ(op.description, d.op.value("description", ""));
    EXPECT_EQ(op.deprecated, IsDeprecatedInDocument(d));

    std::set<ParamKey> params;
    for (const auto& p : op.parameters) {
      EXPECT_TRUE(params.emplace(p.name, p.in, p.required).second) << "parameter twice: " << p.name;
      ASSERT_NE(p.schema, nullptr) << p.name;
    }
    EXPECT_EQ(params, DocumentParameters(d));
    EXPECT_EQ(Catalog().Find(op.operation_id), &op);
  }
}

TEST(OpenApiCatalogTest, EachOperationsListItemIsSerialisedOnceAsItsSummary) {
  for (const auto& op : Catalog().Operations()) {
    SCOPED_TRACE(op.operation_id);
    const Json parsed = Json::parse(op.summary_json);
    EXPECT_EQ(parsed, OperationToJson(op, /*detail=*/false));
    EXPECT_EQ(parsed["operation_id"], op.operation_id);
    EXPECT_FALSE(parsed.contains("description"));  // the detail only
  }
}

TEST(OpenApiCatalogTest, ParametersArePathThenQueryInDocumentOrder) {
  const auto doc_ops = DocumentOperations();
  for (const auto& op : Catalog().Operations()) {
    SCOPED_TRACE(op.operation_id);
    std::vector<std::string> expected;
    for (const char* in : {"path", "query", "header"}) {
      for (const auto& raw : doc_ops.at(op.operation_id).op.value("parameters", Json::array())) {
        const Json& p = Deref(raw);
        if (p["in"] == in) expected.push_back(p["name"]);
      }
    }
    std::vector<std::string> actual;
    for (const auto& p : op.parameters) actual.push_back(p.name);
    EXPECT_EQ(actual, expected);
  }
}

TEST(OpenApiCatalogTest, ServersAreClassified) {
  std::map<ServerKind, int> counts;
  for (const auto& op : Catalog().Operations()) {
    ++counts[op.server];
    switch (op.server) {
      case ServerKind::kBackend:
        EXPECT_EQ(op.server_url, "https://api.clockify.me/api") << op.operation_id;
        break;
      case ServerKind::kReports:
        EXPECT_EQ(op.server_url, "https://reports.api.clockify.me") << op.operation_id;
        break;
      case ServerKind::kDeprecated:
        EXPECT_EQ(op.server_url, "http://localhost:5050") << op.operation_id;
        EXPECT_TRUE(op.deprecated) << op.operation_id;
        break;
    }
  }
  EXPECT_EQ(counts[ServerKind::kBackend], 146);
  EXPECT_EQ(counts[ServerKind::kReports], 10);
  EXPECT_EQ(counts[ServerKind::kDeprecated], 14);
}

TEST(OpenApiCatalogTest, DeprecatedOperationsAreListedOnlyOnRequest) {
  size_t deprecated = 0;
  for (const auto& [id, d] : DocumentOperations()) deprecated += IsDeprecatedInDocument(d);
  ASSERT_GT(deprecated, 14u);  // the 14 localhost ones and some flagged on the real server

  const auto listed = Catalog().List({});
  EXPECT_EQ(listed.size(), 170u - deprecated);
  for (const Operation* op : listed) EXPECT_FALSE(op->deprecated) << op->operation_id;

  OperationFilter all;
  all.include_deprecated = true;
  const auto everything = Catalog().List(all);
  ASSERT_EQ(everything.size(), 170u);
  // In document order.
  for (size_t i = 0; i < everything.size(); ++i) {
    EXPECT_EQ(everything[i], &Catalog().Operations()[i]);
  }
}

TEST(OpenApiCatalogTest, TagsAreThoseOfTheOperationsInTheDocumentsOrder) {
  std::set<std::string> used;
  for (const auto& [id, d] : DocumentOperations()) {
    for (const auto& t : d.op.value("tags", Json::array())) used.insert(t);
  }
  const auto& tags = Catalog().Tags();
  EXPECT_EQ(tags.size(), 28u);
  EXPECT_EQ(std::set<std::string>(tags.begin(), tags.end()), used);
  std::vector<std::string> document_order;
  for (const auto& t : Document()["tags"]) {
    if (used.count(t["name"])) document_order.push_back(t["name"]);
  }
  EXPECT_EQ(tags, document_order);
}

TEST(OpenApiCatalogTest, NoReferenceIsLeftExceptMarkedCycleCuts) {
  size_t nodes = 0;
  for (const auto& op : Catalog().Operations()) {
    for (const Json* schema : Schemas(op)) {
      Walk(*schema, [&](const Json& node) {
        ++nodes;
        if (!node.contains("$ref")) return;
        EXPECT_EQ(node.value("x-cycle", false), true) << op.operation_id << ": " << node.dump();
        EXPECT_EQ(node.size(), 2u) << node.dump();
      });
    }
  }
  EXPECT_GT(nodes, 1000u);
}

TEST(OpenApiCatalogTest, RecursiveSchemaIsCut) {
  // Component schemas that refer to themselves, found in the document.
  std::set<std::string> recursive;
  for (const auto& [name, schema] : Document()["components"]["schemas"].items()) {
    const std::string self = "#/components/schemas/" + name;
    Walk(schema, [&](const Json& node) {
      if (node.value("$ref", "") == self) recursive.insert(self);
    });
  }
  ASSERT_FALSE(recursive.empty());

  std::set<std::string> cut;
  for (const auto& op : Catalog().Operations()) {
    for (const Json* schema : Schemas(op)) {
      Walk(*schema, [&](const Json& node) {
        if (node.value("x-cycle", false)) cut.insert(node["$ref"].get<std::string>());
      });
    }
  }
  for (const auto& ref : recursive) {
    // Every recursive schema some operation uses shows up cut.
    bool used = false;
    for (const auto& [id, d] : DocumentOperations()) {
      if (d.op.dump().find("\"" + ref + "\"") != std::string::npos) used = true;
    }
    const std::string name = ref.substr(ref.rfind('/') + 1);
    for (const auto& [other, schema] : Document()["components"]["schemas"].items()) {
      if (other != name && schema.dump().find("\"" + ref + "\"") != std::string::npos) used = true;
    }
    if (used) {
      EXPECT_TRUE(cut.count(ref)) << ref << " is never cut";
    }
  }
  // The document's GroupOneDto (children: [GroupOneDto]) is the known case.
  EXPECT_TRUE(cut.count("#/components/schemas/GroupOneDto"));
  const Operation* summary = Catalog().Find("generateSummaryReport");
  ASSERT_NE(summary, nullptr);
  ASSERT_NE(summary->response_schema, nullptr);
  EXPECT_NE(summary->response_schema->dump().find(
                R"({"$ref":"#/components/schemas/GroupOneDto","x-cycle":true})"),
            std::string::npos);
}

TEST(OpenApiCatalogTest, RequestBodiesAndResponses) {
  const auto doc_ops = DocumentOperations();
  int multipart = 0;
  for (const auto& op : Catalog().Operations()) {
    SCOPED_TRACE(op.operation_id);
    const Json& d = doc_ops.at(op.operation_id).op;
    if (!d.contains("requestBody")) {
      EXPECT_EQ(op.request_body, nullptr);
      EXPECT_EQ(op.request_content_type, "");
      continue;
    }
    const Json& body = Deref(d["requestBody"]);
    ASSERT_NE(op.request_body, nullptr);
    EXPECT_EQ(op.request_body_required, body.value("required", false));
    if (body["content"].contains("application/json")) {
      EXPECT_EQ(op.request_content_type, "application/json");
    } else {
      EXPECT_EQ(op.request_content_type, body["content"].begin().key());
      multipart += op.request_content_type == "multipart/form-data";
    }
    EXPECT_TRUE(op.request_body->is_object());
    EXPECT_FALSE(op.request_body->empty());
  }
  EXPECT_EQ(multipart, 3);

  // Every operation that declares a 2xx JSON (or */*) schema has one.
  for (const auto& op : Catalog().Operations()) {
    bool declared = false;
    for (const auto& [code, response] : doc_ops.at(op.operation_id).op["responses"].items()) {
      if (code[0] != '2' || !response.contains("content")) continue;
      for (const char* type : {"application/json", "*/*"}) {
        if (response["content"].contains(type) && response["content"][type].contains("schema")) {
          declared = true;
        }
      }
    }
    EXPECT_EQ(op.response_schema != nullptr, declared) << op.operation_id;
  }
  const Operation* get_projects = Catalog().Find("getProjects");
  ASSERT_NE(get_projects, nullptr);
  ASSERT_NE(get_projects->response_schema, nullptr);
  EXPECT_EQ((*get_projects->response_schema)["type"], "array");
  EXPECT_TRUE((*get_projects->response_schema)["items"].contains("properties"));
}

TEST(OpenApiCatalogTest, ComponentSchemasAreShared) {
  const Operation* create = Catalog().Find("createNewProject");
  ASSERT_NE(create, nullptr);
  ASSERT_NE(create->request_body, nullptr);
  EXPECT_TRUE((*create->request_body)["properties"].contains("name"));
  // Two operations answering the same $ref point at one tree.
  const Operation* get = Catalog().Find("getProject");
  const Operation* update = Catalog().Find("updateProject");
  ASSERT_TRUE(get && update && get->response_schema && update->response_schema);
  if (Deref(DocumentOperations()
                .at("getProject")
                .op["responses"]["200"]["content"]["application/json"]["schema"]) ==
      Deref(DocumentOperations()
                .at("updateProject")
                .op["responses"]["200"]["content"]["application/json"]["schema"])) {
    EXPECT_EQ(get->response_schema.get(), update->response_schema.get());
  }
}

TEST(OpenApiCatalogTest, FiltersByTagMethodAndSearch) {
  OperationFilter by_tag;
  by_tag.tag = "Project";
  const auto projects = Catalog().List(by_tag);
  size_t expected = 0;
  for (const auto& [id, d] : DocumentOperations()) {
    const auto tags = d.op.value("tags", std::vector<std::string>{});
    expected +=
        !IsDeprecatedInDocument(d) && std::find(tags.begin(), tags.end(), "Project") != tags.end();
  }
  EXPECT_EQ(projects.size(), expected);
  EXPECT_GT(projects.size(), 5u);
  for (const Operation* op : projects) EXPECT_EQ(op->tag, "Project");

  OperationFilter by_method;
  by_method.method = "delete";
  const auto deletes = Catalog().List(by_method);
  EXPECT_FALSE(deletes.empty());
  for (const Operation* op : deletes) EXPECT_EQ(op->method, "DELETE");

  OperationFilter search;
  search.q = "PROJECT";
  search.method = "GET";
  const auto found = Catalog().List(search);
  EXPECT_FALSE(found.empty());
  size_t matching = 0;
  for (const auto& op : Catalog().Operations()) {
    auto has = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(), ::tolower);
      return s.find("project") != std::string::npos;
    };
    matching += !op.deprecated && op.method == "GET" &&
                (has(op.operation_id) || has(op.summary) || has(op.path));
  }
  EXPECT_EQ(found.size(), matching);
  EXPECT_NE(std::find(found.begin(), found.end(), Catalog().Find("getProjects")), found.end());

  OperationFilter none;
  none.tag = "No such tag";
  EXPECT_TRUE(Catalog().List(none).empty());
}

TEST(OpenApiCatalogTest, SuggestsTheClosestIds) {
  const auto suggestions = Catalog().Suggest("update-project");
  ASSERT_EQ(suggestions.size(), 3u);
  EXPECT_EQ(suggestions[0], "updateProject");
  EXPECT_EQ(Catalog().Suggest("getproject", 1), std::vector<std::string>{"getProject"});
  EXPECT_EQ(Catalog().Suggest("GET_PROJECTS", 1), std::vector<std::string>{"getProjects"});
  EXPECT_TRUE(Catalog().Suggest("x", 0).empty());
}

TEST(OpenApiCatalogTest, UnknownOperationIsNull) {
  EXPECT_EQ(Catalog().Find("noSuchOperation"), nullptr);
  EXPECT_EQ(Catalog().Find(""), nullptr);
  EXPECT_NE(Catalog().Find("getProjects"), nullptr);
}

TEST(OpenApiCatalogTest, RefusesWhatIsNotAnOpenApiDocument) {
  for (const char* text :
       {"", "garbage", "{\"openapi\": ", "[]", "{}", R"({"openapi":"3.0.1"})",
        R"({"swagger":"2.0","paths":{}})", R"({"openapi":"3.0.1","paths":[]})"}) {
    auto loaded = OpenApiCatalog::FromText(text);
    ASSERT_FALSE(loaded) << text;
    EXPECT_EQ(loaded.error().kind, ErrorCode::kInvalidArgument) << text;
    EXPECT_EQ(loaded.error().code, "invalid_openapi") << text;
  }
  auto empty = OpenApiCatalog::FromText(R"({"openapi":"3.0.1","paths":{}})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE((*empty)->Operations().empty());
}

TEST(OpenApiCatalogTest, MissingFileErrorNamesThePath) {
  const std::string path = "/nonexistent/dir/openapi.json";
  auto loaded = OpenApiCatalog::FromFile(path);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find(path), std::string::npos) << loaded.error().message;
}

TEST(OpenApiCatalogTest, OperationToJsonListAndDetail) {
  const Operation* op = Catalog().Find("updateProject");
  ASSERT_NE(op, nullptr);
  const Json list = OperationToJson(*op, false);
  EXPECT_EQ(list["operation_id"], "updateProject");
  EXPECT_EQ(list["method"], "PUT");
  EXPECT_EQ(list["path"], op->path);
  EXPECT_EQ(list["server"], "backend");
  EXPECT_EQ(list["server_url"], "https://api.clockify.me/api");
  EXPECT_EQ(list["tag"], "Project");
  EXPECT_EQ(list["deprecated"], false);
  EXPECT_FALSE(list.contains("description"));
  EXPECT_FALSE(list.contains("response_schema"));
  ASSERT_FALSE(list["parameters"].empty());
  EXPECT_EQ(list["parameters"][0]["in"], "path");
  EXPECT_FALSE(list["parameters"][0].contains("schema"));
  EXPECT_EQ(list["request_body"]["content_type"], "application/json");
  EXPECT_FALSE(list["request_body"].contains("schema"));

  const Json detail = OperationToJson(*op, true);
  EXPECT_TRUE(detail["description"].is_string());
  EXPECT_TRUE(detail["parameters"][0]["schema"].is_object());
  EXPECT_TRUE(detail["parameters"][0].contains("description"));
  EXPECT_TRUE(detail["request_body"]["schema"].contains("properties"));
  EXPECT_TRUE(detail["response_schema"].is_object());

  const Operation* get = Catalog().Find("getProjects");
  ASSERT_NE(get, nullptr);
  EXPECT_TRUE(OperationToJson(*get, true)["request_body"].is_null());
  for (const auto& o : Catalog().Operations()) {
    if (o.server == ServerKind::kReports) {
      EXPECT_EQ(OperationToJson(o, false)["server"], "reports");
    } else if (o.server == ServerKind::kDeprecated) {
      EXPECT_EQ(OperationToJson(o, false)["server"], "deprecated");
    }
  }
}

// A small document for what Clockify's does not exercise: path-item parameters, $ref'd
// parameters and bodies, header parameters, and a cycle through two schemas.
TEST(OpenApiCatalogTest, MergesParametersAndCutsMutualCycles) {
  const char* text = R"({
    "openapi": "3.0.3",
    "servers": [{"url": "https://api.clockify.me/api"}],
    "paths": {
      "/things/{id}": {
        "parameters": [
          {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
          {"name": "verbose", "in": "query", "description": "path level"}
        ],
        "post": {
          "operationId": "postThing",
          "tags": ["Things"],
          "parameters": [
            {"name": "X-Trace", "in": "header"},
            {"$ref": "#/components/parameters/Page"},
            {"name": "verbose", "in": "query", "required": true, "description": "operation level"}
          ],
          "requestBody": {"$ref": "#/components/requestBodies/Thing"},
          "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}
        }
      }
    },
    "components": {
      "parameters": {"Page": {"name": "page", "in": "query", "schema": {"type": "integer"}}},
      "requestBodies": {"Thing": {"required": true, "content": {
        "text/plain": {"schema": {"type": "string"}},
        "application/json": {"schema": {"$ref": "#/components/schemas/B"}}}}},
      "schemas": {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"},
                                               "enum": {"type": "string", "enum": ["$ref"]}}},
        "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}}
      }
    }
  })";
  auto loaded = OpenApiCatalog::FromText(text);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& catalog = **loaded;
  ASSERT_EQ(catalog.Operations().size(), 1u);
  const Operation& op = catalog.Operations()[0];
  EXPECT_EQ(op.server, ServerKind::kBackend);
  ASSERT_EQ(op.parameters.size(), 4u);
  EXPECT_EQ(op.parameters[0].name, "id");
  EXPECT_EQ(op.parameters[1].name, "verbose");
  EXPECT_EQ(op.parameters[1].description, "operation level");
  EXPECT_TRUE(op.parameters[1].required);
  EXPECT_EQ(op.parameters[2].name, "page");
  EXPECT_EQ(*op.parameters[2].schema, Json({{"type", "integer"}}));
  EXPECT_EQ(op.parameters[3].name, "X-Trace");
  EXPECT_EQ(op.parameters[3].in, "header");
  EXPECT_EQ(*op.parameters[3].schema, Json::object());

  EXPECT_EQ(op.request_content_type, "application/json");
  EXPECT_TRUE(op.request_body_required);
  // B → A → B: cut where B comes back.
  EXPECT_EQ((*op.request_body)["properties"]["a"]["properties"]["b"],
            Json({{"$ref", "#/components/schemas/B"}, {"x-cycle", true}}));
  EXPECT_EQ((*op.request_body)["properties"]["a"]["properties"]["enum"]["enum"],
            Json::array({"$ref"}));
  // A → B → A: cut where A comes back, not reusing B's tree from the request body.
  ASSERT_NE(op.response_schema, nullptr);
  EXPECT_EQ((*op.response_schema)["properties"]["b"]["properties"]["a"],
            Json({{"$ref", "#/components/schemas/A"}, {"x-cycle", true}}));
}

TEST(OpenApiCatalogTest, ServerKindsAndDeprecationFromTheDocument) {
  auto loaded = OpenApiCatalog::FromText(R"json({"openapi": "3.0.1",
    "tags": [{"name": "Zeta"}, {"name": "Unused"}, {"name": "Alpha"}],
    "paths": {
      "/r": {"servers": [{"url": "https://reports.api.clockify.me"}],
             "post": {"operationId": "report", "tags": ["Alpha"]}},
      "/old": {"servers": [{"url": "http://localhost:5050"}],
               "get": {"operationId": "old", "tags": ["Zeta"]}},
      "/flagged": {"get": {"operationId": "flagged", "deprecated": true, "tags": ["Beta"]},
                   "put": {"operationId": "tagged", "tags": ["Thing (Deprecated)"]},
                   "delete": {"tags": ["Alpha"]}}
    }})json");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& catalog = **loaded;
  EXPECT_EQ(catalog.Find("report")->server, ServerKind::kReports);
  EXPECT_FALSE(catalog.Find("report")->deprecated);
  EXPECT_EQ(catalog.Find("old")->server, ServerKind::kDeprecated);
  EXPECT_TRUE(catalog.Find("old")->deprecated);
  EXPECT_TRUE(catalog.Find("flagged")->deprecated);
  EXPECT_TRUE(catalog.Find("tagged")->deprecated);
  // Without an operationId the operation is still listed, under "METHOD path".
  ASSERT_NE(catalog.Find("DELETE /flagged"), nullptr);
  EXPECT_EQ(catalog.Tags(),
            (std::vector<std::string>{"Zeta", "Alpha", "Beta", "Thing (Deprecated)"}));
  EXPECT_EQ(catalog.List({}).size(), 2u);
}

TEST(OpenApiCatalogTest, LoadsQuickly) {
  std::ifstream in(kSpecPath);
  std::stringstream text;
  text << in.rdbuf();
  const std::string document = text.str();
  double best_ms = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto started = std::chrono::steady_clock::now();
    auto loaded = OpenApiCatalog::FromText(document);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    ASSERT_TRUE(loaded);
    best_ms = std::min(best_ms, ms);
  }
  RecordProperty("load_ms", std::to_string(best_ms));
  std::printf("OpenAPI catalog: %zu bytes loaded in %.1f ms\n", document.size(), best_ms);
  // Generous: sanitizer and debug builds are several times slower than Release.
  EXPECT_LT(best_ms, 2000.0);
}

}  // namespace
}  // namespace uwh::clockify
