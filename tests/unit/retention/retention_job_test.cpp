// The retention job over a real SQLite file, with time given by a ManualClock.
#include "retention/retention_job.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace uwh::retention {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

const auto kNow = std::chrono::system_clock::time_point(seconds(1'800'000'000));
constexpr auto kDay = hours(24);

class RetentionJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "uwh_retention_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/uwh.db";
    auto store = store::OpenStore("sqlite:///" + path_, true);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
  }
  void TearDown() override {
    job_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Install(const std::string& ws, const std::string& settings = "{}") {
    store::Installation in;
    in.workspace_id = ws;
    in.addon_token_ciphertext = "sealed";
    ASSERT_TRUE(store_->UpsertInstallation(in));
    ASSERT_TRUE(store_->UpdateSettings(ws, settings));
    ASSERT_TRUE(store_->EnsureBootstrapState(ws));
  }

  RetentionJob& Job(int batch_size = 2, int max_batches = 20) {
    RetentionOptions options;
    options.batch_size = batch_size;
    options.max_batches = max_batches;
    options.pause_between_batches = milliseconds(0);
    job_ = std::make_unique<RetentionJob>(options, *store_, defaults_, clock_,
                                          [this](const std::string& ws) {
                                            refreshed_.push_back(ws);
                                            return refresh_answer_;
                                          });
    return *job_;
  }

  // n webhooks received `age` ago with `status`; returns their ids.
  std::vector<int64_t> Webhooks(const std::string& ws, int n, std::chrono::hours age,
                                const std::string& status) {
    std::vector<store::NewWebhook> rows;
    for (int i = 0; i < n; ++i) {
      store::NewWebhook w;
      w.workspace_id = ws;
      w.event_type = "NEW_TAG";
      w.source = "CLOCKIFY";
      w.payload = "{\"n\":" + std::to_string(i) + "}";
      w.received_at = kNow - age;
      rows.push_back(w);
    }
    auto out = store_->AppendWebhooks(rows).value();
    std::vector<int64_t> ids;
    for (const auto& o : out) ids.push_back(o.id);
    if (status != "received") {
      Sql("UPDATE universal_webhook_log SET status = '" + status + "' WHERE id >= " +
          std::to_string(ids.front()) + " AND id <= " + std::to_string(ids.back()));
    }
    return ids;
  }

  void Executions(const std::string& ws, int n, std::chrono::hours age) {
    Sql("INSERT INTO universal_webhook_flow (id, workspace_id, name, trigger_event_type, "
        "created_at, updated_at) VALUES (1, 'ws-1', 'f', 'NEW_TAG', 'x', 'x') "
        "ON CONFLICT DO NOTHING");
    for (int i = 0; i < n; ++i) {
      Sql("INSERT INTO universal_webhook_flow_execution (workspace_id, flow_id, status, "
          "started_at) VALUES ('" +
          ws + "', 1, 'success', '" + FormatTimestamp(kNow - age) + "')");
    }
  }

  void Entities(const std::string& ws, int n, std::chrono::hours age, const std::string& prefix) {
    std::vector<store::CachedEntity> entities;
    for (int i = 0; i < n; ++i) {
      entities.push_back({"tag", prefix + std::to_string(i), "{}", kNow - age});
    }
    ASSERT_TRUE(store_->UpsertEntities(ws, entities));
  }

  int64_t Count(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    int64_t n = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }

  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string text = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << text;
  }

  // The bootstrap state of `ws`, completed `age` ago.
  void CompletedBootstrap(const std::string& ws, std::chrono::hours age) {
    const auto at = kNow - age;
    ASSERT_TRUE(store_->StartBootstrap(ws, {"instance", at - seconds(30), at}).value());
    ASSERT_TRUE(store_->FinishBootstrap(ws, "instance", "completed", "", at).value());
  }

  std::string dir_;
  std::string path_;
  ManualClock clock_{kNow};
  WorkspaceSettings defaults_;  // log 90 days, executions 30, cache ttl 7
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RetentionJob> job_;
  std::vector<std::string> refreshed_;
  bool refresh_answer_ = true;
};

TEST_F(RetentionJobTest, DeletesFinishedWebhooksOlderThanTheWorkspacesRetention) {
  Install("ws-1");  // default: 90 days
  Install("ws-2", R"({"webhooks.webhook_log_retention_days":10})");
  Webhooks("ws-1", 3, 91 * 24h, "processed");   // old, finished: deleted
  Webhooks("ws-1", 2, 91 * 24h, "error");       // old, finished: deleted
  Webhooks("ws-1", 2, 91 * 24h, "received");    // waiting for the queue: kept
  Webhooks("ws-1", 2, 91 * 24h, "processing");  // claimed by a worker: kept
  Webhooks("ws-1", 3, 89 * 24h, "processed");   // within 90 days: kept
  Webhooks("ws-2", 4, 11 * 24h, "processed");   // older than ws-2's 10 days
  Webhooks("ws-2", 1, 9 * 24h, "processed");

  auto pass = Job().RunOnce();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->webhooks_deleted, 9);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_log WHERE workspace_id = 'ws-1'"), 7);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_log WHERE workspace_id = 'ws-1' AND "
                  "status IN ('received', 'processing')"),
            4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_log WHERE workspace_id = 'ws-2'"), 1);
  // Nothing more to do.
  EXPECT_EQ(Job().RunOnce().value().webhooks_deleted, 0);
  // Time passes: the rest ages out.
  clock_.Advance(2 * kDay);
  EXPECT_EQ(Job().RunOnce().value().webhooks_deleted, 3 + 1);
}

TEST_F(RetentionJobTest, DeletesOldExecutionsByStartTime) {
  Install("ws-1", R"({"flows.flow_execution_retention_days":5})");
  Executions("ws-1", 3, 6 * 24h);
  Executions("ws-1", 2, 4 * 24h);
  auto pass = Job().RunOnce();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->executions_deleted, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_flow_execution"), 2);
}

TEST_F(RetentionJobTest, WorksInSmallBatchesAndLeavesTheRestForTheNextPass) {
  Install("ws-1");
  Webhooks("ws-1", 7, 100 * 24h, "processed");
  auto pass = Job(/*batch_size=*/2, /*max_batches=*/3).RunOnce();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->webhooks_deleted, 6);
  EXPECT_EQ(Job(2, 3).RunOnce().value().webhooks_deleted, 1);
}

TEST_F(RetentionJobTest, PurgesCacheEntriesOlderThanTheTtl) {
  Install("ws-1", R"({"data.cache_ttl_days":3,"bootstrap.run_on_install":false})");
  Entities("ws-1", 5, 4 * 24h, "old-");
  Entities("ws-1", 2, 2 * 24h, "new-");
  CompletedBootstrap("ws-1", 4 * 24h);  // stale, but automatic runs are off: purge
  auto pass = Job().RunOnce();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->entities_purged, 5);
  EXPECT_EQ(pass->refreshes_started, 0);
  EXPECT_TRUE(refreshed_.empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_entity_cache"), 2);
}

TEST_F(RetentionJobTest, RefreshesAStaleCacheInsteadOfPurgingIt) {
  Install("ws-1");  // ttl 7 days, run_on_install true
  Entities("ws-1", 3, 8 * 24h, "old-");
  CompletedBootstrap("ws-1", 8 * 24h);
  auto pass = Job().RunOnce();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->refreshes_started, 1);
  EXPECT_EQ(pass->entities_purged, 0);
  EXPECT_EQ(refreshed_, std::vector<std::string>{"ws-1"});
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_entity_cache"), 3);

  // A refresh that could not start: purge.
  refresh_answer_ = false;
  EXPECT_EQ(Job().RunOnce().value().entities_purged, 3);
}

TEST_F(RetentionJobTest, LeavesTheCacheAloneWhileABootstrapRuns) {
  Install("ws-1");
  Entities("ws-1", 3, 8 * 24h, "old-");
  ASSERT_TRUE(store_->StartBootstrap("ws-1", {"instance", kNow, kNow + seconds(15)}).value());
  auto pass = Job().RunOnce();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->entities_purged, 0);
  EXPECT_TRUE(refreshed_.empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_entity_cache"), 3);
}

TEST_F(RetentionJobTest, ARecentBootstrapMeansOnlyOldLeftoversArePurged) {
  Install("ws-1");
  Entities("ws-1", 2, 8 * 24h, "leftover-");  // e.g. old time entries brought by webhooks
  Entities("ws-1", 4, 1 * 24h, "fresh-");
  CompletedBootstrap("ws-1", 1 * 24h);
  auto pass = Job().RunOnce();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->refreshes_started, 0);
  EXPECT_EQ(pass->entities_purged, 2);
}

TEST_F(RetentionJobTest, StartRunsPassesInTheBackgroundAndStopEndsThem) {
  Install("ws-1");
  Webhooks("ws-1", 3, 100 * 24h, "processed");
  RetentionOptions options;
  options.first_run = milliseconds(1);
  options.interval = milliseconds(5);
  RetentionJob job(options, *store_, defaults_, clock_, nullptr);
  job.Start();
  for (int i = 0; i < 500; ++i) {
    if (Count("SELECT COUNT(*) FROM universal_webhook_log") == 0) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  job.Stop();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM universal_webhook_log"), 0);
}

}  // namespace
}  // namespace uwh::retention
