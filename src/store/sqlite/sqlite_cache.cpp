// The SQLite store's bootstrap area (SPEC §9): bootstrap state and its lease, per-endpoint
// checkpoints, and the entity cache. Statements are written so that PostgreSQL accepts them too.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_internal.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace uwh::store {

using namespace sqlite;  // NOLINT(google-build-using-namespace)

namespace {

constexpr std::string_view kEnsureBootstrapState =
    "INSERT INTO universal_webhook_bootstrap_state (workspace_id, status, progress, "
    "total_endpoints, completed_endpoints) VALUES ($1, 'pending', 0, 0, 0) "
    "ON CONFLICT (workspace_id) DO NOTHING";
constexpr std::string_view kGetBootstrapState =
    "SELECT workspace_id, status, progress, total_endpoints, completed_endpoints, error_message, "
    "started_at, completed_at, claimed_by, lease_expires_at "
    "FROM universal_webhook_bootstrap_state WHERE workspace_id = $1";

// A run is free for a fresh start unless another owner holds a live lease on it ($3 is now).
constexpr std::string_view kStartBootstrap =
    "UPDATE universal_webhook_bootstrap_state SET status = 'in_progress', progress = 0, "
    "total_endpoints = 0, completed_endpoints = 0, error_message = NULL, started_at = $3, "
    "completed_at = NULL, claimed_by = $2, lease_expires_at = $4 "
    "WHERE workspace_id = $1 AND (status <> 'in_progress' OR lease_expires_at IS NULL "
    "OR lease_expires_at < $3 OR claimed_by = $2)";
constexpr std::string_view kDeleteCheckpoints =
    "DELETE FROM universal_webhook_bootstrap_checkpoint WHERE workspace_id = $1";
constexpr std::string_view kResumeBootstrap =
    "UPDATE universal_webhook_bootstrap_state SET claimed_by = $2, lease_expires_at = $4 "
    "WHERE workspace_id = $1 AND status = 'in_progress' AND (lease_expires_at IS NULL "
    "OR lease_expires_at < $3 OR claimed_by = $2)";
constexpr std::string_view kListResumable =
    "SELECT workspace_id FROM universal_webhook_bootstrap_state WHERE status = 'in_progress' "
    "AND (lease_expires_at IS NULL OR lease_expires_at < $1) ORDER BY workspace_id";
// Every write of a run goes through this: it renews the lease and proves the owner still holds
// it (in PostgreSQL the row lock also keeps a concurrent claim out until the commit).
constexpr std::string_view kRenewLease =
    "UPDATE universal_webhook_bootstrap_state SET lease_expires_at = $3 "
    "WHERE workspace_id = $1 AND claimed_by = $2 AND status = 'in_progress'";
constexpr std::string_view kUpdateProgress =
    "UPDATE universal_webhook_bootstrap_state SET total_endpoints = $3, "
    "completed_endpoints = $4, progress = $5 "
    "WHERE workspace_id = $1 AND claimed_by = $2 AND status = 'in_progress'";
constexpr std::string_view kFinishBootstrap =
    "UPDATE universal_webhook_bootstrap_state SET status = $3, error_message = $4, "
    "completed_at = $5, claimed_by = NULL, lease_expires_at = NULL "
    "WHERE workspace_id = $1 AND claimed_by = $2 AND status = 'in_progress'";

#define UWH_CHECKPOINT_COLUMNS                                                        \
  "endpoint, operation_id, parent_id, entity_type, status, next_page, pages, items, " \
  "status_code, error_message, updated_at"
constexpr std::string_view kListCheckpoints =
    "SELECT " UWH_CHECKPOINT_COLUMNS
    " FROM universal_webhook_bootstrap_checkpoint WHERE workspace_id = $1 ORDER BY id";
constexpr std::string_view kUpsertCheckpoint =
    "INSERT INTO universal_webhook_bootstrap_checkpoint (workspace_id, " UWH_CHECKPOINT_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
    "ON CONFLICT (workspace_id, endpoint) DO UPDATE SET status = excluded.status, "
    "next_page = excluded.next_page, pages = excluded.pages, items = excluded.items, "
    "status_code = excluded.status_code, error_message = excluded.error_message, "
    "updated_at = excluded.updated_at";
#undef UWH_CHECKPOINT_COLUMNS

constexpr std::string_view kUpsertEntity =
    "INSERT INTO universal_webhook_entity_cache (workspace_id, entity_type, entity_id, data_json, "
    "fetched_at) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (workspace_id, entity_type, entity_id) DO UPDATE SET "
    "data_json = excluded.data_json, fetched_at = excluded.fetched_at";
constexpr std::string_view kDeleteEntity =
    "DELETE FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND entity_id = $3";
constexpr std::string_view kGetEntity =
    "SELECT entity_type, entity_id, data_json, fetched_at FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND entity_id = $3";
constexpr std::string_view kListEntities =
    "SELECT entity_type, entity_id, data_json, fetched_at FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND entity_id > $3 "
    "ORDER BY entity_id LIMIT $4";
constexpr std::string_view kListEntityIds =
    "SELECT entity_id FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND fetched_at >= $3 ORDER BY entity_id";
constexpr std::string_view kCountEntities =
    "SELECT entity_type, COUNT(*) FROM universal_webhook_entity_cache WHERE workspace_id = $1 "
    "GROUP BY entity_type ORDER BY entity_type";
constexpr std::string_view kDeleteTypeBefore =
    "DELETE FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND fetched_at < $3";
constexpr std::string_view kPurgeBefore =
    "DELETE FROM universal_webhook_entity_cache WHERE id IN (SELECT id FROM "
    "universal_webhook_entity_cache WHERE workspace_id = $1 AND fetched_at < $2 "
    "ORDER BY fetched_at LIMIT $3)";

BootstrapCheckpoint ReadCheckpoint(const Statement& s) {
  BootstrapCheckpoint c;
  c.endpoint = s.ColumnText(0);
  c.operation_id = s.ColumnText(1);
  c.parent_id = s.ColumnText(2);
  c.entity_type = s.ColumnText(3);
  c.status = s.ColumnText(4);
  c.next_page = static_cast<int>(s.ColumnInt(5));
  c.pages = static_cast<int>(s.ColumnInt(6));
  c.items = s.ColumnInt(7);
  c.status_code = static_cast<int>(s.ColumnInt(8));
  c.error_message = s.ColumnText(9);
  c.updated_at = s.ColumnTime(10);
  return c;
}

CachedEntity ReadEntity(const Statement& s) {
  CachedEntity e;
  e.entity_type = s.ColumnText(0);
  e.entity_id = s.ColumnText(1);
  e.data_json = s.ColumnText(2);
  e.fetched_at = s.ColumnTime(3);
  return e;
}

tl::unexpected<Error> Invalid(std::string message, std::string field) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed", std::move(message),
              std::move(field));
}

// Validates a batch before anything is written: each needs a type and an id.
Result<void> CheckEntities(std::span<const CachedEntity> entities) {
  for (size_t i = 0; i < entities.size(); ++i) {
    if (entities[i].entity_type.empty() || entities[i].entity_id.empty()) {
      return Invalid("entity_type and entity_id are required",
                     "entities[" + std::to_string(i) + "]");
    }
  }
  return {};
}

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
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, lease.owner);
  if (with_now) {
    s.Time(3, lease.now);
    s.Time(4, lease.expires_at);
  } else {
    s.Time(3, lease.expires_at);
  }
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
    s.TextNoCopy(1, workspace_id);
    s.TextNoCopy(2, e.entity_type);
    s.TextNoCopy(3, e.entity_id);
    s.TextNoCopy(4, e.data_json);
    s.Time(5, e.fetched_at == TimePoint{} ? now : e.fetched_at);
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
    s.TextNoCopy(1, workspace_id);
    s.TextNoCopy(2, c.endpoint);
    s.TextNoCopy(3, c.operation_id);
    s.TextOrNull(4, c.parent_id);
    s.TextNoCopy(5, c.entity_type);
    s.TextNoCopy(6, c.status);
    s.Int(7, c.next_page);
    s.Int(8, c.pages);
    s.Int(9, c.items);
    if (c.status_code != 0) {
      s.Int(10, c.status_code);
    } else {
      s.Null(10);
    }
    s.TextOrNull(11, c.error_message);
    s.Time(12, c.updated_at == TimePoint{} ? now : c.updated_at);
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
  BootstrapState b;
  b.workspace_id = s.ColumnText(0);
  b.status = s.ColumnText(1);
  b.progress = static_cast<int>(s.ColumnInt(2));
  b.total_endpoints = static_cast<int>(s.ColumnInt(3));
  b.completed_endpoints = static_cast<int>(s.ColumnInt(4));
  b.error_message = s.ColumnText(5);
  b.started_at = s.ColumnOptionalTime(6);
  b.completed_at = s.ColumnOptionalTime(7);
  b.claimed_by = s.ColumnText(8);
  b.lease_expires_at = s.ColumnOptionalTime(9);
  return b;
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
  if (status != "completed" && status != "error") {
    return Invalid("a bootstrap ends completed or error", "status");
  }
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
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    if (checkpoints[i].endpoint.empty() || checkpoints[i].operation_id.empty()) {
      return Invalid("endpoint and operation_id are required",
                     "checkpoints[" + std::to_string(i) + "]");
    }
  }
  const TimePoint now = NowIfUnset(lease.now);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return r;
  auto changed =
      RunLease(w, kRenewLease, workspace_id, lease, false, "cannot renew the bootstrap lease");
  if (!changed) return tl::unexpected(changed.error());
  if (*changed == 0) {
    return Fail(ErrorCode::kConflict, "lease_lost",
                "another instance has taken over this workspace's bootstrap");
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
  if (limit < 1 || limit > 500) return Invalid("limit must be between 1 and 500", "limit");
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
  if (limit < 1) return Invalid("limit must be at least 1", "limit");
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kPurgeBefore);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Time(2, before);
  s.Int(3, limit);
  return Changes(s, "cannot purge entities");
}

}  // namespace uwh::store
