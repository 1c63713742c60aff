#pragma once
// The PostgreSQL backend of Store, for production and for several server instances on one
// database (SPEC §2): a pool of libpq connections, the same SQL as SQLite where the dialects agree
// (sql_statements.hpp), its own migrations (migrations/postgres/, version for version the
// SQLite ones), group commit in one pipelined transaction, and de-duplication that holds across
// instances. It also keeps the API pace the instances share. Thread-safe. libpq stays inside
// postgres/*.cpp and pg_internal.hpp. Each area of the store has its own source file
// (postgres_<area>.cpp, sharing pg_internal.hpp and pg_pool.hpp), as in the SQLite backend.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/shared_pace.hpp"
#include "store/store.hpp"

namespace uwh::store {

namespace pg {
class ConnectionPool;
}

class PostgresStore final : public Store, public SharedPace {
 public:
  struct Options {
    bool synchronous_commit = true;  // false: synchronous_commit off (a commit may be lost in a
                                     // crash of the server, never half-applied)
    int pool_size = 8;               // connections open at most
    std::chrono::milliseconds acquire_timeout{10'000};  // waiting for a free connection
  };

  // Checks `conninfo` (a libpq URI) and opens a first connection, so that a wrong URL or an
  // unreachable server stops start-up. Does not migrate.
  [[nodiscard]] static Result<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo,
                                                                   Options options);
  ~PostgresStore() override;

  [[nodiscard]] Result<int> Migrate() override;
  [[nodiscard]] Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
  [[nodiscard]] Result<bool> Ping() override;

  [[nodiscard]] Result<Installation> UpsertInstallation(const Installation& in) override;
  [[nodiscard]] Result<Installation> GetInstallation(const std::string& workspace_id) override;
  [[nodiscard]] Result<std::vector<Installation>> ListActiveInstallations() override;
  [[nodiscard]] Result<void> DeactivateInstallation(const std::string& workspace_id) override;
  [[nodiscard]] Result<void> UpdateSettings(const std::string& workspace_id,
                                            const std::string& settings_json) override;
  [[nodiscard]] Result<void> UpdateStatus(const std::string& workspace_id,
                                          const std::string& status) override;

  [[nodiscard]] Result<void> ReplaceWebhookTokens(const std::string& workspace_id,
                                                  const std::string& route,
                                                  const std::vector<WebhookToken>& tokens) override;
  [[nodiscard]] Result<WebhookToken> FindWebhookToken(const std::string& token_hash) override;
  [[nodiscard]] Result<std::vector<WebhookToken>> ListWebhookTokens(
      const std::string& workspace_id) override;

  // One pipelined transaction (one round trip): advisory locks on the batch's de-duplication
  // keys, then per row one statement that finds an earlier row with its key or inserts it.
  [[nodiscard]] Result<std::vector<AppendOutcome>> AppendWebhooks(
      std::span<const NewWebhook> batch) override;
  [[nodiscard]] Result<WebhookRecord> GetWebhook(const std::string& workspace_id,
                                                 int64_t id) override;
  [[nodiscard]] Result<int64_t> CountWebhooks(const std::string& workspace_id) override;
  [[nodiscard]] Result<WebhookPage> ListWebhooks(const std::string& workspace_id,
                                                 const WebhookFilter& filter,
                                                 std::optional<int64_t> before_id,
                                                 int limit) override;
  [[nodiscard]] Result<WebhookStats> GetWebhookStats(const std::string& workspace_id,
                                                     TimePoint since) override;
  [[nodiscard]] Result<std::vector<int64_t>> CountWebhooksByHour(
      const std::string& workspace_id, TimePoint start, int hours) override;  // _activity.cpp
  [[nodiscard]] Result<std::vector<int64_t>> CountExecutionsByHour(
      const std::string& workspace_id, TimePoint start, int hours) override;  // _activity.cpp

  [[nodiscard]] Result<CustomSource> CreateCustomSource(const CustomSource& source) override;
  [[nodiscard]] Result<CustomSource> GetCustomSource(const std::string& workspace_id,
                                                     const std::string& source) override;
  [[nodiscard]] Result<std::vector<CustomSource>> ListCustomSources(
      const std::string& workspace_id) override;
  [[nodiscard]] Result<void> DeleteCustomSource(const std::string& workspace_id,
                                                const std::string& source) override;

  // The bootstrap area and retention (postgres_cache.cpp).
  [[nodiscard]] Result<void> EnsureBootstrapState(const std::string& workspace_id) override;
  [[nodiscard]] Result<BootstrapState> GetBootstrapState(const std::string& workspace_id) override;

  [[nodiscard]] Result<void> UpsertEntities(const std::string& workspace_id,
                                            std::span<const CachedEntity> entities) override;
  [[nodiscard]] Result<bool> DeleteEntity(const std::string& workspace_id,
                                          const std::string& entity_type,
                                          const std::string& entity_id) override;
  [[nodiscard]] Result<CachedEntity> GetEntity(const std::string& workspace_id,
                                               const std::string& entity_type,
                                               const std::string& entity_id) override;
  [[nodiscard]] Result<EntityPage> ListEntities(const std::string& workspace_id,
                                                const std::string& entity_type,
                                                std::optional<std::string> after_id,
                                                int limit) override;
  [[nodiscard]] Result<std::vector<std::string>> ListEntityIds(const std::string& workspace_id,
                                                               const std::string& entity_type,
                                                               TimePoint fetched_since) override;
  [[nodiscard]] Result<std::vector<CountByKey>> CountEntitiesByType(
      const std::string& workspace_id) override;
  [[nodiscard]] Result<int64_t> DeleteEntitiesFetchedBefore(const std::string& workspace_id,
                                                            const std::string& entity_type,
                                                            TimePoint before) override;
  [[nodiscard]] Result<int64_t> PurgeEntitiesFetchedBefore(const std::string& workspace_id,
                                                           TimePoint before, int limit) override;

  [[nodiscard]] Result<bool> StartBootstrap(const std::string& workspace_id,
                                            const BootstrapLease& lease) override;
  [[nodiscard]] Result<bool> ResumeBootstrap(const std::string& workspace_id,
                                             const BootstrapLease& lease) override;
  [[nodiscard]] Result<std::vector<std::string>> ListResumableBootstraps(TimePoint now) override;
  [[nodiscard]] Result<bool> RenewBootstrapLease(const std::string& workspace_id,
                                                 const BootstrapLease& lease) override;
  [[nodiscard]] Result<bool> ReleaseBootstrapLease(const std::string& workspace_id,
                                                   const std::string& owner,
                                                   TimePoint now) override;
  [[nodiscard]] Result<bool> UpdateBootstrapProgress(const std::string& workspace_id,
                                                     const std::string& owner, int total_endpoints,
                                                     int completed_endpoints,
                                                     int progress) override;
  [[nodiscard]] Result<bool> FinishBootstrap(const std::string& workspace_id,
                                             const std::string& owner, const std::string& status,
                                             const std::string& error_message,
                                             TimePoint completed_at) override;
  [[nodiscard]] Result<std::vector<BootstrapCheckpoint>> ListBootstrapCheckpoints(
      const std::string& workspace_id) override;
  [[nodiscard]] Result<void> CommitBootstrapProgress(
      const std::string& workspace_id, const BootstrapLease& lease,
      std::span<const BootstrapCheckpoint> checkpoints,
      std::span<const CachedEntity> entities) override;

  [[nodiscard]] Result<int64_t> DeleteFinishedWebhooksBefore(const std::string& workspace_id,
                                                             TimePoint before, int limit) override;
  [[nodiscard]] Result<int64_t> DeleteFlowExecutionsBefore(const std::string& workspace_id,
                                                           TimePoint before, int limit) override;

  [[nodiscard]] Result<void> ReplaceWebhookRegistrations(
      const std::string& workspace_id,
      const std::vector<WebhookRegistration>& registrations) override;
  [[nodiscard]] Result<std::vector<WebhookRegistration>> ListWebhookRegistrations(
      const std::string& workspace_id) override;

  // ---- Flows, executions, entity cache (postgres_flows.cpp) ----
  [[nodiscard]] Result<Flow> CreateFlow(const Flow& flow) override;
  [[nodiscard]] Result<Flow> GetFlow(const std::string& workspace_id, int64_t id) override;
  [[nodiscard]] Result<FlowPage> ListFlows(const std::string& workspace_id,
                                           std::optional<int64_t> before_id, int limit) override;
  [[nodiscard]] Result<Flow> UpdateFlow(const Flow& flow) override;
  [[nodiscard]] Result<void> DeleteFlow(const std::string& workspace_id, int64_t id) override;
  [[nodiscard]] Result<std::vector<Flow>> ListTriggeredFlows(
      const std::string& workspace_id, const std::string& source,
      const std::string& event_type) override;
  [[nodiscard]] Result<bool> PauseFlow(const std::string& workspace_id, int64_t id,
                                       const std::string& reason, TimePoint now) override;
  [[nodiscard]] Result<FlowCounts> CountFlows(const std::string& workspace_id) override;

  [[nodiscard]] Result<BeginOutcome> BeginAutomaticExecution(
      const FlowExecution& execution) override;
  [[nodiscard]] Result<FlowExecution> CreateExecution(const FlowExecution& execution) override;
  [[nodiscard]] Result<void> UpdateExecution(const std::string& workspace_id, int64_t id,
                                             const ExecutionProgress& progress) override;
  [[nodiscard]] Result<FlowExecution> GetExecution(const std::string& workspace_id,
                                                   int64_t id) override;
  [[nodiscard]] Result<ExecutionPage> ListFlowExecutions(const std::string& workspace_id,
                                                         int64_t flow_id,
                                                         std::optional<int64_t> before_id,
                                                         int limit) override;
  [[nodiscard]] Result<std::vector<FlowExecution>> ListWebhookExecutions(
      const std::string& workspace_id, int64_t webhook_log_id) override;
  [[nodiscard]] Result<int64_t> CountRecentRuns(const std::string& workspace_id, int64_t flow_id,
                                                const std::string& entity_id,
                                                TimePoint since) override;
  [[nodiscard]] Result<ExecutionStats> GetExecutionStats(const std::string& workspace_id,
                                                         TimePoint since) override;
  [[nodiscard]] Result<std::vector<FlowExecution>> ListAbandonedExecutions(TimePoint now,
                                                                           int limit) override;
  [[nodiscard]] Result<std::optional<std::string>> FindCachedEntity(
      const std::string& workspace_id, const std::string& entity_type,
      const std::string& entity_id) override;

  // ---- The webhook queue (postgres_queue.cpp) ----
  // Several instances share the queue: candidates are locked with FOR UPDATE SKIP LOCKED, so
  // two claimers never wait on or take the same workspace.
  [[nodiscard]] Result<std::optional<std::string>> ClaimQueueWorkspace(
      const std::string& owner, TimePoint now, TimePoint lease_until) override;
  [[nodiscard]] Result<bool> RenewQueueLease(const std::string& workspace_id,
                                             const std::string& owner,
                                             TimePoint lease_until) override;
  [[nodiscard]] Result<void> ReleaseQueueLease(const std::string& workspace_id,
                                               const std::string& owner,
                                               TimePoint available_at) override;
  [[nodiscard]] Result<std::vector<WebhookRecord>> TakeQueuedWebhooks(
      const std::string& workspace_id, const std::string& owner, TimePoint now,
      TimePoint lease_until, int max) override;
  [[nodiscard]] Result<int> FinishQueuedWebhooks(const std::string& workspace_id,
                                                 const std::string& owner,
                                                 std::span<const QueueCompletion> done,
                                                 std::span<const int64_t> untouched,
                                                 TimePoint now) override;
  [[nodiscard]] Result<int64_t> CountQueuedWebhooks() override;

  // The pace of Clockify API calls, in universal_webhook_api_pace, timed by the database's clock
  // so that the instances' own clocks need not agree.
  SharedPace* SharedApiPace() override { return this; }
  [[nodiscard]] Result<std::chrono::nanoseconds> Reserve(const std::string& workspace_id,
                                                         std::chrono::nanoseconds interval) override;
  [[nodiscard]] Result<void> Delay(const std::string& workspace_id,
                                   std::chrono::nanoseconds delay) override;

  int OpenConnectionsForTest() const;

 private:
  explicit PostgresStore(std::unique_ptr<pg::ConnectionPool> pool);

  std::unique_ptr<pg::ConnectionPool> pool_;
};

}  // namespace uwh::store
