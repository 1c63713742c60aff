// The flows part of the Store contract (flows, executions, the loop-guard count, the cache read),
// written against the interface so that every backend runs it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "store/store.hpp"
#include "store_test_support.hpp"

namespace uwh::store {
namespace {

using std::chrono::seconds;

class FlowsStoreTest : public MigratedStoreTest {
 protected:
  static Flow MakeFlow(const std::string& ws, const std::string& name,
                       const std::string& event = "NEW_TIME_ENTRY") {
    Flow f;
    f.workspace_id = ws;
    f.name = name;
    f.trigger_event_type = event;
    f.conditions_json = R"({"mode":"ALL","rules":[]})";
    f.actions_json = R"([{"type":"http","method":"GET","url":"https://example.com"}])";
    f.created_at = f.updated_at = kT0;
    return f;
  }

  Flow Create(const Flow& f) {
    auto created = store_->CreateFlow(f);
    EXPECT_TRUE(created) << created.error().message;
    return created ? *created : Flow{};
  }

  int64_t AppendWebhook(const std::string& ws, const std::string& body) {
    NewWebhook w;
    w.workspace_id = ws;
    w.event_type = "NEW_TIME_ENTRY";
    w.source = "CLOCKIFY";
    w.payload = body;
    w.received_at = kT0;
    auto out = store_->AppendWebhooks(std::span<const NewWebhook>(&w, 1));
    EXPECT_TRUE(out) << out.error().message;
    return out ? out->front().id : 0;
  }

  static FlowExecution Automatic(const std::string& ws, int64_t flow, int64_t webhook,
                                 TimePoint started, const std::string& entity = "e1") {
    FlowExecution e;
    e.workspace_id = ws;
    e.flow_id = flow;
    e.webhook_log_id = webhook;
    e.entity_id = entity;
    e.flow_json = R"({"id":1})";
    e.started_at = started;
    return e;
  }
};

TEST_P(FlowsStoreTest, CreateGetUpdateDeleteAreScopedByWorkspace) {
  Flow created = Create(MakeFlow("ws-1", "first"));
  ASSERT_GT(created.id, 0);
  EXPECT_EQ(created.name, "first");
  EXPECT_EQ(created.trigger_source, "CLOCKIFY");
  EXPECT_TRUE(created.enabled);
  EXPECT_EQ(created.created_at, kT0);

  auto got = store_->GetFlow("ws-1", created.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->actions_json, created.actions_json);
  EXPECT_EQ(store_->GetFlow("ws-2", created.id).error().kind, ErrorCode::kNotFound);

  Flow changed = *got;
  changed.name = "renamed";
  changed.enabled = false;
  changed.updated_at = kT0 + seconds(5);
  auto updated = store_->UpdateFlow(changed);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->name, "renamed");
  EXPECT_FALSE(updated->enabled);
  EXPECT_EQ(updated->created_at, kT0);
  EXPECT_EQ(updated->updated_at, kT0 + seconds(5));

  Flow foreign = changed;
  foreign.workspace_id = "ws-2";
  EXPECT_EQ(store_->UpdateFlow(foreign).error().kind, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteFlow("ws-2", created.id).error().kind, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->DeleteFlow("ws-1", created.id));
  EXPECT_EQ(store_->GetFlow("ws-1", created.id).error().kind, ErrorCode::kNotFound);
}

TEST_P(FlowsStoreTest, CreateRefusesWhatTheStoreNeeds) {
  Flow f = MakeFlow("ws-1", "");
  EXPECT_EQ(store_->CreateFlow(f).error().field, "name");
  f = MakeFlow("ws-1", "x");
  f.trigger_source = "OTHER";
  EXPECT_EQ(store_->CreateFlow(f).error().field, "trigger_source");
  f = MakeFlow("", "x");
  EXPECT_EQ(store_->CreateFlow(f).error().field, "workspace_id");
}

TEST_P(FlowsStoreTest, ListPagesNewestFirstWithinTheWorkspace) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(Create(MakeFlow("ws-1", "f" + std::to_string(i))).id);
  Create(MakeFlow("ws-2", "other"));
  std::vector<int64_t> seen;
  std::optional<int64_t> cursor;
  do {
    auto page = store_->ListFlows("ws-1", cursor, 3);
    ASSERT_TRUE(page);
    EXPECT_LE(page->items.size(), 3u);
    for (const auto& f : page->items) {
      EXPECT_EQ(f.workspace_id, "ws-1");
      seen.push_back(f.id);
    }
    cursor = page->next_before_id;
  } while (cursor);
  std::vector<int64_t> expected(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(store_->ListFlows("ws-1", std::nullopt, 0).error().field, "limit");
}

TEST_P(FlowsStoreTest, TriggeredFlowsMatchEventOrStarEnabledAndSource) {
  const int64_t exact = Create(MakeFlow("ws-1", "exact", "NEW_TIME_ENTRY")).id;
  const int64_t star = Create(MakeFlow("ws-1", "star", "*")).id;
  Create(MakeFlow("ws-1", "other event", "NEW_PROJECT"));
  Flow disabled = MakeFlow("ws-1", "disabled");
  disabled.enabled = false;
  Create(disabled);
  Flow custom = MakeFlow("ws-1", "custom", "NEW_TIME_ENTRY");
  custom.trigger_source = "CUSTOM";
  const int64_t custom_id = Create(custom).id;
  Create(MakeFlow("ws-2", "elsewhere"));

  auto flows = store_->ListTriggeredFlows("ws-1", "CLOCKIFY", "NEW_TIME_ENTRY");
  ASSERT_TRUE(flows);
  std::vector<int64_t> got;
  for (const auto& f : *flows) got.push_back(f.id);
  EXPECT_EQ(got, (std::vector<int64_t>{exact, star}));
  auto customs = store_->ListTriggeredFlows("ws-1", "CUSTOM", "NEW_TIME_ENTRY");
  ASSERT_TRUE(customs);
  ASSERT_EQ(customs->size(), 1u);
  EXPECT_EQ(customs->front().id, custom_id);
}

TEST_P(FlowsStoreTest, PauseDisablesOnceWithTheReasonAndCountsFollow) {
  const int64_t id = Create(MakeFlow("ws-1", "looping")).id;
  Create(MakeFlow("ws-1", "fine"));
  EXPECT_EQ(store_->CountFlows("ws-1")->enabled, 2);
  EXPECT_TRUE(store_->PauseFlow("ws-1", id, "loop guard: 10 runs", kT0 + seconds(1)).value());
  EXPECT_FALSE(store_->PauseFlow("ws-1", id, "again", kT0 + seconds(2)).value());
  auto paused = store_->GetFlow("ws-1", id);
  ASSERT_TRUE(paused);
  EXPECT_FALSE(paused->enabled);
  EXPECT_EQ(paused->paused_reason, "loop guard: 10 runs");
  EXPECT_EQ(paused->updated_at, kT0 + seconds(1));
  auto counts = store_->CountFlows("ws-1");
  EXPECT_EQ(counts->total, 2);
  EXPECT_EQ(counts->enabled, 1);
  EXPECT_EQ(store_->CountFlows("ws-3")->total, 0);
}

TEST_P(FlowsStoreTest, AnAutomaticExecutionIsBegunOncePerWebhookAndFlow) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  const int64_t webhook = AppendWebhook("ws-1", R"({"id":"e1"})");
  auto first = store_->BeginAutomaticExecution(Automatic("ws-1", flow, webhook, kT0));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->execution.status, "running");
  EXPECT_EQ(first->execution.trigger, "automatic");

  auto again = store_->BeginAutomaticExecution(Automatic("ws-1", flow, webhook, kT0 + seconds(9)));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->execution.id, first->execution.id);
  EXPECT_EQ(again->execution.started_at, kT0);

  // Replays of the same pair are separate rows.
  FlowExecution replay = Automatic("ws-1", flow, webhook, kT0 + seconds(10));
  replay.trigger = "replay";
  replay.replay_of = first->execution.id;
  auto created = store_->CreateExecution(replay);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_NE(created->id, first->execution.id);
  EXPECT_EQ(created->replay_of, first->execution.id);
  EXPECT_EQ(store_->CreateExecution(Automatic("ws-1", flow, webhook, kT0)).error().field,
            "trigger");

  auto listed = store_->ListWebhookExecutions("ws-1", webhook);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, first->execution.id);
  EXPECT_EQ((*listed)[1].trigger, "replay");
  EXPECT_TRUE(store_->ListWebhookExecutions("ws-2", webhook)->empty());
}

TEST_P(FlowsStoreTest, ConcurrentBeginsOfOnePairCreateOneRow) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  const int64_t webhook = AppendWebhook("ws-1", R"({"id":"e1"})");
  std::atomic<int> created{0};
  std::set<int64_t> ids;
  std::mutex ids_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto begun = store_->BeginAutomaticExecution(Automatic("ws-1", flow, webhook, kT0));
      ASSERT_TRUE(begun) << begun.error().message;
      if (begun->created) ++created;
      std::lock_guard<std::mutex> lock(ids_mutex);
      ids.insert(begun->execution.id);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(ids.size(), 1u);
}

TEST_P(FlowsStoreTest, ProgressIsWrittenAndExecutionsListNewestFirst) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    const int64_t webhook = AppendWebhook("ws-1", R"({"n":)" + std::to_string(i) + "}");
    ids.push_back(
        store_->BeginAutomaticExecution(Automatic("ws-1", flow, webhook, kT0))->execution.id);
  }
  ExecutionProgress done{"partial",
                         2,
                         "actions[1] (x): HTTP 404",
                         R"({"actions":[{"index":0},{"index":1}]})",
                         kT0 + seconds(1),
                         std::nullopt};
  ASSERT_TRUE(store_->UpdateExecution("ws-1", ids[2], done));
  EXPECT_EQ(store_->UpdateExecution("ws-2", ids[2], done).error().kind, ErrorCode::kNotFound);
  auto got = store_->GetExecution("ws-1", ids[2]);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "partial");
  EXPECT_EQ(got->actions_executed, 2);
  EXPECT_EQ(got->error_message, "actions[1] (x): HTTP 404");
  EXPECT_EQ(got->result_json, done.result_json);
  EXPECT_EQ(got->completed_at, kT0 + seconds(1));

  auto first = store_->ListFlowExecutions("ws-1", flow, std::nullopt, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id, ids[4]);
  EXPECT_EQ(first->items[1].id, ids[3]);
  ASSERT_TRUE(first->next_before_id);
  auto rest = store_->ListFlowExecutions("ws-1", flow, first->next_before_id, 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->items.size(), 3u);
  EXPECT_EQ(rest->items[2].id, ids[0]);
  EXPECT_FALSE(rest->next_before_id);
  EXPECT_TRUE(store_->ListFlowExecutions("ws-2", flow, std::nullopt, 10)->items.empty());
}

TEST_P(FlowsStoreTest, DeletingAFlowDeletesItsExecutions) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  const int64_t webhook = AppendWebhook("ws-1", "{}");
  const int64_t id =
      store_->BeginAutomaticExecution(Automatic("ws-1", flow, webhook, kT0))->execution.id;
  ASSERT_TRUE(store_->DeleteFlow("ws-1", flow));
  EXPECT_EQ(store_->GetExecution("ws-1", id).error().kind, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListWebhookExecutions("ws-1", webhook)->empty());
}

TEST_P(FlowsStoreTest, RecentRunsCountOneFlowAndEntityInTheWindow) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  const int64_t other_flow = Create(MakeFlow("ws-1", "g")).id;
  auto begin = [&](int64_t f, TimePoint at, const std::string& entity,
                   const std::string& status = "running") {
    FlowExecution e = Automatic("ws-1", f, AppendWebhook("ws-1", "{}"), at, entity);
    e.status = status;
    ASSERT_TRUE(store_->BeginAutomaticExecution(e));
  };
  begin(flow, kT0, "e1");
  begin(flow, kT0 + seconds(10), "e1");
  begin(flow, kT0 + seconds(20), "e1", "skipped");  // the guard's own rows do not count
  begin(flow, kT0 + seconds(30), "e2");
  begin(other_flow, kT0 + seconds(30), "e1");
  FlowExecution replay = Automatic("ws-1", flow, AppendWebhook("ws-1", "{}"), kT0 + seconds(40));
  replay.trigger = "replay";
  ASSERT_TRUE(store_->CreateExecution(replay));

  EXPECT_EQ(store_->CountRecentRuns("ws-1", flow, "e1", kT0).value(), 2);
  EXPECT_EQ(store_->CountRecentRuns("ws-1", flow, "e1", kT0 + seconds(5)).value(), 1);
  EXPECT_EQ(store_->CountRecentRuns("ws-1", flow, "e2", kT0).value(), 1);
  EXPECT_EQ(store_->CountRecentRuns("ws-1", flow, "e3", kT0).value(), 0);
  EXPECT_EQ(store_->CountRecentRuns("ws-2", flow, "e1", kT0).value(), 0);
}

TEST_P(FlowsStoreTest, ExecutionStatsCountTheWindowByStatus) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  const char* statuses[] = {"success", "success", "error", "partial", "success"};
  for (int i = 0; i < 5; ++i) {
    FlowExecution e = Automatic("ws-1", flow, AppendWebhook("ws-1", "{}"), kT0 + seconds(i));
    e.status = statuses[i];
    ASSERT_TRUE(store_->BeginAutomaticExecution(e));
  }
  auto stats = store_->GetExecutionStats("ws-1", kT0 + seconds(1));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->total, 4);
  ASSERT_EQ(stats->by_status.size(), 3u);
  EXPECT_EQ(stats->by_status[0].key, "error");
  EXPECT_EQ(stats->by_status[0].count, 1);
  EXPECT_EQ(stats->by_status[1].key, "partial");
  EXPECT_EQ(stats->by_status[2].key, "success");
  EXPECT_EQ(stats->by_status[2].count, 2);
  EXPECT_EQ(store_->GetExecutionStats("ws-2", kT0)->total, 0);
}

TEST_P(FlowsStoreTest, HourlyRunCountsMatchAnIndependentCountPerHour) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  const int64_t other = Create(MakeFlow("ws-2", "g")).id;
  // Runs of every trigger and status, spread over three hours, some on the hour's edges, and
  // another workspace's runs in between.
  struct Run {
    std::string ws;
    int64_t flow;
    int offset_s;
    std::string trigger;
    std::string status;
  };
  const std::vector<Run> runs = {
      {"ws-1", flow, 0, "automatic", "success"},    {"ws-1", flow, 1, "automatic", "error"},
      {"ws-1", flow, 3599, "replay", "success"},    {"ws-1", flow, 3600, "test", "partial"},
      {"ws-1", flow, 5000, "automatic", "skipped"}, {"ws-1", flow, 7300, "automatic", "success"},
      {"ws-2", other, 10, "automatic", "success"},  {"ws-2", other, 3700, "automatic", "error"},
  };
  for (const Run& r : runs) {
    FlowExecution e = Automatic(r.ws, r.flow, AppendWebhook(r.ws, "{}"), kT0 + seconds(r.offset_s));
    e.trigger = r.trigger;
    e.status = r.status;
    ASSERT_TRUE(r.trigger == "automatic" ? store_->BeginAutomaticExecution(e).has_value()
                                         : store_->CreateExecution(e).has_value());
  }
  for (const TimePoint start : {kT0, kT0 + seconds(1), kT0 - seconds(1800)}) {
    for (const std::string ws : {"ws-1", "ws-2"}) {
      std::vector<int64_t> expected(4, 0);
      for (const Run& r : runs) {
        const TimePoint at = kT0 + seconds(r.offset_s);
        if (r.ws != ws || at < start) continue;
        const auto hour = std::chrono::duration_cast<std::chrono::hours>(at - start).count();
        if (hour < 4) ++expected[static_cast<size_t>(hour)];
      }
      auto counts = store_->CountExecutionsByHour(ws, start, 4);
      ASSERT_TRUE(counts) << counts.error().message;
      EXPECT_EQ(*counts, expected) << ws << " from " << FormatTimestamp(start);
    }
  }
  // Fixed expectations too, so the test does not only agree with itself.
  EXPECT_EQ(store_->CountExecutionsByHour("ws-1", kT0, 3).value(), (std::vector<int64_t>{3, 2, 1}));
  EXPECT_EQ(store_->CountExecutionsByHour("ws-3", kT0, 24).value(), std::vector<int64_t>(24, 0));
  for (const int hours : {0, 169}) {
    auto bad = store_->CountExecutionsByHour("ws-1", kT0, hours);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.error().field, "hours");
  }
}

TEST_P(FlowsStoreTest, AbandonedRunsAreRunningOnesWhoseLeaseExpired) {
  const int64_t flow = Create(MakeFlow("ws-1", "f")).id;
  auto replay = [&](TimePoint lease, const std::string& status) {
    FlowExecution e = Automatic("ws-1", flow, AppendWebhook("ws-1", "{}"), kT0);
    e.trigger = "replay";
    e.status = status;
    e.lease_expires_at = lease;
    return store_->CreateExecution(e)->id;
  };
  const int64_t expired = replay(kT0 + seconds(10), "running");
  replay(kT0 + seconds(100), "running");
  replay(kT0 + seconds(10), "success");
  auto abandoned = store_->ListAbandonedExecutions(kT0 + seconds(50), 10);
  ASSERT_TRUE(abandoned);
  ASSERT_EQ(abandoned->size(), 1u);
  EXPECT_EQ(abandoned->front().id, expired);
  EXPECT_EQ(abandoned->front().lease_expires_at, kT0 + seconds(10));
  // Finished, it leaves the list.
  ASSERT_TRUE(store_->UpdateExecution(
      "ws-1", expired, ExecutionProgress{"unknown", 0, "x", "{}", kT0, std::nullopt}));
  EXPECT_TRUE(store_->ListAbandonedExecutions(kT0 + seconds(50), 10)->empty());
}

TEST_P(FlowsStoreTest, AnEmptyCacheHasNoEntity) {
  auto found = store_->FindCachedEntity("ws-1", "project", "p1");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_FALSE(*found);
}

INSTANTIATE_TEST_SUITE_P(Backends, FlowsStoreTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<BackendFactory>& test_info) {
                           return test_info.param.name;
                         });

// The cache is filled by the bootstrap; here rows are written with SQLite directly.
TEST(SqliteFlowsStoreTest, FindCachedEntityReadsTheWorkspacesEntity) {
  TempDir dir;
  const std::string path = (dir.path() / "uwh.db").string();
  auto store = OpenStore("sqlite:///" + path, true);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->Migrate());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "INSERT INTO universal_webhook_entity_cache (workspace_id, entity_type, "
                   "entity_id, data_json, fetched_at) VALUES "
                   "('ws-1','project','p1','{\"name\":\"Internal\"}','2026-01-01T00:00:00.000Z'),"
                   "('ws-2','project','p1','{\"name\":\"Other\"}','2026-01-01T00:00:00.000Z')",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto found = (*store)->FindCachedEntity("ws-1", "project", "p1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found);
  EXPECT_EQ(**found, R"({"name":"Internal"})");
  EXPECT_FALSE(*(*store)->FindCachedEntity("ws-1", "task", "p1"));
}

}  // namespace
}  // namespace uwh::store
