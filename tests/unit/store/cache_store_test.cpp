// The Store's bootstrap area (entity cache, bootstrap runs and their leases, checkpoints) and
// its retention deletes, written against the interface so that every backend runs them.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "store/store.hpp"
#include "store_test_support.hpp"

namespace uwh::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class CacheStoreTest : public StoreTest {
 protected:
  static CachedEntity Entity(const std::string& type, const std::string& id,
                             const std::string& data, TimePoint fetched_at = kT0) {
    return CachedEntity{type, id, data, fetched_at};
  }

  void Upsert(const std::string& ws, std::vector<CachedEntity> entities) {
    auto r = store_->UpsertEntities(ws, entities);
    ASSERT_TRUE(r) << r.error().message;
  }

  std::vector<std::string> Ids(const std::string& ws, const std::string& type) {
    auto page = store_->ListEntities(ws, type, std::nullopt, 500);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> out;
    if (page) {
      for (const auto& e : page->items) out.push_back(e.entity_id);
    }
    return out;
  }

  static BootstrapLease Lease(const std::string& owner, TimePoint now,
                              seconds duration = seconds(15)) {
    return BootstrapLease{owner, now, now + duration};
  }

  static BootstrapCheckpoint Checkpoint(const std::string& endpoint, const std::string& status,
                                        int next_page = 1) {
    BootstrapCheckpoint c;
    c.endpoint = endpoint;
    c.operation_id = endpoint.substr(0, endpoint.find('/'));
    c.entity_type = "tag";
    c.status = status;
    c.next_page = next_page;
    return c;
  }
};

// ---- Entity cache ----

TEST_P(CacheStoreTest, UpsertInsertsThenReplacesByWorkspaceTypeAndId) {
  Upsert("ws-1",
         {Entity("project", "p1", R"({"name":"A"})"), Entity("project", "p2", R"({"name":"B"})"),
          Entity("task", "p1", R"({"name":"same id, other type"})")});
  Upsert("ws-2", {Entity("project", "p1", R"({"name":"other workspace"})")});
  Upsert("ws-1", {Entity("project", "p1", R"({"name":"A2"})", kT0 + seconds(5))});

  auto p1 = store_->GetEntity("ws-1", "project", "p1");
  ASSERT_TRUE(p1) << p1.error().message;
  EXPECT_EQ(p1->data_json, R"({"name":"A2"})");
  EXPECT_EQ(p1->fetched_at, kT0 + seconds(5));
  EXPECT_EQ(store_->GetEntity("ws-1", "task", "p1").value().data_json,
            R"({"name":"same id, other type"})");
  EXPECT_EQ(store_->GetEntity("ws-2", "project", "p1").value().data_json,
            R"({"name":"other workspace"})");
  EXPECT_EQ(store_->GetEntity("ws-1", "project", "p3").error().kind, ErrorCode::kNotFound);

  auto counts = store_->CountEntitiesByType("ws-1");
  ASSERT_TRUE(counts);
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].key, "project");
  EXPECT_EQ((*counts)[0].count, 2);
  EXPECT_EQ((*counts)[1].key, "task");
  EXPECT_EQ((*counts)[1].count, 1);
}

TEST_P(CacheStoreTest, UpsertOfABadBatchWritesNothing) {
  auto r = store_->UpsertEntities("ws-1", std::vector<CachedEntity>{Entity("project", "p1", "{}"),
                                                                    Entity("project", "", "{}")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, "entities[1]");
  EXPECT_TRUE(Ids("ws-1", "project").empty());
}

// Both backends alike: PostgreSQL's TEXT cannot hold NUL, so neither stores it.
TEST_P(CacheStoreTest, UnstorableTextInAnEntityIsRefusedAndWritesNothing) {
  const std::string nul_id("a\0b", 3);
  for (const CachedEntity& bad :
       {Entity("project", nul_id, "{}"), Entity("project", "p2", std::string("{\"x\":\"\xff\"}")),
        Entity(std::string("pro\0ject", 8), "p3", "{}")}) {
    auto r = store_->UpsertEntities("ws-1", std::vector<CachedEntity>{Entity("project", "p1", "{}"),
                                                                      bad});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "entities[1]");
  }
  EXPECT_TRUE(Ids("ws-1", "project").empty());
}

TEST_P(CacheStoreTest, DeleteSaysWhetherThereWasOne) {
  Upsert("ws-1", {Entity("project", "p1", "{}")});
  EXPECT_FALSE(store_->DeleteEntity("ws-2", "project", "p1").value());
  EXPECT_TRUE(store_->DeleteEntity("ws-1", "project", "p1").value());
  EXPECT_FALSE(store_->DeleteEntity("ws-1", "project", "p1").value());
  EXPECT_TRUE(Ids("ws-1", "project").empty());
}

TEST_P(CacheStoreTest, ListPagesByIdWithACursor) {
  std::vector<CachedEntity> many;
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    const std::string id = "id-" + std::string(1, static_cast<char>('a' + i));
    many.push_back(Entity("tag", id, "{}"));
    expected.push_back(id);
  }
  std::reverse(many.begin(), many.end());  // insertion order is not the listing order
  Upsert("ws-1", many);
  Upsert("ws-1", {Entity("client", "id-0", "{}")});

  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    auto page = store_->ListEntities("ws-1", "tag", cursor, 10);
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    for (const auto& e : page->items) seen.push_back(e.entity_id);
    cursor = page->next_after_id;
  } while (cursor);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, expected);

  EXPECT_EQ(store_->ListEntities("ws-1", "tag", std::nullopt, 0).error().field, "limit");
  EXPECT_EQ(store_->ListEntities("ws-1", "tag", std::nullopt, 501).error().field, "limit");
}

TEST_P(CacheStoreTest, IdsFetchedSinceAndSweepOfOneType) {
  Upsert("ws-1",
         {Entity("project", "old", "{}", kT0), Entity("project", "new", "{}", kT0 + seconds(10)),
          Entity("client", "old", "{}", kT0)});
  EXPECT_EQ(store_->ListEntityIds("ws-1", "project", kT0 + seconds(10)).value(),
            std::vector<std::string>{"new"});
  EXPECT_EQ(store_->ListEntityIds("ws-1", "project", kT0).value(),
            (std::vector<std::string>{"new", "old"}));

  EXPECT_EQ(store_->DeleteEntitiesFetchedBefore("ws-1", "project", kT0 + seconds(10)).value(), 1);
  EXPECT_EQ(Ids("ws-1", "project"), std::vector<std::string>{"new"});
  EXPECT_EQ(Ids("ws-1", "client"), std::vector<std::string>{"old"});
}

TEST_P(CacheStoreTest, PurgeDeletesTheOldestInBatches) {
  std::vector<CachedEntity> entities;
  for (int i = 0; i < 7; ++i) {
    entities.push_back(Entity("tag", "t" + std::to_string(i), "{}", kT0 + seconds(i)));
  }
  Upsert("ws-1", entities);
  Upsert("ws-2", {Entity("tag", "t0", "{}", kT0)});
  const TimePoint cutoff = kT0 + seconds(5);  // t0…t4 are older
  EXPECT_EQ(store_->PurgeEntitiesFetchedBefore("ws-1", cutoff, 3).value(), 3);
  EXPECT_EQ(Ids("ws-1", "tag"), (std::vector<std::string>{"t3", "t4", "t5", "t6"}));
  EXPECT_EQ(store_->PurgeEntitiesFetchedBefore("ws-1", cutoff, 3).value(), 2);
  EXPECT_EQ(store_->PurgeEntitiesFetchedBefore("ws-1", cutoff, 3).value(), 0);
  EXPECT_EQ(Ids("ws-1", "tag"), (std::vector<std::string>{"t5", "t6"}));
  EXPECT_EQ(Ids("ws-2", "tag"), std::vector<std::string>{"t0"});
}

// ---- Bootstrap runs ----

TEST_P(CacheStoreTest, StartClaimsAFreshRunAndRefusesWhileAnotherLeaseHolds) {
  ASSERT_TRUE(store_->EnsureBootstrapState("ws-1"));
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("a", kT0)).value());
  auto state = store_->GetBootstrapState("ws-1").value();
  EXPECT_EQ(state.status, "in_progress");
  EXPECT_EQ(state.claimed_by, "a");
  EXPECT_EQ(state.started_at, kT0);
  EXPECT_EQ(state.lease_expires_at, kT0 + seconds(15));

  // Another instance, while a's lease holds: refused, nothing changed.
  EXPECT_FALSE(store_->StartBootstrap("ws-1", Lease("b", kT0 + seconds(14))).value());
  EXPECT_FALSE(store_->ResumeBootstrap("ws-1", Lease("b", kT0 + seconds(14))).value());
  EXPECT_EQ(store_->GetBootstrapState("ws-1").value().claimed_by, "a");
  // The owner itself may start over.
  EXPECT_TRUE(store_->StartBootstrap("ws-1", Lease("a", kT0 + seconds(1))).value());
  // Once the lease expired, another may take it.
  EXPECT_TRUE(store_->StartBootstrap("ws-1", Lease("b", kT0 + seconds(17))).value());
  EXPECT_EQ(store_->GetBootstrapState("ws-1").value().claimed_by, "b");
}

TEST_P(CacheStoreTest, StartCreatesTheStateAndClearsTheLastRun) {
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("a", kT0)).value());
  ASSERT_TRUE(store_->CommitBootstrapProgress("ws-1", Lease("a", kT0),
                                              std::vector{Checkpoint("getTags", "done", 3)}, {}));
  ASSERT_TRUE(store_->UpdateBootstrapProgress("ws-1", "a", 10, 4, 40).value());
  ASSERT_TRUE(
      store_->FinishBootstrap("ws-1", "a", "error", "getLoggedUser answered 500", kT0 + seconds(2))
          .value());
  auto failed = store_->GetBootstrapState("ws-1").value();
  EXPECT_EQ(failed.status, "error");
  EXPECT_EQ(failed.error_message, "getLoggedUser answered 500");
  EXPECT_EQ(failed.completed_at, kT0 + seconds(2));
  EXPECT_EQ(failed.claimed_by, "");
  EXPECT_FALSE(failed.lease_expires_at.has_value());

  // A finished run is free for anyone at once.
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("b", kT0 + seconds(3))).value());
  auto fresh = store_->GetBootstrapState("ws-1").value();
  EXPECT_EQ(fresh.status, "in_progress");
  EXPECT_EQ(fresh.progress, 0);
  EXPECT_EQ(fresh.total_endpoints, 0);
  EXPECT_EQ(fresh.completed_endpoints, 0);
  EXPECT_EQ(fresh.error_message, "");
  EXPECT_EQ(fresh.started_at, kT0 + seconds(3));
  EXPECT_FALSE(fresh.completed_at.has_value());
  EXPECT_TRUE(store_->ListBootstrapCheckpoints("ws-1").value().empty());
}

TEST_P(CacheStoreTest, AnInterruptedRunIsResumableOnceItsLeaseExpires) {
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("dead", kT0)).value());
  ASSERT_TRUE(store_->StartBootstrap("ws-2", Lease("alive", kT0)).value());
  ASSERT_TRUE(store_->CommitBootstrapProgress(
      "ws-1", Lease("dead", kT0), std::vector{Checkpoint("getTags", "pending", 2)}, {}));

  EXPECT_TRUE(store_->ListResumableBootstraps(kT0 + seconds(10)).value().empty());
  ASSERT_TRUE(store_->RenewBootstrapLease("ws-2", Lease("alive", kT0 + seconds(10))).value());
  EXPECT_EQ(store_->ListResumableBootstraps(kT0 + seconds(16)).value(),
            std::vector<std::string>{"ws-1"});

  ASSERT_TRUE(store_->ResumeBootstrap("ws-1", Lease("next", kT0 + seconds(16))).value());
  auto state = store_->GetBootstrapState("ws-1").value();
  EXPECT_EQ(state.claimed_by, "next");
  EXPECT_EQ(state.status, "in_progress");
  EXPECT_EQ(state.started_at, kT0);  // the run goes on: same start, same checkpoints
  auto checkpoints = store_->ListBootstrapCheckpoints("ws-1").value();
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_EQ(checkpoints[0].next_page, 2);
  // The old owner has lost it.
  EXPECT_FALSE(store_->RenewBootstrapLease("ws-1", Lease("dead", kT0 + seconds(17))).value());
  EXPECT_FALSE(store_->UpdateBootstrapProgress("ws-1", "dead", 5, 1, 20).value());
  EXPECT_FALSE(store_->FinishBootstrap("ws-1", "dead", "completed", "", kT0).value());
  EXPECT_TRUE(store_->ListResumableBootstraps(kT0 + seconds(17)).value().empty());
}

TEST_P(CacheStoreTest, ReleaseMakesTheRunResumableAtOnce) {
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("a", kT0)).value());
  EXPECT_FALSE(store_->ReleaseBootstrapLease("ws-1", "b", kT0 + seconds(1)).value());
  ASSERT_TRUE(store_->ReleaseBootstrapLease("ws-1", "a", kT0 + seconds(1)).value());
  EXPECT_EQ(store_->ListResumableBootstraps(kT0 + seconds(2)).value(),
            std::vector<std::string>{"ws-1"});
  EXPECT_EQ(store_->GetBootstrapState("ws-1").value().status, "in_progress");
}

TEST_P(CacheStoreTest, ResumeNeedsARunInProgress) {
  ASSERT_TRUE(store_->EnsureBootstrapState("ws-1"));
  EXPECT_FALSE(store_->ResumeBootstrap("ws-1", Lease("a", kT0)).value());
  EXPECT_EQ(store_->GetBootstrapState("ws-1").value().status, "pending");
  EXPECT_FALSE(store_->ResumeBootstrap("never-installed", Lease("a", kT0)).value());
}

TEST_P(CacheStoreTest, CommitWritesEntitiesAndCheckpointsTogetherOnlyForTheOwner) {
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("a", kT0)).value());
  BootstrapCheckpoint page1 = Checkpoint("getTags", "pending", 2);
  page1.pages = 1;
  page1.items = 2;
  ASSERT_TRUE(store_->CommitBootstrapProgress(
      "ws-1", Lease("a", kT0 + seconds(1), seconds(30)), std::vector{page1},
      std::vector{Entity("tag", "t1", "{}"), Entity("tag", "t2", "{}")}));
  EXPECT_EQ(Ids("ws-1", "tag"), (std::vector<std::string>{"t1", "t2"}));
  // The commit renewed the lease.
  EXPECT_EQ(store_->GetBootstrapState("ws-1").value().lease_expires_at, kT0 + seconds(31));

  // Replaced by endpoint, not added; a per-parent row keeps its parent.
  BootstrapCheckpoint done = page1;
  done.status = "done";
  done.next_page = 3;
  BootstrapCheckpoint child = Checkpoint("getTasks/projectId=p1", "skipped");
  child.parent_id = "p1";
  child.status_code = 403;
  child.error_message = "getTasks answered 403";
  ASSERT_TRUE(store_->CommitBootstrapProgress("ws-1", Lease("a", kT0 + seconds(2)),
                                              std::vector{done, child}, {}));
  auto rows = store_->ListBootstrapCheckpoints("ws-1").value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].endpoint, "getTags");
  EXPECT_EQ(rows[0].status, "done");
  EXPECT_EQ(rows[0].next_page, 3);
  EXPECT_EQ(rows[0].pages, 1);
  EXPECT_EQ(rows[0].items, 2);
  EXPECT_EQ(rows[0].status_code, 0);
  EXPECT_EQ(rows[1].endpoint, "getTasks/projectId=p1");
  EXPECT_EQ(rows[1].operation_id, "getTasks");
  EXPECT_EQ(rows[1].parent_id, "p1");
  EXPECT_EQ(rows[1].status, "skipped");
  EXPECT_EQ(rows[1].status_code, 403);
  EXPECT_EQ(rows[1].error_message, "getTasks answered 403");

  // Another instance took over: the old owner's page is not written at all.
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("b", kT0 + seconds(40))).value());
  auto lost = store_->CommitBootstrapProgress("ws-1", Lease("a", kT0 + seconds(41)),
                                              std::vector{Checkpoint("getClients", "done")},
                                              std::vector{Entity("client", "c1", "{}")});
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().kind, ErrorCode::kConflict);
  EXPECT_EQ(lost.error().code, "lease_lost");
  EXPECT_TRUE(Ids("ws-1", "client").empty());
  EXPECT_TRUE(store_->ListBootstrapCheckpoints("ws-1").value().empty());
}

TEST_P(CacheStoreTest, FinishTakesOnlyCompletedOrError) {
  ASSERT_TRUE(store_->StartBootstrap("ws-1", Lease("a", kT0)).value());
  auto bad = store_->FinishBootstrap("ws-1", "a", "pending", "", kT0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "status");
  ASSERT_TRUE(store_->UpdateBootstrapProgress("ws-1", "a", 24, 24, 100).value());
  ASSERT_TRUE(store_->FinishBootstrap("ws-1", "a", "completed", "", kT0 + seconds(9)).value());
  auto state = store_->GetBootstrapState("ws-1").value();
  EXPECT_EQ(state.status, "completed");
  EXPECT_EQ(state.progress, 100);
  EXPECT_EQ(state.total_endpoints, 24);
  EXPECT_EQ(state.completed_endpoints, 24);
  EXPECT_EQ(state.completed_at, kT0 + seconds(9));
}

// ---- Retention ----

TEST_P(CacheStoreTest, RetentionDeletesOnlyFinishedWebhooksOlderThanTheCutoff) {
  std::vector<NewWebhook> rows;
  for (int i = 0; i < 6; ++i) {
    NewWebhook w = MakeWebhook("ws-1", R"({"i":)" + std::to_string(i) + "}");
    w.received_at = kT0 + seconds(i);
    // Even rows wait for the queue; odd ones are finished (skipped_inactive never runs flows).
    w.status = i % 2 == 0 ? "received" : "skipped_inactive";
    rows.push_back(w);
  }
  NewWebhook other = MakeWebhook("ws-2", "{}");
  other.status = "skipped_inactive";
  rows.push_back(other);
  auto appended = store_->AppendWebhooks(rows);
  ASSERT_TRUE(appended);

  const TimePoint cutoff = kT0 + seconds(4);  // rows 0…3 are older: 1 and 3 are finished
  EXPECT_EQ(store_->DeleteFinishedWebhooksBefore("ws-1", cutoff, 1).value(), 1);
  EXPECT_EQ(store_->DeleteFinishedWebhooksBefore("ws-1", cutoff, 10).value(), 1);
  EXPECT_EQ(store_->DeleteFinishedWebhooksBefore("ws-1", cutoff, 10).value(), 0);
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), 4);
  for (int i : {1, 3}) {
    EXPECT_EQ(store_->GetWebhook("ws-1", (*appended)[i].id).error().kind, ErrorCode::kNotFound);
  }
  for (int i : {0, 2, 4, 5}) EXPECT_TRUE(store_->GetWebhook("ws-1", (*appended)[i].id));
  EXPECT_EQ(store_->CountWebhooks("ws-2").value(), 1);
  EXPECT_EQ(store_->DeleteFinishedWebhooksBefore("ws-1", cutoff, 0).error().field, "limit");
}

INSTANTIATE_TEST_SUITE_P(Backends, CacheStoreTest, ::testing::ValuesIn(kBackends),
                         BackendName);

// ---- SQLite only: statuses and executions the interface cannot write yet ----

// Runs SQL on the database file beside the store.
void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << text << "\n" << sql;
}

TEST(SqliteRetentionTest, KeepsProcessingRowsAndDeletesOldExecutionsWithTheirLog) {
  TempDir dir;
  const std::string path = (dir.path() / "uwh.db").string();
  auto opened = OpenStore("sqlite:///" + path, true);
  ASSERT_TRUE(opened);
  Store& store = **opened;
  ASSERT_TRUE(store.Migrate());
  std::vector<NewWebhook> rows;
  for (int i = 0; i < 4; ++i) {
    NewWebhook w;
    w.workspace_id = "ws-1";
    w.event_type = "NEW_TAG";
    w.source = "CLOCKIFY";
    w.payload = "{}";
    w.received_at = kT0 + seconds(i);
    rows.push_back(w);
  }
  auto ids = store.AppendWebhooks(rows).value();
  Sql(path, "UPDATE universal_webhook_log SET status = CASE id WHEN " + std::to_string(ids[0].id) +
                " THEN 'processing' WHEN " + std::to_string(ids[1].id) + " THEN 'processed' WHEN " +
                std::to_string(ids[2].id) + " THEN 'error' ELSE 'received' END");
  Sql(path,
      "INSERT INTO universal_webhook_flow (id, workspace_id, name, trigger_event_type, "
      "created_at, updated_at) VALUES (1, 'ws-1', 'f', 'NEW_TAG', 'x', 'x');"
      "INSERT INTO universal_webhook_flow_execution (workspace_id, flow_id, webhook_log_id, "
      "status, started_at) VALUES "
      "('ws-1', 1, " +
          std::to_string(ids[1].id) + ", 'success', '" + FormatTimestamp(kT0) +
          "'),"
          "('ws-1', 1, NULL, 'success', '" +
          FormatTimestamp(kT0 + seconds(1)) +
          "'),"
          "('ws-1', 1, NULL, 'error', '" +
          FormatTimestamp(kT0 + seconds(100)) +
          "'),"
          "('ws-2', 1, NULL, 'success', '" +
          FormatTimestamp(kT0) + "');");

  // processed and error rows go (the processed one with its execution); processing and
  // received stay, however old.
  EXPECT_EQ(store.DeleteFinishedWebhooksBefore("ws-1", kT0 + seconds(60), 10).value(), 2);
  EXPECT_TRUE(store.GetWebhook("ws-1", ids[0].id));
  EXPECT_TRUE(store.GetWebhook("ws-1", ids[3].id));
  EXPECT_FALSE(store.GetWebhook("ws-1", ids[1].id));

  EXPECT_EQ(store.DeleteFlowExecutionsBefore("ws-1", kT0 + seconds(60), 10).value(), 1);
  EXPECT_EQ(store.DeleteFlowExecutionsBefore("ws-1", kT0 + seconds(60), 10).value(), 0);
  EXPECT_EQ(store.DeleteFlowExecutionsBefore("ws-2", kT0 + seconds(60), 10).value(), 1);
}

}  // namespace
}  // namespace uwh::store
