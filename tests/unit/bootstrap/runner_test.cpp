// The bootstrap runner over the real OpenAPI plan, a real store and a fake Clockify (a function
// answering by operation), so that pages, failures and interruptions are exact.
#include "bootstrap/runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "bootstrap/plan.hpp"
#include "catalog_for_test.hpp"

namespace uwh::bootstrap {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kPageSize = 2;

std::string Query(const clockify::ApiRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.query) {
    if (k == name) return v;
  }
  return {};
}

json Items(const std::vector<std::string>& ids) {
  json out = json::array();
  for (const auto& id : ids) out.push_back({{"id", id}, {"name", "name of " + id}});
  return out;
}

// A small Clockify: 3 users, 3 projects (p1 with 3 tasks, p2 none, p3 answering 403), 5 tags,
// two time entries per user. Everything else answers an empty list. Thread-safe.
class FakeClockify {
 public:
  clockify::ApiResponse Answer(const clockify::ApiRequest& r) {
    std::unique_lock lock(mutex_);
    const int page = Query(r, "page").empty() ? 1 : std::stoi(Query(r, "page"));
    calls_.push_back(r.operation_id +
                     (r.path.find("/projects/") != std::string::npos ||
                              r.path.find("/user/") != std::string::npos
                          ? " " + r.path
                          : "") +
                     " page=" + std::to_string(page));
    queries_.push_back(r);
    if (auto hold = holds_.find(r.operation_id); hold != holds_.end() && hold->second) {
      held_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return !holds_[r.operation_id]; });
    }
    if (auto f = failures_.find(r.operation_id); f != failures_.end() && f->second.times != 0) {
      if (f->second.times > 0) --f->second.times;
      return Status(f->second.status);
    }
    const std::string& id = r.operation_id;
    if (id == "getLoggedUser") return Ok(json{{"id", "u1"}, {"name", "Owner"}, {"authToken", "x"}});
    if (id == "getWorkspacesOfUser") return Ok(json::array({{{"id", "ws-1"}}}));
    if (id == "getUsersOfWorkspace") return Page({"u1", "u2", "u3"}, page);
    if (id == "getProjects") return Page(projects_, page);
    if (id == "getTags") return Page({"t1", "t2", "t3", "t4", "t5"}, page);
    if (id == "getTasks") {
      if (r.path.find("/projects/p1/") != std::string::npos) return Page({"k1", "k2", "k3"}, page);
      if (r.path.find("/projects/p3/") != std::string::npos) {
        return Status(403, R"({"message":"Feature not enabled","code":403})");
      }
      return Page({}, page);
    }
    if (id == "getTimeEntries") {
      const std::string user = r.path.substr(r.path.find("/user/") + 6, 2);
      if (on_time_entries_) on_time_entries_();
      return Page({"e-" + user + "-1", "e-" + user + "-2"}, page);
    }
    // Some answers have no body at all (a 200 with Content-Length: 0).
    if (id == "getHolidays") return Status(200, "");
    return Ok(json::array());
  }

  void Fail(const std::string& operation, int status, int times = -1) {
    std::lock_guard lock(mutex_);
    failures_[operation] = {status, times};
  }
  void Hold(const std::string& operation) {
    std::lock_guard lock(mutex_);
    holds_[operation] = true;
  }
  void Release(const std::string& operation) {
    {
      std::lock_guard lock(mutex_);
      holds_[operation] = false;
    }
    changed_.notify_all();
  }
  bool WaitHeld() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, seconds(10), [&] { return held_; });
  }
  std::vector<std::string> Calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<clockify::ApiRequest> Requests() {
    std::lock_guard lock(mutex_);
    return queries_;
  }
  std::vector<std::string> projects_ = {"p1", "p2", "p3"};
  std::function<void()> on_time_entries_;

 private:
  struct Failure {
    int status = 500;
    int times = -1;  // -1: always
  };
  static clockify::ApiResponse Ok(const json& body) {
    clockify::ApiResponse r;
    r.status_code = 200;
    r.body = body.dump();
    r.attempts = 1;
    return r;
  }
  static clockify::ApiResponse Status(int status, std::string body = "{}") {
    clockify::ApiResponse r;
    r.status_code = status;
    r.body = std::move(body);
    r.attempts = 1;
    return r;
  }
  static clockify::ApiResponse Page(const std::vector<std::string>& all, int page) {
    std::vector<std::string> slice;
    for (size_t i = static_cast<size_t>(page - 1) * kPageSize;
         i < all.size() && i < static_cast<size_t>(page) * kPageSize; ++i) {
      slice.push_back(all[i]);
    }
    return Ok(Items(slice));
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> calls_;
  std::vector<clockify::ApiRequest> queries_;
  std::map<std::string, Failure> failures_;
  std::map<std::string, bool> holds_;
  bool held_ = false;
};

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenStore("sqlite:///:memory:", true);
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
    Install(R"({"bootstrap.time_entry_days_back":3})");
  }
  void TearDown() override { runners_.clear(); }

  void Install(const std::string& settings) {
    store::Installation in;
    in.workspace_id = "ws-1";
    in.addon_id = "addon-1";
    in.addon_token_ciphertext = "sealed";
    in.backend_url = "http://clockify.test/api";
    auto stored = store_->UpsertInstallation(in);
    ASSERT_TRUE(stored);
    ASSERT_TRUE(store_->UpdateSettings("ws-1", settings));
    ASSERT_TRUE(store_->EnsureBootstrapState("ws-1"));
  }

  static RunnerOptions Options() {
    RunnerOptions o;
    o.page_size = kPageSize;
    o.parallel = 3;
    o.heartbeat = milliseconds(20);
    o.lease = seconds(2);
    o.round_pause = milliseconds(1);
    o.page_rounds = 2;
    return o;
  }

  BootstrapRunner& NewRunner(
      std::shared_ptr<const clockify::OpenApiCatalog> catalog = testing::SharedCatalog()) {
    runners_.push_back(std::make_unique<BootstrapRunner>(
        Options(), *store_, std::move(catalog), defaults_,
        [](const std::string& ws) -> Result<clockify::ApiTarget> {
          clockify::ApiTarget t;
          t.workspace_id = ws;
          t.backend_url = "http://clockify.test/api";
          t.addon_token = "token";
          return t;
        },
        [this](const clockify::ApiTarget&, const clockify::ApiRequest& r)
            -> Result<clockify::ApiResponse> { return fake_.Answer(r); },
        SystemClock::Instance()));
    return *runners_.back();
  }

  store::BootstrapState WaitFinished(BootstrapRunner& runner) {
    EXPECT_TRUE(runner.WaitUntilIdleForTest(seconds(20)));
    return store_->GetBootstrapState("ws-1").value();
  }

  // For runs this test did not trigger (taken up by a runner's Start()).
  store::BootstrapState WaitNotInProgress() {
    auto state = store_->GetBootstrapState("ws-1").value();
    for (int i = 0; i < 500 && state.status == "in_progress"; ++i) {
      std::this_thread::sleep_for(milliseconds(20));
      state = store_->GetBootstrapState("ws-1").value();
    }
    return state;
  }

  std::vector<std::string> Ids(const std::string& type) {
    auto page = store_->ListEntities("ws-1", type, std::nullopt, 500);
    EXPECT_TRUE(page);
    std::vector<std::string> out;
    for (const auto& e : page->items) out.push_back(e.entity_id);
    return out;
  }

  int CallsTo(const std::string& call) {
    const auto calls = fake_.Calls();
    return static_cast<int>(std::count(calls.begin(), calls.end(), call));
  }

  size_t PlannedEndpoints() {
    return BuildBootstrapPlan(testing::Catalog(), PlanOptions{}).endpoints.size();
  }

  WorkspaceSettings defaults_;
  FakeClockify fake_;
  std::unique_ptr<store::Store> store_;
  std::vector<std::unique_ptr<BootstrapRunner>> runners_;
};

TEST_F(RunnerTest, CachesEveryListPageByPageAndSkipsWhatIsForbidden) {
  auto& runner = NewRunner();
  const auto before = std::chrono::system_clock::now();
  auto started = runner.Trigger("ws-1");
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(started->status, "in_progress");
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "completed") << state.error_message;
  EXPECT_EQ(state.progress, 100);
  EXPECT_EQ(state.total_endpoints, static_cast<int>(PlannedEndpoints()));
  EXPECT_EQ(state.completed_endpoints, state.total_endpoints);
  EXPECT_EQ(state.claimed_by, "");

  EXPECT_EQ(Ids("user"), (std::vector<std::string>{"u1", "u2", "u3"}));
  EXPECT_EQ(Ids("workspace"), std::vector<std::string>{"ws-1"});
  EXPECT_EQ(Ids("project"), (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(Ids("tag"), (std::vector<std::string>{"t1", "t2", "t3", "t4", "t5"}));
  EXPECT_EQ(Ids("task"), (std::vector<std::string>{"k1", "k2", "k3"}));
  EXPECT_EQ(Ids("time_entry"),
            (std::vector<std::string>{"e-u1-1", "e-u1-2", "e-u2-1", "e-u2-2", "e-u3-1", "e-u3-2"}));
  // The logged user's token never reaches the cache.
  EXPECT_EQ(
      json::parse(store_->GetEntity("ws-1", "user", "u1").value().data_json).count("authToken"),
      0u);

  // Each page once; a short page ends the list.
  EXPECT_EQ(CallsTo("getTags page=1"), 1);
  EXPECT_EQ(CallsTo("getTags page=2"), 1);
  EXPECT_EQ(CallsTo("getTags page=3"), 1);
  EXPECT_EQ(CallsTo("getTags page=4"), 0);
  EXPECT_EQ(CallsTo("getTasks /v1/workspaces/ws-1/projects/p1/tasks page=2"), 1);
  EXPECT_EQ(CallsTo("getTasks /v1/workspaces/ws-1/projects/p3/tasks page=1"), 1);
  EXPECT_EQ(CallsTo("getLoggedUser page=1"), 1);

  // Time entries from time_entry_days_back days before the run began, per user.
  for (const auto& r : fake_.Requests()) {
    if (r.operation_id != "getTimeEntries") continue;
    store::TimePoint start;
    ASSERT_TRUE(ParseTimestamp(Query(r, "start"), &start)) << Query(r, "start");
    EXPECT_NEAR(std::chrono::duration<double>(before - start).count(), 3 * 86400.0, 5.0);
    EXPECT_EQ(Query(r, "page-size"), "2");
  }
  for (const auto& r : fake_.Requests()) {
    if (r.operation_id == "getUsersOfWorkspace") {
      EXPECT_EQ(Query(r, "include-roles"), "false");
    }
    if (r.operation_id == "getAddonWebhooks") {
      EXPECT_EQ(r.path, "/v1/workspaces/ws-1/addons/addon-1/webhooks");
    }
    EXPECT_EQ(r.priority, clockify::Priority::kBackground);
  }

  // The forbidden parent is recorded and skipped; the operation is done.
  std::map<std::string, store::BootstrapCheckpoint> rows;
  const auto checkpoints = store_->ListBootstrapCheckpoints("ws-1").value();
  for (const auto& c : checkpoints) rows[c.endpoint] = c;
  const auto& p3 = rows.at("getTasks/projectId=p3");
  EXPECT_EQ(p3.status, "skipped");
  EXPECT_EQ(p3.status_code, 403);
  EXPECT_EQ(p3.error_message, "getTasks answered 403: Feature not enabled");
  EXPECT_EQ(rows.at("getTasks").status, "done");
  EXPECT_EQ(rows.at("getTasks").items, 3);
  EXPECT_EQ(rows.at("getTasks").error_message, "1 of 3 parents skipped");
  EXPECT_EQ(rows.at("getTags").pages, 3);
  EXPECT_EQ(rows.at("getTags").items, 5);
  EXPECT_EQ(rows.at("getTags").next_page, 4);
  EXPECT_EQ(rows.at("getHolidays").status, "done");
  EXPECT_EQ(rows.at("getHolidays").items, 0);
}

TEST_F(RunnerTest, AFailingCoreEndpointFailsTheRunWithTheReason) {
  fake_.Fail("getLoggedUser", 500);
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "error");
  EXPECT_EQ(state.error_message, "getLoggedUser answered 500");
  EXPECT_TRUE(state.completed_at.has_value());
  // Tried the first time and page_rounds more.
  EXPECT_EQ(CallsTo("getLoggedUser page=1"), 1 + Options().page_rounds);
}

TEST_F(RunnerTest, A401AnywhereFailsTheRun) {
  fake_.Fail("getTags", 401);
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "error");
  EXPECT_EQ(state.error_message, "getTags answered 401");
}

TEST_F(RunnerTest, APageAnswered429IsTriedAgain) {
  fake_.Fail("getTags", 429, 2);  // within page_rounds
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "completed") << state.error_message;
  EXPECT_EQ(Ids("tag").size(), 5u);
  EXPECT_EQ(CallsTo("getTags page=1"), 3);
}

TEST_F(RunnerTest, A5xxOnAnOrdinaryEndpointIsSkippedAfterItsRounds) {
  fake_.Fail("getClients", 503);
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "completed");
  const auto checkpoints = store_->ListBootstrapCheckpoints("ws-1").value();
  for (const auto& c : checkpoints) {
    if (c.endpoint == "getClients") {
      EXPECT_EQ(c.status, "skipped");
      EXPECT_EQ(c.status_code, 503);
    }
  }
}

TEST_F(RunnerTest, TriggerWhileRunningIsAConflict) {
  fake_.Hold("getLoggedUser");
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  ASSERT_TRUE(fake_.WaitHeld());
  auto again = runner.Trigger("ws-1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorCode::kConflict);
  // Another instance sees the live lease too.
  auto& other = NewRunner();
  auto elsewhere = other.Trigger("ws-1");
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().kind, ErrorCode::kConflict);
  fake_.Release("getLoggedUser");
  EXPECT_EQ(WaitFinished(runner).status, "completed");
  // Finished: a new trigger is accepted.
  EXPECT_TRUE(runner.Trigger("ws-1"));
  EXPECT_EQ(WaitFinished(runner).status, "completed");
}

// Clockify revokes the token as it uninstalls: the request in flight then fails with 401, but
// the reason the run ended is the uninstall, and nothing more is asked.
TEST_F(RunnerTest, UninstallStopsTheRunThoughItsRequestInFlightFails) {
  fake_.Hold("getLoggedUser");
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  ASSERT_TRUE(fake_.WaitHeld());
  runner.OnUninstalled("ws-1");
  fake_.Fail("getLoggedUser", 401);
  fake_.Release("getLoggedUser");
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "error");
  EXPECT_EQ(state.error_message, "stopped: the add-on was uninstalled");
  EXPECT_EQ(CallsTo("getTags page=1"), 0);
}

TEST_F(RunnerTest, InstallAndBootstrapSettingsStartARunOnlyWhenRunOnInstall) {
  auto& runner = NewRunner();
  WorkspaceSettings off;
  off.bootstrap_run_on_install = false;
  store::Installation in;
  in.workspace_id = "ws-1";
  runner.OnInstalled(in, off);
  WorkspaceSettings faster = off;
  faster.bootstrap_max_rps = 10;
  runner.OnSettingsUpdated("ws-1", off, faster);
  EXPECT_TRUE(runner.WaitUntilIdleForTest(seconds(1)));
  EXPECT_EQ(store_->GetBootstrapState("ws-1").value().status, "pending");
  EXPECT_TRUE(fake_.Calls().empty());

  WorkspaceSettings on;
  runner.OnSettingsUpdated("ws-1", on, on);  // nothing of the bootstrap changed
  EXPECT_TRUE(runner.WaitUntilIdleForTest(seconds(1)));
  EXPECT_TRUE(fake_.Calls().empty());

  WorkspaceSettings more_days = on;
  more_days.bootstrap_time_entry_days_back = 60;
  runner.OnSettingsUpdated("ws-1", on, more_days);
  EXPECT_EQ(WaitFinished(runner).status, "completed");
  runner.OnInstalled(in, on);
  EXPECT_EQ(WaitFinished(runner).status, "completed");
  EXPECT_EQ(CallsTo("getLoggedUser page=1"), 2);
}

TEST_F(RunnerTest, ASettingsChangeDuringARunStartsItOver) {
  fake_.Hold("getTimeEntries");
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  ASSERT_TRUE(fake_.WaitHeld());
  const auto first_start = store_->GetBootstrapState("ws-1").value().started_at;
  WorkspaceSettings before;
  WorkspaceSettings after;
  after.bootstrap_include_time_entries = false;
  ASSERT_TRUE(store_->UpdateSettings("ws-1", R"({"bootstrap.include_time_entries":false})"));
  runner.OnSettingsUpdated("ws-1", before, after);
  fake_.Release("getTimeEntries");
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "completed");
  EXPECT_GT(state.started_at, first_start);
  EXPECT_EQ(CallsTo("getLoggedUser page=1"), 2);
  // The new run plans without time entries.
  EXPECT_EQ(state.total_endpoints, static_cast<int>(PlannedEndpoints()) - 2);
}

// A run whose instance died (its lease expired) continues from its checkpoints elsewhere:
// finished endpoints are not fetched again, the unfinished one from its next page.
TEST_F(RunnerTest, AnInterruptedRunResumesFromItsCheckpoints) {
  const auto now = std::chrono::system_clock::now();
  // Stores keep milliseconds.
  const auto crashed_at = std::chrono::floor<milliseconds>(now - seconds(60));
  ASSERT_TRUE(store_->StartBootstrap("ws-1", {"dead", crashed_at, crashed_at + seconds(15)}));
  std::vector<store::BootstrapCheckpoint> rows;
  for (const char* op :
       {"getLoggedUser", "getWorkspacesOfUser", "getProjects", "getUsersOfWorkspace"}) {
    store::BootstrapCheckpoint c;
    c.endpoint = c.operation_id = op;
    c.entity_type = "x";
    c.status = "done";
    c.next_page = 3;
    rows.push_back(c);
  }
  store::BootstrapCheckpoint tags;
  tags.endpoint = tags.operation_id = "getTags";
  tags.entity_type = "tag";
  tags.status = "pending";
  tags.next_page = 2;
  tags.pages = 1;
  tags.items = 2;
  rows.push_back(tags);
  const auto fetched = crashed_at + seconds(1);
  std::vector<store::CachedEntity> entities = {
      {"tag", "t1", "{}", fetched},     {"tag", "t2", "{}", fetched},
      {"project", "p1", "{}", fetched}, {"project", "p2", "{}", fetched},
      {"user", "u1", "{}", fetched},    {"user", "u2", "{}", fetched},
      {"user", "u3", "{}", fetched},    {"workspace", "ws-1", "{}", fetched}};
  ASSERT_TRUE(store_->CommitBootstrapProgress(
      "ws-1", {"dead", crashed_at, crashed_at + seconds(15)}, rows, entities));

  auto& runner = NewRunner();
  runner.Start();  // finds the expired lease and takes the run over
  const auto state = WaitNotInProgress();
  EXPECT_EQ(state.status, "completed") << state.error_message;
  EXPECT_EQ(state.started_at, crashed_at);  // the same run

  EXPECT_EQ(CallsTo("getLoggedUser page=1"), 0);
  EXPECT_EQ(CallsTo("getProjects page=1"), 0);
  EXPECT_EQ(CallsTo("getTags page=1"), 0);
  EXPECT_EQ(CallsTo("getTags page=2"), 1);
  EXPECT_EQ(CallsTo("getTags page=3"), 1);
  EXPECT_EQ(Ids("tag"), (std::vector<std::string>{"t1", "t2", "t3", "t4", "t5"}));
  // Parents come from what the run cached: the two projects, not the fake's three.
  EXPECT_EQ(CallsTo("getTasks /v1/workspaces/ws-1/projects/p1/tasks page=1"), 1);
  EXPECT_EQ(CallsTo("getTasks /v1/workspaces/ws-1/projects/p3/tasks page=1"), 0);
}

// Stop() (a graceful shutdown) leaves the run resumable at once by the next start.
TEST_F(RunnerTest, StopReleasesTheLeaseAndTheNextStartFinishesTheRun) {
  fake_.Hold("getTasks");
  auto& first = NewRunner();
  ASSERT_TRUE(first.Trigger("ws-1"));
  ASSERT_TRUE(fake_.WaitHeld());
  std::thread stopper([&] { first.Stop(); });
  fake_.Release("getTasks");
  stopper.join();
  auto state = store_->GetBootstrapState("ws-1").value();
  EXPECT_EQ(state.status, "in_progress");
  ASSERT_TRUE(state.lease_expires_at.has_value());
  EXPECT_LE(*state.lease_expires_at, std::chrono::system_clock::now());
  const int tags_before = CallsTo("getTags page=1");
  EXPECT_EQ(tags_before, 1);

  auto& second = NewRunner();
  second.Start();
  state = WaitNotInProgress();
  EXPECT_EQ(state.status, "completed") << state.error_message;
  EXPECT_EQ(CallsTo("getTags page=1"), 1);  // finished before the stop: not fetched again
  EXPECT_EQ(CallsTo("getLoggedUser page=1"), 1);
  EXPECT_EQ(Ids("task"), (std::vector<std::string>{"k1", "k2", "k3"}));
}

// After a completed run the cache holds what Clockify has: entries the run did not see again
// are gone, unless a webhook brought them while it ran.
TEST_F(RunnerTest, ACompletedRunRemovesWhatItDidNotSeeAgain) {
  const auto old = std::chrono::system_clock::now() - seconds(3600);
  ASSERT_TRUE(store_->UpsertEntities(
      "ws-1", std::vector<store::CachedEntity>{{"project", "gone", "{}", old},
                                               {"project", "p1", R"({"stale":true})", old},
                                               {"time_entry", "old-entry", "{}", old}}));
  fake_.on_time_entries_ = [this] {
    // As the cache refresher does for a webhook that arrives during the run.
    (void)store_->UpsertEntities(
        "ws-1", std::vector<store::CachedEntity>{
                    {"time_entry", "from-webhook", "{}", std::chrono::system_clock::now()}});
  };
  fake_.Fail("getClients", 403);
  ASSERT_TRUE(store_->UpsertEntities(
      "ws-1", std::vector<store::CachedEntity>{{"client", "kept", "{}", old}}));
  auto& runner = NewRunner();
  ASSERT_TRUE(runner.Trigger("ws-1"));
  EXPECT_EQ(WaitFinished(runner).status, "completed");
  EXPECT_EQ(Ids("project"), (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(
      json::parse(store_->GetEntity("ws-1", "project", "p1").value().data_json).count("stale"), 0u);
  auto entries = Ids("time_entry");
  EXPECT_EQ(std::count(entries.begin(), entries.end(), "old-entry"), 0);
  EXPECT_EQ(std::count(entries.begin(), entries.end(), "from-webhook"), 1);
  // Clients were not fetched (403): what the cache had of them stays.
  EXPECT_EQ(Ids("client"), std::vector<std::string>{"kept"});
}

TEST_F(RunnerTest, WithoutAnOpenApiDocument) {
  auto& runner = NewRunner(nullptr);
  auto triggered = runner.Trigger("ws-1");
  ASSERT_FALSE(triggered);
  EXPECT_EQ(triggered.error().code, "spec_unavailable");
  // On install the state says why.
  store::Installation in;
  in.workspace_id = "ws-1";
  runner.OnInstalled(in, WorkspaceSettings{});
  const auto state = WaitFinished(runner);
  EXPECT_EQ(state.status, "error");
  EXPECT_NE(state.error_message.find("no OpenAPI document"), std::string::npos);
}

}  // namespace
}  // namespace uwh::bootstrap
