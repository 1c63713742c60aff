// The webhook queue of SqliteStore (store.hpp, "The webhook queue"; the design is in
// ingest/webhook_queue.hpp). Every statement is one that PostgreSQL accepts as it is: the lease is
// a conditional upsert, a webhook is taken by one UPDATE … RETURNING fenced by the lease.
#include <sqlite3.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql_statements.hpp"
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
#define UWH_LEASE_HELD                                                           \
  "EXISTS (SELECT 1 FROM universal_webhook_queue_lease WHERE workspace_id = $1 " \
  "AND owner = $2 AND lease_expires_at > $3)"

// The row an earlier claim left "processing", alone: it is consumed again before anything newer.
constexpr std::string_view kTakeInterrupted =
    "UPDATE universal_webhook_log SET claimed_by = $2, lease_expires_at = $4, "
    "attempts = attempts + 1 "
    "WHERE id = (SELECT MIN(p.id) FROM universal_webhook_log p WHERE p.workspace_id = $1 "
    "AND p.status = 'processing') AND " UWH_LEASE_HELD " RETURNING " UWH_WEBHOOK_RECORD_COLUMNS;
// Up to $5 of the oldest received rows, in one write.
constexpr std::string_view kTakeReceived =
    "UPDATE universal_webhook_log SET status = 'processing', claimed_by = $2, "
    "lease_expires_at = $4, attempts = attempts + 1 "
    "WHERE id IN (SELECT r.id FROM universal_webhook_log r WHERE r.workspace_id = $1 "
    "AND r.status = 'received' ORDER BY r.id LIMIT $5) AND " UWH_LEASE_HELD
    " RETURNING " UWH_WEBHOOK_RECORD_COLUMNS;
// Finishing is fenced by the lease row still naming the owner: a worker whose lease was taken
// over finishes nothing, even rows the new holder has not taken again yet. (Expired but not taken
// over, it may: nobody else consumed them.)
#define UWH_STILL_OWNER                                                          \
  "EXISTS (SELECT 1 FROM universal_webhook_queue_lease WHERE workspace_id = $1 " \
  "AND owner = $3)"
// flows_matched: one automatic execution per flow that matched (the executor writes it, even
// for a run the loop guard skipped), counted with the (webhook_log_id, flow_id) index.
constexpr std::string_view kFinishDone =
    "UPDATE universal_webhook_log SET status = $4, error_message = $5, processed_at = $6, "
    "claimed_by = NULL, lease_expires_at = NULL, flows_matched = (SELECT COUNT(*) FROM "
    "universal_webhook_flow_execution e WHERE e.webhook_log_id = universal_webhook_log.id "
    "AND e.trigger_kind = 'automatic') "
    "WHERE workspace_id = $1 AND id = $2 AND claimed_by = $3 AND status = 'processing' "
    "AND " UWH_STILL_OWNER;
constexpr std::string_view kFinishUntouched =
    "UPDATE universal_webhook_log SET status = 'received', claimed_by = NULL, "
    "lease_expires_at = NULL, attempts = attempts - 1 "
    "WHERE workspace_id = $1 AND id = $2 AND claimed_by = $3 AND status = 'processing' "
    "AND " UWH_STILL_OWNER;
constexpr std::string_view kCountQueued =
    "SELECT COUNT(*) FROM universal_webhook_log WHERE status IN ('received', 'processing')";

#undef UWH_OLDEST_PENDING
#undef UWH_LEASE_HELD
#undef UWH_STILL_OWNER

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

Result<std::vector<WebhookRecord>> SqliteStore::TakeQueuedWebhooks(const std::string& workspace_id,
                                                                   const std::string& owner,
                                                                   TimePoint now,
                                                                   TimePoint lease_until, int max) {
  std::vector<WebhookRecord> out;
  std::lock_guard<std::mutex> lock(writer_mutex_);
  for (const std::string_view sql : {kTakeInterrupted, kTakeReceived}) {
    auto stmt = writer_->Prepare(sql);
    if (!stmt) return Fail(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.TextNoCopy(2, owner);
    s.Time(3, now);
    s.Time(4, lease_until);
    if (sql == kTakeReceived) s.Int(5, std::max(max, 1));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(sql::ReadWebhook(s));
    if (rc != SQLITE_DONE) return Fail(s.Failure("cannot take webhooks from the queue"));
    if (!out.empty()) break;
  }
  // RETURNING gives rows in no particular order.
  std::sort(out.begin(), out.end(),
            [](const WebhookRecord& a, const WebhookRecord& b) { return a.id < b.id; });
  return out;
}

Result<int> SqliteStore::FinishQueuedWebhooks(const std::string& workspace_id,
                                              const std::string& owner,
                                              std::span<const QueueCompletion> done,
                                              std::span<const int64_t> untouched, TimePoint now) {
  for (const QueueCompletion& c : done) {
    if (c.status != "processed" && c.status != "error") {
      return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                  "a consumed webhook is processed or error", "status");
    }
  }
  if (done.empty() && untouched.empty()) return 0;
  const std::string now_text = FormatTimestamp(now);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return Fail(r.error());
  int finished = 0;
  {
    auto stmt = w.Prepare(kFinishDone);
    if (!stmt) return Fail(stmt.error());
    Statement s(*stmt);
    for (const QueueCompletion& c : done) {
      s.TextNoCopy(1, workspace_id);
      s.Int(2, c.id);
      s.TextNoCopy(3, owner);
      s.TextNoCopy(4, c.status);
      s.TextOrNull(5, c.error_message);
      s.TextNoCopy(6, now_text);
      if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot finish a queued webhook"));
      finished += sqlite3_changes(w.db());
      s.Reset();
    }
  }
  {
    auto stmt = w.Prepare(kFinishUntouched);
    if (!stmt) return Fail(stmt.error());
    Statement s(*stmt);
    for (const int64_t id : untouched) {
      s.TextNoCopy(1, workspace_id);
      s.Int(2, id);
      s.TextNoCopy(3, owner);
      if (s.Step() != SQLITE_DONE) return Fail(s.Failure("cannot return a queued webhook"));
      s.Reset();
    }
  }
  if (auto r = tx.Commit(); !r) return Fail(r.error());
  return finished;
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
  return {std::string(kQueueCandidates), std::string(kTakeInterrupted), std::string(kTakeReceived),
          std::string(kCountQueued)};
}

}  // namespace uwh::store
