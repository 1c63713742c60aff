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

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kT0 = TimePoint(seconds(1'767'225'600)) + milliseconds(123);
const seconds kLease{30};

class QueueStoreTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    if (!backend_) GTEST_SKIP() << GetParam().name << " is not available";
    auto store = backend_->Open();
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
  }

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

  std::optional<WebhookRecord> Take(const std::string& ws, const std::string& owner,
                                    TimePoint now) {
    auto taken = store_->TakeQueuedWebhook(ws, owner, now, now + kLease);
    EXPECT_TRUE(taken) << taken.error().message;
    return taken ? *taken : std::nullopt;
  }

  bool Complete(const std::string& ws, int64_t id, const std::string& owner, TimePoint now) {
    auto done = store_->CompleteQueuedWebhook(ws, id, owner, {"processed", ""}, now);
    EXPECT_TRUE(done) << done.error().message;
    return done && *done;
  }

  std::unique_ptr<StoreBackend> backend_;
  std::unique_ptr<Store> store_;
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

TEST_P(QueueStoreTest, WebhooksAreTakenOldestFirstOnlyUnderTheLease) {
  const int64_t first = Append("ws-1");
  const int64_t second = Append("ws-1");
  Append("ws-2");
  EXPECT_FALSE(Take("ws-1", "a/0", kT0));  // no lease yet
  ASSERT_EQ(Claim("a/0", kT0), "ws-1");
  EXPECT_FALSE(Take("ws-1", "a/1", kT0));  // another worker's lease

  auto row = Take("ws-1", "a/0", kT0);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->id, first);
  EXPECT_EQ(row->status, "processing");
  EXPECT_EQ(row->attempts, 1);
  EXPECT_EQ(row->payload, R"({"n":1})");
  // Until it is completed, the same row is the workspace's next one: order holds.
  auto again = Take("ws-1", "a/0", kT0);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, first);
  EXPECT_EQ(again->attempts, 2);

  ASSERT_TRUE(Complete("ws-1", first, "a/0", kT0 + seconds(1)));
  auto next = Take("ws-1", "a/0", kT0 + seconds(1));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, second);
  ASSERT_TRUE(Complete("ws-1", second, "a/0", kT0 + seconds(2)));
  EXPECT_FALSE(Take("ws-1", "a/0", kT0 + seconds(2)));

  auto done = store_->GetWebhook("ws-1", first);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, "processed");
  EXPECT_EQ(done->processed_at, kT0 + seconds(1));
  EXPECT_EQ(done->attempts, 2);
  EXPECT_EQ(store_->CountQueuedWebhooks().value(), 1);
}

TEST_P(QueueStoreTest, ACrashedHoldersRowIsTakenUpByTheNextHolder) {
  const int64_t id = Append("ws-1");
  ASSERT_EQ(Claim("dead/0", kT0), "ws-1");
  ASSERT_TRUE(Take("ws-1", "dead/0", kT0));
  // The holder dies: nobody renews. While the lease lives, nobody else gets the workspace.
  EXPECT_FALSE(Claim("new/0", kT0 + seconds(29)));
  ASSERT_EQ(Claim("new/0", kT0 + kLease), "ws-1");
  auto row = Take("ws-1", "new/0", kT0 + kLease);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->id, id);
  EXPECT_EQ(row->attempts, 2);
  // The old holder, if it were alive after all, can complete nothing any more.
  EXPECT_FALSE(Complete("ws-1", id, "dead/0", kT0 + kLease));
  EXPECT_FALSE(store_->RenewQueueLease("ws-1", "dead/0", kT0 + seconds(90)).value());
  EXPECT_TRUE(Complete("ws-1", id, "new/0", kT0 + kLease));
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
  ASSERT_EQ(Claim("a/0", kT0), "ws-1");
  ASSERT_TRUE(Take("ws-1", "a/0", kT0));
  ASSERT_TRUE(store_->SetWebhookFlowsMatched("ws-1", id, 3));
  auto done = store_->CompleteQueuedWebhook("ws-1", id, "a/0", {"error", "cache: boom"}, kT0);
  ASSERT_TRUE(done && *done);
  auto row = store_->GetWebhook("ws-1", id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "error");
  EXPECT_EQ(row->error_message, "cache: boom");
  EXPECT_EQ(row->flows_matched, 3);
  EXPECT_EQ(store_->CompleteQueuedWebhook("ws-1", id, "a/0", {"received", ""}, kT0).error().field,
            "status");
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
  ASSERT_EQ(sqls.size(), 3u);
  // Claiming and taking: index seeks per workspace, whatever the backlog.
  for (const std::string& sql : {sqls[0], sqls[1]}) {
    const auto plan = Plan(sql);
    const std::string text = Join(plan);
    EXPECT_NE(text.find("SEARCH p USING COVERING INDEX "
                        "ix_universal_webhook_log_workspace_id_status_id (workspace_id=? AND "
                        "status=?)"),
              std::string::npos)
        << sql << "\n"
        << text;
    EXPECT_NE(text.find("SEARCH r USING COVERING INDEX "
                        "ix_universal_webhook_log_workspace_id_status_id (workspace_id=? AND "
                        "status=?)"),
              std::string::npos)
        << text;
    for (const auto& line : plan) {
      EXPECT_FALSE(line.starts_with("SCAN universal_webhook_log") || line.starts_with("SCAN p") ||
                   line.starts_with("SCAN r"))
          << text;
    }
  }
  const std::string count = Join(Plan(sqls[2]));
  EXPECT_NE(count.find("SEARCH universal_webhook_log USING COVERING INDEX"), std::string::npos)
      << count;
}

}  // namespace
}  // namespace uwh::store
