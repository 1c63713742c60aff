// The SQLite store's bootstrap area (SPEC §9): bootstrap state and its lease, per-endpoint
// checkpoints, and the entity cache. The statements are shared with PostgreSQL (sql_statements.hpp).
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/backend_common.hpp"
#include "store/sqlite/sqlite_internal.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

using namespace sqlite;  // NOLINT(google-build-using-namespace)
using namespace sql;     // NOLINT(google-build-using-namespace)

namespace {

// Runs a statement that changes rows; returns how many it changed.
Result<int64_t> Changes(Statement& s, std::string_view what) {
  if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure(what));
  return static_cast<int64_t>(sqlite3_changes(s.db()));
}

// Runs a statement of the run's lease: $1 workspace, $2 owner, $3 the lease's now, $4 its
// expiry ($3 left out when `with_now` is false, and $4 is then $3). Returns the rows changed.
Result<int64_t> RunLease(SqliteStore::Connection& w, std::string_view sql,
                         const std::string& workspace_id, const BootstrapLease& lease,
                         bool with_now, std::string_view what) {
  auto stmt = w.Prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  BindLease(s, workspace_id, lease, with_now);
  return Changes(s, what);
}

// Runs a statement whose only placeholder is $1, the workspace.
Result<void> RunForWorkspace(SqliteStore::Connection& w, std::string_view sql,
                             const std::string& workspace_id, std::string_view what) {
  auto stmt = w.Prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure(what));
  return {};
}

Result<void> WriteEntities(SqliteStore::Connection& w, const std::string& workspace_id,
                           std::span<const CachedEntity> entities, TimePoint now) {
  auto stmt = w.Prepare(kUpsertEntity);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  for (const CachedEntity& e : entities) {
    BindUpsertEntity(s, workspace_id, e, now);
    if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot cache an entity"));
    s.Reset();
  }
  return {};
}

Result<void> WriteCheckpoints(SqliteStore::Connection& w, const std::string& workspace_id,
                              std::span<const BootstrapCheckpoint> checkpoints, TimePoint now) {
  auto stmt = w.Prepare(kUpsertCheckpoint);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  for (const BootstrapCheckpoint& c : checkpoints) {
    BindUpsertCheckpoint(s, workspace_id, c, now);
    if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot write a checkpoint"));
    s.Reset();
  }
  return {};
}

}  // namespace

// ---- Bootstrap state ----

Result<void> SqliteStore::EnsureBootstrapState(const std::string& workspace_id) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return RunForWorkspace(*writer_, kEnsureBootstrapState, workspace_id,
                         "cannot create bootstrap state");
}

Result<BootstrapState> SqliteStore::GetBootstrapState(const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kGetBootstrapState);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return tl::unexpected(NotFound("no bootstrap state"));
  if (rc != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the bootstrap state"));
  return ReadBootstrapState(s);
}

Result<bool> SqliteStore::StartBootstrap(const std::string& workspace_id,
                                         const BootstrapLease& lease) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return tl::unexpected(r.error());
  if (auto r =
          RunForWorkspace(w, kEnsureBootstrapState, workspace_id, "cannot create bootstrap state");
      !r) {
    return tl::unexpected(r.error());
  }
  auto changed =
      RunLease(w, kStartBootstrap, workspace_id, lease, true, "cannot claim the bootstrap");
  if (!changed) return tl::unexpected(changed.error());
  if (*changed == 0) return false;
  if (auto r = RunForWorkspace(w, kDeleteCheckpoints, workspace_id, "cannot clear checkpoints");
      !r) {
    return tl::unexpected(r.error());
  }
  if (auto r = tx.Commit(); !r) return tl::unexpected(r.error());
  return true;
}

Result<bool> SqliteStore::ResumeBootstrap(const std::string& workspace_id,
                                          const BootstrapLease& lease) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto changed =
      RunLease(*writer_, kResumeBootstrap, workspace_id, lease, true, "cannot claim the bootstrap");
  if (!changed) return tl::unexpected(changed.error());
  return *changed > 0;
}

Result<std::vector<std::string>> SqliteStore::ListResumableBootstraps(TimePoint now) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListResumable);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.Time(1, now);
  std::vector<std::string> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.ColumnText(0));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list bootstraps"));
  return out;
}

Result<bool> SqliteStore::RenewBootstrapLease(const std::string& workspace_id,
                                              const BootstrapLease& lease) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto changed = RunLease(*writer_, kRenewLease, workspace_id, lease, false,
                          "cannot renew the bootstrap lease");
  if (!changed) return tl::unexpected(changed.error());
  return *changed > 0;
}

Result<bool> SqliteStore::ReleaseBootstrapLease(const std::string& workspace_id,
                                                const std::string& owner, TimePoint now) {
  BootstrapLease release{owner, now, now};
  return RenewBootstrapLease(workspace_id, release);
}

Result<bool> SqliteStore::UpdateBootstrapProgress(const std::string& workspace_id,
                                                  const std::string& owner, int total_endpoints,
                                                  int completed_endpoints, int progress) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kUpdateProgress);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, owner);
  s.Int(3, total_endpoints);
  s.Int(4, completed_endpoints);
  s.Int(5, progress);
  auto changed = Changes(s, "cannot write bootstrap progress");
  if (!changed) return tl::unexpected(changed.error());
  return *changed > 0;
}

Result<bool> SqliteStore::FinishBootstrap(const std::string& workspace_id, const std::string& owner,
                                          const std::string& status,
                                          const std::string& error_message,
                                          TimePoint completed_at) {
  if (auto ok = CheckBootstrapEnd(status); !ok) return Fail(ok.error());
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kFinishBootstrap);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, owner);
  s.TextNoCopy(3, status);
  s.TextOrNull(4, error_message);
  s.Time(5, completed_at);
  auto changed = Changes(s, "cannot finish the bootstrap");
  if (!changed) return tl::unexpected(changed.error());
  return *changed > 0;
}

Result<std::vector<BootstrapCheckpoint>> SqliteStore::ListBootstrapCheckpoints(
    const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListCheckpoints);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  std::vector<BootstrapCheckpoint> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadCheckpoint(s));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list checkpoints"));
  return out;
}

Result<void> SqliteStore::CommitBootstrapProgress(const std::string& workspace_id,
                                                  const BootstrapLease& lease,
                                                  std::span<const BootstrapCheckpoint> checkpoints,
                                                  std::span<const CachedEntity> entities) {
  if (auto ok = CheckEntities(entities); !ok) return ok;
  if (auto ok = CheckCheckpoints(checkpoints); !ok) return ok;
  const TimePoint now = NowIfUnset(lease.now);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return r;
  auto changed =
      RunLease(w, kRenewLease, workspace_id, lease, false, "cannot renew the bootstrap lease");
  if (!changed) return tl::unexpected(changed.error());
  if (*changed == 0) {
    return Fail(BootstrapLeaseLost());
  }
  if (auto r = WriteEntities(w, workspace_id, entities, now); !r) return r;
  if (auto r = WriteCheckpoints(w, workspace_id, checkpoints, now); !r) return r;
  return tx.Commit();
}

// ---- Entity cache ----

Result<void> SqliteStore::UpsertEntities(const std::string& workspace_id,
                                         std::span<const CachedEntity> entities) {
  if (auto ok = CheckEntities(entities); !ok) return ok;
  if (entities.empty()) return {};
  const TimePoint now = std::chrono::system_clock::now();
  std::lock_guard<std::mutex> lock(writer_mutex_);
  UnsyncedCommits unsynced(*writer_, synchronous_full_);  // a cache the queue derives
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return r;
  if (auto r = WriteEntities(w, workspace_id, entities, now); !r) return r;
  return tx.Commit();
}

Result<bool> SqliteStore::DeleteEntity(const std::string& workspace_id,
                                       const std::string& entity_type,
                                       const std::string& entity_id) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  UnsyncedCommits unsynced(*writer_, synchronous_full_);  // a cache the queue derives
  auto stmt = writer_->Prepare(kDeleteEntity);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, entity_type);
  s.TextNoCopy(3, entity_id);
  auto changed = Changes(s, "cannot delete the entity");
  if (!changed) return tl::unexpected(changed.error());
  return *changed > 0;
}

Result<CachedEntity> SqliteStore::GetEntity(const std::string& workspace_id,
                                            const std::string& entity_type,
                                            const std::string& entity_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kGetEntity);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, entity_type);
  s.TextNoCopy(3, entity_id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) {
    return tl::unexpected(NotFound("no cached " + entity_type + " with id " + entity_id));
  }
  if (rc != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the entity"));
  return ReadEntity(s);
}

Result<EntityPage> SqliteStore::ListEntities(const std::string& workspace_id,
                                             const std::string& entity_type,
                                             std::optional<std::string> after_id, int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return Fail(ok.error());
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListEntities);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, entity_type);
  // Every id sorts after the empty string.
  s.Text(3, after_id.value_or(std::string()));
  s.Int(4, static_cast<int64_t>(limit) + 1);  // one more tells whether another page follows
  EntityPage page;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) page.items.push_back(ReadEntity(s));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list entities"));
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_after_id = page.items.back().entity_id;
  }
  return page;
}

Result<std::vector<std::string>> SqliteStore::ListEntityIds(const std::string& workspace_id,
                                                            const std::string& entity_type,
                                                            TimePoint fetched_since) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListEntityIds);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, entity_type);
  s.Time(3, fetched_since);
  std::vector<std::string> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.ColumnText(0));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list entity ids"));
  return out;
}

Result<std::vector<CountByKey>> SqliteStore::CountEntitiesByType(const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kCountEntities);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  std::vector<CountByKey> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(CountByKey{s.ColumnText(0), s.ColumnInt(1)});
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot count entities"));
  return out;
}

Result<int64_t> SqliteStore::DeleteEntitiesFetchedBefore(const std::string& workspace_id,
                                                         const std::string& entity_type,
                                                         TimePoint before) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kDeleteTypeBefore);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, entity_type);
  s.Time(3, before);
  return Changes(s, "cannot delete entities");
}

Result<int64_t> SqliteStore::PurgeEntitiesFetchedBefore(const std::string& workspace_id,
                                                        TimePoint before, int limit) {
  if (auto ok = CheckBatchLimit(limit); !ok) return Fail(ok.error());
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kPurgeEntitiesBefore);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Time(2, before);
  s.Int(3, limit);
  return Changes(s, "cannot purge entities");
}

}  // namespace uwh::store
