#include "flows/executor.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "common/json_parse.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"
#include "flows/records.hpp"
#include "ingest/custom_receiver.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::flows {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Store failures are "not now" for the queue (it retries the webhook); a missing row is itself.
Error Unavailable(const Error& e) {
  if (e.kind == ErrorCode::kNotFound || e.kind == ErrorCode::kUnavailable) return e;
  return Error::Make(ErrorCode::kUnavailable, "store_unavailable", e.message);
}

Error ShuttingDown() {
  return Error::Make(ErrorCode::kUnavailable, "shutting_down", "the server is shutting down");
}

// The triggering entity for the loop guard: the payload's top-level id.
std::string EntityId(const json& payload) {
  if (!payload.is_object()) return {};
  auto it = payload.find("id");
  if (it == payload.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
  return {};
}

json ParsePayload(const store::WebhookRecord& w) {
  json payload = w.content_type == "application/x-www-form-urlencoded"
                     ? ParseJson(ingest::FormToJson(w.payload))
                     : ParseJson(w.payload);
  return payload.is_discarded() ? json() : payload;
}

// "HTTP 404: Project not found" from Clockify's {"message":…} error bodies and others.
std::string UpstreamMessage(int status, const json& result) {
  std::string message = "HTTP " + std::to_string(status);
  if (result.is_object()) {
    for (const char* key : {"message", "error", "detail"}) {
      auto it = result.find(key);
      if (it != result.end() && it->is_string()) return message + ": " + it->get<std::string>();
    }
  } else if (result.is_string() && !result.get<std::string>().empty()) {
    return message + ": " + result.get<std::string>().substr(0, 200);
  }
  return message;
}

int MaxActionIndex(const CompiledAction& a) {
  return std::max({a.parameters.MaxActionIndex(), a.url.MaxActionIndex(),
                   a.headers.MaxActionIndex(), a.body.MaxActionIndex()});
}

// What `event.*` templates read.
json EventJson(const json& id, const store::WebhookRecord& w) {
  return {{"id", id},
          {"type", w.event_type},
          {"source", w.source},
          {"received_at", FormatTimestamp(w.received_at)}};
}

// `cache.<type>[id]` templates: the workspace's cached entity, parsed.
std::function<std::optional<json>(const std::string&, const std::string&)> CacheLookup(
    store::Store& store, const std::string& workspace_id) {
  return [&store, workspace_id](const std::string& type,
                                const std::string& id) -> std::optional<json> {
    auto found = store.FindCachedEntity(workspace_id, type, id);
    if (!found || !*found) return std::nullopt;
    json data = ParseJson(**found);
    if (data.is_discarded()) return std::nullopt;
    return data;
  };
}

// A new run of `flow`, before anything is written.
store::FlowExecution NewExecution(const store::Flow& flow, std::optional<int64_t> webhook_id,
                                  std::string trigger, const json& payload, store::TimePoint now) {
  store::FlowExecution e;
  e.workspace_id = flow.workspace_id;
  e.flow_id = flow.id;
  e.webhook_log_id = webhook_id;
  e.trigger = std::move(trigger);
  e.entity_id = EntityId(payload);
  e.flow_json = FlowSnapshot(flow);
  e.started_at = now;
  return e;
}

const char* kHttpOff =
    "http actions are off for this workspace: they need "
    "UNIVERSAL_WEBHOOK_FLOW_ENABLE_GENERIC_HTTP_ACTIONS=true and the workspace setting "
    "flows.enable_generic_http_actions";

}  // namespace

struct FlowExecutor::Workspace {
  std::string id;
  WorkspaceSettings settings;
  bool http_allowed = false;
};

struct FlowExecutor::RunState {
  store::FlowExecution execution;  // id 0 until first written
  json records = json::array();    // one per action begun
  json actions = json::array();    // what `actions[N]` templates read: {"result","status_code"}
  int succeeded = 0;
  int failed = 0;
  const json* payload = nullptr;
  json event = json::object();
  json flow = json::object();
  std::map<clockify::ServerKind, std::string> base_urls;
  bool dirty = true;

  void Remember(size_t index, const json& record) {
    while (actions.size() <= index) actions.push_back(json::object());
    actions[index] = {{"result", record.value("result", json())},
                      {"status_code", record.value("status_code", 0)}};
  }
};

FlowExecutor::FlowExecutor(store::Store& store, const Clock& clock, ActionTransport& transport,
                           std::shared_ptr<const clockify::OpenApiCatalog> catalog,
                           ExecutorOptions options)
    : store_(store),
      clock_(clock),
      transport_(transport),
      catalog_(std::move(catalog)),
      options_(std::move(options)) {}

Result<std::optional<FlowExecutor::Workspace>> FlowExecutor::LoadWorkspace(
    const std::string& workspace_id) {
  auto installation = store_.GetInstallation(workspace_id);
  if (!installation) {
    if (installation.error().kind == ErrorCode::kNotFound) return std::optional<Workspace>();
    return Fail(Unavailable(installation.error()));
  }
  if (!installation->is_active || installation->status != "ACTIVE") {
    return std::optional<Workspace>();
  }
  Workspace ws;
  ws.id = workspace_id;
  ws.settings = lifecycle::EffectiveSettings(options_.defaults, installation->settings_json);
  if (!options_.enable_flows || !ws.settings.flows_enable_flows) return std::optional<Workspace>();
  ws.http_allowed =
      options_.enable_generic_http_actions && ws.settings.flows_enable_generic_http_actions;
  return std::optional<Workspace>(std::move(ws));
}

Result<std::shared_ptr<const CompiledFlow>> FlowExecutor::Compiled(const store::Flow& flow) {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(flow.id);
    if (it != cache_.end() && it->second.conditions_json == flow.conditions_json &&
        it->second.actions_json == flow.actions_json) {
      return it->second.compiled;
    }
  }
  const json conditions = ParseJson(flow.conditions_json);
  const json actions = ParseJson(flow.actions_json);
  auto compiled = CompileFlow(conditions.is_discarded() ? json() : conditions,
                              actions.is_discarded() ? json() : actions, catalog_);
  if (!compiled) return Fail(compiled.error());
  auto shared = std::make_shared<const CompiledFlow>(std::move(*compiled));
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cache_[flow.id] = CacheEntry{flow.conditions_json, flow.actions_json, shared};
  return shared;
}

Result<void> FlowExecutor::Persist(RunState& state) {
  store::FlowExecution& e = state.execution;
  const auto now = clock_.Now();
  e.result_json = Dump(json{{"actions", state.records}});
  e.actions_executed = 0;
  for (const auto& r : state.records) {
    if (r.value("status", "") != "running") ++e.actions_executed;
  }
  const bool running = e.status == "running";
  e.lease_expires_at = running && e.trigger != "automatic"
                           ? std::optional<store::TimePoint>(now + options_.run_lease)
                           : std::nullopt;
  if (e.id == 0) {
    if (e.trigger == "automatic") {
      auto begun = store_.BeginAutomaticExecution(e);
      if (!begun) return Fail(Unavailable(begun.error()));
      if (!begun->created) {
        // Another run of this pair was recorded first: it is the one that counts.
        e = begun->execution;
        return Fail(ErrorCode::kConflict, "already_recorded", "the pair already has a run");
      }
      e.id = begun->execution.id;
    } else {
      auto created = store_.CreateExecution(e);
      if (!created) return Fail(Unavailable(created.error()));
      e.id = created->id;
    }
  } else {
    store::ExecutionProgress progress{e.status,      e.actions_executed, e.error_message,
                                      e.result_json, e.completed_at,     e.lease_expires_at};
    auto updated = store_.UpdateExecution(e.workspace_id, e.id, progress);
    if (!updated) return Fail(Unavailable(updated.error()));
  }
  state.dirty = false;
  // The row now holds the run's final status: the run is counted once, when it is written.
  if (!running) metrics::FlowsExecuted(e.status);
  return {};
}

Result<void> FlowExecutor::Run(const CompiledFlow& flow, const Workspace& ws, RunState& state) {
  const std::string workspace_id = ws.id;
  const std::string flow_id = std::to_string(state.execution.flow_id);
  store::FlowExecution& e = state.execution;
  // A run resumed after a crash continues at its first unfinished action.
  size_t i = state.records.size();
  if (i > 0 && state.records.back().value("status", "") == "running") --i;

  auto finish = [&](std::string status, std::string message) -> Result<void> {
    e.status = std::move(status);
    if (e.error_message.empty()) e.error_message = std::move(message);
    e.completed_at = clock_.Now();
    auto persisted = Persist(state);
    if (!persisted) return persisted;
    log::Info("flow run finished", {{"workspace_id", workspace_id},
                                    {"flow_id", flow_id},
                                    {"execution_id", std::to_string(e.id)},
                                    {"status", e.status}});
    return {};
  };

  for (; i < flow.actions.size(); ++i) {
    const CompiledAction& a = flow.actions[i];
    const std::string where = "actions[" + std::to_string(i) + "] (" + a.Label() + ")";
    if (StopRequested()) {
      if (e.trigger != "automatic") {
        auto finished = finish("interrupted", "the server stopped before " + where + " ran");
        if (!finished) return finished;
      } else if (state.dirty && e.id != 0) {
        if (auto persisted = Persist(state); !persisted) return persisted;
      }
      return Fail(ShuttingDown());
    }
    json record = {
        {"index", i}, {"type", a.TypeName()}, {"label", a.Label()}, {"method", a.method}};
    if (a.type == CompiledAction::Type::kClockifyApi) record["operation_id"] = a.operation_id;
    if (i < state.records.size()) {
      // Recorded "running": it was being sent when the process stopped.
      if (!a.Idempotent()) {
        json prior = state.records[i];
        prior["status"] = "unknown";
        prior["error"] = "the server stopped while this " + a.method +
                         " was being sent; whether it took effect is unknown, so it is not sent "
                         "again";
        state.records[i] = std::move(prior);
        state.dirty = true;
        return finish("unknown", where + ": outcome unknown after a restart (" + a.method +
                                     " is not repeated blindly); replay the webhook to run it");
      }
      record["repeated_after_restart"] = true;
    }

    TemplateContext context;
    context.webhook = state.payload;
    context.event = state.event;
    context.workspace_id = workspace_id;
    context.actions = &state.actions;
    context.flow = state.flow;
    context.cache_lookup = CacheLookup(store_, workspace_id);
    std::string base_url;
    if (a.type == CompiledAction::Type::kClockifyApi) {
      auto known = state.base_urls.find(a.operation->server);
      if (known == state.base_urls.end()) {
        known =
            state.base_urls
                .emplace(a.operation->server, transport_.BaseUrl(workspace_id, a.operation->server))
                .first;
      }
      base_url = known->second;
    }

    std::string failure;
    auto prepared = PrepareAction(a, context, workspace_id, base_url);
    if (!prepared) {
      failure = prepared.error().message;
    } else if (a.type == CompiledAction::Type::kHttp && !ws.http_allowed) {
      record["request"] = prepared->record;
      failure = kHttpOff;
    } else {
      record["request"] = prepared->record;
      record["status"] = "running";
      record["started_at"] = FormatTimestamp(clock_.Now());
      if (i < state.records.size()) {
        state.records[i] = record;
      } else {
        state.records.push_back(record);
      }
      state.dirty = true;
      // The action is on record before it is sent: a crash from here on is an unknown outcome.
      if (auto persisted = Persist(state); !persisted) {
        if (persisted.error().code == "already_recorded") return {};
        return persisted;
      }
      auto outcome = transport_.Send(workspace_id, *prepared);
      record["completed_at"] = FormatTimestamp(clock_.Now());
      if (!outcome) {
        failure = outcome.error().message;
      } else {
        record["status_code"] = outcome->status_code;
        record["latency_ms"] = outcome->latency.count();
        record["attempts"] = outcome->attempts;
        if (!outcome->url.empty()) record["request"]["url"] = outcome->url;
        const std::string size_probe = Dump(outcome->result);
        record["result"] = size_probe.size() > options_.max_result_bytes
                               ? json{{"truncated", true}, {"bytes", size_probe.size()}}
                               : outcome->result;
        if (outcome->ok()) {
          record["status"] = "success";
        } else {
          failure = outcome->status_code == 0
                        ? "no response: " + outcome->error
                        : UpstreamMessage(outcome->status_code, outcome->result);
        }
        // Templates of later actions read the whole result, also when it is not kept whole.
        state.Remember(i, json{{"result", outcome->result}, {"status_code", outcome->status_code}});
      }
    }
    if (!failure.empty()) {
      record["status"] = "error";
      record["error"] = failure;
      if (!record.contains("completed_at")) record["completed_at"] = FormatTimestamp(clock_.Now());
    }
    if (!state.actions.is_array() || state.actions.size() <= i) state.Remember(i, record);
    if (i < state.records.size()) {
      state.records[i] = record;
    } else {
      state.records.push_back(record);
    }
    state.dirty = true;
    if (failure.empty()) {
      ++state.succeeded;
      continue;
    }
    ++state.failed;
    if (e.error_message.empty()) e.error_message = where + ": " + failure;
    if (!a.continue_on_error) break;
  }
  const std::string status =
      state.failed == 0 ? "success" : (state.succeeded == 0 ? "error" : "partial");
  return finish(status, {});
}

Result<void> FlowExecutor::RunNewAutomatic(const store::Flow& flow, const CompiledFlow& compiled,
                                           const Workspace& ws, const store::WebhookRecord& webhook,
                                           const json& payload) {
  const auto now = clock_.Now();
  RunState state;
  state.execution = NewExecution(flow, webhook.id, "automatic", payload, now);

  if (!state.execution.entity_id.empty()) {
    const auto since = std::max(now - options_.loop_guard_window, flow.updated_at);
    auto runs = store_.CountRecentRuns(ws.id, flow.id, state.execution.entity_id, since);
    if (!runs) return Fail(Unavailable(runs.error()));
    const int limit = ws.settings.flows_loop_guard_limit;
    if (*runs >= limit) {
      const std::string reason =
          "loop guard: " + std::to_string(*runs) + " runs within " +
          std::to_string(options_.loop_guard_window.count()) + " s for the same entity '" +
          state.execution.entity_id + "' (limit " + std::to_string(limit) +
          ", setting flows.loop_guard_limit); the flow was paused — fix what makes it trigger "
          "itself, then enable it again";
      auto paused = store_.PauseFlow(ws.id, flow.id, reason, now);
      if (!paused) return Fail(Unavailable(paused.error()));
      log::Warn("flow paused by the loop guard", {{"workspace_id", ws.id},
                                                  {"flow_id", std::to_string(flow.id)},
                                                  {"entity_id", state.execution.entity_id}});
      state.execution.status = "skipped";
      state.execution.error_message = reason;
      state.execution.completed_at = now;
      auto persisted = Persist(state);
      if (!persisted && persisted.error().code != "already_recorded") return persisted;
      return {};
    }
  }
  state.payload = &payload;
  state.event = EventJson(webhook.id, webhook);
  state.flow = {{"id", flow.id}, {"name", flow.name}};
  auto ran = Run(compiled, ws, state);
  if (!ran && ran.error().code == "already_recorded") return {};
  if (!ran && ran.error().kind == ErrorCode::kNotFound) return {};  // flow deleted meanwhile
  return ran;
}

Result<void> FlowExecutor::Resume(const store::FlowExecution& execution, const Workspace& ws,
                                  const store::WebhookRecord& webhook, const json& payload) {
  RunState state;
  state.execution = execution;
  const json snapshot = ParseJson(execution.flow_json);
  const json result = ParseJson(execution.result_json);
  if (result.is_object() && result.contains("actions") && result["actions"].is_array()) {
    state.records = result["actions"];
  }
  for (size_t i = 0; i < state.records.size(); ++i) {
    const std::string status = state.records[i].value("status", "");
    if (status == "running") continue;
    state.Remember(i, state.records[i]);
    if (status == "success") {
      ++state.succeeded;
    } else {
      ++state.failed;
    }
  }
  state.payload = &payload;
  state.event = EventJson(webhook.id, webhook);
  const bool usable = snapshot.is_object();
  state.flow = {{"id", execution.flow_id},
                {"name", usable ? snapshot.value("name", std::string()) : std::string()}};
  auto compiled = CompileFlow(usable ? snapshot.value("conditions", json()) : json(),
                              usable ? snapshot.value("actions", json()) : json(), catalog_);
  if (!compiled) {
    state.execution.status = "error";
    state.execution.error_message = "cannot resume: " + compiled.error().message;
    state.execution.completed_at = clock_.Now();
    return Persist(state);
  }
  log::Info("flow run resumed", {{"workspace_id", ws.id},
                                 {"flow_id", std::to_string(execution.flow_id)},
                                 {"execution_id", std::to_string(execution.id)}});
  auto ran = Run(*compiled, ws, state);
  if (!ran && ran.error().kind == ErrorCode::kNotFound) return {};
  return ran;
}

Result<void> FlowExecutor::Consume(const store::WebhookRecord& webhook, const json& payload) {
  if (StopRequested()) return Fail(ShuttingDown());
  MaybeRecoverAbandoned();
  auto loaded = LoadWorkspace(webhook.workspace_id);
  if (!loaded) return Fail(loaded.error());
  if (!*loaded) return {};  // inactive, uninstalled or flows off: logged, not run
  const Workspace& ws = **loaded;
  auto flows = store_.ListTriggeredFlows(ws.id, webhook.source, webhook.event_type);
  if (!flows) return Fail(Unavailable(flows.error()));

  // A first delivery has no executions yet; a repeat finds those of the earlier attempts.
  std::map<int64_t, store::FlowExecution> existing;
  if (webhook.attempts != 1) {
    auto executions = store_.ListWebhookExecutions(ws.id, webhook.id);
    if (!executions) return Fail(Unavailable(executions.error()));
    for (auto& e : *executions) {
      if (e.trigger == "automatic") existing[e.flow_id] = std::move(e);
    }
  }
  // Each flow that matches gets its automatic execution, also when the guard skips it or it
  // cannot run: the queue counts those rows as the webhook's flows_matched.
  for (const auto& [flow_id, execution] : existing) {
    if (execution.status != "running") continue;
    if (auto resumed = Resume(execution, ws, webhook, payload); !resumed) return resumed;
  }
  for (const store::Flow& flow : *flows) {
    if (existing.count(flow.id) > 0) continue;
    auto compiled = Compiled(flow);
    if (!compiled) {
      // Saved flows were valid; a different OpenAPI document may have dropped an operation.
      RunState state;
      state.execution = NewExecution(flow, webhook.id, "automatic", payload, clock_.Now());
      state.execution.status = "error";
      state.execution.error_message = "the flow cannot run: " + compiled.error().message;
      state.execution.completed_at = state.execution.started_at;
      auto persisted = Persist(state);
      if (!persisted && persisted.error().code != "already_recorded") return persisted;
      continue;
    }
    if (!(*compiled)->conditions.Evaluate(payload)) continue;
    if (auto ran = RunNewAutomatic(flow, **compiled, ws, webhook, payload); !ran) return ran;
  }
  return {};
}

Result<std::vector<store::FlowExecution>> FlowExecutor::Replay(const std::string& workspace_id,
                                                               int64_t webhook_id) {
  MaybeRecoverAbandoned();
  auto webhook = store_.GetWebhook(workspace_id, webhook_id);
  if (!webhook) return Fail(webhook.error());
  auto loaded = LoadWorkspace(workspace_id);
  if (!loaded) return Fail(loaded.error());
  if (!*loaded) {
    return Fail(ErrorCode::kForbidden, "flows_disabled",
                "flows do not run for this workspace (inactive, or flows switched off by "
                "UNIVERSAL_WEBHOOK_FLOW_ENABLE_FLOWS or the setting flows.enable_flows)");
  }
  const Workspace& ws = **loaded;
  const json payload = ParsePayload(*webhook);
  auto flows = store_.ListTriggeredFlows(ws.id, webhook->source, webhook->event_type);
  if (!flows) return Fail(flows.error());
  auto earlier = store_.ListWebhookExecutions(ws.id, webhook_id);
  if (!earlier) return Fail(earlier.error());
  std::map<int64_t, int64_t> latest;  // flow → its latest execution for this webhook
  for (const auto& e : *earlier) latest[e.flow_id] = std::max(latest[e.flow_id], e.id);

  std::vector<store::FlowExecution> out;
  for (const store::Flow& flow : *flows) {
    auto compiled = Compiled(flow);
    if (!compiled || !(*compiled)->conditions.Evaluate(payload)) continue;
    RunState state;
    state.execution = NewExecution(flow, webhook_id, "replay", payload, clock_.Now());
    if (auto it = latest.find(flow.id); it != latest.end()) state.execution.replay_of = it->second;
    state.payload = &payload;
    state.event = EventJson(webhook->id, *webhook);
    state.flow = {{"id", flow.id}, {"name", flow.name}};
    auto ran = Run(**compiled, ws, state);
    if (state.execution.id != 0) out.push_back(state.execution);
    if (!ran) {
      if (ran.error().code == "shutting_down") break;
      if (ran.error().kind != ErrorCode::kNotFound) return Fail(ran.error());
    }
  }
  return out;
}

Result<json> FlowExecutor::Test(const store::Flow& flow, const TestInput& input, bool dry_run) {
  json payload = input.payload;
  std::string event_type = input.event_type;
  std::string source = input.source.empty() ? flow.trigger_source : input.source;
  store::WebhookRecord webhook;
  if (input.webhook_id) {
    auto stored = store_.GetWebhook(flow.workspace_id, *input.webhook_id);
    if (!stored) return Fail(stored.error());
    webhook = std::move(*stored);
    payload = ParsePayload(webhook);
    event_type = webhook.event_type;
    source = webhook.source;
  } else {
    webhook.workspace_id = flow.workspace_id;
    webhook.event_type = event_type;
    webhook.source = source;
    webhook.received_at = clock_.Now();
  }
  const json conditions = ParseJson(flow.conditions_json);
  const json actions = ParseJson(flow.actions_json);
  auto compiled = CompileFlow(conditions.is_discarded() ? json() : conditions,
                              actions.is_discarded() ? json() : actions, catalog_);
  if (!compiled) return Fail(compiled.error());
  const bool trigger_matched =
      source == flow.trigger_source &&
      (flow.trigger_event_type == "*" || flow.trigger_event_type == event_type);
  json explain = compiled->conditions.Explain(payload);
  const bool matched = trigger_matched && explain.value("passed", false);
  auto loaded = LoadWorkspace(flow.workspace_id);
  if (!loaded) return Fail(loaded.error());

  json out = {{"dry_run", dry_run},
              {"event_type", event_type},
              {"source", source},
              {"trigger_matched", trigger_matched},
              {"conditions", std::move(explain)},
              {"matched", matched},
              {"flows_enabled", loaded->has_value()}};
  RunState state;
  state.payload = &payload;
  state.event = EventJson(input.webhook_id ? json(*input.webhook_id) : json(), webhook);
  state.flow = {{"id", flow.id}, {"name", flow.name}};
  if (dry_run) {
    const json no_results = json::array();
    TemplateContext context;
    context.webhook = &payload;
    context.event = state.event;
    context.workspace_id = flow.workspace_id;
    context.actions = &no_results;
    context.flow = state.flow;
    context.cache_lookup = CacheLookup(store_, flow.workspace_id);
    const bool http_allowed = loaded->has_value() && (*loaded)->http_allowed;
    json items = json::array();
    for (size_t i = 0; i < compiled->actions.size(); ++i) {
      const CompiledAction& a = compiled->actions[i];
      json item = {
          {"index", i}, {"type", a.TypeName()}, {"label", a.Label()}, {"method", a.method}};
      const std::string base_url = a.type == CompiledAction::Type::kClockifyApi
                                       ? transport_.BaseUrl(flow.workspace_id, a.operation->server)
                                       : std::string();
      auto prepared = PrepareAction(a, context, flow.workspace_id, base_url);
      if (prepared) {
        item["request"] = prepared->record;
      } else {
        item["error"] = prepared.error().message;
        if (MaxActionIndex(a) >= 0) {
          item["needs_results_of_earlier_actions"] = true;
          item["error"] =
              prepared.error().message + " (earlier actions' results exist only in a real run)";
        }
      }
      if (a.type == CompiledAction::Type::kHttp && !http_allowed) item["note"] = kHttpOff;
      items.push_back(std::move(item));
    }
    out["actions"] = std::move(items);
    return out;
  }
  if (!matched) {
    out["execution"] = nullptr;
    return out;
  }
  if (!*loaded) {
    return Fail(ErrorCode::kForbidden, "flows_disabled",
                "flows do not run for this workspace (inactive, or flows switched off)");
  }
  state.execution = NewExecution(flow, input.webhook_id, "test", payload, clock_.Now());
  auto ran = Run(*compiled, **loaded, state);
  if (!ran && ran.error().code != "shutting_down") return Fail(ran.error());
  out["execution"] = ExecutionToJson(state.execution);
  return out;
}

Result<int> FlowExecutor::RecoverAbandoned() {
  const auto now = clock_.Now();
  auto abandoned = store_.ListAbandonedExecutions(now, 100);
  if (!abandoned) return Fail(abandoned.error());
  int n = 0;
  for (const auto& e : *abandoned) {
    json result = ParseJson(e.result_json);
    json records =
        result.is_object() && result.contains("actions") ? result["actions"] : json::array();
    std::string status = "interrupted";
    std::string message =
        "the server stopped before this " + e.trigger + " run finished; replay to run it again";
    if (records.is_array() && !records.empty() && records.back().value("status", "") == "running") {
      records.back()["status"] = "unknown";
      records.back()["error"] = "the server stopped while this action was being sent";
      status = "unknown";
      message = "actions[" + std::to_string(records.size() - 1) +
                "]: outcome unknown, the server stopped while it was being sent; replay to run "
                "it again";
    }
    int executed = 0;
    for (const auto& r : records) executed += r.value("status", "") != "running" ? 1 : 0;
    store::ExecutionProgress progress{status,
                                      executed,
                                      e.error_message.empty() ? message : e.error_message,
                                      Dump(json{{"actions", records}}),
                                      now,
                                      std::nullopt};
    if (auto updated = store_.UpdateExecution(e.workspace_id, e.id, progress); updated) {
      metrics::FlowsExecuted(status);
      ++n;
    }
  }
  return n;
}

void FlowExecutor::MaybeRecoverAbandoned() {
  const int64_t now_ms = duration_cast<milliseconds>(clock_.Now().time_since_epoch()).count();
  int64_t last = last_recovery_ms_.load();
  if (now_ms - last < 30000 && last != 0) return;
  if (!last_recovery_ms_.compare_exchange_strong(last, now_ms)) return;
  auto recovered = RecoverAbandoned();
  if (!recovered) {
    log::Warn("cannot finish abandoned flow runs", {{"error", recovered.error().message}});
  } else if (*recovered > 0) {
    log::Info("finished abandoned flow runs", {{"count", std::to_string(*recovered)}});
  }
}

}  // namespace uwh::flows
