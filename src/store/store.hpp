#pragma once
// The storage interface. Backends: SqliteStore (sqlite/) and PostgresStore (postgres/), which pass
// the same test suite (tests/unit/store/). Every method is blocking and thread-safe; callers keep
// them off the HTTP threads. Every query is scoped by workspace id. Tokens and secrets arrive here
// already encrypted. Text is stored byte for byte and must be storable (IsStorableText below).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace uwh {
class SharedPace;  // common/shared_pace.hpp
}

namespace uwh::store {

using TimePoint = std::chrono::system_clock::time_point;

struct Installation {
  int64_t id = 0;
  std::string workspace_id;
  std::string addon_id;
  std::string addon_user_id;
  std::string as_user;
  std::string addon_token_ciphertext;  // encrypted installation token; empty once uninstalled
  std::string settings_json = "{}";    // only the values the workspace set (SPEC §7 ids)
  std::string api_url;
  std::string backend_url;
  std::string reports_url;
  bool is_active = true;
  std::string status = "ACTIVE";  // ACTIVE or INACTIVE (STATUS_CHANGED)
  TimePoint installed_at{};
  TimePoint updated_at{};
};

// A webhook signature token, bound to one event type of one installation.
struct WebhookToken {
  std::string workspace_id;
  std::string event_type;
  std::string path;
  std::string route;              // "manifest" (install payload) or "api" (createWebhook)
  std::string token_hash;         // hex SHA-256 of the token: the lookup key
  std::string token_ciphertext;   // the token itself, encrypted
  std::string clockify_webhook_id;  // set for route "api"
};

// What became of one event type the add-on subscribes through Clockify's Webhooks API (SPEC §8).
struct WebhookRegistration {
  std::string workspace_id;
  std::string event_type;
  // "registered" (createWebhook answered, or an earlier registration was reused), "refused"
  // (Clockify said no: `reason` is its message, e.g. a limit reached), "failed" (no clear
  // answer: network, 5xx), "manifest" (the manifest already carries it).
  std::string status;
  std::string clockify_webhook_id;  // set when registered
  std::string reason;               // why not, or how (e.g. "reused")
  TimePoint updated_at{};
};

// A webhook to append to the log.
struct NewWebhook {
  std::string workspace_id;
  std::string event_type;
  std::string source;         // "CLOCKIFY" or "CUSTOM"
  std::string custom_source;  // custom source name, empty for Clockify
  std::string payload;        // the raw body, byte for byte
  std::string headers_json;   // secrets redacted
  std::string content_type;
  std::string status = "received";  // or "skipped_inactive"
  // De-duplication: a row with the same workspace and key received at or after `dedup_since` makes
  // this one a duplicate. Empty key: no de-duplication.
  std::string dedup_key;
  std::optional<TimePoint> dedup_since;  // nullopt: any age
  TimePoint received_at{};
};

struct AppendOutcome {
  int64_t id = 0;
  bool duplicate = false;  // id is then the first row's id
};

struct WebhookRecord {
  int64_t id = 0;
  std::string workspace_id;
  std::string event_type;
  std::string source;
  std::string custom_source;
  std::string payload;
  std::string headers_json;
  std::string content_type;
  std::string status;
  std::string error_message;
  TimePoint received_at{};
  int attempts = 0;  // how often the queue claimed it (TakeQueuedWebhooks counts this claim)
  std::optional<int> flows_matched;       // set when the queue finished with it
  std::optional<TimePoint> processed_at;  // when the queue finished with it
};

struct BootstrapState {
  std::string workspace_id;
  std::string status = "pending";  // pending, in_progress, completed, error
  int progress = 0;
  int total_endpoints = 0;
  int completed_endpoints = 0;
  std::string error_message;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> completed_at;
  std::string claimed_by;  // the instance running it; empty when none
  std::optional<TimePoint> lease_expires_at;
};

// A (workspace, source) that may send custom webhooks (SPEC §4.3).
struct CustomSource {
  std::string workspace_id;
  std::string source;
  std::string secret_ciphertext;  // encrypted "whsec_…"; empty for an open source
  bool open = false;              // accepts unsigned calls
  TimePoint created_at{};
};

// Filters of the webhook log list; empty fields do not filter.
struct WebhookFilter {
  std::string event_type;
  std::string source;         // "CLOCKIFY" or "CUSTOM"
  std::string custom_source;  // a custom source name
  std::string status;
  std::optional<TimePoint> from;  // received_at >= from
  std::optional<TimePoint> to;    // received_at < to
};

// One page, newest first. `before_id` is the keyset cursor: only rows with id < before_id.
struct WebhookPage {
  std::vector<WebhookRecord> items;  // payload and headers left empty in lists
  std::optional<int64_t> next_before_id;  // set when more rows may follow
};

struct CountByKey {
  std::string key;
  int64_t count = 0;
};

// The webhook part of the dashboard over [since, now].
struct WebhookStats {
  int64_t total = 0;
  std::vector<CountByKey> by_status;      // sorted by key
  std::vector<CountByKey> by_event_type;  // sorted by count desc, then key
  std::vector<CountByKey> by_source;      // "CLOCKIFY", "CUSTOM"
  int64_t errors = 0;                     // status "error"
  std::optional<TimePoint> last_received_at;
};

// ---- Flows, executions and the webhook queue (SPEC §6) ----

// A flow as stored. conditions_json and actions_json are the validated definitions (flows/).
struct Flow {
  int64_t id = 0;
  std::string workspace_id;
  std::string name;
  std::string description;
  std::string trigger_source = "CLOCKIFY";  // CLOCKIFY or CUSTOM
  std::string trigger_event_type;           // an event type, or "*"
  std::string conditions_json = "{}";
  std::string actions_json = "[]";
  bool enabled = true;
  std::string paused_reason;  // set when the loop guard paused it (enabled is then false)
  TimePoint created_at{};
  TimePoint updated_at{};
};

struct FlowPage {
  std::vector<Flow> items;                // newest first
  std::optional<int64_t> next_before_id;  // set when more may follow
};

struct FlowCounts {
  int64_t total = 0;
  int64_t enabled = 0;
};

// One run of a flow. result_json is {"actions":[…]}: one record per action begun, in order,
// written as the run goes (an action is recorded "running" before it is sent).
struct FlowExecution {
  int64_t id = 0;
  std::string workspace_id;
  int64_t flow_id = 0;
  std::optional<int64_t> webhook_log_id;  // null for a test run on a given payload
  // running, success, error, partial, unknown, skipped, interrupted
  std::string status = "running";
  int actions_executed = 0;
  std::string error_message;
  std::string result_json = R"({"actions":[]})";
  std::string trigger = "automatic";  // automatic, replay, test
  std::optional<int64_t> replay_of;   // the execution a replay repeats
  std::string entity_id;              // the payload's id (loop guard); empty when it has none
  std::string flow_json;              // the definition the run follows
  TimePoint started_at{};
  std::optional<TimePoint> completed_at;
  std::optional<TimePoint> lease_expires_at;  // replays and tests while they run
};

struct ExecutionPage {
  std::vector<FlowExecution> items;  // newest first
  std::optional<int64_t> next_before_id;
};

struct BeginOutcome {
  FlowExecution execution;  // the new row, or the one that already existed
  bool created = false;
};

// What changes on an execution as it runs.
struct ExecutionProgress {
  std::string status;
  int actions_executed = 0;
  std::string error_message;
  std::string result_json;
  std::optional<TimePoint> completed_at;
  std::optional<TimePoint> lease_expires_at;
};

// The executions part of the dashboard over [since, now].
struct ExecutionStats {
  int64_t total = 0;
  std::vector<CountByKey> by_status;  // sorted by key
};

// Final state of a consumed webhook.
struct QueueCompletion {
  int64_t id = 0;
  std::string status;  // processed or error
  std::string error_message;
};

// ---- Entity cache and bootstrap runs (SPEC §9) ----

// One cached Clockify entity of a workspace.
struct CachedEntity {
  std::string entity_type;  // "project", "time_entry", … (bootstrap/entity_types.hpp)
  std::string entity_id;
  std::string data_json;  // the entity as Clockify gave it, secrets removed
  TimePoint fetched_at{};
};

// One page of a type's entities, by entity_id. `next_after_id` is the keyset cursor.
struct EntityPage {
  std::vector<CachedEntity> items;
  std::optional<std::string> next_after_id;  // set when more entities may follow
};

// A claim on a workspace's bootstrap run: `owner` (an instance id) holds it until `expires_at`.
struct BootstrapLease {
  std::string owner;
  TimePoint now{};         // the caller's clock: a lease that expired before it is free
  TimePoint expires_at{};  // now + the lease duration
};

// Where a bootstrap run stands for one planned operation (parent_id empty) or for one parent of
// an operation that is listed per parent (each project's tasks).
struct BootstrapCheckpoint {
  std::string endpoint;  // unique within the run: "getTasks" or "getTasks/projectId=p1"
  std::string operation_id;
  std::string parent_id;
  std::string entity_type;
  std::string status = "pending";  // pending, expanded (per-parent rows written), done, skipped
  int next_page = 1;               // the first page not yet committed
  int pages = 0;
  int64_t items = 0;
  int status_code = 0;        // the upstream status that made it skipped; 0 when none
  std::string error_message;  // why it was skipped
  TimePoint updated_at{};
};

class Store {
 public:
  virtual ~Store() = default;

  // Schema. Migrate() applies every pending migration in order, each in its own transaction;
  // it fails (and applies nothing further) on the first error.
  [[nodiscard]] virtual Result<int> Migrate() = 0;             // returns the schema version reached
  [[nodiscard]] virtual Result<int> SchemaVersion() = 0;       // 0 on an empty database
  virtual int LatestSchemaVersion() const = 0;
  [[nodiscard]] virtual Result<bool> Ping() = 0;               // the database answers

  // Installations. UpsertInstallation inserts or, for a known workspace, reactivates it and
  // replaces its token, URLs and ids (settings are kept). Returns the stored row.
  [[nodiscard]] virtual Result<Installation> UpsertInstallation(const Installation& in) = 0;
  // kNotFound when the workspace never installed.
  [[nodiscard]] virtual Result<Installation> GetInstallation(const std::string& workspace_id) = 0;
  [[nodiscard]] virtual Result<std::vector<Installation>> ListActiveInstallations() = 0;
  // Soft delete: is_active=false, token erased, webhook tokens deleted. kNotFound if unknown.
  [[nodiscard]] virtual Result<void> DeactivateInstallation(const std::string& workspace_id) = 0;
  [[nodiscard]] virtual Result<void> UpdateSettings(const std::string& workspace_id,
                                                    const std::string& settings_json) = 0;
  [[nodiscard]] virtual Result<void> UpdateStatus(const std::string& workspace_id,
                                                  const std::string& status) = 0;

  // Webhook tokens. Replace drops the workspace's tokens of `route` and stores `tokens`.
  [[nodiscard]] virtual Result<void> ReplaceWebhookTokens(const std::string& workspace_id,
                                                          const std::string& route,
                                                          const std::vector<WebhookToken>& tokens) = 0;
  // kNotFound when no stored token has that hash.
  [[nodiscard]] virtual Result<WebhookToken> FindWebhookToken(const std::string& token_hash) = 0;
  [[nodiscard]] virtual Result<std::vector<WebhookToken>> ListWebhookTokens(
      const std::string& workspace_id) = 0;

  // Webhook registrations (sqlite_registrations.cpp). Replace drops the workspace's rows and
  // stores `registrations` in one transaction (empty: forget them all). List is by event type.
  [[nodiscard]] virtual Result<void> ReplaceWebhookRegistrations(
      const std::string& workspace_id,
      const std::vector<WebhookRegistration>& registrations) = 0;
  [[nodiscard]] virtual Result<std::vector<WebhookRegistration>> ListWebhookRegistrations(
      const std::string& workspace_id) = 0;

  // Webhook log. AppendWebhooks writes the whole batch in one durable transaction and returns one
  // outcome per input, in order. De-duplication also sees earlier rows of the same batch, and
  // holds across stores sharing one database: of concurrent appends of one key, one is stored and
  // the others are its duplicates. A row that fails CheckStorable() fails the whole batch with
  // kInvalidArgument naming it ("batch[2].payload"), and nothing is written.
  [[nodiscard]] virtual Result<std::vector<AppendOutcome>> AppendWebhooks(
      std::span<const NewWebhook> batch) = 0;
  [[nodiscard]] virtual Result<WebhookRecord> GetWebhook(const std::string& workspace_id,
                                                         int64_t id) = 0;
  [[nodiscard]] virtual Result<int64_t> CountWebhooks(const std::string& workspace_id) = 0;
  // Newest first, at most `limit` rows (1–500), only rows with id < before_id when given.
  [[nodiscard]] virtual Result<WebhookPage> ListWebhooks(const std::string& workspace_id,
                                                         const WebhookFilter& filter,
                                                         std::optional<int64_t> before_id,
                                                         int limit) = 0;
  [[nodiscard]] virtual Result<WebhookStats> GetWebhookStats(const std::string& workspace_id,
                                                             TimePoint since) = 0;
  // Webhooks received per hour, for the dashboard's activity chart: element i counts the rows
  // with start + i hours <= received_at < start + (i + 1) hours, i in [0, hours). kInvalidArgument
  // unless 1 <= hours <= 168.
  [[nodiscard]] virtual Result<std::vector<int64_t>> CountWebhooksByHour(
      const std::string& workspace_id, TimePoint start, int hours) = 0;

  // Custom sources. Create: kConflict when (workspace, source) exists. Delete: kNotFound when it
  // does not.
  [[nodiscard]] virtual Result<CustomSource> CreateCustomSource(const CustomSource& source) = 0;
  [[nodiscard]] virtual Result<CustomSource> GetCustomSource(const std::string& workspace_id,
                                                             const std::string& source) = 0;
  [[nodiscard]] virtual Result<std::vector<CustomSource>> ListCustomSources(
      const std::string& workspace_id) = 0;
  [[nodiscard]] virtual Result<void> DeleteCustomSource(const std::string& workspace_id,
                                                        const std::string& source) = 0;

  // Bootstrap state: created (pending) at install when missing.
  [[nodiscard]] virtual Result<void> EnsureBootstrapState(const std::string& workspace_id) = 0;
  [[nodiscard]] virtual Result<BootstrapState> GetBootstrapState(
      const std::string& workspace_id) = 0;

  // ---- Flows (SPEC §6.1) ----
  // Create/Update validate only what the store needs (workspace, name, trigger); the flow
  // definition is validated by flows::ValidateFlow before. Update replaces every field but id,
  // workspace and created_at; kNotFound when the flow is not the workspace's.
  [[nodiscard]] virtual Result<Flow> CreateFlow(const Flow& flow) = 0;
  [[nodiscard]] virtual Result<Flow> GetFlow(const std::string& workspace_id, int64_t id) = 0;
  // Newest first, keyset pages as ListWebhooks.
  [[nodiscard]] virtual Result<FlowPage> ListFlows(const std::string& workspace_id,
                                                   std::optional<int64_t> before_id,
                                                   int limit) = 0;
  [[nodiscard]] virtual Result<Flow> UpdateFlow(const Flow& flow) = 0;
  // Deletes the flow and its executions. kNotFound when it is not the workspace's.
  [[nodiscard]] virtual Result<void> DeleteFlow(const std::string& workspace_id, int64_t id) = 0;
  // The enabled flows of `source` whose trigger is `event_type` or "*", by id.
  [[nodiscard]] virtual Result<std::vector<Flow>> ListTriggeredFlows(
      const std::string& workspace_id, const std::string& source,
      const std::string& event_type) = 0;
  // Disables an enabled flow with a reason (loop guard). False when it was not enabled.
  [[nodiscard]] virtual Result<bool> PauseFlow(const std::string& workspace_id, int64_t id,
                                               const std::string& reason, TimePoint now) = 0;
  [[nodiscard]] virtual Result<FlowCounts> CountFlows(const std::string& workspace_id) = 0;

  // ---- Executions (SPEC §6.4) ----
  // Inserts an automatic execution for (webhook, flow) unless one exists; then returns that one
  // with created=false. At most one automatic execution per pair, whatever the concurrency.
  [[nodiscard]] virtual Result<BeginOutcome> BeginAutomaticExecution(
      const FlowExecution& execution) = 0;
  // Inserts a replay or test execution.
  [[nodiscard]] virtual Result<FlowExecution> CreateExecution(const FlowExecution& execution) = 0;
  [[nodiscard]] virtual Result<void> UpdateExecution(const std::string& workspace_id, int64_t id,
                                                     const ExecutionProgress& progress) = 0;
  [[nodiscard]] virtual Result<FlowExecution> GetExecution(const std::string& workspace_id,
                                                           int64_t id) = 0;
  // A flow's executions, newest first, keyset pages.
  [[nodiscard]] virtual Result<ExecutionPage> ListFlowExecutions(const std::string& workspace_id,
                                                                 int64_t flow_id,
                                                                 std::optional<int64_t> before_id,
                                                                 int limit) = 0;
  // A webhook's executions, oldest first.
  [[nodiscard]] virtual Result<std::vector<FlowExecution>> ListWebhookExecutions(
      const std::string& workspace_id, int64_t webhook_log_id) = 0;
  // Loop guard: the flow's automatic runs (status other than skipped) for the entity that
  // started at or after `since`.
  [[nodiscard]] virtual Result<int64_t> CountRecentRuns(const std::string& workspace_id,
                                                        int64_t flow_id,
                                                        const std::string& entity_id,
                                                        TimePoint since) = 0;
  [[nodiscard]] virtual Result<ExecutionStats> GetExecutionStats(const std::string& workspace_id,
                                                                 TimePoint since) = 0;
  // Flow runs started per hour, for the dashboard's activity chart: element i counts the runs
  // (any trigger, any status) with start + i hours <= started_at < start + (i + 1) hours, i in
  // [0, hours). kInvalidArgument unless 1 <= hours <= 168.
  [[nodiscard]] virtual Result<std::vector<int64_t>> CountExecutionsByHour(
      const std::string& workspace_id, TimePoint start, int hours) = 0;
  // Running executions whose lease expired before `now` (a replay or test whose process died),
  // at most `limit`, any workspace.
  [[nodiscard]] virtual Result<std::vector<FlowExecution>> ListAbandonedExecutions(
      TimePoint now, int limit) = 0;

  // ---- Entity cache (read side, for templates' cache.<type>[id]) ----
  // The cached entity's data_json, or nullopt.
  [[nodiscard]] virtual Result<std::optional<std::string>> FindCachedEntity(
      const std::string& workspace_id, const std::string& entity_type,
      const std::string& entity_id) = 0;

  // ---- The webhook queue (SPEC §6.4; design in ingest/webhook_queue.hpp) ----
  // Takes the lease of the workspace whose oldest unconsumed webhook is oldest among those whose
  // lease is free or expired at `now`; the lease runs until `lease_until`. nullopt: nothing to
  // take. `owner` names the worker (unique across instances).
  [[nodiscard]] virtual Result<std::optional<std::string>> ClaimQueueWorkspace(
      const std::string& owner, TimePoint now, TimePoint lease_until) = 0;
  // Extends a lease `owner` holds. False when it holds it no more (it expired and was taken).
  [[nodiscard]] virtual Result<bool> RenewQueueLease(const std::string& workspace_id,
                                                     const std::string& owner,
                                                     TimePoint lease_until) = 0;
  // Gives the lease up; it can be taken at `available_at` (now, or later to back off).
  [[nodiscard]] virtual Result<void> ReleaseQueueLease(const std::string& workspace_id,
                                                       const std::string& owner,
                                                       TimePoint available_at) = 0;
  // While `owner` holds the workspace's lease at `now`, takes the workspace's next webhooks in id
  // order, each marked processing with its attempt counted: the one an earlier claim left
  // "processing" (its consumption was cut short) alone, else up to `max` of the oldest
  // "received". Empty when there are none or the lease is not held.
  [[nodiscard]] virtual Result<std::vector<WebhookRecord>> TakeQueuedWebhooks(
      const std::string& workspace_id, const std::string& owner, TimePoint now,
      TimePoint lease_until, int max) = 0;
  // In one transaction: the `done` webhooks `owner` took become processed or error, with
  // processed_at and flows_matched (the webhook's automatic executions: one per flow that
  // matched); the `untouched` ones go back to received, their attempt not counted. Returns how
  // many of `done` were still `owner`'s (fewer: it lost the lease, and they are not changed).
  [[nodiscard]] virtual Result<int> FinishQueuedWebhooks(const std::string& workspace_id,
                                                         const std::string& owner,
                                                         std::span<const QueueCompletion> done,
                                                         std::span<const int64_t> untouched,
                                                         TimePoint now) = 0;
  // Webhooks waiting to be consumed (received or processing), all workspaces.
  [[nodiscard]] virtual Result<int64_t> CountQueuedWebhooks() = 0;

  // ---- Entity cache and bootstrap runs (SPEC §9) ----

  // Inserts or replaces each entity by (workspace, type, id), all in one transaction.
  [[nodiscard]] virtual Result<void> UpsertEntities(const std::string& workspace_id,
                                                    std::span<const CachedEntity> entities) = 0;
  // true when an entity was deleted, false when there was none.
  [[nodiscard]] virtual Result<bool> DeleteEntity(const std::string& workspace_id,
                                                  const std::string& entity_type,
                                                  const std::string& entity_id) = 0;
  // kNotFound when not cached.
  [[nodiscard]] virtual Result<CachedEntity> GetEntity(const std::string& workspace_id,
                                                       const std::string& entity_type,
                                                       const std::string& entity_id) = 0;
  // At most `limit` (1–500) entities of the type by entity_id, after `after_id` when given.
  [[nodiscard]] virtual Result<EntityPage> ListEntities(const std::string& workspace_id,
                                                        const std::string& entity_type,
                                                        std::optional<std::string> after_id,
                                                        int limit) = 0;
  // The ids of the type's entities fetched at or after `fetched_since`, sorted.
  [[nodiscard]] virtual Result<std::vector<std::string>> ListEntityIds(
      const std::string& workspace_id, const std::string& entity_type,
      TimePoint fetched_since) = 0;
  // Sorted by type.
  [[nodiscard]] virtual Result<std::vector<CountByKey>> CountEntitiesByType(
      const std::string& workspace_id) = 0;
  // Deletes the type's entities fetched before `before`; returns how many.
  [[nodiscard]] virtual Result<int64_t> DeleteEntitiesFetchedBefore(const std::string& workspace_id,
                                                                    const std::string& entity_type,
                                                                    TimePoint before) = 0;
  // Deletes at most `limit` of the workspace's entities fetched before `before`, oldest first;
  // returns how many (fewer than `limit`: none older is left).
  [[nodiscard]] virtual Result<int64_t> PurgeEntitiesFetchedBefore(const std::string& workspace_id,
                                                                   TimePoint before,
                                                                   int limit) = 0;

  // Claims the workspace's bootstrap for a fresh run unless another owner's lease still holds it
  // (in_progress and not expired): status in_progress, progress and counts zero, started_at =
  // lease.now, the error cleared, every checkpoint deleted. Creates the state row when missing.
  // false (nothing changed) when another run holds it.
  [[nodiscard]] virtual Result<bool> StartBootstrap(const std::string& workspace_id,
                                                    const BootstrapLease& lease) = 0;
  // Claims an interrupted run (in_progress, lease expired or already ours) to continue it from
  // its checkpoints; false when there is none or another owner holds it.
  [[nodiscard]] virtual Result<bool> ResumeBootstrap(const std::string& workspace_id,
                                                     const BootstrapLease& lease) = 0;
  // Workspaces whose run is in_progress with a lease expired before `now` (across workspaces:
  // for the instance that takes interrupted runs over).
  [[nodiscard]] virtual Result<std::vector<std::string>> ListResumableBootstraps(TimePoint now) = 0;
  // Extends the lease; false when `lease.owner` no longer holds the run.
  [[nodiscard]] virtual Result<bool> RenewBootstrapLease(const std::string& workspace_id,
                                                         const BootstrapLease& lease) = 0;
  // Ends the owner's lease now, leaving the run in_progress for whoever resumes it (graceful
  // shutdown); false when the owner does not hold it.
  [[nodiscard]] virtual Result<bool> ReleaseBootstrapLease(const std::string& workspace_id,
                                                           const std::string& owner,
                                                           TimePoint now) = 0;
  // Writes the counts and progress (0–100) of the owner's run; false when it does not hold it.
  [[nodiscard]] virtual Result<bool> UpdateBootstrapProgress(const std::string& workspace_id,
                                                             const std::string& owner,
                                                             int total_endpoints,
                                                             int completed_endpoints,
                                                             int progress) = 0;
  // Ends the owner's run with `status` ("completed" or "error") and the message, releasing the
  // lease; false when the owner does not hold it.
  [[nodiscard]] virtual Result<bool> FinishBootstrap(const std::string& workspace_id,
                                                     const std::string& owner,
                                                     const std::string& status,
                                                     const std::string& error_message,
                                                     TimePoint completed_at) = 0;
  // In the order they were first written.
  [[nodiscard]] virtual Result<std::vector<BootstrapCheckpoint>> ListBootstrapCheckpoints(
      const std::string& workspace_id) = 0;
  // In one transaction, only while `lease.owner` holds the run (renewing the lease to
  // lease.expires_at): upserts the entities and inserts or replaces the checkpoints by endpoint.
  // kConflict "lease_lost" (nothing written) when another owner has taken the run over.
  [[nodiscard]] virtual Result<void> CommitBootstrapProgress(
      const std::string& workspace_id, const BootstrapLease& lease,
      std::span<const BootstrapCheckpoint> checkpoints, std::span<const CachedEntity> entities) = 0;

  // ---- Retention (SPEC §10) ----
  // Each deletes at most `limit` rows of the workspace, oldest first, and returns how many.

  // Webhook-log rows received before `before` whose handling is finished: any status but
  // "received" and "processing" (the queue's pending and claimed rows). Their executions go
  // with them.
  [[nodiscard]] virtual Result<int64_t> DeleteFinishedWebhooksBefore(
      const std::string& workspace_id, TimePoint before, int limit) = 0;
  // Flow executions started before `before`.
  [[nodiscard]] virtual Result<int64_t> DeleteFlowExecutionsBefore(const std::string& workspace_id,
                                                                   TimePoint before,
                                                                   int limit) = 0;
  // The pace of Clockify API calls shared by every server instance on this database (SPEC §5.1),
  // or nullptr when the store is not shared between instances (SQLite: each process paces
  // itself in memory). Owned by the store.
  virtual SharedPace* SharedApiPace() { return nullptr; }
};

// Text the store keeps: UTF-8 without NUL bytes. PostgreSQL's TEXT refuses anything else, so both
// backends refuse it alike, and receivers check their input with this before they accept it.
bool IsStorableText(std::string_view text);

// kInvalidArgument "validation_failed" naming the field ("payload", "event_type", …) when a field
// of `row` is not storable text, or longer than its column (the seed's VARCHAR(n), in characters:
// 255 for workspace_id, event_type, custom_source and content_type, 50 for source and status).
[[nodiscard]] Result<void> CheckStorable(const NewWebhook& row);

struct StoreOptions {
  // A commit survives a power cut: SQLite synchronous=FULL, PostgreSQL synchronous_commit on.
  // Otherwise it survives a crash of the process: SQLite NORMAL, PostgreSQL synchronous_commit off.
  bool synchronous_full = true;
  int pool_size = 8;  // PostgreSQL: connections at most (SQLite: one writer, four readers)
};

// Opens the store for a database URL (every form of common/database_url.hpp: sqlite:///path,
// sqlite+aiosqlite:///path, sqlite:///:memory:, postgresql://…, postgresql+asyncpg://…). Does
// not migrate. kInvalidArgument "invalid_database_url" naming UNIVERSAL_WEBHOOK_DATABASE_URL for
// a bad URL; kUnavailable when the PostgreSQL server cannot be reached.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenStore(const std::string& database_url,
                                                       const StoreOptions& options);
[[nodiscard]] Result<std::unique_ptr<Store>> OpenStore(const std::string& database_url,
                                                       bool synchronous_full);

}  // namespace uwh::store
