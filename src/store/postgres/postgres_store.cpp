#include "store/postgres/postgres_store.hpp"

#include <algorithm>
#include <set>
#include <span>
#include <string_view>
#include <utility>

#include "common/clock.hpp"
#include "common/embedded_file.hpp"
#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

using namespace sql;  // NOLINT(google-build-using-namespace)
using pg::Connection;
using pg::Params;
using pg::PgResult;
using pg::Row;
using pg::Workspace;

namespace {

// The PostgreSQL-only statements; everything else is shared with SQLite (sql_statements.hpp).
constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS universal_webhook_schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)";
constexpr std::string_view kAppliedVersions =
    "SELECT version FROM universal_webhook_schema_migrations";
constexpr std::string_view kMigrationsTableExists =
    "SELECT to_regclass('universal_webhook_schema_migrations') IS NOT NULL";
// A session lock that makes instances starting together migrate one after the other (their
// own key space: the one-argument form; the webhook log's locks use the two-argument one).
constexpr std::string_view kLockMigrations = "SELECT pg_advisory_lock(1970759680)";
constexpr std::string_view kUnlockMigrations = "SELECT pg_advisory_unlock(1970759680)";

// Deactivation in one statement: the tokens go only when the installation exists.
constexpr std::string_view kDeactivateAndDropTokens =
    "WITH deactivated AS (UPDATE universal_webhook_installation SET is_active = FALSE, "
    "addon_token = NULL, updated_at = $2 WHERE workspace_id = $1 RETURNING workspace_id), "
    "dropped AS (DELETE FROM universal_webhook_webhook_token "
    "WHERE workspace_id IN (SELECT workspace_id FROM deactivated)) "
    "SELECT COUNT(*) FROM deactivated";

// The shared API pace (SPEC §5.1) in microseconds: the slot reserved is `interval` after the
// previous one and not before the database's now; the answer is how long until it.
constexpr std::string_view kReservePace =
    "INSERT INTO universal_webhook_api_pace AS p (workspace_id, next_slot) "
    "VALUES ($1, clock_timestamp() + $2::bigint * INTERVAL '1 microsecond') "
    "ON CONFLICT (workspace_id) DO UPDATE SET next_slot = "
    "GREATEST(p.next_slot + $2::bigint * INTERVAL '1 microsecond', excluded.next_slot) "
    "RETURNING (EXTRACT(EPOCH FROM next_slot - clock_timestamp()) * 1000000)::bigint "
    "- $2::bigint";
constexpr std::string_view kDelayPace =
    "INSERT INTO universal_webhook_api_pace AS p (workspace_id, next_slot) "
    "VALUES ($1, clock_timestamp() + $2::bigint * INTERVAL '1 microsecond') "
    "ON CONFLICT (workspace_id) DO UPDATE SET next_slot = "
    "GREATEST(p.next_slot, excluded.next_slot)";

const Result<std::vector<Migration>>& Migrations() {
  static const Result<std::vector<Migration>> migrations =
      ParseMigrations(PostgresMigrationFiles());
  return migrations;
}

// The single row of a statement that must return one.
Result<Row> OneRow(const PgResult& r, std::string_view what) {
  if (PQntuples(r.get()) != 1) {
    return Fail(ErrorCode::kInternal, "database_error",
                std::string(what) + ": expected one row, got " +
                    std::to_string(PQntuples(r.get())));
  }
  return Row(r.get(), 0);
}

// A write that must change a row: `missing` when it changed none.
Result<void> ChangeOne(pg::ConnectionPool& pool, std::string_view sql, const Params& params,
                       std::string_view what, const Error& missing) {
  auto changed = pg::Change(pool, sql, params, what);
  if (!changed) return Fail(changed.error());
  if (*changed == 0) return Fail(missing);
  return {};
}

// An UPDATE of one installation ($1 workspace, $2 value, $3 now).
Result<void> UpdateInstallation(pg::ConnectionPool& pool, std::string_view sql,
                                const std::string& workspace_id, const std::string& value) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, value);
  p.Time(3, std::chrono::system_clock::now());
  return ChangeOne(pool, sql, p, "cannot update the installation", InstallationNotFound());
}

}  // namespace

PostgresStore::PostgresStore(std::unique_ptr<pg::ConnectionPool> pool) : pool_(std::move(pool)) {}
PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo,
                                                           Options options) {
  pg::ConnectionPool::Options pool;
  pool.size = std::max(options.pool_size, 1);
  pool.acquire_timeout = options.acquire_timeout;
  pool.settings.synchronous_commit = options.synchronous_commit;
  auto store = std::unique_ptr<PostgresStore>(
      new PostgresStore(std::make_unique<pg::ConnectionPool>(conninfo, pool)));
  // The first connection proves the URL and the server; it stays in the pool.
  if (auto lease = store->pool_->Acquire(); !lease) {
    Error error = lease.error();
    if (error.field.empty()) {
      error.message = "UNIVERSAL_WEBHOOK_DATABASE_URL: " + error.message;
      error.field = "UNIVERSAL_WEBHOOK_DATABASE_URL";
    }
    return Fail(std::move(error));
  }
  return store;
}

int PostgresStore::OpenConnectionsForTest() const { return pool_->OpenConnections(); }

// ---- Schema ----

int PostgresStore::LatestSchemaVersion() const {
  const auto& migrations = Migrations();
  if (!migrations || migrations->empty()) return 0;
  return migrations->back().version;
}

Result<int> PostgresStore::SchemaVersion() {
  return pg::ReadWithConnection(*pool_, [](Connection& c) -> Result<int> {
    auto exists = c.Run(kMigrationsTableExists, "cannot read the schema");
    if (!exists) return Fail(exists.error());
    auto row = OneRow(*exists, "cannot read the schema");
    if (!row) return Fail(row.error());
    if (row->ColumnInt(0) == 0) return 0;
    auto max = c.Run(kMaxVersion, "cannot read the schema version");
    if (!max) return Fail(max.error());
    auto version = OneRow(*max, "cannot read the schema version");
    if (!version) return Fail(version.error());
    return static_cast<int>(version->ColumnInt(0));
  });
}

Result<int> PostgresStore::Migrate() {
  const auto& migrations = Migrations();
  if (!migrations) return Fail(migrations.error());
  const int latest = LatestSchemaVersion();
  return pg::WithConnection(*pool_, [&](Connection& c) -> Result<int> {
    if (auto locked = c.Run(kLockMigrations, "cannot lock the migrations"); !locked) {
      return Fail(locked.error());
    }
    struct Unlock {
      Connection& c;
      ~Unlock() {
        if (!c.Run(kUnlockMigrations, "cannot unlock the migrations")) c.MarkBroken();
      }
    } unlock{c};

    if (auto r = c.Exec(kCreateMigrationsTable, "cannot create the migrations table"); !r) {
      return Fail(r.error());
    }
    auto max = c.Run(kMaxVersion, "cannot read the schema version");
    if (!max) return Fail(max.error());
    auto row = OneRow(*max, "cannot read the schema version");
    if (!row) return Fail(row.error());
    int current = static_cast<int>(row->ColumnInt(0));
    if (auto ok = CheckNotNewer(current, latest); !ok) return Fail(ok.error());

    // Every migration not yet recorded is applied, not only those above the highest one (see
    // SqliteStore::Migrate). The advisory lock keeps other instances out meanwhile.
    auto recorded = c.Run(kAppliedVersions, "cannot read the applied migrations");
    if (!recorded) return Fail(recorded.error());
    std::set<int> applied_versions;
    for (int i = 0; i < PQntuples(recorded->get()); ++i) {
      applied_versions.insert(static_cast<int>(Row(recorded->get(), i).ColumnInt(0)));
    }
    for (const Migration& m : *migrations) {
      if (applied_versions.count(m.version) != 0) continue;
      const std::string what = "migration " + std::to_string(m.version) + "_" + m.name;
      if (auto r = c.Exec("BEGIN", what); !r) return Fail(r.error());
      Params record;
      record.Int(1, m.version);
      record.TextNoCopy(2, m.name);
      record.Time(3, std::chrono::system_clock::now());
      Result<void> applied = c.Exec(m.sql, what);
      if (applied) {
        if (auto r = c.Run(kRecordMigration, record, what); !r) applied = Fail(r.error());
      }
      if (applied) applied = c.Exec("COMMIT", what);
      if (!applied) {
        if (!c.Exec("ROLLBACK", what)) c.MarkBroken();
        return Fail(applied.error());
      }
      current = std::max(current, m.version);
    }
    return current;
  });
}

Result<bool> PostgresStore::Ping() {
  auto r = pg::Run(*pool_, /*read=*/true, kPing, Params{}, "ping");
  if (!r) return Fail(r.error());
  return true;
}

// ---- Installations ----

Result<Installation> PostgresStore::UpsertInstallation(const Installation& in) {
  auto status = CheckInstallation(in);
  if (!status) return Fail(status.error());
  const std::string settings = in.settings_json.empty() ? "{}" : in.settings_json;
  Installation row = in;
  row.installed_at = NowIfUnset(in.installed_at);
  row.updated_at = NowIfUnset(in.updated_at);
  Params p;
  BindUpsertInstallation(p, row, settings, *status);
  auto r = pg::Run(*pool_, /*read=*/false, kUpsertInstallation, p, "cannot store the installation");
  if (!r) return Fail(r.error());
  auto stored = OneRow(*r, "cannot store the installation");
  if (!stored) return Fail(stored.error());
  return ReadInstallation(*stored);
}

Result<Installation> PostgresStore::GetInstallation(const std::string& workspace_id) {
  return pg::ReadOne<Installation>(*pool_, kGetInstallation, Workspace(workspace_id),
                                   "cannot read the installation", InstallationNotFound(),
                                   ReadInstallation<Row>);
}

Result<std::vector<Installation>> PostgresStore::ListActiveInstallations() {
  return pg::ReadAll<Installation>(*pool_, kListActiveInstallations, Params{},
                                   "cannot list installations", ReadInstallation<Row>);
}

Result<void> PostgresStore::DeactivateInstallation(const std::string& workspace_id) {
  Params p = Workspace(workspace_id);
  p.Time(2, std::chrono::system_clock::now());
  auto r = pg::Run(*pool_, /*read=*/false, kDeactivateAndDropTokens, p, "cannot deactivate");
  if (!r) return Fail(r.error());
  auto count = OneRow(*r, "cannot deactivate");
  if (!count) return Fail(count.error());
  if (count->ColumnInt(0) == 0) return Fail(InstallationNotFound());
  return {};
}

Result<void> PostgresStore::UpdateSettings(const std::string& workspace_id,
                                           const std::string& settings_json) {
  return UpdateInstallation(*pool_, kUpdateSettings, workspace_id,
                            settings_json.empty() ? std::string("{}") : settings_json);
}

Result<void> PostgresStore::UpdateStatus(const std::string& workspace_id,
                                         const std::string& status) {
  if (auto ok = CheckStatus(status); !ok) return ok;
  return UpdateInstallation(*pool_, kUpdateStatus, workspace_id, status);
}

// ---- Webhook tokens ----

Result<void> PostgresStore::ReplaceWebhookTokens(const std::string& workspace_id,
                                                 const std::string& route,
                                                 const std::vector<WebhookToken>& tokens) {
  if (auto ok = CheckWebhookTokens(workspace_id, route, tokens); !ok) return ok;
  const std::string now = FormatTimestamp(std::chrono::system_clock::now());
  // BEGIN, the delete, one insert per token, COMMIT: one round trip.
  const Params none;
  Params drop;
  drop.TextNoCopy(1, workspace_id);
  drop.TextNoCopy(2, route);
  std::vector<Params> inserts(tokens.size());
  std::vector<pg::PipelineStep> steps;
  steps.reserve(tokens.size() + 3);
  steps.push_back({"BEGIN", &none});
  steps.push_back({kDeleteRouteTokens, &drop});
  for (size_t i = 0; i < tokens.size(); ++i) {
    BindInsertToken(inserts[i], workspace_id, route, tokens[i], now);
    steps.push_back({kInsertToken, &inserts[i]});
  }
  steps.push_back({"COMMIT", &none});
  return pg::WithConnection(*pool_, [&](Connection& c) -> Result<void> {
    auto r = c.RunPipeline(steps, "cannot store webhook tokens");
    if (!r) {
      if (r.error().kind == ErrorCode::kConflict) return Fail(TokenHashConflict());
      return Fail(r.error());
    }
    return {};
  });
}

Result<WebhookToken> PostgresStore::FindWebhookToken(const std::string& token_hash) {
  Params p;
  p.TextNoCopy(1, token_hash);
  return pg::ReadOne<WebhookToken>(*pool_, kFindToken, p, "cannot read webhook tokens",
                                   NotFound("unknown webhook token"), ReadToken<Row>);
}

Result<std::vector<WebhookToken>> PostgresStore::ListWebhookTokens(
    const std::string& workspace_id) {
  return pg::ReadAll<WebhookToken>(*pool_, kListTokens, Workspace(workspace_id),
                                   "cannot list webhook tokens", ReadToken<Row>);
}

// ---- Custom sources ----

Result<CustomSource> PostgresStore::CreateCustomSource(const CustomSource& source) {
  if (auto ok = CheckCustomSource(source); !ok) return Fail(ok.error());
  Params p;
  BindInsertCustomSource(p, source, NowIfUnset(source.created_at));
  auto r = pg::Run(*pool_, /*read=*/false, kInsertCustomSource, p, "cannot store the custom source");
  if (!r) {
    if (r.error().kind == ErrorCode::kConflict) return Fail(CustomSourceConflict(source.source));
    return Fail(r.error());
  }
  auto row = OneRow(*r, "cannot store the custom source");
  if (!row) return Fail(row.error());
  return ReadCustomSource(*row);
}

Result<CustomSource> PostgresStore::GetCustomSource(const std::string& workspace_id,
                                                    const std::string& source) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, source);
  return pg::ReadOne<CustomSource>(*pool_, kGetCustomSource, p, "cannot read the custom source",
                                   CustomSourceNotFound(source), ReadCustomSource<Row>);
}

Result<std::vector<CustomSource>> PostgresStore::ListCustomSources(
    const std::string& workspace_id) {
  return pg::ReadAll<CustomSource>(*pool_, kListCustomSources, Workspace(workspace_id),
                                   "cannot list custom sources", ReadCustomSource<Row>);
}

Result<void> PostgresStore::DeleteCustomSource(const std::string& workspace_id,
                                               const std::string& source) {
  Params p = Workspace(workspace_id);
  p.TextNoCopy(2, source);
  return ChangeOne(*pool_, kDeleteCustomSource, p, "cannot delete the custom source",
                   CustomSourceNotFound(source));
}

// ---- Shared API pace ----

Result<std::chrono::nanoseconds> PostgresStore::Reserve(const std::string& workspace_id,
                                                        std::chrono::nanoseconds interval) {
  Params p = Workspace(workspace_id);
  p.Int(2, std::chrono::duration_cast<std::chrono::microseconds>(interval).count());
  auto r = pg::Run(*pool_, /*read=*/false, kReservePace, p, "cannot reserve an API slot");
  if (!r) return Fail(r.error());
  auto row = OneRow(*r, "cannot reserve an API slot");
  if (!row) return Fail(row.error());
  return std::chrono::nanoseconds(
      std::chrono::microseconds(std::max<int64_t>(row->ColumnInt(0), 0)));
}

Result<void> PostgresStore::Delay(const std::string& workspace_id,
                                  std::chrono::nanoseconds delay) {
  Params p = Workspace(workspace_id);
  p.Int(2, std::chrono::duration_cast<std::chrono::microseconds>(delay).count());
  auto r = pg::Run(*pool_, /*read=*/false, kDelayPace, p, "cannot delay API slots");
  if (!r) return Fail(r.error());
  return {};
}

}  // namespace uwh::store
