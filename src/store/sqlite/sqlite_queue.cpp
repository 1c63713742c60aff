// The webhook queue of SqliteStore (store.hpp, "The webhook queue"; the design is in
// ingest/webhook_queue.hpp). Every statement is one that PostgreSQL accepts as it is: the lease is
// a conditional upsert, a webhook is taken by one UPDATE … RETURNING fenced by the lease.
#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using namespace sqlite;  // NOLINT(google-build-using-namespace)

namespace {

// A lease is held while lease_expires_at > now; at or after that instant anyone may take it.
//
// A workspace's oldest unconsumed webhook: its "processing" row if it has one (the one a worker
// was consuming), else its oldest "received" row. A processing row is always older than every
// received row of its workspace (rows are taken oldest first), so this is the oldest of both,
// and each part is one seek in the (workspace_id, status, id) index whatever the backlog.
#define UWH_OLDEST_PENDING(ws)                                                         \
  "COALESCE((SELECT MIN(p.id) FROM universal_webhook_log p WHERE p.workspace_id = " ws \
  " AND p.status = 'processing'), (SELECT MIN(r.id) FROM universal_webhook_log r "     \
  "WHERE r.workspace_id = " ws " AND r.status = 'received'))"

// Workspaces with unconsumed webhooks whose lease is free, oldest waiting first: a few index
// seeks per installation, never a pass over the backlog.
constexpr std::string_view kQueueCandidates =
    "SELECT c.workspace_id FROM (SELECT i.workspace_id, " UWH_OLDEST_PENDING("i.workspace_id")
    " AS first_id FROM universal_webhook_installation i) c "
    "LEFT JOIN universal_webhook_queue_lease q ON q.workspace_id = c.workspace_id "
    "WHERE c.first_id IS NOT NULL AND (q.workspace_id IS NULL OR q.lease_expires_at <= $1) "
    "ORDER BY c.first_id LIMIT $2";
constexpr std::string_view kTakeLease =
    "INSERT INTO universal_webhook_queue_lease (workspace_id, owner, lease_expires_at, "
    "acquired_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (workspace_id) DO UPDATE SET owner = excluded.owner, "
    "lease_expires_at = excluded.lease_expires_at, acquired_at = excluded.acquired_at "
    "WHERE universal_webhook_queue_lease.lease_expires_at <= $4 "
    "RETURNING workspace_id";
constexpr std::string_view kSetLease =
    "UPDATE universal_webhook_queue_lease SET lease_expires_at = $3 "
    "WHERE workspace_id = $1 AND owner = $2";
// The workspace's oldest unconsumed webhook, only while `owner` holds the lease.
constexpr std::string_view kTakeWebhook =
    "UPDATE universal_webhook_log SET status = 'processing', claimed_by = $2, "
    "lease_expires_at = $4, attempts = attempts + 1 "
    "WHERE id = " UWH_OLDEST_PENDING("$1") " "
    "AND EXISTS (SELECT 1 FROM universal_webhook_queue_lease WHERE workspace_id = $1 "
    "AND owner = $2 AND lease_expires_at > $3) "
    "RETURNING " UWH_WEBHOOK_RECORD_COLUMNS;
constexpr std::string_view kCompleteWebhook =
    "UPDATE universal_webhook_log SET status = $4, error_message = $5, processed_at = $6, "
    "claimed_by = NULL, lease_expires_at = NULL "
    "WHERE workspace_id = $1 AND id = $2 AND claimed_by = $3 AND status = 'processing'";
constexpr std::string_view kFlowsMatched =
    "UPDATE universal_webhook_log SET flows_matched = $3 WHERE workspace_id = $1 AND id = $2";
constexpr std::string_view kCountQueued =
    "SELECT COUNT(*) FROM universal_webhook_log WHERE status IN ('received', 'processing')";

#undef UWH_OLDEST_PENDING

constexpr int kCandidates = 8;

}  // namespace

Result<std::optional<std::string>> SqliteStore::ClaimQueueWorkspace(const std::string& owner,
                                                                    TimePoint now,
                                                                    TimePoint lease_until) {
  std::vector<std::string> candidates;
  {
    // A reader's snapshot may be a moment old: a workspace taken since is refused by the upsert.
    ReadLease lease(*this);
    auto stmt = lease.conn().Prepare(kQueueCandidates);
    if (!stmt) return Fail(stmt.error());
    Statement s(*stmt);
    s.Time(1, now);
    s.Int(2, kCandidates);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) candidates.push_back(s.ColumnText(0));
    if (rc != SQLITE_DONE) return Fail(s.Failure("cannot read the queue"));
  }
  if (candidates.empty()) return std::optional<std::string>();

  const std::string now_text = FormatTimestamp(now);
  const std::string until_text = FormatTimestamp(lease_until);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kTakeLease);
  if (!stmt) return Fail(stmt.error());
  for (const std::string& workspace_id : candidates) {
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.TextNoCopy(2, owner);
    s.TextNoCopy(3, until_text);
    s.TextNoCopy(4, now_text);
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<std::string>(workspace_id);
    if (rc != SQLITE_DONE) return Fail(s.Failure("cannot take a queue lease"));
  }
  return std::optional<std::string>();
}

Result<bool> SqliteStore::RenewQueueLease(const std::string& workspace_id, const std::string& owner,
                                          TimePoint lease_until) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kSetLease);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, owner);
  s.Time(3, lease_until);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot renew a queue lease"));
  return sqlite3_changes(writer_->db()) > 0;
}

Result<void> SqliteStore::ReleaseQueueLease(const std::string& workspace_id,
                                            const std::string& owner, TimePoint available_at) {
  auto renewed = RenewQueueLease(workspace_id, owner, available_at);
  if (!renewed) return Fail(renewed.error());
  return {};
}

Result<std::optional<WebhookRecord>> SqliteStore::TakeQueuedWebhook(const std::string& workspace_id,
                                                                    const std::string& owner,
                                                                    TimePoint now,
                                                                    TimePoint lease_until) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kTakeWebhook);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.TextNoCopy(2, owner);
  s.Time(3, now);
  s.Time(4, lease_until);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<WebhookRecord>();
  if (rc != SQLITE_ROW) return Fail(s.Failure("cannot take a webhook from the queue"));
  WebhookRecord record = ReadWebhookRecord(s);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot take a webhook from the queue"));
  return std::optional<WebhookRecord>(std::move(record));
}

Result<bool> SqliteStore::CompleteQueuedWebhook(const std::string& workspace_id, int64_t id,
                                                const std::string& owner,
                                                const QueueCompletion& completion, TimePoint now) {
  if (completion.status != "processed" && completion.status != "error") {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "a consumed webhook is processed or error", "status");
  }
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kCompleteWebhook);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  s.TextNoCopy(3, owner);
  s.TextNoCopy(4, completion.status);
  s.TextOrNull(5, completion.error_message);
  s.Time(6, now);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot complete a queued webhook"));
  return sqlite3_changes(writer_->db()) > 0;
}

Result<void> SqliteStore::SetWebhookFlowsMatched(const std::string& workspace_id, int64_t id,
                                                 int flows_matched) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  auto stmt = writer_->Prepare(kFlowsMatched);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  s.Int(2, id);
  s.Int(3, flows_matched);
  if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot record the flows matched"));
  return {};
}

Result<int64_t> SqliteStore::CountQueuedWebhooks() {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kCountQueued);
  if (!stmt) return Fail(stmt.error());
  Statement s(*stmt);
  if (s.Step() != SQLITE_ROW) return Fail(s.Failure("cannot count the queue"));
  return s.ColumnInt(0);
}

std::vector<std::string> SqliteStore::QueueSqlForTest() {
  return {std::string(kQueueCandidates), std::string(kTakeWebhook), std::string(kCountQueued)};
}

}  // namespace uwh::store
