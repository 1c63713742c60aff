#pragma once
// The SQL both backends run, with the row layouts it returns and the order of its placeholders.
// Written so that SQLite and PostgreSQL accept the same text: $n placeholders, TRUE/FALSE,
// ON CONFLICT, RETURNING, no dialect-only functions. Timestamps are bound as FormatTimestamp()
// text: SQLite stores that text, PostgreSQL reads it into TIMESTAMPTZ.
//
// Readers and binders are templates over the backend's statement type, which provides
//   reading: ColumnText(i), ColumnInt(i) (also booleans, as 0/1), ColumnIsNull(i), ColumnTime(i),
//            ColumnOptionalTime(i)
//   binding: TextNoCopy(k, s), TextOrNull(k, s) (empty is NULL), Time(k, t), Int(k, n), Null(k)
// Internal to the store backends.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace uwh::store::sql {

constexpr std::string_view kMaxVersion =
    "SELECT COALESCE(MAX(version), 0) FROM universal_webhook_schema_migrations";
constexpr std::string_view kMigrationApplied =
    "SELECT COUNT(*) FROM universal_webhook_schema_migrations WHERE version = $1";
constexpr std::string_view kRecordMigration =
    "INSERT INTO universal_webhook_schema_migrations (version, name, applied_at) "
    "VALUES ($1, $2, $3)";
constexpr std::string_view kPing = "SELECT 1";

// ---- Installations ----

#define UWH_INSTALLATION_COLUMNS                                                              \
  "id, workspace_id, addon_id, addon_user_id, as_user, addon_token, settings_json, api_url, " \
  "backend_url, reports_url, is_active, status, installed_at, updated_at"

constexpr std::string_view kUpsertInstallation =
    "INSERT INTO universal_webhook_installation (workspace_id, addon_id, addon_user_id, as_user, "
    "addon_token, settings_json, api_url, backend_url, reports_url, is_active, status, "
    "installed_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, $10, $11, $12) "
    "ON CONFLICT (workspace_id) DO UPDATE SET addon_id = excluded.addon_id, "
    "addon_user_id = excluded.addon_user_id, as_user = excluded.as_user, "
    "addon_token = excluded.addon_token, api_url = excluded.api_url, "
    "backend_url = excluded.backend_url, reports_url = excluded.reports_url, is_active = TRUE, "
    "status = excluded.status, "
    // A repeated INSTALLED call keeps the original time; a reinstall after uninstall starts anew.
    "installed_at = CASE WHEN universal_webhook_installation.is_active "
    "THEN universal_webhook_installation.installed_at ELSE excluded.installed_at END, "
    "updated_at = excluded.updated_at "
    "RETURNING " UWH_INSTALLATION_COLUMNS;
constexpr std::string_view kGetInstallation =
    "SELECT " UWH_INSTALLATION_COLUMNS
    " FROM universal_webhook_installation WHERE workspace_id = $1";
constexpr std::string_view kListActiveInstallations =
    "SELECT " UWH_INSTALLATION_COLUMNS
    " FROM universal_webhook_installation WHERE is_active = TRUE ORDER BY id";
// $1 workspace, $2 now.
constexpr std::string_view kDeactivateInstallation =
    "UPDATE universal_webhook_installation SET is_active = FALSE, addon_token = NULL, "
    "updated_at = $2 WHERE workspace_id = $1";
// $1 workspace, $2 value, $3 now.
constexpr std::string_view kUpdateSettings =
    "UPDATE universal_webhook_installation SET settings_json = $2, updated_at = $3 "
    "WHERE workspace_id = $1";
constexpr std::string_view kUpdateStatus =
    "UPDATE universal_webhook_installation SET status = $2, updated_at = $3 "
    "WHERE workspace_id = $1";

// kUpsertInstallation's placeholders. `settings` and `status` are the checked values; `in`'s
// times are bound as they are (set them first: NowIfUnset).
template <typename Statement>
void BindUpsertInstallation(Statement& s, const Installation& in, const std::string& settings,
                            const std::string& status) {
  s.TextNoCopy(1, in.workspace_id);
  s.TextOrNull(2, in.addon_id);
  s.TextOrNull(3, in.addon_user_id);
  s.TextOrNull(4, in.as_user);
  s.TextOrNull(5, in.addon_token_ciphertext);
  s.TextNoCopy(6, settings);
  s.TextOrNull(7, in.api_url);
  s.TextOrNull(8, in.backend_url);
  s.TextOrNull(9, in.reports_url);
  s.TextNoCopy(10, status);
  s.Time(11, in.installed_at);
  s.Time(12, in.updated_at);
}

template <typename Row>
Installation ReadInstallation(const Row& s) {
  Installation in;
  in.id = s.ColumnInt(0);
  in.workspace_id = s.ColumnText(1);
  in.addon_id = s.ColumnText(2);
  in.addon_user_id = s.ColumnText(3);
  in.as_user = s.ColumnText(4);
  in.addon_token_ciphertext = s.ColumnText(5);
  in.settings_json = s.ColumnText(6);
  in.api_url = s.ColumnText(7);
  in.backend_url = s.ColumnText(8);
  in.reports_url = s.ColumnText(9);
  in.is_active = s.ColumnInt(10) != 0;
  in.status = s.ColumnText(11);
  in.installed_at = s.ColumnTime(12);
  in.updated_at = s.ColumnTime(13);
  return in;
}

// ---- Webhook tokens ----

#define UWH_TOKEN_COLUMNS \
  "workspace_id, event_type, path, route, token_hash, token_ciphertext, clockify_webhook_id"

constexpr std::string_view kDeleteWorkspaceTokens =
    "DELETE FROM universal_webhook_webhook_token WHERE workspace_id = $1";
constexpr std::string_view kDeleteRouteTokens =
    "DELETE FROM universal_webhook_webhook_token WHERE workspace_id = $1 AND route = $2";
constexpr std::string_view kInsertToken =
    "INSERT INTO universal_webhook_webhook_token (" UWH_TOKEN_COLUMNS
    ", created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr std::string_view kFindToken = "SELECT " UWH_TOKEN_COLUMNS
                                        " FROM universal_webhook_webhook_token "
                                        "WHERE token_hash = $1";
constexpr std::string_view kListTokens = "SELECT " UWH_TOKEN_COLUMNS
                                         " FROM universal_webhook_webhook_token "
                                         "WHERE workspace_id = $1 ORDER BY route, event_type, id";

// kInsertToken's placeholders; `now` is the formatted creation time.
template <typename Statement>
void BindInsertToken(Statement& s, const std::string& workspace_id, const std::string& route,
                     const WebhookToken& t, const std::string& now) {
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, t.event_type);
  s.TextNoCopy(3, t.path);
  s.TextNoCopy(4, route);
  s.TextNoCopy(5, t.token_hash);
  s.TextNoCopy(6, t.token_ciphertext);
  s.TextOrNull(7, t.clockify_webhook_id);
  s.TextNoCopy(8, now);
}

template <typename Row>
WebhookToken ReadToken(const Row& s) {
  WebhookToken t;
  t.workspace_id = s.ColumnText(0);
  t.event_type = s.ColumnText(1);
  t.path = s.ColumnText(2);
  t.route = s.ColumnText(3);
  t.token_hash = s.ColumnText(4);
  t.token_ciphertext = s.ColumnText(5);
  t.clockify_webhook_id = s.ColumnText(6);
  return t;
}

// ---- Webhook log ----

// Also the column list of PostgreSQL's append statement (postgres_webhook_log.cpp).
#define UWH_WEBHOOK_INSERT_COLUMNS                                                         \
  "workspace_id, event_type, source, custom_source, payload_json, headers_json, "          \
  "content_type, status, dedup_key, received_at"

constexpr std::string_view kInsertWebhook =
    "INSERT INTO universal_webhook_log (" UWH_WEBHOOK_INSERT_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
// A whole webhook-log row (payload and queue columns included), in ReadWebhook's order. Kept
// defined: the queue's statements return it too.
#define UWH_WEBHOOK_RECORD_COLUMNS                                                               \
  "id, workspace_id, event_type, source, custom_source, payload_json, headers_json, "            \
  "content_type, status, error_message, received_at, attempts, flows_matched, processed_at"
constexpr std::string_view kGetWebhook = "SELECT " UWH_WEBHOOK_RECORD_COLUMNS
                                         " FROM universal_webhook_log "
                                         "WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kCountWebhooks =
    "SELECT COUNT(*) FROM universal_webhook_log WHERE workspace_id = $1";

// kInsertWebhook's placeholders $1–$10 (PostgreSQL's append statement uses the same numbers).
// Binds without copies: `row` must stay unchanged until the statement ran.
template <typename Statement>
void BindNewWebhook(Statement& s, const NewWebhook& row, TimePoint now) {
  s.TextNoCopy(1, row.workspace_id);
  s.TextNoCopy(2, row.event_type);
  s.TextNoCopy(3, row.source);
  s.TextOrNull(4, row.custom_source);
  s.TextNoCopy(5, row.payload);
  s.TextOrNull(6, row.headers_json);
  s.TextOrNull(7, row.content_type);
  s.TextNoCopy(8, row.status);
  s.TextOrNull(9, row.dedup_key);
  s.Time(10, row.received_at == TimePoint{} ? now : row.received_at);
}

template <typename Row>
WebhookRecord ReadWebhook(const Row& s) {
  WebhookRecord r;
  r.id = s.ColumnInt(0);
  r.workspace_id = s.ColumnText(1);
  r.event_type = s.ColumnText(2);
  r.source = s.ColumnText(3);
  r.custom_source = s.ColumnText(4);
  r.payload = s.ColumnText(5);
  r.headers_json = s.ColumnText(6);
  r.content_type = s.ColumnText(7);
  r.status = s.ColumnText(8);
  r.error_message = s.ColumnText(9);
  r.received_at = s.ColumnTime(10);
  r.attempts = static_cast<int>(s.ColumnInt(11));
  if (!s.ColumnIsNull(12)) r.flows_matched = static_cast<int>(s.ColumnInt(12));
  r.processed_at = s.ColumnOptionalTime(13);
  return r;
}

// The list reads the page's ids first (ListWebhookIdsSql), then only those rows; each backend
// wraps the id query its own way. Under a from/to filter the ids come from the covering
// (workspace_id, received_at, …) index, sorted: the window's rows are read from index pages alone,
// never from the table, whose rows carry the payloads. "id + 0" keeps SQLite from walking every
// newer row of the workspace by id instead (with a cursor it would prefer that, and reach old
// windows only after reading the whole newer log).
#define UWH_WEBHOOK_LIST_COLUMNS                                                               \
  "id, workspace_id, event_type, source, custom_source, content_type, status, error_message, " \
  "received_at"
constexpr std::string_view kWebhookListSelect =
    "SELECT " UWH_WEBHOOK_LIST_COLUMNS " FROM universal_webhook_log WHERE workspace_id = $1 ";
// One grouped pass over the window; the three breakdowns are summed from it.
constexpr std::string_view kWebhookCountsSince =
    "SELECT status, event_type, source, COUNT(*) FROM universal_webhook_log "
    "WHERE workspace_id = $1 AND received_at >= $2 GROUP BY status, event_type, source";
// The dashboard's chart: one range count per hour ($1 workspace, $2 from, $3 to), each a range
// scan of the (workspace_id, received_at) index; no date functions, whose names differ.
constexpr std::string_view kCountWebhooksBetween =
    "SELECT COUNT(*) FROM universal_webhook_log "
    "WHERE workspace_id = $1 AND received_at >= $2 AND received_at < $3";
// The same per hour for flow runs, by start time (the (workspace_id, started_at, status) index).
constexpr std::string_view kCountExecutionsBetween =
    "SELECT COUNT(*) FROM universal_webhook_flow_execution "
    "WHERE workspace_id = $1 AND started_at >= $2 AND started_at < $3";
constexpr std::string_view kLastWebhookAt =
    "SELECT MAX(received_at) FROM universal_webhook_log WHERE workspace_id = $1";

// Placeholders of the list statement: $1 workspace, $2 id bound, $3 limit, then one per filter
// present, in this order.
enum ListFilter { kEventType, kSource, kCustomSource, kStatus, kFrom, kTo, kFilterCount };

inline std::array<bool, kFilterCount> PresentFilters(const WebhookFilter& f) {
  return {!f.event_type.empty(), !f.source.empty(),  !f.custom_source.empty(),
          !f.status.empty(),     f.from.has_value(), f.to.has_value()};
}

// The ids of one page, newest first.
inline std::string ListWebhookIdsSql(const WebhookFilter& filter) {
  static constexpr std::array<std::string_view, kFilterCount> kConditions = {
      " AND event_type = $", " AND source = $",       " AND custom_source = $",
      " AND status = $",     " AND received_at >= $", " AND received_at < $"};
  const auto present = PresentFilters(filter);
  std::string sql = "SELECT id FROM universal_webhook_log WHERE workspace_id = $1";
  sql += filter.from || filter.to ? " AND id + 0 < $2" : " AND id < $2";
  int placeholder = 3;
  for (int i = 0; i < kFilterCount; ++i) {
    if (!present[i]) continue;
    sql += kConditions[i];
    sql += std::to_string(++placeholder);
  }
  sql += " ORDER BY id DESC LIMIT $3";
  return sql;
}

// The list statement's placeholders (ListWebhookIdsSql()'s). The page asks one row more than `limit`: it tells whether
// another page follows.
template <typename Statement>
void BindListWebhooks(Statement& s, const std::string& workspace_id, const WebhookFilter& filter,
                      int64_t before_id, int limit) {
  s.TextNoCopy(1, workspace_id);
  s.Int(2, before_id);
  s.Int(3, static_cast<int64_t>(limit) + 1);
  const auto present = PresentFilters(filter);
  int placeholder = 3;
  if (present[kEventType]) s.TextNoCopy(++placeholder, filter.event_type);
  if (present[kSource]) s.TextNoCopy(++placeholder, filter.source);
  if (present[kCustomSource]) s.TextNoCopy(++placeholder, filter.custom_source);
  if (present[kStatus]) s.TextNoCopy(++placeholder, filter.status);
  if (present[kFrom]) s.Time(++placeholder, *filter.from);
  if (present[kTo]) s.Time(++placeholder, *filter.to);
}

template <typename Row>
WebhookRecord ReadListedWebhook(const Row& s) {
  WebhookRecord r;
  r.id = s.ColumnInt(0);
  r.workspace_id = s.ColumnText(1);
  r.event_type = s.ColumnText(2);
  r.source = s.ColumnText(3);
  r.custom_source = s.ColumnText(4);
  r.content_type = s.ColumnText(5);
  r.status = s.ColumnText(6);
  r.error_message = s.ColumnText(7);
  r.received_at = s.ColumnTime(8);
  return r;
}

// ---- Custom sources ----

#define UWH_CUSTOM_SOURCE_COLUMNS "workspace_id, source, secret_ciphertext, is_open, created_at"

constexpr std::string_view kInsertCustomSource =
    "INSERT INTO universal_webhook_custom_source (" UWH_CUSTOM_SOURCE_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5) RETURNING " UWH_CUSTOM_SOURCE_COLUMNS;
constexpr std::string_view kGetCustomSource =
    "SELECT " UWH_CUSTOM_SOURCE_COLUMNS
    " FROM universal_webhook_custom_source WHERE workspace_id = $1 AND source = $2";
constexpr std::string_view kListCustomSources =
    "SELECT " UWH_CUSTOM_SOURCE_COLUMNS
    " FROM universal_webhook_custom_source WHERE workspace_id = $1 ORDER BY source";
constexpr std::string_view kDeleteCustomSource =
    "DELETE FROM universal_webhook_custom_source WHERE workspace_id = $1 AND source = $2";

template <typename Statement>
void BindInsertCustomSource(Statement& s, const CustomSource& source, TimePoint created_at) {
  s.TextNoCopy(1, source.workspace_id);
  s.TextNoCopy(2, source.source);
  s.TextOrNull(3, source.secret_ciphertext);
  s.Int(4, source.open ? 1 : 0);
  s.Time(5, created_at);
}

template <typename Row>
CustomSource ReadCustomSource(const Row& s) {
  CustomSource c;
  c.workspace_id = s.ColumnText(0);
  c.source = s.ColumnText(1);
  c.secret_ciphertext = s.ColumnText(2);
  c.open = s.ColumnInt(3) != 0;
  c.created_at = s.ColumnTime(4);
  return c;
}

// ---- Bootstrap runs and the entity cache (SPEC §9) ----

constexpr std::string_view kEnsureBootstrapState =
    "INSERT INTO universal_webhook_bootstrap_state (workspace_id, status, progress, "
    "total_endpoints, completed_endpoints) VALUES ($1, 'pending', 0, 0, 0) "
    "ON CONFLICT (workspace_id) DO NOTHING";
constexpr std::string_view kGetBootstrapState =
    "SELECT workspace_id, status, progress, total_endpoints, completed_endpoints, error_message, "
    "started_at, completed_at, claimed_by, lease_expires_at "
    "FROM universal_webhook_bootstrap_state WHERE workspace_id = $1";

// The lease statements take $1 workspace, $2 owner, then $3 the lease's now and $4 its expiry
// (BindLease with the now), or $3 the expiry alone (BindLease without it).
// A run is free for a fresh start unless another owner holds a live lease on it.
constexpr std::string_view kStartBootstrap =
    "UPDATE universal_webhook_bootstrap_state SET status = 'in_progress', progress = 0, "
    "total_endpoints = 0, completed_endpoints = 0, error_message = NULL, started_at = $3, "
    "completed_at = NULL, claimed_by = $2, lease_expires_at = $4 "
    "WHERE workspace_id = $1 AND (status <> 'in_progress' OR lease_expires_at IS NULL "
    "OR lease_expires_at < $3 OR claimed_by = $2)";
constexpr std::string_view kResumeBootstrap =
    "UPDATE universal_webhook_bootstrap_state SET claimed_by = $2, lease_expires_at = $4 "
    "WHERE workspace_id = $1 AND status = 'in_progress' AND (lease_expires_at IS NULL "
    "OR lease_expires_at < $3 OR claimed_by = $2)";
// Every write of a run goes through this: it renews the lease and proves the owner still holds
// it (in PostgreSQL the row lock also keeps a concurrent claim out until the commit).
constexpr std::string_view kRenewLease =
    "UPDATE universal_webhook_bootstrap_state SET lease_expires_at = $3 "
    "WHERE workspace_id = $1 AND claimed_by = $2 AND status = 'in_progress'";
// $1 now.
constexpr std::string_view kListResumable =
    "SELECT workspace_id FROM universal_webhook_bootstrap_state WHERE status = 'in_progress' "
    "AND (lease_expires_at IS NULL OR lease_expires_at < $1) ORDER BY workspace_id";
// $1 workspace, $2 owner, $3 total, $4 completed, $5 progress.
constexpr std::string_view kUpdateProgress =
    "UPDATE universal_webhook_bootstrap_state SET total_endpoints = $3, "
    "completed_endpoints = $4, progress = $5 "
    "WHERE workspace_id = $1 AND claimed_by = $2 AND status = 'in_progress'";
// $1 workspace, $2 owner, $3 status, $4 error message, $5 completed_at.
constexpr std::string_view kFinishBootstrap =
    "UPDATE universal_webhook_bootstrap_state SET status = $3, error_message = $4, "
    "completed_at = $5, claimed_by = NULL, lease_expires_at = NULL "
    "WHERE workspace_id = $1 AND claimed_by = $2 AND status = 'in_progress'";
constexpr std::string_view kDeleteCheckpoints =
    "DELETE FROM universal_webhook_bootstrap_checkpoint WHERE workspace_id = $1";

template <typename Row>
BootstrapState ReadBootstrapState(const Row& s) {
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

template <typename Statement>
void BindLease(Statement& s, const std::string& workspace_id, const BootstrapLease& lease,
               bool with_now) {
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, lease.owner);
  if (with_now) {
    s.Time(3, lease.now);
    s.Time(4, lease.expires_at);
  } else {
    s.Time(3, lease.expires_at);
  }
}

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

template <typename Statement>
void BindUpsertCheckpoint(Statement& s, const std::string& workspace_id,
                          const BootstrapCheckpoint& c, TimePoint now) {
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
}

template <typename Row>
BootstrapCheckpoint ReadCheckpoint(const Row& s) {
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

#define UWH_ENTITY_COLUMNS "entity_type, entity_id, data_json, fetched_at"
constexpr std::string_view kUpsertEntity =
    "INSERT INTO universal_webhook_entity_cache (workspace_id, " UWH_ENTITY_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (workspace_id, entity_type, entity_id) DO UPDATE SET "
    "data_json = excluded.data_json, fetched_at = excluded.fetched_at";
// $1 workspace, $2 type, $3 id.
constexpr std::string_view kDeleteEntity =
    "DELETE FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND entity_id = $3";
constexpr std::string_view kGetEntity =
    "SELECT " UWH_ENTITY_COLUMNS
    " FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND entity_id = $3";
// $1 workspace, $2 type, $3 after this id ('' for the first page), $4 limit.
constexpr std::string_view kListEntities =
    "SELECT " UWH_ENTITY_COLUMNS
    " FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND entity_id > $3 "
    "ORDER BY entity_id LIMIT $4";
#undef UWH_ENTITY_COLUMNS
// $1 workspace, $2 type, $3 fetched since.
constexpr std::string_view kListEntityIds =
    "SELECT entity_id FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND fetched_at >= $3 ORDER BY entity_id";
constexpr std::string_view kCountEntities =
    "SELECT entity_type, COUNT(*) FROM universal_webhook_entity_cache WHERE workspace_id = $1 "
    "GROUP BY entity_type ORDER BY entity_type";
// $1 workspace, $2 type, $3 before.
constexpr std::string_view kDeleteTypeBefore =
    "DELETE FROM universal_webhook_entity_cache "
    "WHERE workspace_id = $1 AND entity_type = $2 AND fetched_at < $3";

template <typename Statement>
void BindUpsertEntity(Statement& s, const std::string& workspace_id, const CachedEntity& e,
                      TimePoint now) {
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, e.entity_type);
  s.TextNoCopy(3, e.entity_id);
  s.TextNoCopy(4, e.data_json);
  s.Time(5, e.fetched_at == TimePoint{} ? now : e.fetched_at);
}

template <typename Row>
CachedEntity ReadEntity(const Row& s) {
  CachedEntity e;
  e.entity_type = s.ColumnText(0);
  e.entity_id = s.ColumnText(1);
  e.data_json = s.ColumnText(2);
  e.fetched_at = s.ColumnTime(3);
  return e;
}

// ---- Retention (SPEC §10): $1 workspace, $2 before, $3 at most this many rows ----

// The oldest entries of the workspace first.
constexpr std::string_view kPurgeEntitiesBefore =
    "DELETE FROM universal_webhook_entity_cache WHERE id IN (SELECT id FROM "
    "universal_webhook_entity_cache WHERE workspace_id = $1 AND fetched_at < $2 "
    "ORDER BY fetched_at LIMIT $3)";
// Rows still "received" (waiting for a queue worker) or "processing" (claimed by one) are not
// finished: their flows have not run yet, however old they are.
constexpr std::string_view kDeleteFinishedWebhooks =
    "DELETE FROM universal_webhook_log WHERE id IN (SELECT id FROM universal_webhook_log "
    "WHERE workspace_id = $1 AND received_at < $2 AND status <> 'received' "
    "AND status <> 'processing' ORDER BY received_at LIMIT $3)";
constexpr std::string_view kDeleteExecutionsBefore =
    "DELETE FROM universal_webhook_flow_execution WHERE id IN (SELECT id FROM "
    "universal_webhook_flow_execution WHERE workspace_id = $1 AND started_at < $2 "
    "ORDER BY started_at LIMIT $3)";

// ---- Webhook registrations (SPEC §8) ----

constexpr std::string_view kDeleteRegistrations =
    "DELETE FROM universal_webhook_webhook_registration WHERE workspace_id = $1";
constexpr std::string_view kInsertRegistration =
    "INSERT INTO universal_webhook_webhook_registration "
    "(workspace_id, event_type, status, clockify_webhook_id, reason, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kListRegistrations =
    "SELECT workspace_id, event_type, status, clockify_webhook_id, reason, updated_at "
    "FROM universal_webhook_webhook_registration WHERE workspace_id = $1 ORDER BY event_type";

template <typename Statement>
void BindInsertRegistration(Statement& s, const std::string& workspace_id,
                            const WebhookRegistration& r, TimePoint updated_at) {
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, r.event_type);
  s.TextNoCopy(3, r.status);
  s.TextOrNull(4, r.clockify_webhook_id);
  s.TextOrNull(5, r.reason);
  s.Time(6, updated_at);
}

template <typename Row>
WebhookRegistration ReadRegistration(const Row& s) {
  WebhookRegistration r;
  r.workspace_id = s.ColumnText(0);
  r.event_type = s.ColumnText(1);
  r.status = s.ColumnText(2);
  r.clockify_webhook_id = s.ColumnText(3);
  r.reason = s.ColumnText(4);
  r.updated_at = s.ColumnTime(5);
  return r;
}

// ---- Flows (SPEC §6.1) ----

#define UWH_FLOW_COLUMNS                                                                       \
  "id, workspace_id, name, description, trigger_source, trigger_event_type, conditions_json, " \
  "actions_json, enabled, paused_reason, created_at, updated_at"

constexpr std::string_view kInsertFlow =
    "INSERT INTO universal_webhook_flow (workspace_id, name, description, trigger_source, "
    "trigger_event_type, conditions_json, actions_json, enabled, paused_reason, created_at, "
    "updated_at) VALUES ($1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $2) RETURNING " UWH_FLOW_COLUMNS;
constexpr std::string_view kGetFlow = "SELECT " UWH_FLOW_COLUMNS
                                      " FROM universal_webhook_flow "
                                      "WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kListFlows =
    "SELECT " UWH_FLOW_COLUMNS
    " FROM universal_webhook_flow WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
constexpr std::string_view kUpdateFlow =
    "UPDATE universal_webhook_flow SET name = $3, description = $4, trigger_source = $5, "
    "trigger_event_type = $6, conditions_json = $7, actions_json = $8, enabled = $9, "
    "paused_reason = $10, updated_at = $11 WHERE workspace_id = $1 AND id = $2 "
    "RETURNING " UWH_FLOW_COLUMNS;
constexpr std::string_view kDeleteFlow =
    "DELETE FROM universal_webhook_flow WHERE workspace_id = $1 AND id = $2";
// Served by the seed's (workspace_id, trigger_event_type, enabled) index.
constexpr std::string_view kTriggeredFlows =
    "SELECT " UWH_FLOW_COLUMNS
    " FROM universal_webhook_flow WHERE workspace_id = $1 AND trigger_event_type IN ($3, '*') "
    "AND enabled = TRUE AND trigger_source = $2 ORDER BY id";
constexpr std::string_view kPauseFlow =
    "UPDATE universal_webhook_flow SET enabled = FALSE, paused_reason = $3, updated_at = $4 "
    "WHERE workspace_id = $1 AND id = $2 AND enabled = TRUE";
constexpr std::string_view kCountFlows =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN enabled THEN 1 ELSE 0 END), 0) "
    "FROM universal_webhook_flow WHERE workspace_id = $1";

// The columns every flow write sets, $3…$11 in kUpdateFlow's order (kInsertFlow: $2 is
// created_at, $11 updated_at). Empty conditions and actions are stored as "{}" and "[]".
template <typename Statement>
void BindFlowFields(Statement& s, const Flow& f, TimePoint updated_at) {
  s.TextNoCopy(3, f.name);
  s.TextNoCopy(4, f.description);
  s.TextNoCopy(5, f.trigger_source);
  s.TextNoCopy(6, f.trigger_event_type);
  s.Text(7, f.conditions_json.empty() ? std::string("{}") : f.conditions_json);
  s.Text(8, f.actions_json.empty() ? std::string("[]") : f.actions_json);
  s.Int(9, f.enabled ? 1 : 0);
  s.TextOrNull(10, f.paused_reason);
  s.Time(11, updated_at);
}

template <typename Row>
Flow ReadFlow(const Row& s) {
  Flow f;
  f.id = s.ColumnInt(0);
  f.workspace_id = s.ColumnText(1);
  f.name = s.ColumnText(2);
  f.description = s.ColumnText(3);
  f.trigger_source = s.ColumnText(4);
  f.trigger_event_type = s.ColumnText(5);
  f.conditions_json = s.ColumnText(6);
  f.actions_json = s.ColumnText(7);
  f.enabled = s.ColumnInt(8) != 0;
  f.paused_reason = s.ColumnText(9);
  f.created_at = s.ColumnTime(10);
  f.updated_at = s.ColumnTime(11);
  return f;
}

// ---- Executions (SPEC §6.4) ----

#define UWH_EXECUTION_COLUMNS                                                              \
  "id, workspace_id, flow_id, webhook_log_id, status, actions_executed, error_message, "   \
  "result_json, trigger_kind, replay_of, entity_id, flow_json, started_at, completed_at, " \
  "lease_expires_at"

#define UWH_INSERT_EXECUTION                                                                      \
  "INSERT INTO universal_webhook_flow_execution (workspace_id, flow_id, webhook_log_id, status, " \
  "actions_executed, error_message, result_json, trigger_kind, replay_of, entity_id, flow_json, " \
  "started_at, completed_at, lease_expires_at) "                                                  \
  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "

// Nothing when the pair has its automatic execution already (the partial unique index).
constexpr std::string_view kBeginAutomatic = UWH_INSERT_EXECUTION
    "ON CONFLICT (webhook_log_id, flow_id) WHERE trigger_kind = 'automatic' DO NOTHING "
    "RETURNING " UWH_EXECUTION_COLUMNS;
constexpr std::string_view kGetAutomatic =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE webhook_log_id = $1 AND flow_id = $2 "
    "AND trigger_kind = 'automatic'";
constexpr std::string_view kInsertExecution =
    UWH_INSERT_EXECUTION "RETURNING " UWH_EXECUTION_COLUMNS;
constexpr std::string_view kUpdateExecution =
    "UPDATE universal_webhook_flow_execution SET status = $3, actions_executed = $4, "
    "error_message = $5, result_json = $6, completed_at = $7, lease_expires_at = $8 "
    "WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kGetExecution = "SELECT " UWH_EXECUTION_COLUMNS
                                           " FROM universal_webhook_flow_execution "
                                           "WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kListFlowExecutions =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE flow_id = $2 AND workspace_id = $1 "
    "AND id < $3 ORDER BY id DESC LIMIT $4";
constexpr std::string_view kListWebhookExecutions =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE webhook_log_id = $2 AND workspace_id = $1 "
    "ORDER BY id";
constexpr std::string_view kCountRecentRuns =
    "SELECT COUNT(*) FROM universal_webhook_flow_execution WHERE flow_id = $2 AND entity_id = $3 "
    "AND started_at >= $4 AND workspace_id = $1 AND trigger_kind = 'automatic' "
    "AND status <> 'skipped'";
constexpr std::string_view kExecutionCountsSince =
    "SELECT status, COUNT(*) FROM universal_webhook_flow_execution "
    "WHERE workspace_id = $1 AND started_at >= $2 GROUP BY status";
constexpr std::string_view kAbandonedExecutions =
    "SELECT " UWH_EXECUTION_COLUMNS
    " FROM universal_webhook_flow_execution WHERE lease_expires_at IS NOT NULL "
    "AND lease_expires_at < $1 AND status = 'running' ORDER BY id LIMIT $2";

constexpr std::string_view kFindCachedEntity =
    "SELECT data_json FROM universal_webhook_entity_cache WHERE workspace_id = $1 "
    "AND entity_type = $2 AND entity_id = $3 ORDER BY fetched_at DESC LIMIT 1";

template <typename Statement>
void BindOptionalInt(Statement& s, int k, const std::optional<int64_t>& v) {
  if (v) {
    s.Int(k, *v);
  } else {
    s.Null(k);
  }
}

template <typename Statement>
void BindOptionalTime(Statement& s, int k, const std::optional<TimePoint>& t) {
  if (t) {
    s.Time(k, *t);
  } else {
    s.Null(k);
  }
}

// UWH_INSERT_EXECUTION's placeholders $1–$14; `started_at` is the row's start (set it first:
// NowIfUnset). Binds without copies: `e` must stay unchanged until the statement ran.
template <typename Statement>
void BindExecution(Statement& s, const FlowExecution& e, TimePoint started_at) {
  s.TextNoCopy(1, e.workspace_id);
  s.Int(2, e.flow_id);
  BindOptionalInt(s, 3, e.webhook_log_id);
  s.TextNoCopy(4, e.status);
  s.Int(5, e.actions_executed);
  s.TextOrNull(6, e.error_message);
  s.TextNoCopy(7, e.result_json);
  s.TextNoCopy(8, e.trigger);
  BindOptionalInt(s, 9, e.replay_of);
  s.TextOrNull(10, e.entity_id);
  s.TextOrNull(11, e.flow_json);
  s.Time(12, started_at);
  BindOptionalTime(s, 13, e.completed_at);
  BindOptionalTime(s, 14, e.lease_expires_at);
}

// kUpdateExecution's placeholders.
template <typename Statement>
void BindExecutionProgress(Statement& s, const std::string& workspace_id, int64_t id,
                           const ExecutionProgress& progress) {
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  s.TextNoCopy(3, progress.status);
  s.Int(4, progress.actions_executed);
  s.TextOrNull(5, progress.error_message);
  s.TextNoCopy(6, progress.result_json);
  BindOptionalTime(s, 7, progress.completed_at);
  BindOptionalTime(s, 8, progress.lease_expires_at);
}

template <typename Row>
FlowExecution ReadExecution(const Row& s) {
  const auto optional_int = [&s](int col) -> std::optional<int64_t> {
    if (s.ColumnIsNull(col)) return std::nullopt;
    return s.ColumnInt(col);
  };
  FlowExecution e;
  e.id = s.ColumnInt(0);
  e.workspace_id = s.ColumnText(1);
  e.flow_id = s.ColumnInt(2);
  e.webhook_log_id = optional_int(3);
  e.status = s.ColumnText(4);
  e.actions_executed = static_cast<int>(s.ColumnInt(5));
  e.error_message = s.ColumnText(6);
  e.result_json = s.ColumnText(7);
  e.trigger = s.ColumnText(8);
  e.replay_of = optional_int(9);
  e.entity_id = s.ColumnText(10);
  e.flow_json = s.ColumnText(11);
  e.started_at = s.ColumnTime(12);
  e.completed_at = s.ColumnOptionalTime(13);
  e.lease_expires_at = s.ColumnOptionalTime(14);
  return e;
}

// ---- The webhook queue (SPEC §6.4; design in ingest/webhook_queue.hpp) ----
// A lease is held while lease_expires_at > now; at or after that instant anyone may take it.
// Claiming a lease differs per backend (SQLite: one conditional upsert under its single writer;
// PostgreSQL: FOR UPDATE SKIP LOCKED among instances); taking and finishing webhooks, fenced by
// the lease, is the same text on both.
//
// A workspace's oldest unconsumed webhook: its "processing" row if it has one (the one a worker
// was consuming), else its oldest "received" row. A processing row is always older than every
// received row of its workspace (rows are taken oldest first), so this is the oldest of both,
// and each part is one seek in the (workspace_id, status, id) index whatever the backlog.
#define UWH_OLDEST_PENDING(ws)                                                         \
  "COALESCE((SELECT MIN(p.id) FROM universal_webhook_log p WHERE p.workspace_id = " ws \
  " AND p.status = 'processing'), (SELECT MIN(r.id) FROM universal_webhook_log r "     \
  "WHERE r.workspace_id = " ws " AND r.status = 'received'))"

// Workspaces with unconsumed webhooks whose lease is free ($1 now), oldest waiting first, at most
// $2; the second column tells whether the workspace has a lease row yet. A few index seeks per
// installation, never a pass over the backlog.
constexpr std::string_view kQueueCandidates =
    "SELECT c.workspace_id, q.workspace_id IS NOT NULL FROM (SELECT i.workspace_id, "
    UWH_OLDEST_PENDING("i.workspace_id")
    " AS first_id FROM universal_webhook_installation i) c "
    "LEFT JOIN universal_webhook_queue_lease q ON q.workspace_id = c.workspace_id "
    "WHERE c.first_id IS NOT NULL AND (q.workspace_id IS NULL OR q.lease_expires_at <= $1) "
    "ORDER BY c.first_id LIMIT $2";
// $1 workspace, $2 owner, $3 until.
constexpr std::string_view kSetLease =
    "UPDATE universal_webhook_queue_lease SET lease_expires_at = $3 "
    "WHERE workspace_id = $1 AND owner = $2";
#define UWH_LEASE_HELD                                                           \
  "EXISTS (SELECT 1 FROM universal_webhook_queue_lease WHERE workspace_id = $1 " \
  "AND owner = $2 AND lease_expires_at > $3)"

// $1 workspace, $2 owner, $3 now, $4 until (and $5 at most, for kTakeReceived). The status is
// checked again on the row itself: on PostgreSQL a row another statement changed meanwhile is
// re-evaluated against the outer WHERE only.
// The row an earlier claim left "processing", alone: it is consumed again before anything newer.
constexpr std::string_view kTakeInterrupted =
    "UPDATE universal_webhook_log SET claimed_by = $2, lease_expires_at = $4, "
    "attempts = attempts + 1 "
    "WHERE id = (SELECT MIN(p.id) FROM universal_webhook_log p WHERE p.workspace_id = $1 "
    "AND p.status = 'processing') AND status = 'processing' AND " UWH_LEASE_HELD
    " RETURNING " UWH_WEBHOOK_RECORD_COLUMNS;
// Up to $5 of the oldest received rows, in one write.
constexpr std::string_view kTakeReceived =
    "UPDATE universal_webhook_log SET status = 'processing', claimed_by = $2, "
    "lease_expires_at = $4, attempts = attempts + 1 "
    "WHERE id IN (SELECT r.id FROM universal_webhook_log r WHERE r.workspace_id = $1 "
    "AND r.status = 'received' ORDER BY r.id LIMIT $5) AND status = 'received' "
    "AND " UWH_LEASE_HELD " RETURNING " UWH_WEBHOOK_RECORD_COLUMNS;
// Finishing is fenced by the lease row still naming the owner: a worker whose lease was taken
// over finishes nothing, even rows the new holder has not taken again yet. (Expired but not taken
// over, it may: nobody else consumed them.)
#define UWH_STILL_OWNER                                                          \
  "EXISTS (SELECT 1 FROM universal_webhook_queue_lease WHERE workspace_id = $1 " \
  "AND owner = $3)"
// $1 workspace, $2 id, $3 owner, $4 status, $5 error, $6 now. flows_matched: one automatic
// execution per flow that matched (the executor writes it, even for a run the loop guard
// skipped), counted with the (webhook_log_id, flow_id) index.
constexpr std::string_view kFinishDone =
    "UPDATE universal_webhook_log SET status = $4, error_message = $5, processed_at = $6, "
    "claimed_by = NULL, lease_expires_at = NULL, flows_matched = (SELECT COUNT(*) FROM "
    "universal_webhook_flow_execution e WHERE e.webhook_log_id = universal_webhook_log.id "
    "AND e.trigger_kind = 'automatic') "
    "WHERE workspace_id = $1 AND id = $2 AND claimed_by = $3 AND status = 'processing' "
    "AND " UWH_STILL_OWNER;
// $1 workspace, $2 id, $3 owner.
constexpr std::string_view kFinishUntouched =
    "UPDATE universal_webhook_log SET status = 'received', claimed_by = NULL, "
    "lease_expires_at = NULL, attempts = attempts - 1 "
    "WHERE workspace_id = $1 AND id = $2 AND claimed_by = $3 AND status = 'processing' "
    "AND " UWH_STILL_OWNER;
constexpr std::string_view kCountQueued =
    "SELECT COUNT(*) FROM universal_webhook_log WHERE status IN ('received', 'processing')";

// How many workspaces one claim considers.
constexpr int kQueueCandidateCount = 8;

#undef UWH_OLDEST_PENDING
#undef UWH_LEASE_HELD
#undef UWH_STILL_OWNER

#undef UWH_INSTALLATION_COLUMNS
#undef UWH_FLOW_COLUMNS
#undef UWH_EXECUTION_COLUMNS
#undef UWH_INSERT_EXECUTION
#undef UWH_TOKEN_COLUMNS
#undef UWH_WEBHOOK_LIST_COLUMNS
#undef UWH_CUSTOM_SOURCE_COLUMNS

}  // namespace uwh::store::sql
