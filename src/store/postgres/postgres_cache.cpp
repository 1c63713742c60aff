// PostgresStore's bootstrap area (SPEC §9): bootstrap state and its lease, per-endpoint
// checkpoints, the entity cache, and the retention deletes (SPEC §10). The statements are the
// SQLite store's (sql_statements.hpp). Several instances share these rows: a run is claimed with a
// conditional UPDATE, and each of its writes renews the lease first in the same transaction, so
// the row lock keeps a concurrent claim waiting until the write has committed.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

using namespace sql;  // NOLINT(google-build-using-namespace)
using pg::Connection;
using pg::Params;
using pg::PgResult;
using pg::Change;
using pg::Row;
using pg::Workspace;

namespace {

Result<int64_t> ChangeLease(pg::ConnectionPool& pool, std::string_view sql,
                            const std::string& workspace_id, const BootstrapLease& lease,
                            bool with_now, std::string_view what) {
  Params p;
  BindLease(p, workspace_id, lease, with_now);
  return Change(pool, sql, p, what);
}

// Runs `body(Connection&)` between BEGIN and COMMIT on one pooled connection. The body answers
// whether to commit: false (or a failure) rolls back whatever it did.
template <typename Body>
Result<bool> InTransaction(pg::ConnectionPool& pool, std::string_view what, Body&& body) {
  return pg::WithConnection(pool, [&](Connection& c) -> Result<bool> {
    if (auto r = c.Exec("BEGIN", what); !r) return Fail(r.error());
    Result<bool> commit = body(c);
    if (commit && *commit) {
      if (auto r = c.Exec("COMMIT", what); !r) return Fail(r.error());
      return true;
    }
    if (!c.Exec("ROLLBACK", what)) c.MarkBroken();
    return commit;
  });
}

// The upserts of a page (entities, then checkpoints) as one pipeline: one round trip.
Result<void> WritePage(Connection& c, const std::string& workspace_id,
                       std::span<const CachedEntity> entities,
                       std::span<const BootstrapCheckpoint> checkpoints, TimePoint now) {
  if (entities.empty() && checkpoints.empty()) return {};
  std::vector<Params> params(entities.size() + checkpoints.size());
  std::vector<pg::PipelineStep> steps;
  steps.reserve(params.size());
  size_t k = 0;
  for (const CachedEntity& e : entities) {
    BindUpsertEntity(params[k], workspace_id, e, now);
    steps.push_back({kUpsertEntity, &params[k++]});
  }
  for (const BootstrapCheckpoint& cp : checkpoints) {
    BindUpsertCheckpoint(params[k], workspace_id, cp, now);
    steps.push_back({kUpsertCheckpoint, &params[k++]});
  }
  auto r = c.RunPipeline(steps, "cannot cache the page");
  if (!r) return Fail(r.error());
  return {};
}

// $1 workspace, $2 before, $3 limit.
Result<int64_t> DeleteBatch(pg::ConnectionPool& pool, std::string_view sql,
                            const std::string& workspace_id, TimePoint before, int limit) {
  if (auto ok = CheckBatchLimit(limit); !ok) return Fail(ok.error());
  Params p = Workspace(workspace_id);
  p.Time(2, before);
  p.Int(3, limit);
  return Change(pool, sql, p, "cannot delete old rows");
}

}  // namespace

// ---- Bootstrap state and its lease ----

Result<void> PostgresStore::EnsureBootstrapState(const std::string& workspace_id) {
  auto r = Change(*pool_, kEnsureBootstrapState, Workspace(workspace_id),
                  "cannot create bootstrap state");
  if (!r) return Fail(r.error());
  return {};
}

Result<BootstrapState> PostgresStore::GetBootstrapState(const std::string& workspace_id) {
  return pg::ReadOne<BootstrapState>(*pool_, kGetBootstrapState, Workspace(workspace_id),
                                     "cannot read the bootstrap state",
                                     NotFound("no bootstrap state"), ReadBootstrapState<Row>);
}

Result<bool> PostgresStore::StartBootstrap(const std::string& workspace_id,
                                           const BootstrapLease& lease) {
  constexpr std::string_view what = "cannot claim the bootstrap";
  return InTransaction(*pool_, what, [&](Connection& c) -> Result<bool> {
    const Params ws = Workspace(workspace_id);
    if (auto r = c.Run(kEnsureBootstrapState, ws, what); !r) return Fail(r.error());
    Params claim;
    BindLease(claim, workspace_id, lease, /*with_now=*/true);
    auto claimed = c.Run(kStartBootstrap, claim, what);
    if (!claimed) return Fail(claimed.error());
    if (pg::ChangedRows(claimed->get()) == 0) return false;
    if (auto r = c.Run(kDeleteCheckpoints, ws, what); !r) return Fail(r.error());
    return true;
  });
}

Result<bool> PostgresStore::ResumeBootstrap(const std::string& workspace_id,
                                            const BootstrapLease& lease) {
  auto changed = ChangeLease(*pool_, kResumeBootstrap, workspace_id, lease, /*with_now=*/true,
                             "cannot claim the bootstrap");
  if (!changed) return Fail(changed.error());
  return *changed > 0;
}

Result<std::vector<std::string>> PostgresStore::ListResumableBootstraps(TimePoint now) {
  Params p;
  p.Time(1, now);
  return pg::ReadAll<std::string>(*pool_, kListResumable, p, "cannot list bootstraps",
                                  [](const Row& row) { return row.ColumnText(0); });
}

Result<bool> PostgresStore::RenewBootstrapLease(const std::string& workspace_id,
                                                const BootstrapLease& lease) {
  auto changed = ChangeLease(*pool_, kRenewLease, workspace_id, lease, /*with_now=*/false,
                             "cannot renew the bootstrap lease");
  if (!changed) return Fail(changed.error());
  return *changed > 0;
}

Result<bool> PostgresStore::ReleaseBootstrapLease(const std::string& workspace_id,
                                                  const std::string& owner, TimePoint now) {
  return RenewBootstrapLease(workspace_id, BootstrapLease{owner, now, now});
}

Result<bool> PostgresStore::UpdateBootstrapProgress(const std::string& workspace_id,
                                                    const std::string& owner, int total_endpoints,
                                                    int completed_endpoints, int progress) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, owner);
  p.Int(3, total_endpoints);
  p.Int(4, completed_endpoints);
  p.Int(5, progress);
  auto changed = Change(*pool_, kUpdateProgress, p, "cannot write bootstrap progress");
  if (!changed) return Fail(changed.error());
  return *changed > 0;
}

Result<bool> PostgresStore::FinishBootstrap(const std::string& workspace_id,
                                            const std::string& owner, const std::string& status,
                                            const std::string& error_message,
                                            TimePoint completed_at) {
  if (auto ok = CheckBootstrapEnd(status); !ok) return Fail(ok.error());
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, owner);
  p.TextNoCopy(3, status);
  p.TextOrNull(4, error_message);
  p.Time(5, completed_at);
  auto changed = Change(*pool_, kFinishBootstrap, p, "cannot finish the bootstrap");
  if (!changed) return Fail(changed.error());
  return *changed > 0;
}

Result<std::vector<BootstrapCheckpoint>> PostgresStore::ListBootstrapCheckpoints(
    const std::string& workspace_id) {
  return pg::ReadAll<BootstrapCheckpoint>(*pool_, kListCheckpoints, Workspace(workspace_id),
                                          "cannot list checkpoints", ReadCheckpoint<Row>);
}

Result<void> PostgresStore::CommitBootstrapProgress(
    const std::string& workspace_id, const BootstrapLease& lease,
    std::span<const BootstrapCheckpoint> checkpoints, std::span<const CachedEntity> entities) {
  if (auto ok = CheckEntities(entities); !ok) return ok;
  if (auto ok = CheckCheckpoints(checkpoints); !ok) return ok;
  const TimePoint now = NowIfUnset(lease.now);
  constexpr std::string_view what = "cannot renew the bootstrap lease";
  auto committed = InTransaction(*pool_, what, [&](Connection& c) -> Result<bool> {
    Params renew;
    BindLease(renew, workspace_id, lease, /*with_now=*/false);
    auto held = c.Run(kRenewLease, renew, what);
    if (!held) return Fail(held.error());
    if (pg::ChangedRows(held->get()) == 0) return false;
    if (auto r = WritePage(c, workspace_id, entities, checkpoints, now); !r) {
      return Fail(r.error());
    }
    return true;
  });
  if (!committed) return Fail(committed.error());
  if (!*committed) return Fail(BootstrapLeaseLost());
  return {};
}

// ---- Entity cache ----

Result<void> PostgresStore::UpsertEntities(const std::string& workspace_id,
                                           std::span<const CachedEntity> entities) {
  if (auto ok = CheckEntities(entities); !ok) return ok;
  if (entities.empty()) return {};
  const TimePoint now = std::chrono::system_clock::now();
  auto committed = InTransaction(*pool_, "cannot cache entities",
                                 [&](Connection& c) -> Result<bool> {
                                   auto r = WritePage(c, workspace_id, entities, {}, now);
                                   if (!r) return Fail(r.error());
                                   return true;
                                 });
  if (!committed) return Fail(committed.error());
  return {};
}

Result<bool> PostgresStore::DeleteEntity(const std::string& workspace_id,
                                         const std::string& entity_type,
                                         const std::string& entity_id) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, entity_type);
  p.TextNoCopy(3, entity_id);
  auto changed = Change(*pool_, kDeleteEntity, p, "cannot delete the entity");
  if (!changed) return Fail(changed.error());
  return *changed > 0;
}

Result<CachedEntity> PostgresStore::GetEntity(const std::string& workspace_id,
                                              const std::string& entity_type,
                                              const std::string& entity_id) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, entity_type);
  p.TextNoCopy(3, entity_id);
  return pg::ReadOne<CachedEntity>(*pool_, kGetEntity, p, "cannot read the entity",
                                   NotFound("no cached " + entity_type + " with id " + entity_id),
                                   ReadEntity<Row>);
}

Result<EntityPage> PostgresStore::ListEntities(const std::string& workspace_id,
                                               const std::string& entity_type,
                                               std::optional<std::string> after_id, int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return Fail(ok.error());
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, entity_type);
  p.Text(3, after_id.value_or(std::string()));  // every id sorts after the empty string
  p.Int(4, static_cast<int64_t>(limit) + 1);     // one more tells whether another page follows
  auto rows = pg::ReadAll<CachedEntity>(*pool_, kListEntities, p, "cannot list entities",
                                        ReadEntity<Row>);
  if (!rows) return Fail(rows.error());
  EntityPage page;
  page.items = std::move(*rows);
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_after_id = page.items.back().entity_id;
  }
  return page;
}

Result<std::vector<std::string>> PostgresStore::ListEntityIds(const std::string& workspace_id,
                                                              const std::string& entity_type,
                                                              TimePoint fetched_since) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, entity_type);
  p.Time(3, fetched_since);
  return pg::ReadAll<std::string>(*pool_, kListEntityIds, p, "cannot list entity ids",
                                  [](const Row& row) { return row.ColumnText(0); });
}

Result<std::vector<CountByKey>> PostgresStore::CountEntitiesByType(
    const std::string& workspace_id) {
  return pg::ReadAll<CountByKey>(
      *pool_, kCountEntities, Workspace(workspace_id), "cannot count entities",
      [](const Row& row) { return CountByKey{row.ColumnText(0), row.ColumnInt(1)}; });
}

Result<int64_t> PostgresStore::DeleteEntitiesFetchedBefore(const std::string& workspace_id,
                                                           const std::string& entity_type,
                                                           TimePoint before) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, entity_type);
  p.Time(3, before);
  return Change(*pool_, kDeleteTypeBefore, p, "cannot delete entities");
}

// ---- Retention ----

Result<int64_t> PostgresStore::PurgeEntitiesFetchedBefore(const std::string& workspace_id,
                                                          TimePoint before, int limit) {
  return DeleteBatch(*pool_, kPurgeEntitiesBefore, workspace_id, before, limit);
}

Result<int64_t> PostgresStore::DeleteFinishedWebhooksBefore(const std::string& workspace_id,
                                                            TimePoint before, int limit) {
  return DeleteBatch(*pool_, kDeleteFinishedWebhooks, workspace_id, before, limit);
}

Result<int64_t> PostgresStore::DeleteFlowExecutionsBefore(const std::string& workspace_id,
                                                          TimePoint before, int limit) {
  return DeleteBatch(*pool_, kDeleteExecutionsBefore, workspace_id, before, limit);
}

}  // namespace uwh::store
