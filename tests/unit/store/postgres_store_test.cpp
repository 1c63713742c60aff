// What only the PostgreSQL backend has: several stores (instances) on one database, the
// connection pool, reconnection, the shared API pace, and the schema's parity with SQLite's. Runs
// when UWH_TEST_POSTGRES_URL names a server (scripts/test starts one); skipped otherwise.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "clockify/rate_limiter.hpp"
#include "common/clock.hpp"
#include "postgres_test_server.hpp"
#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_store.hpp"

namespace uwh::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// Needs no server: the two migration folders stay twins.
TEST(PostgresMigrationsTest, MirrorTheSqliteOnesVersionForVersion) {
  auto sqlite = ParseMigrations(SqliteMigrationFiles());
  auto postgres = ParseMigrations(PostgresMigrationFiles());
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  ASSERT_TRUE(postgres) << postgres.error().message;
  std::vector<std::pair<int, std::string>> a, b;
  for (const auto& m : *sqlite) a.emplace_back(m.version, m.name);
  for (const auto& m : *postgres) b.emplace_back(m.version, m.name);
  EXPECT_EQ(a, b) << "every migrations/sqlite/NNNN_name.sql needs its migrations/postgres twin";
}

// As SqliteMigrationsTest: a schema with migration 6 but not 4 and 5 gets the two it lacks.
TEST(PostgresMigrationsTest, AppliesEveryMissingVersionNotOnlyThoseAboveTheHighest) {
  auto url = testing::TestPostgresUrl();
  if (!url) GTEST_SKIP() << "UWH_TEST_POSTGRES_URL is not set";
  testing::PostgresSchema schema(*url);
  ASSERT_EQ(schema.Error(), "");
  auto files = ParseMigrations(PostgresMigrationFiles());
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(schema.Exec("CREATE TABLE universal_webhook_schema_migrations (version INTEGER "
                        "PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"),
            "");
  for (const Migration& m : *files) {
    if (m.version == 4 || m.version == 5) continue;
    ASSERT_EQ(schema.Exec(std::string(m.sql)), "") << m.name;
    ASSERT_EQ(schema.Exec("INSERT INTO universal_webhook_schema_migrations VALUES (" +
                          std::to_string(m.version) + ", '" + m.name + "', now())"),
              "");
  }
  auto store = PostgresStore::Open(schema.Url(), {});
  ASSERT_TRUE(store) << store.error().message;
  auto version = (*store)->Migrate();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, files->back().version);
  const TimePoint now = std::chrono::system_clock::now();
  auto claimed = (*store)->StartBootstrap("ws-1", BootstrapLease{"a", now, now + seconds(15)});
  ASSERT_TRUE(claimed) << claimed.error().message;
  EXPECT_TRUE(*claimed);
  auto queue = (*store)->ClaimQueueWorkspace("a", now, now + seconds(15));
  ASSERT_TRUE(queue) << queue.error().message;
  EXPECT_FALSE(queue->has_value());
  std::vector<std::string> recorded, expected;
  for (const auto& row :
       schema.Query("SELECT version FROM universal_webhook_schema_migrations ORDER BY 1")) {
    recorded.push_back(row[0]);
  }
  for (const Migration& m : *files) expected.push_back(std::to_string(m.version));
  EXPECT_EQ(recorded, expected);
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::TestPostgresUrl();
    if (!url) GTEST_SKIP() << "UWH_TEST_POSTGRES_URL is not set";
    schema_ = std::make_unique<testing::PostgresSchema>(*url);
    ASSERT_EQ(schema_->Error(), "");
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    auto version = store_->Migrate();
    ASSERT_TRUE(version) << version.error().message;
  }

  std::unique_ptr<PostgresStore> Open(PostgresStore::Options options = {}) {
    auto store = PostgresStore::Open(schema_->Url(), options);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  static NewWebhook Row(const std::string& payload, const std::string& key = "") {
    NewWebhook w;
    w.workspace_id = "ws-1";
    w.event_type = "NEW_TIME_ENTRY";
    w.source = "CLOCKIFY";
    w.payload = payload;
    w.dedup_key = key;
    return w;
  }

  int64_t Count(const std::string& where = "TRUE") {
    auto rows = schema_->Query("SELECT COUNT(*) FROM universal_webhook_log WHERE " + where);
    return rows.empty() ? -1 : std::stoll(rows[0][0]);
  }

  std::unique_ptr<testing::PostgresSchema> schema_;
  std::unique_ptr<PostgresStore> store_;
};

// ---- Several instances on one database ----

TEST_F(PostgresStoreTest, ConcurrentDuplicatesFromTwoStoresAreStoredOnce) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  constexpr int kRounds = 150;
  std::barrier start(2);
  std::vector<AppendOutcome> a(kRounds), b(kRounds);
  std::atomic<int> errors{0};
  auto run = [&](PostgresStore& store, std::vector<AppendOutcome>& out) {
    for (int k = 0; k < kRounds; ++k) {
      const NewWebhook row = Row("{\"k\":" + std::to_string(k) + "}", "key-" + std::to_string(k));
      start.arrive_and_wait();  // both instances take in the same delivery at the same moment
      auto result = store.AppendWebhooks(std::span<const NewWebhook>(&row, 1));
      if (!result) {
        ++errors;
        continue;
      }
      out[k] = result->front();
    }
  };
  std::thread t1(run, std::ref(*store_), std::ref(a));
  std::thread t2(run, std::ref(*other), std::ref(b));
  t1.join();
  t2.join();
  ASSERT_EQ(errors.load(), 0);
  for (int k = 0; k < kRounds; ++k) {
    EXPECT_EQ(a[k].id, b[k].id) << "round " << k << ": both instances stored the delivery";
    EXPECT_NE(a[k].duplicate, b[k].duplicate) << "round " << k;
  }
  EXPECT_EQ(Count(), kRounds);
  EXPECT_EQ(Count("dedup_key IS NOT NULL GROUP BY dedup_key HAVING COUNT(*) > 1"), -1)
      << "no key is stored twice";
}

TEST_F(PostgresStoreTest, LargeOverlappingBatchesFromTwoStoresNeitherDeadlockNorDoubleStore) {
  // Over the per-batch key-lock bound: these batches lock their workspaces instead. One store
  // sends the keys in the opposite order, which per-row locking could deadlock on.
  auto other = Open();
  ASSERT_NE(other, nullptr);
  constexpr int kKeys = 200;
  std::vector<NewWebhook> forward, backward;
  for (int k = 0; k < kKeys; ++k) forward.push_back(Row("{}", "big-" + std::to_string(k)));
  backward.assign(forward.rbegin(), forward.rend());
  for (int round = 0; round < 5; ++round) {
    for (auto& w : forward) w.dedup_key = "r" + std::to_string(round) + w.dedup_key;
    backward.assign(forward.rbegin(), forward.rend());
    Result<std::vector<AppendOutcome>> x, y;
    std::barrier start(2);
    std::thread t1([&] {
      start.arrive_and_wait();
      x = store_->AppendWebhooks(forward);
    });
    std::thread t2([&] {
      start.arrive_and_wait();
      y = other->AppendWebhooks(backward);
    });
    t1.join();
    t2.join();
    ASSERT_TRUE(x) << x.error().message;
    ASSERT_TRUE(y) << y.error().message;
    int stored = 0;
    for (int k = 0; k < kKeys; ++k) {
      const AppendOutcome& p = (*x)[k];
      const AppendOutcome& q = (*y)[kKeys - 1 - k];
      EXPECT_EQ(p.id, q.id) << "key " << k;
      stored += (p.duplicate ? 0 : 1) + (q.duplicate ? 0 : 1);
    }
    EXPECT_EQ(stored, kKeys);
  }
  EXPECT_EQ(Count(), 5 * kKeys);
}

// The queue consumes a workspace's rows in id order, so a row must not become visible while an
// older one of its workspace is still uncommitted. One store's batch draws its id and is held up
// (a trigger sleeps) before it commits; the other store's batch for the same workspace, begun
// meanwhile, must not commit before it: it used to, and the queue then ran the newer webhook
// first.
TEST_F(PostgresStoreTest, AWorkspacesRowsFromTwoStoresBecomeVisibleInIdOrder) {
  ASSERT_EQ(schema_->Exec("CREATE FUNCTION hold_up() RETURNS trigger LANGUAGE plpgsql AS $$ "
                          "BEGIN IF NEW.payload_json LIKE '%held up%' THEN PERFORM pg_sleep(1); "
                          "END IF; RETURN NEW; END $$"),
            "");
  // BEFORE INSERT: the row's id (the column default) is drawn before the trigger runs.
  ASSERT_EQ(schema_->Exec("CREATE TRIGGER hold_up BEFORE INSERT ON universal_webhook_log "
                          "FOR EACH ROW EXECUTE FUNCTION hold_up()"),
            "");
  auto other = Open();
  ASSERT_NE(other, nullptr);
  const NewWebhook held = Row("{\"note\":\"held up\"}");
  const NewWebhook quick = Row("{\"note\":\"quick\"}");
  Result<std::vector<AppendOutcome>> first;
  std::thread slow([&] { first = store_->AppendWebhooks(std::span<const NewWebhook>(&held, 1)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // its id is drawn, it sleeps
  auto second = other->AppendWebhooks(std::span<const NewWebhook>(&quick, 1));
  // When the newer row is committed, the older one is visible too.
  const int64_t visible_when_second_returned = Count("workspace_id = 'ws-1'");
  slow.join();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_LT(first->front().id, second->front().id);
  EXPECT_EQ(visible_when_second_returned, 2)
      << "the newer row committed while the older one of its workspace was not visible yet";
}

TEST_F(PostgresStoreTest, TwoInstancesClaimingOneBootstrapAtOnceOneWinsAndTheOtherCannotWrite) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  constexpr int kRounds = 40;
  const TimePoint now = std::chrono::system_clock::now();
  std::barrier start(2);
  std::vector<int> wins_a(kRounds), wins_b(kRounds);
  std::atomic<int> errors{0};
  auto run = [&](PostgresStore& store, const std::string& owner, std::vector<int>& wins) {
    for (int k = 0; k < kRounds; ++k) {
      const std::string ws = "ws-claim-" + std::to_string(k);  // no state row yet
      start.arrive_and_wait();
      auto won = store.StartBootstrap(ws, BootstrapLease{owner, now, now + seconds(15)});
      if (!won) {
        ++errors;
        continue;
      }
      wins[k] = *won ? 1 : 0;
    }
  };
  std::thread t1(run, std::ref(*store_), "instance-a", std::ref(wins_a));
  std::thread t2(run, std::ref(*other), "instance-b", std::ref(wins_b));
  t1.join();
  t2.join();
  ASSERT_EQ(errors.load(), 0);
  for (int k = 0; k < kRounds; ++k) {
    const std::string ws = "ws-claim-" + std::to_string(k);
    ASSERT_EQ(wins_a[k] + wins_b[k], 1) << "round " << k << ": one claim, and only one, wins";
    const std::string winner = wins_a[k] ? "instance-a" : "instance-b";
    const std::string loser = wins_a[k] ? "instance-b" : "instance-a";
    auto state = store_->GetBootstrapState(ws);
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ(state->claimed_by, winner);
    EXPECT_EQ(state->status, "in_progress");
    // The loser's page is refused and writes nothing.
    const CachedEntity entity{"project", "p-" + std::to_string(k), "{}", now};
    auto lost = store_->CommitBootstrapProgress(ws, BootstrapLease{loser, now, now + seconds(15)},
                                                {}, std::span<const CachedEntity>(&entity, 1));
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().code, "lease_lost");
    EXPECT_FALSE(store_->GetEntity(ws, "project", entity.entity_id));
  }
}

TEST_F(PostgresStoreTest, ConcurrentMigrationsOfAFreshSchemaBothSucceed) {
  testing::PostgresSchema fresh(*testing::TestPostgresUrl());
  auto a = PostgresStore::Open(fresh.Url(), {});
  auto b = PostgresStore::Open(fresh.Url(), {});
  ASSERT_TRUE(a && b);
  Result<int> va, vb;
  std::thread t1([&] { va = (*a)->Migrate(); });
  std::thread t2([&] { vb = (*b)->Migrate(); });
  t1.join();
  t2.join();
  ASSERT_TRUE(va) << va.error().message;
  ASSERT_TRUE(vb) << vb.error().message;
  EXPECT_EQ(*va, (*a)->LatestSchemaVersion());
  EXPECT_EQ(*vb, (*a)->LatestSchemaVersion());
  // Each migration recorded once, by whichever store applied it (versions may have gaps).
  const auto counts = fresh.Query(
      "SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) "
      "FROM universal_webhook_schema_migrations")[0];
  EXPECT_EQ(counts[0], counts[1]);
  EXPECT_EQ(counts[2], std::to_string((*a)->LatestSchemaVersion()));
}

// ---- The pool and reconnection ----

TEST_F(PostgresStoreTest, PoolWaitsForAFreeConnectionThenGivesUp) {
  pg::ConnectionPool::Options options;
  options.size = 2;
  options.acquire_timeout = milliseconds(300);
  pg::ConnectionPool pool(schema_->Url(), options);
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(pool.OpenConnections(), 2);

  const auto started = steady_clock::now();
  auto c = pool.Acquire();
  const auto waited = steady_clock::now() - started;
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorCode::kUnavailable);
  EXPECT_EQ(c.error().code, "database_busy");
  EXPECT_GE(waited, milliseconds(290));
  EXPECT_EQ(pool.OpenConnections(), 2) << "never more than the pool's size";

  // A waiter gets the connection another thread returns.
  std::optional<pg::ConnectionPool::Lease> held(std::move(*a));
  std::thread returner([&] {
    std::this_thread::sleep_for(milliseconds(50));
    held.reset();
  });
  auto d = pool.Acquire();
  returner.join();
  ASSERT_TRUE(d) << d.error().message;
  auto one = (*d)->Run("SELECT 1", "ping");
  EXPECT_TRUE(one) << one.error().message;
}

TEST_F(PostgresStoreTest, OneConnectionServesManyThreads) {
  PostgresStore::Options options;
  options.pool_size = 1;
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        Installation in;
        in.workspace_id = "ws-" + std::to_string(t);
        if (!store->UpsertInstallation(in)) ++failures;
        const NewWebhook row = Row("{\"t\":" + std::to_string(t) + "}");
        auto out = store->AppendWebhooks(std::span<const NewWebhook>(&row, 1));
        if (!out || !store->GetWebhook("ws-1", out->front().id)) ++failures;
        if (!store->ListWebhooks("ws-1", {}, std::nullopt, 10)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->OpenConnectionsForTest(), 1);
  EXPECT_EQ(Count(), 8 * 20);
}

TEST_F(PostgresStoreTest, ReconnectsWhenTheServerEndsItsConnections) {
  PostgresStore::Options options;
  options.pool_size = 3;
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  // A few connections in the pool (as many as the threads overlapped), all idle.
  {
    std::barrier together(3);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&] {
        together.arrive_and_wait();
        EXPECT_TRUE(store->ListWebhooks("ws-1", {}, std::nullopt, 1));
        together.arrive_and_wait();
      });
    }
    for (auto& t : threads) t.join();
  }
  const int open = store->OpenConnectionsForTest();
  EXPECT_GE(open, 1);

  // What a server restart does to a client: every backend ends (FATAL, then end of stream).
  EXPECT_GE(schema_->TerminateConnections(), open);  // and the fixture's own store's
  const auto deadline = steady_clock::now() + seconds(10);
  while (schema_->Query("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '" +
                        schema_->Name() + "'")[0][0] != "0" &&
         steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }

  // Every kind of call works at once, writes included, on new connections.
  Installation in;
  in.workspace_id = "ws-1";
  auto upserted = store->UpsertInstallation(in);
  EXPECT_TRUE(upserted) << upserted.error().message;
  const NewWebhook row = Row("{\"after\":\"restart\"}", "k-after");
  auto appended = store->AppendWebhooks(std::span<const NewWebhook>(&row, 1));
  ASSERT_TRUE(appended) << appended.error().message;
  EXPECT_EQ(store->GetWebhook("ws-1", appended->front().id).value().payload, row.payload);
  EXPECT_TRUE(store->Ping().value());
  EXPECT_LE(store->OpenConnectionsForTest(), 3);
}

TEST_F(PostgresStoreTest, ALongPipelineOfLargeRowsCommits) {
  // Far more than the socket buffers hold: the pipeline must keep reading while it sends.
  std::vector<NewWebhook> batch;
  for (int i = 0; i < 200; ++i) {
    batch.push_back(Row("{\"pad\":\"" + std::string(32 * 1024, static_cast<char>('a' + i % 26)) +
                            "\"}",
                        "pipe-" + std::to_string(i)));
  }
  auto out = store_->AppendWebhooks(batch);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), batch.size());
  for (size_t i = 0; i < batch.size(); i += 37) {
    EXPECT_EQ(store_->GetWebhook("ws-1", (*out)[i].id).value().payload, batch[i].payload);
  }
  EXPECT_EQ(Count(), 200);
}

TEST_F(PostgresStoreTest, AFailedBatchLeavesTheConnectionUsable) {
  PostgresStore::Options options;
  options.pool_size = 1;
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  // Make the third row fail inside the server (the store's own checks pass it).
  ASSERT_EQ(schema_->Exec("ALTER TABLE universal_webhook_log ADD CONSTRAINT no_poison "
                          "CHECK (payload_json <> 'poison')"),
            "");
  std::vector<NewWebhook> batch = {Row("{}", "a"), Row("{}", "b"), Row("poison", "c")};
  auto failed = store->AppendWebhooks(batch);
  ASSERT_FALSE(failed);
  EXPECT_EQ(Count(), 0) << "nothing of a failed batch is stored";
  batch[2].payload = "{}";
  auto ok = store->AppendWebhooks(batch);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(Count(), 3);
}

// ---- The API pace several instances share ----

TEST_F(PostgresStoreTest, TwoInstancesTogetherKeepOneWorkspacesRate) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  constexpr int kRate = 20;
  const auto run_for = milliseconds(1500);
  clockify::WorkspaceRateLimiter first(SystemClock::Instance(), nullptr, store_->SharedApiPace());
  clockify::WorkspaceRateLimiter second(SystemClock::Instance(), nullptr, other->SharedApiPace());
  std::mutex mutex;
  std::vector<steady_clock::time_point> granted;
  std::map<int, int> per_instance;
  const auto started = steady_clock::now();
  auto run = [&](clockify::WorkspaceRateLimiter& limiter, int instance) {
    while (steady_clock::now() - started < run_for) {
      limiter.Acquire("ws-shared", kRate, clockify::Priority::kBackground);
      std::lock_guard lock(mutex);
      granted.push_back(steady_clock::now());
      ++per_instance[instance];
    }
  };
  std::thread t1(run, std::ref(first), 1);
  std::thread t2(run, std::ref(second), 2);
  t1.join();
  t2.join();
  const double elapsed =
      std::chrono::duration<double>(steady_clock::now() - started).count();
  std::sort(granted.begin(), granted.end());
  // Separately each would take kRate per second: together they must not exceed it.
  EXPECT_LE(static_cast<double>(granted.size()), kRate * elapsed + 2) << elapsed << " s";
  EXPECT_GE(per_instance[1], 5);
  EXPECT_GE(per_instance[2], 5);
  // No second of the merged grants holds more than the rate plus one (plus one for the
  // scheduler waking a sleeper late, which moves a grant but never adds one).
  for (size_t i = 0; i < granted.size(); ++i) {
    const auto in_window = std::upper_bound(granted.begin() + static_cast<long>(i), granted.end(),
                                            granted[i] + seconds(1) - milliseconds(1)) -
                           (granted.begin() + static_cast<long>(i));
    EXPECT_LE(in_window, kRate + 2) << "at grant " << i;
  }
}

TEST_F(PostgresStoreTest, APenaltyInOneInstanceDelaysTheOther) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  clockify::WorkspaceRateLimiter first(SystemClock::Instance(), nullptr, store_->SharedApiPace());
  clockify::WorkspaceRateLimiter second(SystemClock::Instance(), nullptr, other->SharedApiPace());
  first.Acquire("ws-429", 50, clockify::Priority::kInteractive);
  first.Penalize("ws-429", milliseconds(600));  // a 429 with Retry-After seen by the first
  const auto started = steady_clock::now();
  second.Acquire("ws-429", 50, clockify::Priority::kInteractive);
  EXPECT_GE(steady_clock::now() - started, milliseconds(500));
  // Another workspace is not delayed.
  const auto other_started = steady_clock::now();
  second.Acquire("ws-free", 50, clockify::Priority::kInteractive);
  EXPECT_LT(steady_clock::now() - other_started, milliseconds(400));
}

// ---- The schema is the SQLite one in PostgreSQL's types ----

using Tables = std::map<std::string, std::set<std::string>>;  // table → columns
using Indexes = std::map<std::string, std::string>;           // name → "table(col,col)"

TEST_F(PostgresStoreTest, SchemaHasSqlitesTablesColumnsAndIndexes) {
  // SQLite's, from a migrated temp file.
  char dir_template[] = "/tmp/uwh_pg_schema_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/uwh.db";
  {
    auto sqlite = OpenStore("sqlite:///" + path, true);
    ASSERT_TRUE(sqlite && (*sqlite)->Migrate());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto sqlite_rows = [&](const std::string& sql) {
    std::vector<std::pair<std::string, std::string>> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                       reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
    }
    sqlite3_finalize(stmt);
    return out;
  };
  Tables sqlite_tables;
  for (const auto& [table, column] : sqlite_rows(
           "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c "
           "WHERE m.type = 'table'")) {
    sqlite_tables[table].insert(column);
  }
  Indexes sqlite_indexes;
  for (const auto& [name, columns] : sqlite_rows(
           "SELECT m.name, m.tbl_name || '(' || (SELECT group_concat(name, ',') FROM "
           "(SELECT name FROM pragma_index_info(m.name) ORDER BY seqno)) || ')' "
           "FROM sqlite_master m WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_autoindex%'")) {
    sqlite_indexes[name] = columns;
  }
  sqlite3_close(db);
  std::filesystem::remove_all(dir_template);

  Tables pg_tables;
  for (const auto& row : schema_->Query(
           "SELECT table_name, column_name FROM information_schema.columns "
           "WHERE table_schema = current_schema()")) {
    pg_tables[row[0]].insert(row[1]);
  }
  Indexes pg_indexes;
  for (const auto& row : schema_->Query(
           "SELECT i.relname, t.relname || '(' || string_agg(a.attname, ',' ORDER BY k.n) || ')' "
           "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
           "JOIN pg_class t ON t.oid = x.indrelid "
           "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
           "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
           "WHERE t.relnamespace = current_schema()::regnamespace GROUP BY i.relname, t.relname")) {
    pg_indexes[row[0]] = row[1];
  }

  // The same tables and columns; PostgreSQL adds the shared API pace.
  Tables expected = sqlite_tables;
  expected["universal_webhook_api_pace"] = {"workspace_id", "next_slot"};
  EXPECT_EQ(pg_tables, expected);
  // Every SQLite index, by name and columns; PostgreSQL adds its primary keys and the
  // (workspace_id, id) index SQLite gets from the rowid.
  for (const auto& [name, columns] : sqlite_indexes) {
    // PostgreSQL cuts identifiers at 63 bytes (one of the seed's index names is longer).
    auto it = pg_indexes.find(name.substr(0, 63));
    ASSERT_NE(it, pg_indexes.end()) << "missing index " << name;
    EXPECT_EQ(it->second, columns) << name;
  }
  for (const auto& [name, columns] : pg_indexes) {
    if (name.ends_with("_pkey") ||
        std::any_of(sqlite_indexes.begin(), sqlite_indexes.end(),
                    [&](const auto& sqlite) { return sqlite.first.substr(0, 63) == name; })) {
      continue;
    }
    EXPECT_EQ(name, "ix_universal_webhook_log_workspace_id_id") << columns;
    EXPECT_EQ(columns, "universal_webhook_log(workspace_id,id)");
  }
  // Times are TIMESTAMPTZ everywhere.
  for (const auto& row : schema_->Query(
           "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
           "WHERE table_schema = current_schema() AND (column_name LIKE '%\\_at' OR "
           "column_name = 'next_slot')")) {
    EXPECT_EQ(row[1], "timestamp with time zone") << row[0];
  }
}

}  // namespace
}  // namespace uwh::store
