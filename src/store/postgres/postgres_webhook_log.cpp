// PostgresStore's webhook log: group commit with de-duplication that holds across instances, the
// list and the dashboard counts.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

using namespace sql;  // NOLINT(google-build-using-namespace)
using pg::Connection;
using pg::Params;
using pg::Row;

namespace {

// One row of a batch: the earliest row of the workspace with its key inside the window (earlier
// rows of this transaction included), or else the row inserted now. $1–$10 as kInsertWebhook
// (BindNewWebhook), $11 the start of the window (NULL: any age). The casts give every placeholder
// its type (INSERT … SELECT leaves them open). "id + 0": ordered by the primary key, the planner
// would walk the whole log looking for a key that is new (nearly every key is); this way it looks
// the key up in its index and sorts the few rows found.
constexpr std::string_view kAppendWebhook =
    "WITH dup AS (SELECT id FROM universal_webhook_log "
    "WHERE workspace_id = $1::text AND dedup_key = $9::text "
    "AND ($11::timestamptz IS NULL OR received_at >= $11::timestamptz) ORDER BY id + 0 LIMIT 1), "
    "ins AS (INSERT INTO universal_webhook_log (" UWH_WEBHOOK_INSERT_COLUMNS ") "
    "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, "
    "$9::text, $10::timestamptz WHERE NOT EXISTS (SELECT 1 FROM dup) RETURNING id) "
    "SELECT id, FALSE FROM ins UNION ALL SELECT id, TRUE FROM dup";

// The page's ids are computed once (an InitPlan) and its rows fetched by primary key, whatever
// the planner believes about the log (a young table has no statistics, and "id IN (…)" then
// became a nested loop over the whole workspace).
std::string ListWebhooksSql(const WebhookFilter& filter) {
  return std::string(kWebhookListSelect) + "AND id = ANY(ARRAY(" + ListWebhookIdsSql(filter) +
         ")) ORDER BY id DESC";
}

// Order and de-duplication across instances. Every batch first takes a transaction-scoped
// exclusive advisory lock on each of its workspaces, in one global order (sorted ids), so batches
// never deadlock. A second batch for a workspace then waits until the first commits, and only
// then draws ids and looks up keys:
// - ids of one workspace become visible in id order. Without the lock two instances' batches
//   draw ids from the sequence in one order and may commit in the other, and the queue, which
//   consumes a workspace's rows in id order (SPEC §6.4), would run a webhook before an older
//   one that was not visible yet.
// - de-duplication holds: two instances taking in the same delivery at once would both find no
//   earlier row (neither sees the other's uncommitted insert) and both store it; the second now
//   looks after the first committed.
// The cost: batches of one workspace commit one after another across instances (within one
// instance the group-commit writer already does). A batch holds one lock per workspace in it.
// Lock ids are 32-bit FNV-1a hashes: a collision only makes two batches wait for each other.
// Both are part of the protocol between instances: changing them needs every instance stopped.
#define UWH_WORKSPACE_LOCK_CLASS "1970759681"
constexpr std::string_view kLockWorkspaces =
    "SELECT pg_advisory_xact_lock(" UWH_WORKSPACE_LOCK_CLASS ", k) FROM unnest($1::int4[]) AS u(k)";
#undef UWH_WORKSPACE_LOCK_CLASS

int32_t LockId(std::string_view workspace_id) {
  uint64_t h = 14695981039346656037ull;
  for (const char c : workspace_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return static_cast<int32_t>(static_cast<uint32_t>(h ^ (h >> 32)));
}

// "{3,-7,12}", sorted and without repeats.
std::string SortedArray(std::vector<int32_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  out += '}';
  return out;
}

// The batch's workspaces as a sorted array text ("{3,-7,12}"), for kLockWorkspaces.
std::string WorkspaceLocksFor(std::span<const NewWebhook> batch) {
  std::vector<int32_t> workspaces;
  workspaces.reserve(batch.size());
  for (const NewWebhook& row : batch) workspaces.push_back(LockId(row.workspace_id));
  return SortedArray(std::move(workspaces));
}

}  // namespace

Result<std::vector<AppendOutcome>> PostgresStore::AppendWebhooks(
    std::span<const NewWebhook> batch) {
  std::vector<AppendOutcome> outcomes;
  if (batch.empty()) return outcomes;
  if (auto ok = CheckBatch(batch); !ok) return Fail(ok.error());
  const TimePoint now = std::chrono::system_clock::now();

  const std::string locks = WorkspaceLocksFor(batch);
  const Params none;
  Params workspace_locks;
  std::vector<Params> rows(batch.size());
  std::vector<pg::PipelineStep> steps;
  steps.reserve(batch.size() + 3);
  steps.push_back({"BEGIN", &none});
  workspace_locks.TextNoCopy(1, locks);
  steps.push_back({kLockWorkspaces, &workspace_locks});
  const size_t first_row = steps.size();
  for (size_t i = 0; i < batch.size(); ++i) {
    BindNewWebhook(rows[i], batch[i], now);
    if (batch[i].dedup_since) {
      rows[i].Time(11, *batch[i].dedup_since);
    } else {
      rows[i].Null(11);
    }
    steps.push_back({kAppendWebhook, &rows[i]});
  }
  steps.push_back({"COMMIT", &none});

  return pg::WithConnection(*pool_, [&](Connection& c) -> Result<std::vector<AppendOutcome>> {
    auto results = c.RunPipeline(steps, "cannot append webhooks");
    if (!results) return Fail(results.error());
    if (std::string_view(PQcmdStatus(results->back().get())) != "COMMIT") {
      c.MarkBroken();
      return Fail(ErrorCode::kInternal, "database_error", "the webhook batch was not committed");
    }
    outcomes.reserve(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const PGresult* r = (*results)[first_row + i].get();
      if (PQntuples(r) != 1) {
        return Fail(ErrorCode::kInternal, "database_error", "an appended row returned no id");
      }
      const Row row(r, 0);
      outcomes.push_back(AppendOutcome{row.ColumnInt(0), row.ColumnInt(1) != 0});
    }
    return outcomes;
  });
}

Result<WebhookRecord> PostgresStore::GetWebhook(const std::string& workspace_id, int64_t id) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  p.Int(2, id);
  return pg::ReadOne<WebhookRecord>(*pool_, kGetWebhook, p, "cannot read the webhook",
                                    NotFound("webhook not found"), ReadWebhook<Row>);
}

Result<int64_t> PostgresStore::CountWebhooks(const std::string& workspace_id) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  return pg::ReadOne<int64_t>(*pool_, kCountWebhooks, p, "cannot count webhooks",
                              NotFound("no count"), [](const Row& row) { return row.ColumnInt(0); });
}

Result<WebhookPage> PostgresStore::ListWebhooks(const std::string& workspace_id,
                                                const WebhookFilter& filter,
                                                std::optional<int64_t> before_id, int limit) {
  if (auto ok = CheckListLimit(limit); !ok) return Fail(ok.error());
  Params p;
  BindListWebhooks(p, workspace_id, filter,
                   before_id.value_or(std::numeric_limits<int64_t>::max()), limit);
  auto items = pg::ReadAll<WebhookRecord>(*pool_, ListWebhooksSql(filter), p,
                                          "cannot list webhooks", ReadListedWebhook<Row>);
  if (!items) return Fail(items.error());
  return PageOf(std::move(*items), limit);
}

Result<WebhookStats> PostgresStore::GetWebhookStats(const std::string& workspace_id,
                                                    TimePoint since) {
  return pg::ReadWithConnection(*pool_, [&](Connection& c) -> Result<WebhookStats> {
    WebhookStatsBuilder stats;
    Params p;
    p.TextNoCopy(1, workspace_id);
    p.Time(2, since);
    auto counts = c.Run(kWebhookCountsSince, p, "cannot count webhooks");
    if (!counts) return Fail(counts.error());
    for (int i = 0; i < PQntuples(counts->get()); ++i) {
      const Row row(counts->get(), i);
      stats.Add(row.ColumnText(0), row.ColumnText(1), row.ColumnText(2), row.ColumnInt(3));
    }
    // A separate read: a row committed in between may be newer than the counts know.
    Params last_params;
    last_params.TextNoCopy(1, workspace_id);
    auto last = c.Run(kLastWebhookAt, last_params, "cannot read the last webhook");
    if (!last) return Fail(last.error());
    return stats.Finish(Row(last->get(), 0).ColumnOptionalTime(0));
  });
}

}  // namespace uwh::store
