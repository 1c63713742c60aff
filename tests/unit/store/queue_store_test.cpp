// The webhook-queue part of the Store contract: per-workspace leases and taking webhooks in
// order, written against the interface so that every backend runs it.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store_test_support.hpp"

namespace uwh::store {
namespace {

using std::chrono::seconds;

const seconds kLease{30};

class QueueStoreTest : public MigratedStoreTest {
 protected:
  // A webhook of an installed workspace (every accepted webhook has one).
  int64_t Append(const std::string& ws, const std::string& status = "received") {
    if (installed_.insert(ws).second) {
      Installation in;
      in.workspace_id = ws;
      EXPECT_TRUE(store_->UpsertInstallation(in));
    }
    NewWebhook w;
    w.workspace_id = ws;
    w.event_type = "NEW_TIME_ENTRY";
    w.source = "CLOCKIFY";
    w.payload = R"({"n":)" + std::to_string(++counter_) + "}";
    w.status = status;
    w.received_at = kT0;
    auto out = store_->AppendWebhooks(std::span<const NewWebhook>(&w, 1));
    EXPECT_TRUE(out) << out.error().message;
    return out ? out->front().id : 0;
  }

  std::optional<std::string> Claim(const std::string& owner, TimePoint now) {
    auto claimed = store_->ClaimQueueWorkspace(owner, now, now + kLease);
    EXPECT_TRUE(claimed) << claimed.error().message;
    return claimed ? *claimed : std::nullopt;
  }

  std::vector<WebhookRecord> Take(const std::string& ws, const std::string& owner, TimePoint now,
                                  int max = 10) {
    auto taken = store_->TakeQueuedWebhooks(ws, owner, now, now + kLease, max);
    EXPECT_TRUE(taken) << taken.error().message;
    return taken ? *taken : std::vector<WebhookRecord>{};
  }

  static std::vector<int64_t> Ids(const std::vector<WebhookRecord>& rows) {
    std::vector<int64_t> out;
    for (const auto& r : rows) out.push_back(r.id);
    return out;
  }

  // Finishes `done` as processed and returns `untouched`; how many of `done` were finished.
  int Finish(const std::string& ws, const std::string& owner, std::vector<int64_t> done,
             std::vector<int64_t> untouched, TimePoint now) {
    std::vector<QueueCompletion> completions;
    for (int64_t id : done) completions.push_back({id, "processed", ""});
    auto finished = store_->FinishQueuedWebhooks(ws, owner, completions, untouched, now);
    EXPECT_TRUE(finished) << finished.error().message;
    return finished ? *finished : -1;
  }

  std::set<std::string> installed_;
  int counter_ = 0;
};

TEST_P(QueueStoreTest, NothingToClaimOnAnEmptyQueue) {
  EXPECT_FALSE(Claim("a/0", kT0));
  Append("ws-1", "skipped_inactive");  // never consumed
  EXPECT_FALSE(Claim("a/0", kT0));
  EXPECT_EQ(store_->CountQueuedWebhooks().value(), 0);
}

TEST_P(QueueStoreTest, TheWorkspaceWaitingLongestIsClaimedFirstAndOnlyByOne) {
  Append("ws-b");
  Append("ws-a");
  Append("ws-b");
  EXPECT_EQ(store_->CountQueuedWebhooks().value(), 3);
  EXPECT_EQ(Claim("a/0", kT0), "ws-b");
  // ws-b is held: the next worker gets the other workspace, a third one nothing.
  EXPECT_EQ(Claim("a/1", kT0), "ws-a");
  EXPECT_FALSE(Claim("b/0", kT0 + seconds(1)));
  // An expired lease is free again.
  EXPECT_EQ(Claim("b/0", kT0 + kLease), "ws-b");
}

TEST_P(QueueStoreTest, WebhooksAreTakenOldestFirstInBatchesOnlyUnderTheLease) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Append("ws-1"));
  Append("ws-2");
  EXPECT_TRUE(Take("ws-1", "a/0", kT0).empty());  // no lease yet
  ASSERT_EQ(Claim("a/0", kT0), "ws-1");
  EXPECT_TRUE(Take("ws-1", "a/1", kT0).empty());  // another worker's lease

  auto batch = Take("ws-1", "a/0", kT0, 3);
  EXPECT_EQ(Ids(batch), (std::vector<int64_t>{ids[0], ids[1], ids[2]}));
  for (const auto& row : batch) {
    EXPECT_EQ(row.status, "processing");
    EXPECT_EQ(row.attempts, 1);
    EXPECT_EQ(row.workspace_id, "ws-1");
  }
  EXPECT_EQ(batch[0].payload, R"({"n":1})");
  // Two consumed, the third handed back untouched.
  EXPECT_EQ(Finish("ws-1", "a/0", {ids[0], ids[1]}, {ids[2]}, kT0 + seconds(1)), 2);
  auto done = store_->GetWebhook("ws-1", ids[0]);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, "processed");
  EXPECT_EQ(done->processed_at, kT0 + seconds(1));
  EXPECT_EQ(done->flows_matched, 0);
  auto back = store_->GetWebhook("ws-1", ids[2]);
  EXPECT_EQ(back->status, "received");
  EXPECT_EQ(back->attempts, 0);

  auto next = Take("ws-1", "a/0", kT0 + seconds(1));
  EXPECT_EQ(Ids(next), (std::vector<int64_t>{ids[2], ids[3], ids[4]}));
  EXPECT_EQ(Finish("ws-1", "a/0", Ids(next), {}, kT0 + seconds(2)), 3);
  EXPECT_TRUE(Take("ws-1", "a/0", kT0 + seconds(2)).empty());
  EXPECT_EQ(store_->CountQueuedWebhooks().value(), 1);  // ws-2's
}

TEST_P(QueueStoreTest, ACrashedHoldersBatchIsTakenUpOneByOneByTheNextHolder) {
  const int64_t first = Append("ws-1");
  const int64_t second = Append("ws-1");
  const int64_t later = Append("ws-1");
  ASSERT_EQ(Claim("dead/0", kT0), "ws-1");
  ASSERT_EQ(Take("ws-1", "dead/0", kT0, 2).size(), 2u);
  // The holder dies: nobody renews. While the lease lives, nobody else gets the workspace.
  EXPECT_FALSE(Claim("new/0", kT0 + seconds(29)));
  ASSERT_EQ(Claim("new/0", kT0 + kLease), "ws-1");
  // What was in hand comes back one at a time, each attempt counted, before anything newer.
  auto again = Take("ws-1", "new/0", kT0 + kLease);
  ASSERT_EQ(Ids(again), std::vector<int64_t>{first});
  EXPECT_EQ(again[0].attempts, 2);
  // The old holder, were it alive after all, finishes nothing any more.
  EXPECT_EQ(Finish("ws-1", "dead/0", {first, second}, {}, kT0 + kLease), 0);
  EXPECT_FALSE(store_->RenewQueueLease("ws-1", "dead/0", kT0 + seconds(90)).value());
  EXPECT_EQ(Finish("ws-1", "new/0", {first}, {}, kT0 + kLease), 1);
  auto then = Take("ws-1", "new/0", kT0 + kLease);
  ASSERT_EQ(Ids(then), std::vector<int64_t>{second});
  EXPECT_EQ(then[0].attempts, 2);
  EXPECT_EQ(Finish("ws-1", "new/0", {second}, {}, kT0 + kLease), 1);
  auto rest = Take("ws-1", "new/0", kT0 + kLease);
  ASSERT_EQ(Ids(rest), std::vector<int64_t>{later});
  EXPECT_EQ(rest[0].attempts, 1);
}

TEST_P(QueueStoreTest, RenewKeepsAndReleaseFreesTheLease) {
  Append("ws-1");
  ASSERT_EQ(Claim("a/0", kT0), "ws-1");
  EXPECT_TRUE(store_->RenewQueueLease("ws-1", "a/0", kT0 + seconds(60)).value());
  EXPECT_FALSE(Claim("b/0", kT0 + seconds(45)));
  ASSERT_TRUE(store_->ReleaseQueueLease("ws-1", "a/0", kT0 + seconds(46)));
  EXPECT_FALSE(Claim("b/0", kT0 + seconds(45)));  // released for later: a backoff
  EXPECT_EQ(Claim("b/0", kT0 + seconds(46)), "ws-1");
}

TEST_P(QueueStoreTest, ErrorsAndFlowsMatchedAreRecorded) {
  const int64_t id = Append("ws-1");
  const int64_t other = Append("ws-1");
  // Two flows matched the first webhook (their automatic executions), and one was replayed.
  Flow flow;
  flow.workspace_id = "ws-1";
  flow.name = "f";
  flow.trigger_event_type = "*";
  for (int i = 0; i < 2; ++i) {
    auto f = store_->CreateFlow(flow);
    ASSERT_TRUE(f);
    FlowExecution e;
    e.workspace_id = "ws-1";
    e.flow_id = f->id;
    e.webhook_log_id = id;
    e.started_at = kT0;
    ASSERT_TRUE(store_->BeginAutomaticExecution(e));
    e.trigger = "replay";
    ASSERT_TRUE(store_->CreateExecution(e));
  }
  ASSERT_EQ(Claim("a/0", kT0), "ws-1");
  ASSERT_EQ(Take("ws-1", "a/0", kT0).size(), 2u);
  const std::vector<QueueCompletion> done = {{id, "error", "cache: boom"},
                                             {other, "processed", ""}};
  auto finished = store_->FinishQueuedWebhooks("ws-1", "a/0", done, {}, kT0);
  ASSERT_TRUE(finished);
  EXPECT_EQ(*finished, 2);
  auto row = store_->GetWebhook("ws-1", id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "error");
  EXPECT_EQ(row->error_message, "cache: boom");
  EXPECT_EQ(row->flows_matched, 2);
  EXPECT_EQ(store_->GetWebhook("ws-1", other)->flows_matched, 0);
  const std::vector<QueueCompletion> bad = {{id, "received", ""}};
  EXPECT_EQ(store_->FinishQueuedWebhooks("ws-1", "a/0", bad, {}, kT0).error().field, "status");
}

TEST_P(QueueStoreTest, ManyWorkersClaimDistinctWorkspaces) {
  for (int w = 0; w < 6; ++w) Append("ws-" + std::to_string(w));
  std::set<std::string> claimed;
  for (int worker = 0; worker < 8; ++worker) {
    if (auto ws = Claim("i/" + std::to_string(worker), kT0)) {
      EXPECT_TRUE(claimed.insert(*ws).second) << *ws << " claimed twice";
    }
  }
  EXPECT_EQ(claimed.size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueStoreTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<BackendFactory>& test_info) {
                           return test_info.param.name;
                         });

TEST_F(SqliteQueryPlanTest, TheQueueSeeksEachWorkspacesOldestWebhookInAnIndex) {
  const auto sqls = SqliteStore::QueueSqlForTest();
  ASSERT_EQ(sqls.size(), 4u);
  const std::string seek_p =
      "SEARCH p USING COVERING INDEX ix_universal_webhook_log_workspace_id_status_id "
      "(workspace_id=? AND status=?)";
  const std::string seek_r =
      "SEARCH r USING COVERING INDEX ix_universal_webhook_log_workspace_id_status_id "
      "(workspace_id=? AND status=?)";
  // Claiming and taking: index seeks per workspace, whatever the backlog.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {sqls[0], {seek_p, seek_r}}, {sqls[1], {seek_p}}, {sqls[2], {seek_r}}};
  for (const auto& [sql, seeks] : cases) {
    const auto plan = Plan(sql);
    const std::string text = Join(plan);
    for (const std::string& seek : seeks) {
      EXPECT_NE(text.find(seek), std::string::npos) << sql << "\n" << text;
    }
    for (const auto& line : plan) {
      EXPECT_FALSE(line.starts_with("SCAN universal_webhook_log") || line.starts_with("SCAN p") ||
                   line.starts_with("SCAN r"))
          << text;
    }
  }
  const std::string count = Join(Plan(sqls[3]));
  // The seed's (status) index, which in SQLite is (status, id).
  EXPECT_NE(count.find("SEARCH universal_webhook_log USING COVERING INDEX "
                       "ix_universal_webhook_log_status (status=?)"),
            std::string::npos)
      << count;
}

}  // namespace
}  // namespace uwh::store
