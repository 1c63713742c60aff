// PostgresStore: the webhook queue (store.hpp, "The webhook queue"; the design is in
// ingest/webhook_queue.hpp), shared by every instance on the database. A claimer locks the lease
// row it wants with FOR UPDATE SKIP LOCKED, so instances claiming at once never wait on each
// other nor take the same workspace; a lease is taken only when free or expired (a crashed
// instance's lease runs out and is taken over). Taking and finishing webhooks are the statements
// SQLite runs, fenced by the lease, so a workspace's webhooks are consumed in id order by one
// holder at a time.
#include <algorithm>
#include <array>
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
using pg::Params;
using pg::PipelineStep;
using pg::Row;

namespace {

// $1 workspace, $2 owner, $3 until, $4 now. A lease row another claimer holds locked is
// skipped, not waited for; one whose lease was renewed meanwhile no longer matches.
constexpr std::string_view kTakeExistingLease =
    "UPDATE universal_webhook_queue_lease SET owner = $2, lease_expires_at = $3, "
    "acquired_at = $4 WHERE workspace_id = (SELECT l.workspace_id FROM "
    "universal_webhook_queue_lease l WHERE l.workspace_id = $1 AND l.lease_expires_at <= $4 "
    "FOR UPDATE SKIP LOCKED) RETURNING workspace_id";
// A workspace's first lease. Of two instances inserting it at once, one wins; the other's insert
// does nothing.
constexpr std::string_view kTakeNewLease =
    "INSERT INTO universal_webhook_queue_lease (workspace_id, owner, lease_expires_at, "
    "acquired_at) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id) DO NOTHING "
    "RETURNING workspace_id";

}  // namespace

Result<std::optional<std::string>> PostgresStore::ClaimQueueWorkspace(const std::string& owner,
                                                                      TimePoint now,
                                                                      TimePoint lease_until) {
  Params candidates_params;
  candidates_params.Time(1, now);
  candidates_params.Int(2, kQueueCandidateCount);
  auto candidates = pg::Run(*pool_, /*read=*/true, kQueueCandidates, candidates_params,
                            "cannot read the queue");
  if (!candidates) return Fail(candidates.error());
  const int n = PQntuples(candidates->get());
  if (n == 0) return std::optional<std::string>();

  return pg::WithConnection(
      *pool_, [&](pg::Connection& c) -> Result<std::optional<std::string>> {
        for (int i = 0; i < n; ++i) {
          const Row row(candidates->get(), i);
          const std::string workspace_id = row.ColumnText(0);
          Params p;
          p.TextNoCopy(1, workspace_id);
          p.TextNoCopy(2, owner);
          p.Time(3, lease_until);
          p.Time(4, now);
          // The candidates are a moment old: try the likelier statement first, then the other
          // (a first lease someone inserted since, or a lease row gone missing).
          const bool has_lease = row.ColumnInt(1) != 0;
          for (const std::string_view sql : has_lease
                                                ? std::array{kTakeExistingLease, kTakeNewLease}
                                                : std::array{kTakeNewLease, kTakeExistingLease}) {
            auto r = c.Run(sql, p, "cannot take a queue lease");
            if (!r) return Fail(r.error());
            if (PQntuples(r->get()) == 1) return std::optional<std::string>(workspace_id);
          }
        }
        return std::optional<std::string>();
      });
}

Result<bool> PostgresStore::RenewQueueLease(const std::string& workspace_id,
                                            const std::string& owner, TimePoint lease_until) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  p.TextNoCopy(2, owner);
  p.Time(3, lease_until);
  auto renewed = pg::Change(*pool_, kSetLease, p, "cannot renew a queue lease");
  if (!renewed) return Fail(renewed.error());
  return *renewed > 0;
}

Result<void> PostgresStore::ReleaseQueueLease(const std::string& workspace_id,
                                              const std::string& owner, TimePoint available_at) {
  auto renewed = RenewQueueLease(workspace_id, owner, available_at);
  if (!renewed) return Fail(renewed.error());
  return {};
}

Result<std::vector<WebhookRecord>> PostgresStore::TakeQueuedWebhooks(
    const std::string& workspace_id, const std::string& owner, TimePoint now,
    TimePoint lease_until, int max) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  p.TextNoCopy(2, owner);
  p.Time(3, now);
  p.Time(4, lease_until);
  std::vector<WebhookRecord> out;
  return pg::WithConnection(
      *pool_, [&](pg::Connection& c) -> Result<std::vector<WebhookRecord>> {
        auto interrupted = c.Run(kTakeInterrupted, p, "cannot take webhooks from the queue");
        if (!interrupted) return Fail(interrupted.error());
        const PGresult* result = interrupted->get();
        pg::PgResult received;
        if (PQntuples(result) == 0) {
          p.Int(5, std::max(max, 1));
          auto r = c.Run(kTakeReceived, p, "cannot take webhooks from the queue");
          if (!r) return Fail(r.error());
          received = std::move(*r);
          result = received.get();
        }
        for (int i = 0; i < PQntuples(result); ++i) out.push_back(ReadWebhook(Row(result, i)));
        // RETURNING gives rows in no particular order.
        std::sort(out.begin(), out.end(),
                  [](const WebhookRecord& a, const WebhookRecord& b) { return a.id < b.id; });
        return std::move(out);
      });
}

Result<int> PostgresStore::FinishQueuedWebhooks(const std::string& workspace_id,
                                                const std::string& owner,
                                                std::span<const QueueCompletion> done,
                                                std::span<const int64_t> untouched,
                                                TimePoint now) {
  if (auto ok = CheckQueueCompletions(done); !ok) return Fail(ok.error());
  if (done.empty() && untouched.empty()) return 0;
  // BEGIN, one statement per webhook, COMMIT: one round trip.
  const Params none;
  std::vector<Params> params(done.size() + untouched.size());
  std::vector<PipelineStep> steps;
  steps.reserve(params.size() + 2);
  steps.push_back({"BEGIN", &none});
  for (size_t i = 0; i < done.size(); ++i) {
    Params& p = params[i];
    p.TextNoCopy(1, workspace_id);
    p.Int(2, done[i].id);
    p.TextNoCopy(3, owner);
    p.TextNoCopy(4, done[i].status);
    p.TextOrNull(5, done[i].error_message);
    p.Time(6, now);
    steps.push_back({kFinishDone, &p});
  }
  for (size_t i = 0; i < untouched.size(); ++i) {
    Params& p = params[done.size() + i];
    p.TextNoCopy(1, workspace_id);
    p.Int(2, untouched[i]);
    p.TextNoCopy(3, owner);
    steps.push_back({kFinishUntouched, &p});
  }
  steps.push_back({"COMMIT", &none});
  return pg::WithConnection(*pool_, [&](pg::Connection& c) -> Result<int> {
    auto results = c.RunPipeline(steps, "cannot finish queued webhooks");
    if (!results) return Fail(results.error());
    int finished = 0;
    for (size_t i = 0; i < done.size(); ++i) {
      finished += static_cast<int>(pg::ChangedRows((*results)[i + 1].get()));
    }
    return finished;
  });
}

Result<int64_t> PostgresStore::CountQueuedWebhooks() {
  return pg::ReadOne<int64_t>(
      *pool_, kCountQueued, Params{}, "cannot count the queue",
      Error::Make(ErrorCode::kInternal, "database_error", "cannot count the queue: no row"),
      [](const Row& row) { return row.ColumnInt(0); });
}

}  // namespace uwh::store
