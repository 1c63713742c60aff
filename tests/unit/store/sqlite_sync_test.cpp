// Which SQLite commits wait for the disk: accepted webhooks always do (synchronous=FULL); the
// queue's bookkeeping and the entity cache it derives do not, and leave the connection as it was.
// Counted by a VFS that wraps the default one and counts xSync calls on the write-ahead log.
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"

namespace uwh::store {
namespace {

using namespace std::chrono_literals;

// ---- A VFS that counts syncs of "-wal" files and forwards everything else ----

sqlite3_vfs* g_real = nullptr;
std::atomic<int> g_wal_syncs{0};

struct CountingFile {
  sqlite3_file base;  // must come first: SQLite sees this
  sqlite3_file* real;
  bool wal;
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f)->real; }

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xRead(Real(f), b, n, o);
}
int Write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xWrite(Real(f), b, n, o);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (reinterpret_cast<CountingFile*>(f)->wal) ++g_wal_syncs;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }

const sqlite3_io_methods kMethods = {
    2,           Close,    Read,     Write,      Truncate,  Sync,
    FileSize,    Lock,     Unlock,   CheckReservedLock,    FileControl,
    SectorSize,  DeviceCharacteristics,          ShmMap,    ShmLock,
    ShmBarrier,  ShmUnmap, nullptr,  nullptr};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<CountingFile*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = g_real->xOpen(g_real, name, file->real, flags, out_flags);
  // A failed open leaves pMethods null, so SQLite does not close it.
  file->base.pMethods = file->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}

sqlite3_vfs g_counting;

class CountingVfs {
 public:
  CountingVfs() {
    g_real = sqlite3_vfs_find(nullptr);
    g_counting = *g_real;
    g_counting.iVersion = 1;  // no xFetch/xUnfetch, no syscall overrides needed
    g_counting.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real->szOsFile;
    g_counting.zName = "uwh-counting";
    g_counting.xOpen = Open;
    sqlite3_vfs_register(&g_counting, /*makeDflt=*/1);
  }
  ~CountingVfs() {
    sqlite3_vfs_unregister(&g_counting);
    sqlite3_vfs_register(g_real, 1);
  }
};

std::string TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "uwh_sync_test_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

NewWebhook Row(int n) {
  NewWebhook w;
  w.workspace_id = "ws-1";
  w.event_type = "NEW_TIME_ENTRY";
  w.source = "CLOCKIFY";
  w.payload = R"({"id":"te-)" + std::to_string(n) + R"("})";
  w.received_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  return w;
}

TEST(SqliteSyncTest, AcceptedWebhooksAreSyncedAndTheQueuesBookkeepingIsNot) {
  CountingVfs vfs;
  const std::string dir = TempDir();
  {
    auto opened = SqliteStore::Open(dir + "/uwh.db", SqliteStore::Options{});
    ASSERT_TRUE(opened) << opened.error().message;
    SqliteStore& store = **opened;
    ASSERT_TRUE(store.Migrate());
    Installation in;
    in.workspace_id = "ws-1";
    ASSERT_TRUE(store.UpsertInstallation(in));
    auto append = [&](int n) {
      const std::vector<NewWebhook> rows = {Row(n), Row(n + 1)};
      ASSERT_TRUE(store.AppendWebhooks(rows));
    };

    int before = g_wal_syncs.load();
    append(1);
    EXPECT_EQ(g_wal_syncs.load(), before + 1) << "an accepted batch is one synced commit";

    // The queue's round: claim the workspace, take its rows, cache an entity, finish, release.
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'100));
    before = g_wal_syncs.load();
    auto claimed = store.ClaimQueueWorkspace("w/0", now, now + 30s);
    ASSERT_TRUE(claimed && *claimed) << "nothing to claim";
    auto taken = store.TakeQueuedWebhooks("ws-1", "w/0", now, now + 30s, 10);
    ASSERT_TRUE(taken);
    ASSERT_EQ(taken->size(), 2u);
    ASSERT_TRUE(store.UpsertEntities(
        "ws-1", std::vector{CachedEntity{"time_entry", "te-1", R"({"id":"te-1"})", now}}));
    ASSERT_TRUE(store.DeleteEntity("ws-1", "time_entry", "te-1"));
    std::vector<QueueCompletion> done;
    for (const auto& w : *taken) done.push_back(QueueCompletion{w.id, "processed", ""});
    auto finished = store.FinishQueuedWebhooks("ws-1", "w/0", done, {}, now);
    ASSERT_TRUE(finished);
    EXPECT_EQ(*finished, 2);
    ASSERT_TRUE(store.RenewQueueLease("ws-1", "w/0", now + 60s));
    ASSERT_TRUE(store.ReleaseQueueLease("ws-1", "w/0", now));
    EXPECT_EQ(g_wal_syncs.load(), before) << "the queue's commits wait for no sync";
    EXPECT_EQ(store.GetWebhook("ws-1", taken->front().id).value().status, "processed");

    // And the connection is synchronous=FULL again for what comes next.
    before = g_wal_syncs.load();
    append(3);
    EXPECT_EQ(g_wal_syncs.load(), before + 1);
  }
  std::filesystem::remove_all(dir);
}

TEST(SqliteSyncTest, WithSynchronousNormalNothingIsSyncedAtCommit) {
  CountingVfs vfs;
  const std::string dir = TempDir();
  {
    SqliteStore::Options options;
    options.synchronous_full = false;
    auto opened = SqliteStore::Open(dir + "/uwh.db", options);
    ASSERT_TRUE(opened) << opened.error().message;
    ASSERT_TRUE((*opened)->Migrate());
    const int before = g_wal_syncs.load();
    const std::vector<NewWebhook> rows = {Row(1)};
    ASSERT_TRUE((*opened)->AppendWebhooks(rows));
    ASSERT_TRUE((*opened)->UpsertEntities(
        "ws-1", std::vector{CachedEntity{"tag", "t1", R"({"id":"t1"})", {}}}));
    EXPECT_EQ(g_wal_syncs.load(), before);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace uwh::store
