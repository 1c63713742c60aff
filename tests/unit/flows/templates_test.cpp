// Templates (SPEC §6.3): roots, type preservation, text, defaults, errors naming the template.
#include "flows/templates.hpp"

#include <fstream>
#include <map>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace uwh::flows {
namespace {

using nlohmann::json;

json LoadSample(const std::string& name) {
  std::ifstream in(std::string(UWH_SHARED_DIR) + "/clockify/webhook-samples/" + name);
  EXPECT_TRUE(in.good()) << name;
  return json::parse(in);
}

class TemplatesTest : public ::testing::Test {
 protected:
  TemplatesTest() : webhook_(LoadSample("NEW_TIME_ENTRY.json")) {
    webhook_["count"] = 42;
    webhook_["ratio"] = 2.5;
    webhook_["odd key.with dots"] = "odd";
    actions_ = json::parse(R"([
        {"result":{"id":"p-123","name":"Created","nested":{"n":7}},"status_code":201},
        {"result":null,"status_code":204}])");
    context_.webhook = &webhook_;
    context_.event = {{"id", "evt-1"},
                      {"type", "NEW_TIME_ENTRY"},
                      {"source", "CLOCKIFY"},
                      {"received_at", "2024-05-01T10:00:00Z"}};
    context_.workspace_id = "ws-9";
    context_.actions = &actions_;
    context_.flow = {{"id", 12}, {"name", "Archive internal projects"}};
    cache_[{"project", "5f11849d4e759e12c40733d5"}] = {{"name", "Cached Project"},
                                                        {"clientId", "c-1"},
                                                        {"archived", false}};
    cache_[{"client", "c-1"}] = {{"name", "ACME"}};
    cache_[{"task", "42"}] = {{"name", "Numbered task"}};
    context_.cache_lookup = [this](const std::string& type,
                                   const std::string& id) -> std::optional<json> {
      const auto found = cache_.find({type, id});
      if (found == cache_.end()) return std::nullopt;
      return found->second;
    };
  }

  // Renders `value` (compiled under "actions[0].parameters") and expects success.
  json Render(const json& value) {
    auto compiled = CompiledTemplate::Compile(value, "actions[0].parameters");
    EXPECT_TRUE(compiled.has_value()) << value.dump() << " -> " << compiled.error().message;
    if (!compiled) return json("<compile error>");
    auto rendered = compiled->Render(context_);
    EXPECT_TRUE(rendered.has_value()) << value.dump() << " -> " << rendered.error().message;
    return rendered ? *rendered : json("<render error>");
  }

  Error RenderError(const json& value) {
    auto compiled = CompiledTemplate::Compile(value, "actions[0].parameters");
    EXPECT_TRUE(compiled.has_value()) << value.dump();
    if (!compiled) return {};
    auto rendered = compiled->Render(context_);
    EXPECT_FALSE(rendered.has_value()) << value.dump() << " -> " << rendered->dump();
    return rendered ? Error{} : rendered.error();
  }

  Error CompileError(const json& value) {
    auto compiled = CompiledTemplate::Compile(value, "actions[0].parameters");
    EXPECT_FALSE(compiled.has_value()) << value.dump();
    return compiled ? Error{} : compiled.error();
  }

  json webhook_;
  json actions_;
  TemplateContext context_;
  std::map<std::pair<std::string, std::string>, json> cache_;
};

// ---- Type preservation --------------------------------------------------------------------

TEST_F(TemplatesTest, WholeTemplateKeepsTheJsonType) {
  EXPECT_EQ(Render("{{webhook.count}}"), json(42));
  EXPECT_TRUE(Render("{{webhook.count}}").is_number_integer());
  EXPECT_EQ(Render("{{webhook.ratio}}"), json(2.5));
  EXPECT_EQ(Render("{{webhook.billable}}"), json(true));
  EXPECT_EQ(Render("{{webhook.isLocked}}"), json(false));
  EXPECT_EQ(Render("{{webhook.hourlyRate}}"), json(nullptr));
  EXPECT_EQ(Render("{{webhook.timeInterval}}"),
            json::parse(R"({"start":"2020-07-17T11:35:01Z","end":"2020-07-17T12:35:01Z",
                            "duration":"PT1H"})"));
  EXPECT_EQ(Render("{{webhook.tagIds}}"), json::array({"5f118b747db7a8637ffcaf33"}));
  EXPECT_EQ(Render("{{webhook.project.id}}"), json("5f11849d4e759e12c40733d5"));
  EXPECT_EQ(Render("{{webhook}}"), webhook_);
}

TEST_F(TemplatesTest, TypePreservedInsideObjectsAndArrays) {
  const json rendered = Render(json::parse(R"({
      "projectId":"{{webhook.project.id}}",
      "body":{"archived":true,"billable":"{{webhook.billable}}","n":"{{webhook.count}}",
              "list":["{{webhook.count}}","plain",3,{"deep":"{{webhook.task.status}}"}]}})"));
  EXPECT_EQ(rendered, json::parse(R"({
      "projectId":"5f11849d4e759e12c40733d5",
      "body":{"archived":true,"billable":true,"n":42,
              "list":[42,"plain",3,{"deep":"ACTIVE"}]}})"));
}

TEST_F(TemplatesTest, EmbeddedValuesAreWrittenAsText) {
  EXPECT_EQ(Render("Project {{webhook.project.name}} of {{webhook.project.clientName}}"),
            json("Project Project of Client"));
  EXPECT_EQ(Render("n={{webhook.count}}, r={{webhook.ratio}}, b={{webhook.billable}}"),
            json("n=42, r=2.5, b=true"));
  EXPECT_EQ(Render("rate={{webhook.hourlyRate}}"), json("rate=null"));
  EXPECT_EQ(Render("iv={{webhook.timeInterval}}"),
            json(R"(iv={"duration":"PT1H","end":"2020-07-17T12:35:01Z","start":"2020-07-17T11:35:01Z"})"));
  EXPECT_EQ(Render("tags={{webhook.tagIds}}"), json(R"(tags=["5f118b747db7a8637ffcaf33"])"));
  // Any text around the template, even a space, makes the result a string.
  EXPECT_EQ(Render(" {{webhook.count}}"), json(" 42"));
  EXPECT_EQ(Render("{{webhook.count}}{{webhook.count}}"), json("4242"));
  EXPECT_EQ(Render("{{webhook.billable}}!"), json("true!"));
}

TEST_F(TemplatesTest, WhitespaceInsideTheBraces) {
  EXPECT_EQ(Render("{{ webhook.project.id }}"), json("5f11849d4e759e12c40733d5"));
  EXPECT_EQ(Render("{{\twebhook.count\n}}"), json(42));
  EXPECT_EQ(Render("{{webhook.customFieldValues[ 0 ].name}}"), json("Custom field"));
}

TEST_F(TemplatesTest, PlainValuesAreReturnedUnchanged) {
  const json plain = json::parse(R"({"a":"no templates {here}","b":[1,null,{"c":"}}"}]})");
  auto compiled = CompiledTemplate::Compile(plain, "x");
  ASSERT_TRUE(compiled.has_value());
  EXPECT_FALSE(compiled->HasTemplates());
  EXPECT_EQ(compiled->MaxActionIndex(), -1);
  EXPECT_EQ(*compiled->Render(context_), plain);
  EXPECT_EQ(*CompiledTemplate().Render(context_), json(nullptr));
}

TEST_F(TemplatesTest, KeysAreNotRendered) {
  EXPECT_EQ(Render(json::parse(R"({"{{webhook.id}}":"{{webhook.id}}"})")),
            json::parse(R"({"{{webhook.id}}":"5f118c837db7a8637ffcaf36"})"));
}

// ---- Paths and roots -----------------------------------------------------------------------

TEST_F(TemplatesTest, IndexesAndQuotedKeys) {
  EXPECT_EQ(Render("{{webhook.customFieldValues[0].value}}"), json("Custom field test value"));
  EXPECT_EQ(Render("{{webhook.tags[0].name}}"), json("Tag"));
  EXPECT_EQ(Render("{{webhook.tags[-1].id}}"), json("5f118b747db7a8637ffcaf33"));
  EXPECT_EQ(Render(R"({{webhook["odd key.with dots"]}})"), json("odd"));
  EXPECT_EQ(Render("{{webhook['odd key.with dots']}}"), json("odd"));
  EXPECT_EQ(Render(R"({{webhook["project"]['name']}})"), json("Project"));
}

TEST_F(TemplatesTest, EventWorkspaceAndFlowRoots) {
  EXPECT_EQ(Render("{{event.id}}"), json("evt-1"));
  EXPECT_EQ(Render("{{event.type}}"), json("NEW_TIME_ENTRY"));
  EXPECT_EQ(Render("{{event.source}}"), json("CLOCKIFY"));
  EXPECT_EQ(Render("{{event.received_at}}"), json("2024-05-01T10:00:00Z"));
  EXPECT_EQ(Render("{{workspace_id}}"), json("ws-9"));
  EXPECT_EQ(Render("/workspaces/{{workspace_id}}/projects"), json("/workspaces/ws-9/projects"));
  EXPECT_EQ(Render("{{flow.id}}"), json(12));
  EXPECT_EQ(Render("{{flow.name}}"), json("Archive internal projects"));
}

TEST_F(TemplatesTest, ActionResultsChain) {
  EXPECT_EQ(Render("{{actions[0].result.id}}"), json("p-123"));
  EXPECT_EQ(Render("{{actions[0].result.nested.n}}"), json(7));
  EXPECT_EQ(Render("{{actions[0].status_code}}"), json(201));
  EXPECT_EQ(Render("{{actions[1].status_code}}"), json(204));
  EXPECT_EQ(Render("{{actions[0].result}}"),
            json::parse(R"({"id":"p-123","name":"Created","nested":{"n":7}})"));
  EXPECT_EQ(Render(json::parse(R"({"projectId":"{{actions[0].result.id}}",
                                   "note":"created {{actions[0].result.name}}"})")),
            json::parse(R"({"projectId":"p-123","note":"created Created"})"));
  EXPECT_EQ(Render("{{actions[1].result}}"), json(nullptr));
}

TEST_F(TemplatesTest, CacheLookups) {
  EXPECT_EQ(Render("{{cache.project[webhook.projectId].name}}"), json("Cached Project"));
  EXPECT_EQ(Render("{{cache.project['5f11849d4e759e12c40733d5'].name}}"), json("Cached Project"));
  EXPECT_EQ(Render(R"({{cache.project["5f11849d4e759e12c40733d5"].archived}})"), json(false));
  EXPECT_EQ(Render("{{ cache.project[ webhook.project.id ] }}"),
            json::parse(R"({"name":"Cached Project","clientId":"c-1","archived":false})"));
  // The key may itself be a cache lookup.
  EXPECT_EQ(Render("{{cache.client[cache.project[webhook.projectId].clientId].name}}"),
            json("ACME"));
  // A number key is looked up by its text.
  EXPECT_EQ(Render("{{cache.task[webhook.count].name}}"), json("Numbered task"));
}

TEST_F(TemplatesTest, MaxActionIndex) {
  auto compiled = CompiledTemplate::Compile(
      json::parse(R"({"a":"{{actions[0].result.id}}",
                      "b":["{{cache.p[actions[3].result.id]}}","{{actions[1].status_code}}"]})"),
      "p");
  ASSERT_TRUE(compiled.has_value());
  EXPECT_TRUE(compiled->HasTemplates());
  EXPECT_EQ(compiled->MaxActionIndex(), 3);
}

// ---- Defaults --------------------------------------------------------------------------------

TEST_F(TemplatesTest, DefaultReplacesAbsentAndNull) {
  EXPECT_EQ(Render(R"({{ webhook.nope | default: "none" }})"), json("none"));
  EXPECT_EQ(Render(R"({{webhook.hourlyRate|default:0}})"), json(0));  // null → default.
  EXPECT_EQ(Render(R"({{ webhook.nope | default: 1.5 }})"), json(1.5));
  EXPECT_EQ(Render(R"({{ webhook.nope | default: -3 }})"), json(-3));
  EXPECT_EQ(Render(R"({{ webhook.nope | default: true }})"), json(true));
  EXPECT_EQ(Render(R"({{ webhook.nope | default: null }})"), json(nullptr));
  EXPECT_EQ(Render(R"({{ webhook.nope | default: [] }})"), json::array());
  EXPECT_EQ(Render(R"({{ webhook.nope | default: {"a":[1,"}}"]} }})"),
            json::parse(R"({"a":[1,"}}"]})"));
  EXPECT_EQ(Render(R"({{ webhook.nope | default: 'single' }})"), json("single"));
  EXPECT_EQ(Render(R"({{ webhook.nope | default: "with }} braces" }})"), json("with }} braces"));
  EXPECT_EQ(Render(R"({{ webhook.nope | default: "esc \"q\"" }})"), json("esc \"q\""));
  // A present value wins over the default, whatever its type.
  EXPECT_EQ(Render(R"({{ webhook.count | default: "none" }})"), json(42));
  EXPECT_EQ(Render(R"({{ webhook.isLocked | default: true }})"), json(false));
  // In text.
  EXPECT_EQ(Render(R"(task {{ webhook.nope | default: "none" }}, n {{webhook.nope|default:0}})"),
            json("task none, n 0"));
  // Defaults cover every kind of absence.
  EXPECT_EQ(Render(R"({{ actions[5].result.id | default: "x" }})"), json("x"));
  EXPECT_EQ(Render(R"({{ cache.project['unknown'].name | default: "x" }})"), json("x"));
  EXPECT_EQ(Render(R"({{ webhook.tags[9].name | default: "x" }})"), json("x"));
  EXPECT_EQ(Render(R"({{ actions[1].result.id | default: "x" }})"), json("x"));
}

// ---- Missing values --------------------------------------------------------------------------

TEST_F(TemplatesTest, MissingValueFailsNamingTheTemplate) {
  webhook_.erase("taskId");
  const Error error = RenderError(json::parse(R"({"taskId":"{{webhook.taskId}}"})"));
  EXPECT_EQ(error.code, "template_error");
  EXPECT_EQ(error.kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.field, "actions[0].parameters.taskId");
  EXPECT_EQ(error.message, "{{webhook.taskId}}: missing value: webhook has no member 'taskId'");
}

TEST_F(TemplatesTest, MissingValueReasons) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"{{ webhook.project.nope.deeper }}",
       "{{ webhook.project.nope.deeper }}: missing value: webhook.project has no member 'nope'"},
      {"x {{webhook.tags[3].name}} y",
       "{{webhook.tags[3].name}}: missing value: webhook.tags has no element [3]"},
      {"{{webhook.project[0]}}", "{{webhook.project[0]}}: missing value: webhook.project is not an array"},
      {"{{webhook.description.x}}",
       "{{webhook.description.x}}: missing value: webhook.description has no member 'x'"},
      {"{{actions[2].result.id}}",
       "{{actions[2].result.id}}: missing value: actions[2] has not run (2 earlier actions)"},
      {"{{actions[1].result.id}}",
       "{{actions[1].result.id}}: missing value: actions[1].result has no member 'id'"},
      {"{{cache.project['nope'].name}}",
       "{{cache.project['nope'].name}}: missing value: no cached project with id 'nope'"},
      {"{{cache.project[webhook.project.nope].name}}",
       "{{cache.project[webhook.project.nope].name}}: missing value: webhook.project has no member "
       "'nope'"},
      {"{{cache.project[webhook.tags].name}}",
       "{{cache.project[webhook.tags].name}}: missing value: the cache key webhook.tags is not a "
       "string"},
      {"{{cache.project[webhook.projectId].nope}}",
       "{{cache.project[webhook.projectId].nope}}: missing value: "
       "cache.project[webhook.projectId] has no member 'nope'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RenderError(c.text).message, c.message) << c.text;
  }
}

TEST_F(TemplatesTest, AbsentRootsAreMissing) {
  context_.webhook = nullptr;
  context_.actions = nullptr;
  context_.cache_lookup = nullptr;
  EXPECT_EQ(RenderError("{{webhook.id}}").message,
            "{{webhook.id}}: missing value: there is no webhook payload");
  EXPECT_EQ(RenderError("{{actions[0].status_code}}").message,
            "{{actions[0].status_code}}: missing value: actions[0] has not run (0 earlier actions)");
  EXPECT_EQ(RenderError("{{cache.project['a']}}").message,
            "{{cache.project['a']}}: missing value: no cached project with id 'a'");
  context_.event = json::object();
  EXPECT_EQ(RenderError("{{event.id}}").message,
            "{{event.id}}: missing value: event has no member 'id'");
}

TEST_F(TemplatesTest, RenderErrorNamesTheNestedField) {
  const Error error = RenderError(
      json::parse(R"({"body":{"items":["ok","{{webhook.count}} and {{webhook.nope}}"]}})"));
  EXPECT_EQ(error.field, "actions[0].parameters.body.items[1]");
  EXPECT_EQ(error.message, "{{webhook.nope}}: missing value: webhook has no member 'nope'");
}

// ---- Compile errors -------------------------------------------------------------------------

TEST_F(TemplatesTest, CompileErrorsNameTheFieldAndPosition) {
  struct Case {
    json value;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {json::parse(R"({"projectId":"{{webhok.project.id}}"})"), "actions[0].parameters.projectId",
       "actions[0].parameters.projectId: invalid template at position 2: unknown root 'webhok' "
       "(expected webhook, event, workspace_id, actions, cache or flow)"},
      {json::parse(R"({"projectId":"id {{webhook.project.id"})"), "actions[0].parameters.projectId",
       "actions[0].parameters.projectId: invalid template at position 23: unterminated template: "
       "expected '}}'"},
      {json::parse(R"({"a":{"b":["x","{{}}"]}})"), "actions[0].parameters.a.b[1]",
       "actions[0].parameters.a.b[1]: invalid template at position 2: expected a path (webhook, "
       "event, workspace_id, actions, cache or flow)"},
      {json::parse(R"({"a b":"{{event.foo}}"})"), R"(actions[0].parameters["a b"])",
       R"(actions[0].parameters["a b"]: invalid template at position 8: expected id, type, source or received_at after 'event.')"},
      {json("{{actions[0].foo}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 13: expected 'result' or "
       "'status_code' after 'actions[N].'"},
      {json("{{actions[x].result}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 10: expected an index, or a quoted "
       "key"},
      {json("{{workspace_id.x}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 14: unexpected '.': expected '}}' or "
       "'| default: …'"},
      {json("{{webhook.a | upper}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 14: expected 'default' after '|'"},
      {json("{{webhook.a | default \"x\"}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 22: expected ':' after 'default'"},
      {json("{{webhook.a | default: none}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 23: expected a JSON literal after "
       "'default:'"},
      {json("{{webhook.a | default: \"x}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 27: unterminated string"},
      {json("{{webhook.a | default: 1.2.3}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 23: invalid JSON literal after "
       "'default:'"},
      {json("{{webhook.}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 10: expected a name after '.'"},
      {json("{{webhook['unterminated}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 25: unterminated quoted string"},
      {json("{{cache.project}}"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 15: expected '[<id path or 'literal "
       "id'>]' after the entity type"},
      {json("{{webhook.a}} {{"), "actions[0].parameters",
       "actions[0].parameters: invalid template at position 16: unterminated template: expected "
       "a path"},
  };
  for (const auto& c : cases) {
    const Error error = CompileError(c.value);
    EXPECT_EQ(error.code, "invalid_template") << c.value.dump();
    EXPECT_EQ(error.kind, ErrorCode::kInvalidArgument);
    EXPECT_EQ(error.field, c.field) << c.value.dump();
    EXPECT_EQ(error.message, c.message) << c.value.dump();
  }
}

TEST_F(TemplatesTest, DeepNestingIsRefused) {
  json value = "{{webhook.id}}";
  for (int i = 0; i < CompiledTemplate::kMaxDepth + 10; ++i) value = json::array({value});
  const Error error = CompileError(value);
  EXPECT_EQ(error.code, "invalid_template");
}

}  // namespace
}  // namespace uwh::flows
