// Flow conditions and templates on Clockify's sample payloads (SPEC §11): evaluations and renders
// per second, single-threaded. The payloads are read from ../shared/clockify/webhook-samples.
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DUWH_BUILD_BENCH=ON
//   cmake --build build-bench --target uwh_flows_bench && build-bench/bench/uwh_flows_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "flows/conditions.hpp"
#include "flows/templates.hpp"

namespace {

using nlohmann::json;
using uwh::flows::CompiledTemplate;
using uwh::flows::Conditions;
using uwh::flows::TemplateContext;

const std::string kSamples = std::string(UWH_SHARED_DIR) + "/clockify/webhook-samples";

json Sample(const std::string& event) {
  std::ifstream in(kSamples + "/" + event + ".json");
  if (!in) {
    std::cerr << "missing sample " << event << " in " << kSamples << "\n";
    std::exit(2);
  }
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::vector<json> AllSamples() {
  std::vector<json> out;
  for (const auto& entry : std::filesystem::directory_iterator(kSamples)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    out.push_back(json::parse(text.str()));
  }
  return out;
}

Conditions Compile(const char* spec) {
  auto compiled = Conditions::Compile(json::parse(spec));
  if (!compiled) {
    std::cerr << compiled.error().message << "\n";
    std::exit(2);
  }
  return *compiled;
}

CompiledTemplate CompileTemplate(const char* spec) {
  auto compiled = CompiledTemplate::Compile(json::parse(spec), "actions[0].parameters");
  if (!compiled) {
    std::cerr << compiled.error().message << "\n";
    std::exit(2);
  }
  return *compiled;
}

// The seed's example: two rules, a string equality and an ISO-8601 duration against seconds.
constexpr const char* kSeedConditions = R"({"mode":"ALL","rules":[
  {"path":"$.project.name","operator":"==","value":"Project"},
  {"path":"$.timeInterval.duration","operator":">","value":3000}]})";

// Nested groups, a filter selector, a regular expression, `in`, `contains` and a timestamp.
constexpr const char* kRichConditions = R"({"mode":"ALL","rules":[
  {"path":"$.billable","operator":"==","value":true},
  {"mode":"ANY","rules":[
    {"path":"$.tags[?@.name == 'Tag'].id","operator":"exists"},
    {"path":"$.project.clientName","operator":"in","value":["Client","Other"]}]},
  {"path":"$.description","operator":"matches","value":"(?i)webhook\\s+test"},
  {"path":"$.customFieldValues[*].name","operator":"contains","value":"field"},
  {"path":"$.timeInterval.start","operator":">=","value":"2020-01-01T00:00:00Z"},
  {"path":"$..assigneeIds[0]","operator":"!=","value":"nobody"}]})";

void BM_ConditionsSeedExample(benchmark::State& state) {
  const json payload = Sample("NEW_TIME_ENTRY");
  const Conditions conditions = Compile(kSeedConditions);
  if (!conditions.Evaluate(payload)) std::exit(3);
  for (auto _ : state) benchmark::DoNotOptimize(conditions.Evaluate(payload));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConditionsSeedExample);

void BM_ConditionsRich(benchmark::State& state) {
  const json payload = Sample("NEW_TIME_ENTRY");
  const Conditions conditions = Compile(kRichConditions);
  if (!conditions.Evaluate(payload)) std::exit(3);
  for (auto _ : state) benchmark::DoNotOptimize(conditions.Evaluate(payload));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConditionsRich);

// Every sample payload in turn (36 event types), against conditions most of them fail.
void BM_ConditionsAllSamples(benchmark::State& state) {
  const std::vector<json> samples = AllSamples();
  const Conditions conditions = Compile(kSeedConditions);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(conditions.Evaluate(samples[i]));
    if (++i == samples.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConditionsAllSamples);

void BM_ConditionsExplain(benchmark::State& state) {
  const json payload = Sample("NEW_TIME_ENTRY");
  const Conditions conditions = Compile(kRichConditions);
  for (auto _ : state) benchmark::DoNotOptimize(conditions.Explain(payload));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConditionsExplain);

void BM_ConditionsCompile(benchmark::State& state) {
  const json spec = json::parse(kRichConditions);
  for (auto _ : state) benchmark::DoNotOptimize(Conditions::Compile(spec));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConditionsCompile);

TemplateContext Context(const json& payload, const json& actions) {
  TemplateContext c;
  c.webhook = &payload;
  c.event = {{"id", 42},
             {"type", "NEW_TIME_ENTRY"},
             {"source", "CLOCKIFY"},
             {"received_at", "2026-01-01T00:00:00.000Z"}};
  c.workspace_id = payload.value("workspaceId", "w1");
  c.actions = &actions;
  c.flow = {{"id", 7}, {"name", "bench"}};
  return c;
}

// The seed's action parameters: one whole-value template, one constant body.
void BM_TemplateSeedExample(benchmark::State& state) {
  const json payload = Sample("NEW_TIME_ENTRY");
  const json actions = json::array();
  const TemplateContext context = Context(payload, actions);
  const CompiledTemplate t =
      CompileTemplate(R"({"projectId":"{{webhook.project.id}}","body":{"archived":true}})");
  for (auto _ : state) benchmark::DoNotOptimize(t.Render(context));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplateSeedExample);

// A larger body: typed values, text with several templates, defaults, an earlier action's
// result, nested objects and arrays.
void BM_TemplateRich(benchmark::State& state) {
  const json payload = Sample("NEW_TIME_ENTRY");
  const json actions = json::array(
      {{{"status_code", 201}, {"result", {{"id", "t-1"}, {"name", "tag"}, {"count", 3}}}}});
  const TemplateContext context = Context(payload, actions);
  const CompiledTemplate t = CompileTemplate(R"json({
    "id": "{{actions[0].result.id}}", "count": "{{actions[0].result.count}}",
    "billable": "{{webhook.billable}}", "tags": "{{webhook.tags}}",
    "summary": "{{webhook.user.name}} logged {{webhook.timeInterval.duration}} on {{webhook.project.name}} ({{event.type}} #{{event.id}})",
    "task": "{{ webhook.taskName | default: \"none\" }}",
    "nested": {"list": ["{{webhook.tagIds[0]}}", "{{webhook.customFieldValues[0].value}}",
                        "{{flow.name}}"],
               "ws": "{{workspace_id}}"}})json");
  for (auto _ : state) benchmark::DoNotOptimize(t.Render(context));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplateRich);

void BM_TemplateCompile(benchmark::State& state) {
  const json spec = json::parse(
      R"({"summary":"{{webhook.user.name}} logged {{webhook.timeInterval.duration}}","id":"{{actions[0].result.id}}"})");
  for (auto _ : state) {
    benchmark::DoNotOptimize(CompiledTemplate::Compile(spec, "actions[0].parameters"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplateCompile);

}  // namespace

BENCHMARK_MAIN();
