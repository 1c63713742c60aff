// The webhook queue of SqliteStore (store.hpp, "The webhook queue"; the design is in
// ingest/webhook_queue.hpp). The lease is a conditional upsert under the single writer; taking and
// finishing webhooks are the statements shared with PostgreSQL (sql_statements.hpp).
#include <sqlite3.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql_statements.hpp"
#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using namespace sql;     // NOLINT(google-build-using-namespace)
using namespace sqlite;  // NOLINT(google-build-using-namespace)

namespace {

// Taking a lease: a conditional upsert, serialised by the single writer. $1 workspace, $2 owner,
// $3 until, $4 now.
constexpr std::string_view kTakeLease =
    "INSERT INTO universal_webhook_queue_lease (workspace_id, owner, lease_expires_at, "
    "acquired_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (workspace_id) DO UPDATE SET owner = excluded.owner, "
    "lease_expires_at = excluded.lease_expires_at, acquired_at = excluded.acquired_at "
    "WHERE universal_webhook_queue_lease.lease_expires_at <= $4 "
    "RETURNING workspace_id";

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
    s.Int(2, kQueueCandidateCount);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) candidates.push_back(s.ColumnText(0));
    if (rc != SQLITE_DONE) return Fail(s.Failure("cannot read the queue"));
  }
  if (candidates.empty()) return std::optional<std::string>();

  const std::string now_text = FormatTimestamp(now);
  const std::string until_text = FormatTimestamp(lease_until);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  UnsyncedCommits unsynced(*writer_, synchronous_full_);
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
  UnsyncedCommits unsynced(*writer_, synchronous_full_);
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
  UnsyncedCommits unsynced(*writer_, synchronous_full_);
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
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadWebhook(s));
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
  if (auto ok = CheckQueueCompletions(done); !ok) return Fail(ok.error());
  if (done.empty() && untouched.empty()) return 0;
  const std::string now_text = FormatTimestamp(now);
  std::lock_guard<std::mutex> lock(writer_mutex_);
  UnsyncedCommits unsynced(*writer_, synchronous_full_);
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
