#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/embedded_file.hpp"
#include "store/backend_common.hpp"
#include "store/sql_statements.hpp"
#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

// The statements shared with PostgreSQL (sql_statements.hpp) and the backend's own helpers
// (sqlite_internal.hpp).
using namespace sql;     // NOLINT(google-build-using-namespace)
using namespace sqlite;  // NOLINT(google-build-using-namespace)

namespace {

// The SQLite-only statements; everything else is shared with PostgreSQL (sql_statements.hpp).
constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS universal_webhook_schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
constexpr std::string_view kMigrationsTableExists =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
    "AND name = 'universal_webhook_schema_migrations'";
constexpr std::string_view kFindDuplicate =
    "SELECT id FROM universal_webhook_log WHERE workspace_id = $1 AND dedup_key = $2 "
    "AND ($3 IS NULL OR received_at >= $3) ORDER BY id LIMIT 1";

std::string ListWebhooksSql(const WebhookFilter& filter) {
  return std::string(kWebhookListSelect) + "AND id IN (" + ListWebhookIdsSql(filter) +
         ") ORDER BY id DESC";
}

const Result<std::vector<Migration>>& Migrations() {
  static const Result<std::vector<Migration>> migrations =
      ParseMigrations(SqliteMigrationFiles());
  return migrations;
}

}  // namespace

SqliteStore::SqliteStore() = default;
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, Options options) {
  const bool in_memory = path == ":memory:";
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore());

  auto writer =
      Connection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options.busy_timeout_ms);
  if (!writer) return tl::unexpected(writer.error());
  store->writer_ = std::move(*writer);
  Connection& w = *store->writer_;

  if (!in_memory) {
    auto mode = w.QueryText("PRAGMA journal_mode=WAL");
    if (!mode) return tl::unexpected(mode.error());
    if (*mode != "wal") {
      return tl::unexpected(
          Error::Make(ErrorCode::kInternal, "database_error",
                      "cannot switch the database to WAL mode (got " + *mode + ")"));
    }
  }
  store->synchronous_full_ = options.synchronous_full;
  const std::string synchronous =
      options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  for (const std::string& pragma : {synchronous, std::string("PRAGMA foreign_keys=ON")}) {
    if (auto r = w.Exec(pragma, pragma); !r) return tl::unexpected(r.error());
  }

  if (!in_memory) {
    for (int i = 0; i < options.reader_connections; ++i) {
      auto reader = Connection::Open(path, SQLITE_OPEN_READWRITE, options.busy_timeout_ms);
      if (!reader) return tl::unexpected(reader.error());
      if (auto r = (*reader)->Exec("PRAGMA foreign_keys=ON; PRAGMA query_only=ON", "pragma"); !r) {
        return tl::unexpected(r.error());
      }
      store->free_readers_.push_back(reader->get());
      store->readers_.push_back(std::move(*reader));
    }
  }
  return store;
}

// ---- Schema ----

int SqliteStore::LatestSchemaVersion() const {
  const auto& migrations = Migrations();
  if (!migrations || migrations->empty()) return 0;
  return migrations->back().version;
}

Result<int> SqliteStore::SchemaVersion() {
  ReadLease lease(*this);
  auto exists = lease.conn().Prepare(kMigrationsTableExists);
  if (!exists) return tl::unexpected(exists.error());
  {
    Statement s(*exists);
    if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the schema"));
    if (s.ColumnInt(0) == 0) return 0;
  }
  auto max = lease.conn().Prepare(kMaxVersion);
  if (!max) return tl::unexpected(max.error());
  Statement s(*max);
  if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the schema version"));
  return static_cast<int>(s.ColumnInt(0));
}

Result<int> SqliteStore::Migrate() {
  const auto& migrations = Migrations();
  if (!migrations) return tl::unexpected(migrations.error());
  const int latest = LatestSchemaVersion();

  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  if (auto r = w.Exec(kCreateMigrationsTable, "cannot create the migrations table"); !r) {
    return tl::unexpected(r.error());
  }
  int current = 0;
  {
    auto max = w.Prepare(kMaxVersion);
    if (!max) return tl::unexpected(max.error());
    Statement s(*max);
    if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the schema version"));
    current = static_cast<int>(s.ColumnInt(0));
  }
  if (auto ok = CheckNotNewer(current, latest); !ok) return tl::unexpected(ok.error());

  // Every migration not yet recorded is applied, in version order, not only those above the
  // highest recorded: a database written by a build that had a later migration but not an
  // earlier one (they were added side by side) still gets the earlier one.
  for (const Migration& m : *migrations) {
    const std::string what = "migration " + std::to_string(m.version) + "_" + m.name;
    Transaction tx(w);
    if (auto r = tx.Begin(); !r) return tl::unexpected(r.error());
    // Another process may have applied it since we looked.
    auto applied = w.Prepare(kMigrationApplied);
    if (!applied) return tl::unexpected(applied.error());
    bool already = false;
    {
      Statement s(*applied);
      s.Int(1, m.version);
      if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure(what));
      already = s.ColumnInt(0) != 0;
    }
    if (!already) {
      if (auto r = w.Exec(m.sql, what); !r) return tl::unexpected(r.error());
      auto record = w.Prepare(kRecordMigration);
      if (!record) return tl::unexpected(record.error());
      Statement s(*record);
      s.Int(1, m.version);
      s.TextNoCopy(2, m.name);
      s.Time(3, std::chrono::system_clock::now());
      if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure(what));
    }
    if (auto r = tx.Commit(); !r) return tl::unexpected(r.error());
    current = std::max(current, m.version);
  }
  return current;
}

Result<bool> SqliteStore::Ping() {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kPing);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("ping"));
  return true;
}

// ---- Installations ----

Result<Installation> SqliteStore::UpsertInstallation(const Installation& in) {
  auto status = CheckInstallation(in);
  if (!status) return tl::unexpected(status.error());
  const std::string settings = in.settings_json.empty() ? "{}" : in.settings_json;
  Installation row = in;
  row.installed_at = NowIfUnset(in.installed_at);
  row.updated_at = NowIfUnset(in.updated_at);

  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kUpsertInstallation);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  BindUpsertInstallation(s, row, settings, *status);
  if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("cannot store the installation"));
  Installation out = ReadInstallation(s);
  if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot store the installation"));
  return out;
}

Result<Installation> SqliteStore::GetInstallation(const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kGetInstallation);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return tl::unexpected(InstallationNotFound());
  if (rc != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the installation"));
  return ReadInstallation(s);
}

Result<std::vector<Installation>> SqliteStore::ListActiveInstallations() {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListActiveInstallations);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  std::vector<Installation> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadInstallation(s));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list installations"));
  return out;
}

Result<void> SqliteStore::DeactivateInstallation(const std::string& workspace_id) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return r;
  {
    auto stmt = w.Prepare(kDeactivateInstallation);
    if (!stmt) return tl::unexpected(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.Time(2, std::chrono::system_clock::now());
    if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot deactivate"));
    if (sqlite3_changes(w.db()) == 0) return tl::unexpected(InstallationNotFound());
  }
  {
    auto stmt = w.Prepare(kDeleteWorkspaceTokens);
    if (!stmt) return tl::unexpected(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot delete webhook tokens"));
  }
  return tx.Commit();
}

namespace {

// Runs an UPDATE of one installation: kNotFound when no row matched.
Result<void> UpdateInstallation(SqliteStore::Connection& w, std::string_view sql,
                                const std::string& workspace_id, const std::string& value) {
  auto stmt = w.Prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, value);
  s.Time(3, std::chrono::system_clock::now());
  if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot update the installation"));
  if (sqlite3_changes(w.db()) == 0) return tl::unexpected(InstallationNotFound());
  return {};
}

}  // namespace

Result<void> SqliteStore::UpdateSettings(const std::string& workspace_id,
                                         const std::string& settings_json) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return UpdateInstallation(*writer_, kUpdateSettings, workspace_id,
                            settings_json.empty() ? std::string("{}") : settings_json);
}

Result<void> SqliteStore::UpdateStatus(const std::string& workspace_id, const std::string& status) {
  if (auto ok = CheckStatus(status); !ok) return ok;
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return UpdateInstallation(*writer_, kUpdateStatus, workspace_id, status);
}

// ---- Webhook tokens ----

Result<void> SqliteStore::ReplaceWebhookTokens(const std::string& workspace_id,
                                               const std::string& route,
                                               const std::vector<WebhookToken>& tokens) {
  if (auto ok = CheckWebhookTokens(workspace_id, route, tokens); !ok) return ok;

  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return r;
  {
    auto stmt = w.Prepare(kDeleteRouteTokens);
    if (!stmt) return tl::unexpected(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.TextNoCopy(2, route);
    if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot delete webhook tokens"));
  }
  auto stmt = w.Prepare(kInsertToken);
  if (!stmt) return tl::unexpected(stmt.error());
  const std::string now = FormatTimestamp(std::chrono::system_clock::now());
  for (const WebhookToken& t : tokens) {
    Statement s(*stmt);
    BindInsertToken(s, workspace_id, route, t, now);
    const int rc = s.Step();
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return tl::unexpected(TokenHashConflict());
    if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot store a webhook token"));
  }
  return tx.Commit();
}

Result<WebhookToken> SqliteStore::FindWebhookToken(const std::string& token_hash) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kFindToken);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, token_hash);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return tl::unexpected(NotFound("unknown webhook token"));
  if (rc != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read webhook tokens"));
  return ReadToken(s);
}

Result<std::vector<WebhookToken>> SqliteStore::ListWebhookTokens(const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListTokens);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  std::vector<WebhookToken> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadToken(s));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list webhook tokens"));
  return out;
}

// ---- Webhook log ----

Result<std::vector<AppendOutcome>> SqliteStore::AppendWebhooks(std::span<const NewWebhook> batch) {
  std::vector<AppendOutcome> outcomes;
  if (batch.empty()) return outcomes;
  if (auto ok = CheckBatch(batch); !ok) return tl::unexpected(ok.error());
  outcomes.reserve(batch.size());
  const TimePoint now = std::chrono::system_clock::now();

  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  auto find = w.Prepare(kFindDuplicate);
  if (!find) return tl::unexpected(find.error());
  auto insert = w.Prepare(kInsertWebhook);
  if (!insert) return tl::unexpected(insert.error());

  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return tl::unexpected(r.error());
  Statement find_stmt(*find);
  Statement insert_stmt(*insert);
  for (const NewWebhook& row : batch) {
    // Earlier rows of this batch are visible here: same connection, same transaction.
    if (!row.dedup_key.empty()) {
      find_stmt.TextNoCopy(1, row.workspace_id);
      find_stmt.TextNoCopy(2, row.dedup_key);
      if (row.dedup_since) {
        find_stmt.Time(3, *row.dedup_since);
      } else {
        find_stmt.Null(3);
      }
      const int rc = find_stmt.Step();
      if (rc == SQLITE_ROW) {
        outcomes.push_back(AppendOutcome{find_stmt.ColumnInt(0), true});
        find_stmt.Reset();
        continue;
      }
      if (rc != SQLITE_DONE) return tl::unexpected(find_stmt.Failure("cannot de-duplicate"));
      find_stmt.Reset();
    }
    BindNewWebhook(insert_stmt, row, now);
    if (insert_stmt.Step() != SQLITE_DONE) {
      return tl::unexpected(insert_stmt.Failure("cannot append a webhook"));
    }
    // kInsertWebhook has no RETURNING: in SQLite it makes every insert keep a statement
    // journal, about ten times the writes.
    outcomes.push_back(AppendOutcome{sqlite3_last_insert_rowid(w.db()), false});
    insert_stmt.Reset();
  }
  if (auto r = tx.Commit(); !r) return tl::unexpected(r.error());
  return outcomes;
}

Result<WebhookRecord> SqliteStore::GetWebhook(const std::string& workspace_id, int64_t id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kGetWebhook);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return tl::unexpected(NotFound("webhook not found"));
  if (rc != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the webhook"));
  return ReadWebhook(s);
}

Result<int64_t> SqliteStore::CountWebhooks(const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kCountWebhooks);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("cannot count webhooks"));
  return s.ColumnInt(0);
}

Result<WebhookPage> SqliteStore::ListWebhooks(const std::string& workspace_id,
                                              const WebhookFilter& filter,
                                              std::optional<int64_t> before_id, int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return tl::unexpected(ok.error());
  const std::string sql = ListWebhooksSql(filter);
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  BindListWebhooks(s, workspace_id, filter,
                   before_id.value_or(std::numeric_limits<int64_t>::max()), limit);

  std::vector<WebhookRecord> rows;
  rows.reserve(static_cast<size_t>(limit) + 1);
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) rows.push_back(ReadListedWebhook(s));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list webhooks"));
  return PageOf(std::move(rows), limit);
}

Result<WebhookStats> SqliteStore::GetWebhookStats(const std::string& workspace_id,
                                                  TimePoint since) {
  WebhookStatsBuilder stats;
  std::optional<TimePoint> last_received_at;
  ReadLease lease(*this);
  {
    auto stmt = lease.conn().Prepare(kWebhookCountsSince);
    if (!stmt) return tl::unexpected(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.Time(2, since);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      stats.Add(s.ColumnText(0), s.ColumnText(1), s.ColumnText(2), s.ColumnInt(3));
    }
    if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot count webhooks"));
  }
  {
    // A separate read: a row committed in between may be newer than the counts know.
    auto stmt = lease.conn().Prepare(kLastWebhookAt);
    if (!stmt) return tl::unexpected(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    if (s.Step() != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the last webhook"));
    last_received_at = s.ColumnOptionalTime(0);
  }
  return stats.Finish(last_received_at);
}

std::string SqliteStore::ListWebhooksSqlForTest(const WebhookFilter& filter) {
  return ListWebhooksSql(filter);
}

std::vector<std::string> SqliteStore::WebhookStatsSqlForTest() {
  return {std::string(kWebhookCountsSince), std::string(kLastWebhookAt)};
}

// ---- Custom sources ----

Result<CustomSource> SqliteStore::CreateCustomSource(const CustomSource& source) {
  if (auto ok = CheckCustomSource(source); !ok) return tl::unexpected(ok.error());

  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kInsertCustomSource);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  BindInsertCustomSource(s, source, NowIfUnset(source.created_at));
  const int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT_UNIQUE) return tl::unexpected(CustomSourceConflict(source.source));
  if (rc != SQLITE_ROW) return tl::unexpected(s.Failure("cannot store the custom source"));
  CustomSource out = ReadCustomSource(s);
  if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot store the custom source"));
  return out;
}

Result<CustomSource> SqliteStore::GetCustomSource(const std::string& workspace_id,
                                                  const std::string& source) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kGetCustomSource);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, source);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return tl::unexpected(CustomSourceNotFound(source));
  if (rc != SQLITE_ROW) return tl::unexpected(s.Failure("cannot read the custom source"));
  return ReadCustomSource(s);
}

Result<std::vector<CustomSource>> SqliteStore::ListCustomSources(const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListCustomSources);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  std::vector<CustomSource> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadCustomSource(s));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list custom sources"));
  return out;
}

Result<void> SqliteStore::DeleteCustomSource(const std::string& workspace_id,
                                             const std::string& source) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kDeleteCustomSource);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, source);
  if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot delete the custom source"));
  if (sqlite3_changes(writer_->db()) == 0) return tl::unexpected(CustomSourceNotFound(source));
  return {};
}

}  // namespace uwh::store
