#include "flows/executor.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "flows/records.hpp"
#include "flow_test_data.hpp"

namespace uwh::flows {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kWs = "5f11791a4e759e12c40733ba";

json Sample(const std::string& event) {
  std::ifstream in(std::string(UWH_SHARED_DIR) + "/clockify/webhook-samples/" + event + ".json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

class TestClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(now_.load()));
  }
  void Advance(std::chrono::system_clock::duration d) { now_ += d.count(); }

 private:
  std::atomic<std::chrono::system_clock::duration::rep> now_{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(1'767'225'600s).count()};
};

// Records every action it is asked to send and answers with `respond`.
class FakeTransport final : public ActionTransport {
 public:
  struct Sent {
    std::string label;
    std::string method;
    std::string path;  // clockify_api
    std::string url;   // http
    json body;
    json record;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  std::function<Result<ActionOutcome>(const PreparedAction&)> respond;

  Result<ActionOutcome> Send(const std::string&, const PreparedAction& p) override {
    Sent s;
    s.label = p.action->Label();
    s.method = p.action->method;
    s.record = p.record;
    if (p.action->type == CompiledAction::Type::kClockifyApi) {
      s.path = p.api.path;
      if (p.api.body) s.body = json::parse(*p.api.body);
    } else {
      s.url = p.http.url;
      s.headers = p.http.headers;
      if (p.http.body) s.body = json::parse(*p.http.body, nullptr, false);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sent_.push_back(s);
    }
    if (respond) return respond(p);
    ActionOutcome ok;
    ok.status_code = 200;
    ok.result = {{"ok", true}};
    return ok;
  }
  std::string BaseUrl(const std::string&, clockify::ServerKind) override {
    return "https://api.test/api";
  }
  std::vector<Sent> sent() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }

 private:
  std::mutex mutex_;
  std::vector<Sent> sent_;
};

ActionOutcome Outcome(int status, json result) {
  ActionOutcome o;
  o.status_code = status;
  o.result = std::move(result);
  o.latency = 3ms;
  return o;
}

// What a crash looks like from the executor's side: the call never returns normally.
struct Crash : std::runtime_error {
  Crash() : std::runtime_error("the process died") {}
};

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "uwh_executor_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = store::OpenStore("sqlite:///" + (dir_ / "uwh.db").string(), false);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
    Install(R"({"flows.enable_generic_http_actions":true})");
    executor_ = MakeExecutor();
  }
  void TearDown() override {
    executor_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<FlowExecutor> MakeExecutor(ExecutorOptions options = Options()) {
    return std::make_unique<FlowExecutor>(*store_, clock_, transport_, TestCatalog(), options);
  }
  static ExecutorOptions Options() {
    ExecutorOptions o;
    o.enable_generic_http_actions = true;
    return o;
  }

  void Install(const std::string& settings, const std::string& status = "ACTIVE") {
    store::Installation in;
    in.workspace_id = kWs;
    in.addon_token_ciphertext = "x";
    in.status = status;
    ASSERT_TRUE(store_->UpsertInstallation(in));
    ASSERT_TRUE(store_->UpdateSettings(kWs, settings));
  }

  store::Flow CreateFlow(const json& definition) {
    auto parsed = ParseFlowDefinition(definition, nullptr, TestCatalog());
    EXPECT_TRUE(parsed) << parsed.error().message;
    store::Flow flow;
    flow.workspace_id = kWs;
    ApplyDefinition(*parsed, flow);
    flow.created_at = flow.updated_at = clock_.Now();
    auto created = store_->CreateFlow(flow);
    EXPECT_TRUE(created) << created.error().message;
    return *created;
  }

  // The webhook as the queue hands it over on its `attempt`-th claim.
  store::WebhookRecord Append(const std::string& event, const json& payload) {
    store::NewWebhook w;
    w.workspace_id = kWs;
    w.event_type = event;
    w.source = "CLOCKIFY";
    w.payload = payload.dump();
    w.content_type = "application/json";
    w.received_at = clock_.Now();
    auto out = store_->AppendWebhooks(std::span<const store::NewWebhook>(&w, 1));
    EXPECT_TRUE(out);
    auto record = store_->GetWebhook(kWs, out->front().id);
    record->attempts = 1;
    return *record;
  }

  Result<void> Deliver(const store::WebhookRecord& w, FlowExecutor* executor = nullptr) {
    return (executor ? executor : executor_.get())->Consume(w, json::parse(w.payload));
  }

  std::vector<store::FlowExecution> Executions(int64_t webhook_id) {
    auto listed = store_->ListWebhookExecutions(kWs, webhook_id);
    EXPECT_TRUE(listed);
    return listed ? *listed : std::vector<store::FlowExecution>{};
  }

  static json Actions(const store::FlowExecution& e) {
    return json::parse(e.result_json)["actions"];
  }

  static json Entry(const std::string& project, const std::string& duration,
                    const std::string& id = "5f118c837db7a8637ffcaf36") {
    json entry = Sample("NEW_TIME_ENTRY");
    entry["id"] = id;
    entry["project"]["name"] = project;
    entry["project"]["id"] = "p-" + project;
    entry["timeInterval"]["duration"] = duration;
    return entry;
  }

  std::filesystem::path dir_;
  TestClock clock_;
  FakeTransport transport_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<FlowExecutor> executor_;
};

TEST_F(ExecutorTest, TheSeedExampleFiresForTwoHoursOfInternalAndNotForHalfAnHour) {
  const store::Flow flow = CreateFlow(SeedFlow());
  const auto matching = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  ASSERT_TRUE(Deliver(matching));
  const auto short_entry = Append("NEW_TIME_ENTRY", Entry("Internal", "PT30M"));
  ASSERT_TRUE(Deliver(short_entry));
  const auto other_project = Append("NEW_TIME_ENTRY", Entry("Client work", "PT2H"));
  ASSERT_TRUE(Deliver(other_project));

  const auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].label, "updateProject");
  EXPECT_EQ(sent[0].method, "PUT");
  EXPECT_EQ(sent[0].path, "/v1/workspaces/" + kWs + "/projects/p-Internal");
  EXPECT_EQ(sent[0].body, json({{"archived", true}}));

  auto executions = Executions(matching.id);
  ASSERT_EQ(executions.size(), 1u);
  const auto& e = executions[0];
  EXPECT_EQ(e.flow_id, flow.id);
  EXPECT_EQ(e.status, "success");
  EXPECT_EQ(e.trigger, "automatic");
  EXPECT_EQ(e.actions_executed, 1);
  EXPECT_EQ(e.entity_id, "5f118c837db7a8637ffcaf36");
  EXPECT_TRUE(e.completed_at);
  const json record = Actions(e)[0];
  EXPECT_EQ(record["status"], "success");
  EXPECT_EQ(record["status_code"], 200);
  EXPECT_EQ(record["request"]["url"],
            "https://api.test/api/v1/workspaces/" + kWs + "/projects/p-Internal");
  EXPECT_EQ(record["request"]["body"], json({{"archived", true}}));
  EXPECT_EQ(record["result"], json({{"ok", true}}));

  EXPECT_TRUE(Executions(short_entry.id).empty());
  EXPECT_TRUE(Executions(other_project.id).empty());
}

TEST_F(ExecutorTest, ChainedActionsReadEarlierResultsWithTheirTypes) {
  CreateFlow(json::parse(R"({"name":"chain","trigger_event_type":"NEW_TIME_ENTRY",
    "actions":[
      {"type":"clockify_api","operation_id":"createNewTag","parameters":{"body":{"name":"{{webhook.description}}"}}},
      {"type":"http","method":"POST","url":"https://hooks.example.com/tags/{{actions[0].result.id}}",
       "headers":{"Authorization":"Bearer {{actions[0].result.id}}"},
       "body":{"id":"{{actions[0].result.id}}","count":"{{actions[0].result.count}}",
               "archived":"{{actions[0].result.archived}}","owner":"{{actions[0].result.owner}}",
               "status":"{{actions[0].status_code}}","text":"tag {{actions[0].result.id}} x{{actions[0].result.count}}",
               "none":"{{actions[0].result.missing | default: null}}"}}]})"));
  transport_.respond = [](const PreparedAction& p) -> Result<ActionOutcome> {
    if (p.action->type == CompiledAction::Type::kClockifyApi) {
      return Outcome(201, {{"id", "tag-42"},
                           {"count", 7},
                           {"archived", false},
                           {"owner", {{"id", "u1"}, {"roles", {"ADMIN"}}}}});
    }
    return Outcome(200, "ok");
  };
  const auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT1H"));
  ASSERT_TRUE(Deliver(w));
  const auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].body, json({{"name", "Webhook Test Description"}}));
  EXPECT_EQ(sent[1].url, "https://hooks.example.com/tags/tag-42");
  EXPECT_EQ(sent[1].body, json({{"id", "tag-42"},
                                {"count", 7},
                                {"archived", false},
                                {"owner", {{"id", "u1"}, {"roles", {"ADMIN"}}}},
                                {"status", 201},
                                {"text", "tag tag-42 x7"},
                                {"none", nullptr}}));
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "success");
  EXPECT_EQ(e.actions_executed, 2);
  // Secrets in recorded headers are redacted.
  EXPECT_EQ(Actions(e)[1]["request"]["headers"]["Authorization"], "[redacted]");
  EXPECT_EQ(sent[1].headers.at(0).second, "Bearer tag-42");
}

TEST_F(ExecutorTest, AMissingVariableFailsTheRunNamingTheTemplate) {
  CreateFlow(json::parse(R"({"name":"needs a task","trigger_event_type":"NEW_TIME_ENTRY",
    "actions":[{"type":"clockify_api","operation_id":"getTask",
      "parameters":{"projectId":"{{webhook.projectId}}","taskId":"{{webhook.task.external_id}}"}}]})"));
  const auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT1H"));
  ASSERT_TRUE(Deliver(w));
  EXPECT_TRUE(transport_.sent().empty());
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "error");
  EXPECT_NE(e.error_message.find("{{webhook.task.external_id}}"), std::string::npos)
      << e.error_message;
  EXPECT_TRUE(e.error_message.starts_with("actions[0] (getTask): ")) << e.error_message;
  EXPECT_EQ(Actions(e)[0]["status"], "error");
}

TEST_F(ExecutorTest, AFailureStopsTheRunAsErrorFirstAndPartialLaterUnlessContinued) {
  auto flow_with = [](bool continue_second) {
    json f = json::parse(R"({"name":"three","trigger_event_type":"NEW_TIME_ENTRY","actions":[
      {"type":"clockify_api","operation_id":"getProject","parameters":{"projectId":"a"}},
      {"type":"clockify_api","operation_id":"getProject","parameters":{"projectId":"b"}},
      {"type":"clockify_api","operation_id":"getProject","parameters":{"projectId":"c"}}]})");
    f["actions"][1]["continue_on_error"] = continue_second;
    return f;
  };
  transport_.respond = [](const PreparedAction& p) -> Result<ActionOutcome> {
    if (p.api.path.ends_with("/b")) return Outcome(404, {{"message", "Project not found"}});
    if (p.api.path.ends_with("/a") && p.api.query.empty()) return Outcome(200, json::object());
    return Outcome(200, json::object());
  };
  const store::Flow stopping = CreateFlow(flow_with(false));
  auto w = Append("NEW_TIME_ENTRY", Entry("X", "PT1H"));
  ASSERT_TRUE(Deliver(w));
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "partial");
  EXPECT_EQ(e.actions_executed, 2);
  EXPECT_EQ(e.error_message, "actions[1] (getProject): HTTP 404: Project not found");
  EXPECT_EQ(transport_.sent().size(), 2u);

  ASSERT_TRUE(store_->DeleteFlow(kWs, stopping.id));
  CreateFlow(flow_with(true));
  w = Append("NEW_TIME_ENTRY", Entry("X", "PT1H", "other-entry"));
  ASSERT_TRUE(Deliver(w));
  e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "partial");
  EXPECT_EQ(e.actions_executed, 3);
  EXPECT_EQ(Actions(e)[2]["status"], "success");

  transport_.respond = [](const PreparedAction&) -> Result<ActionOutcome> {
    return Outcome(500, {{"message", "down"}});
  };
  w = Append("NEW_TIME_ENTRY", Entry("X", "PT1H", "third-entry"));
  ASSERT_TRUE(Deliver(w));
  e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "error");
  EXPECT_EQ(e.actions_executed, 1);
}

TEST_F(ExecutorTest, ADeliveredAgainWebhookDoesNotRunItsFlowsAgain) {
  CreateFlow(SeedFlow());
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  ASSERT_TRUE(Deliver(w));
  w.attempts = 2;
  ASSERT_TRUE(Deliver(w));
  ASSERT_TRUE(Deliver(w, MakeExecutor().get()));
  EXPECT_EQ(transport_.sent().size(), 1u);
  EXPECT_EQ(Executions(w.id).size(), 1u);
}

json TwoStepFlow(const std::string& second_method_op) {
  json f = json::parse(R"({"name":"two","trigger_event_type":"NEW_TIME_ENTRY","actions":[
      {"type":"clockify_api","operation_id":"createNewTag","parameters":{"body":{"name":"n"}}},
      {"type":"clockify_api","operation_id":"updateProject",
       "parameters":{"projectId":"{{actions[0].result.id}}","body":{"archived":true}}}]})");
  if (second_method_op == "createNewTag") {
    f["actions"][1] = {{"type", "clockify_api"},
                       {"operation_id", "createNewTag"},
                       {"parameters", {{"body", {{"name", "{{actions[0].result.id}}"}}}}}};
  }
  return f;
}

TEST_F(ExecutorTest, AfterACrashAnIdempotentActionInFlightIsSentAgainAndEarlierOnesAreNot) {
  CreateFlow(TwoStepFlow("updateProject"));
  int calls = 0;
  transport_.respond = [&](const PreparedAction& p) -> Result<ActionOutcome> {
    ++calls;
    if (p.action->operation_id == "updateProject" && calls == 2) throw Crash();
    return Outcome(201, {{"id", "t1"}});
  };
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  EXPECT_THROW((void)Deliver(w), Crash);
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "running");
  ASSERT_EQ(Actions(e).size(), 2u);
  EXPECT_EQ(Actions(e)[0]["status"], "success");
  EXPECT_EQ(Actions(e)[1]["status"], "running");

  // The restarted process: the queue delivers the webhook again.
  auto restarted = MakeExecutor();
  w.attempts = 2;
  ASSERT_TRUE(Deliver(w, restarted.get()));
  const auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].label, "createNewTag");
  EXPECT_EQ(sent[1].label, "updateProject");
  EXPECT_EQ(sent[2].label, "updateProject");  // the PUT again, with the first result's id
  EXPECT_EQ(sent[2].path, "/v1/workspaces/" + kWs + "/projects/t1");
  e = Executions(w.id).at(0);
  EXPECT_EQ(Executions(w.id).size(), 1u);
  EXPECT_EQ(e.status, "success");
  EXPECT_EQ(e.actions_executed, 2);
  EXPECT_TRUE(Actions(e)[1]["repeated_after_restart"].get<bool>());
}

TEST_F(ExecutorTest, AfterACrashAPostInFlightIsMarkedUnknownAndNotSentAgain) {
  CreateFlow(TwoStepFlow("createNewTag"));
  int calls = 0;
  transport_.respond = [&](const PreparedAction&) -> Result<ActionOutcome> {
    if (++calls == 2) throw Crash();
    return Outcome(201, {{"id", "t1"}});
  };
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  EXPECT_THROW((void)Deliver(w), Crash);
  auto restarted = MakeExecutor();
  w.attempts = 2;
  ASSERT_TRUE(Deliver(w, restarted.get()));
  EXPECT_EQ(transport_.sent().size(), 2u);  // nothing sent again
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "unknown");
  EXPECT_NE(e.error_message.find("actions[1] (createNewTag): outcome unknown"), std::string::npos)
      << e.error_message;
  EXPECT_EQ(Actions(e)[1]["status"], "unknown");
  EXPECT_EQ(Actions(e)[0]["status"], "success");
  // Delivered once more, the finished run is left alone.
  ASSERT_TRUE(Deliver(w, MakeExecutor().get()));
  EXPECT_EQ(transport_.sent().size(), 2u);
}

TEST_F(ExecutorTest, StopHappensAtAnActionBoundaryAndTheRunResumesAfterIt) {
  CreateFlow(TwoStepFlow("createNewTag"));
  transport_.respond = [&](const PreparedAction&) -> Result<ActionOutcome> {
    executor_->RequestStop();  // SIGTERM arrives while the first action is in flight
    return Outcome(201, {{"id", "t1"}});
  };
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  auto stopped = Deliver(w);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().kind, ErrorCode::kUnavailable);
  EXPECT_EQ(stopped.error().code, "shutting_down");
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "running");
  ASSERT_EQ(Actions(e).size(), 1u);
  EXPECT_EQ(Actions(e)[0]["status"], "success");  // finished and on record

  transport_.respond = nullptr;
  auto restarted = MakeExecutor();
  w.attempts = 2;
  ASSERT_TRUE(Deliver(w, restarted.get()));
  const auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);  // the POST is not repeated; the second action runs once
  EXPECT_EQ(sent[1].body, json({{"name", "t1"}}));
  EXPECT_EQ(Executions(w.id).at(0).status, "success");
}

TEST_F(ExecutorTest, TheLoopGuardPausesAFlowRepeatingOnOneEntityButNotOnDistinctOnes) {
  Install(R"({"flows.loop_guard_limit":3})");
  const store::Flow flow = CreateFlow(SeedFlow());
  // Distinct entities never trip it.
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(
        Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "e" + std::to_string(i)))));
  }
  EXPECT_TRUE(store_->GetFlow(kWs, flow.id)->enabled);
  EXPECT_EQ(transport_.sent().size(), 8u);

  std::vector<store::WebhookRecord> same;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(1s);
    same.push_back(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "looping")));
    ASSERT_TRUE(Deliver(same.back()));
  }
  EXPECT_EQ(transport_.sent().size(), 8u + 3u);
  auto paused = store_->GetFlow(kWs, flow.id);
  EXPECT_FALSE(paused->enabled);
  EXPECT_NE(paused->paused_reason.find("loop guard: 3 runs within 60 s for the same entity "
                                       "'looping' (limit 3"),
            std::string::npos)
      << paused->paused_reason;
  const auto fourth = Executions(same[3].id);
  ASSERT_EQ(fourth.size(), 1u);
  EXPECT_EQ(fourth[0].status, "skipped");
  EXPECT_EQ(fourth[0].error_message, paused->paused_reason);
  EXPECT_TRUE(Executions(same[4].id).empty());  // paused: not triggered

  // Enabled again, the guard counts from that save; a minute later the old runs are gone too.
  store::Flow resumed = *paused;
  resumed.enabled = true;
  resumed.paused_reason.clear();
  resumed.updated_at = clock_.Now();
  ASSERT_TRUE(store_->UpdateFlow(resumed));
  clock_.Advance(1s);
  ASSERT_TRUE(Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "looping"))));
  EXPECT_EQ(transport_.sent().size(), 12u);
  EXPECT_TRUE(store_->GetFlow(kWs, flow.id)->enabled);
}

TEST_F(ExecutorTest, TheLoopGuardHoldsAcrossARestart) {
  Install(R"({"flows.loop_guard_limit":2})");
  const store::Flow flow = CreateFlow(SeedFlow());
  ASSERT_TRUE(Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "same"))));
  ASSERT_TRUE(Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "same"))));
  auto restarted = MakeExecutor();
  ASSERT_TRUE(
      Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "same")), restarted.get()));
  EXPECT_FALSE(store_->GetFlow(kWs, flow.id)->enabled);
  EXPECT_EQ(transport_.sent().size(), 2u);
}

TEST_F(ExecutorTest, NothingRunsWhenFlowsAreOffOrTheWorkspaceIsInactive) {
  CreateFlow(SeedFlow());
  Install(R"({"flows.enable_flows":false})");
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  ASSERT_TRUE(Deliver(w));
  EXPECT_TRUE(Executions(w.id).empty());

  Install("{}", "INACTIVE");
  ASSERT_TRUE(Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "2"))));

  Install("{}");
  ExecutorOptions off = Options();
  off.enable_flows = false;  // the master switch
  ASSERT_TRUE(
      Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "3")), MakeExecutor(off).get()));
  EXPECT_TRUE(transport_.sent().empty());

  ASSERT_TRUE(Deliver(Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "4"))));
  EXPECT_EQ(transport_.sent().size(), 1u);
}

TEST_F(ExecutorTest, HttpActionsNeedBothSwitches) {
  CreateFlow(json::parse(R"({"name":"notify","trigger_event_type":"*","actions":[
    {"type":"http","method":"POST","url":"https://hooks.example.com/x","body":{"id":"{{webhook.id}}"}}]})"));
  ExecutorOptions master_off = Options();
  master_off.enable_generic_http_actions = false;
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  ASSERT_TRUE(Deliver(w, MakeExecutor(master_off).get()));
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "error");
  EXPECT_NE(e.error_message.find("http actions are off"), std::string::npos);
  EXPECT_TRUE(transport_.sent().empty());

  Install(R"({"flows.enable_generic_http_actions":false})");
  w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "2"));
  ASSERT_TRUE(Deliver(w));
  EXPECT_EQ(Executions(w.id).at(0).status, "error");
  EXPECT_TRUE(transport_.sent().empty());

  Install(R"({"flows.enable_generic_http_actions":true})");
  w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H", "3"));
  ASSERT_TRUE(Deliver(w));
  EXPECT_EQ(Executions(w.id).at(0).status, "success");
  ASSERT_EQ(transport_.sent().size(), 1u);
  EXPECT_EQ(transport_.sent()[0].body, json({{"id", "3"}}));
}

TEST_F(ExecutorTest, AReplayIsANewExecutionNamingTheOneItRepeats) {
  CreateFlow(SeedFlow());
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  ASSERT_TRUE(Deliver(w));
  const int64_t original = Executions(w.id).at(0).id;
  auto replayed = executor_->Replay(kWs, w.id);
  ASSERT_TRUE(replayed) << replayed.error().message;
  ASSERT_EQ(replayed->size(), 1u);
  EXPECT_EQ((*replayed)[0].trigger, "replay");
  EXPECT_EQ((*replayed)[0].replay_of, original);
  EXPECT_EQ((*replayed)[0].status, "success");
  EXPECT_FALSE((*replayed)[0].lease_expires_at);
  EXPECT_EQ(transport_.sent().size(), 2u);
  EXPECT_EQ(Executions(w.id).size(), 2u);
  // Replaying a replay names the latest.
  auto again = executor_->Replay(kWs, w.id);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].replay_of, (*replayed)[0].id);
  EXPECT_EQ(executor_->Replay(kWs, 99999).error().kind, ErrorCode::kNotFound);
  Install(R"({"flows.enable_flows":false})");
  EXPECT_EQ(executor_->Replay(kWs, w.id).error().code, "flows_disabled");
}

TEST_F(ExecutorTest, ADryRunExplainsAndRendersWithoutSending) {
  const store::Flow flow = CreateFlow(TwoStepFlow("updateProject"));
  store::Flow seed = CreateFlow(SeedFlow());
  TestInput input;
  input.payload = Entry("Internal", "PT2H");
  input.event_type = "NEW_TIME_ENTRY";
  auto result = executor_->Test(seed, input, /*dry_run=*/true);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE((*result)["trigger_matched"].get<bool>());
  EXPECT_TRUE((*result)["matched"].get<bool>());
  EXPECT_TRUE((*result)["conditions"]["passed"].get<bool>());
  EXPECT_EQ((*result)["conditions"]["rules"][1]["selected"], json::array({"PT2H"}));
  EXPECT_EQ((*result)["actions"][0]["request"]["url"],
            "https://api.test/api/v1/workspaces/" + kWs + "/projects/p-Internal");
  EXPECT_EQ((*result)["actions"][0]["request"]["method"], "PUT");

  input.payload = Entry("Internal", "PT30M");
  result = executor_->Test(seed, input, true);
  ASSERT_TRUE(result);
  EXPECT_FALSE((*result)["matched"].get<bool>());
  EXPECT_FALSE((*result)["conditions"]["rules"][1]["passed"].get<bool>());

  result = executor_->Test(flow, input, true);
  ASSERT_TRUE(result);
  EXPECT_TRUE((*result)["actions"][0].contains("request"));
  EXPECT_TRUE((*result)["actions"][1]["needs_results_of_earlier_actions"].get<bool>());
  EXPECT_TRUE(transport_.sent().empty());
  EXPECT_EQ(store_->ListFlowExecutions(kWs, seed.id, std::nullopt, 10)->items.size(), 0u);

  // Not a dry run: a "test" execution.
  input.payload = Entry("Internal", "PT2H");
  result = executor_->Test(seed, input, false);
  ASSERT_TRUE(result);
  EXPECT_EQ((*result)["execution"]["trigger"], "test");
  EXPECT_EQ((*result)["execution"]["status"], "success");
  EXPECT_EQ(transport_.sent().size(), 1u);
}

TEST_F(ExecutorTest, CacheTemplatesReadTheWorkspacesCachedEntities) {
  // The cache is the bootstrap's to fill; here one row is written directly.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "uwh.db").c_str(), &db), SQLITE_OK);
  const std::string insert =
      "INSERT INTO universal_webhook_entity_cache (workspace_id, entity_type, entity_id, "
      "data_json, fetched_at) VALUES ('" +
      kWs +
      "', 'project', 'p-cached', "
      "'{\"name\":\"Cached name\",\"client\":{\"name\":\"ACME\"}}', "
      "'2026-01-01T00:00:00.000Z')";
  ASSERT_EQ(sqlite3_exec(db, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  CreateFlow(json::parse(R"({"name":"from the cache","trigger_event_type":"NEW_TIME_ENTRY",
    "actions":[{"type":"http","method":"POST","url":"https://hooks.example.com/x",
      "body":{"project":"{{cache.project[webhook.projectId].name}}",
              "client":"{{cache.project['p-cached'].client}}"}}]})"));
  json entry = Entry("Internal", "PT2H");
  entry["projectId"] = "p-cached";
  auto w = Append("NEW_TIME_ENTRY", entry);
  ASSERT_TRUE(Deliver(w));
  ASSERT_EQ(transport_.sent().size(), 1u);
  EXPECT_EQ(transport_.sent()[0].body,
            json({{"project", "Cached name"}, {"client", {{"name", "ACME"}}}}));

  entry["projectId"] = "p-not-cached";
  entry["id"] = "another-entry";
  w = Append("NEW_TIME_ENTRY", entry);
  ASSERT_TRUE(Deliver(w));
  auto e = Executions(w.id).at(0);
  EXPECT_EQ(e.status, "error");
  EXPECT_NE(e.error_message.find("{{cache.project[webhook.projectId].name}}"), std::string::npos)
      << e.error_message;
  EXPECT_EQ(transport_.sent().size(), 1u);
}

TEST_F(ExecutorTest, AnAbandonedReplayIsFinishedWhenItsLeaseExpires) {
  const store::Flow flow = CreateFlow(SeedFlow());
  auto w = Append("NEW_TIME_ENTRY", Entry("Internal", "PT2H"));
  store::FlowExecution e;
  e.workspace_id = kWs;
  e.flow_id = flow.id;
  e.webhook_log_id = w.id;
  e.trigger = "replay";
  e.result_json = R"({"actions":[{"index":0,"status":"running","method":"PUT"}]})";
  e.started_at = clock_.Now();
  e.lease_expires_at = clock_.Now() + 60s;
  const int64_t id = store_->CreateExecution(e)->id;
  EXPECT_EQ(executor_->RecoverAbandoned().value(), 0);
  clock_.Advance(61s);
  EXPECT_EQ(executor_->RecoverAbandoned().value(), 1);
  auto finished = store_->GetExecution(kWs, id);
  EXPECT_EQ(finished->status, "unknown");
  EXPECT_FALSE(finished->lease_expires_at);
  EXPECT_TRUE(finished->completed_at);
  EXPECT_EQ(Actions(*finished)[0]["status"], "unknown");
}

}  // namespace
}  // namespace uwh::flows
