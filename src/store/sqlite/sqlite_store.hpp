#pragma once
// The SQLite backend of Store: one writer connection behind a mutex and a small pool of reader
// connections (WAL lets readers proceed while the writer commits). Thread-safe.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace uwh::store {

class SqliteStore final : public Store {
 public:
  struct Options {
    bool synchronous_full = true;  // synchronous=FULL (a commit survives a power cut), else NORMAL
    int reader_connections = 4;    // ignored for ":memory:", where everything uses the writer
    int busy_timeout_ms = 5000;    // waits for another process's lock before failing
  };

  // Opens (creating when missing) the database file at `path`, or a private in-memory database
  // for ":memory:". Does not migrate. kInternal "database_error" when SQLite refuses.
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                                 Options options);
  ~SqliteStore() override;

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

  [[nodiscard]] Result<void> ReplaceWebhookRegistrations(
      const std::string& workspace_id,
      const std::vector<WebhookRegistration>& registrations) override;
  [[nodiscard]] Result<std::vector<WebhookRegistration>> ListWebhookRegistrations(
      const std::string& workspace_id) override;

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
  [[nodiscard]] Result<std::vector<int64_t>> CountWebhooksByHour(const std::string& workspace_id,
                                                                 TimePoint start,
                                                                 int hours) override;  // sqlite_activity.cpp
  [[nodiscard]] Result<std::vector<int64_t>> CountExecutionsByHour(
      const std::string& workspace_id, TimePoint start, int hours) override;  // sqlite_activity.cpp

  [[nodiscard]] Result<CustomSource> CreateCustomSource(const CustomSource& source) override;
  [[nodiscard]] Result<CustomSource> GetCustomSource(const std::string& workspace_id,
                                                     const std::string& source) override;
  [[nodiscard]] Result<std::vector<CustomSource>> ListCustomSources(
      const std::string& workspace_id) override;
  [[nodiscard]] Result<void> DeleteCustomSource(const std::string& workspace_id,
                                                const std::string& source) override;

  [[nodiscard]] Result<void> EnsureBootstrapState(const std::string& workspace_id) override;
  [[nodiscard]] Result<BootstrapState> GetBootstrapState(const std::string& workspace_id) override;

  // Flows and executions (sqlite_flows.cpp).
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

  // The webhook queue (sqlite_queue.cpp).
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
  // The statements behind the queue, for tests that check their query plans.
  static std::vector<std::string> QueueSqlForTest();
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

  // The statements behind ListWebhooks (one per combination of filters present) and
  // GetWebhookStats, for tests that check their query plans.
  static std::string ListWebhooksSqlForTest(const WebhookFilter& filter);
  static std::vector<std::string> WebhookStatsSqlForTest();

  // A connection with its prepared-statement cache; defined in sqlite_store.cpp.
  class Connection;

 private:
  // Borrows a reader connection (the writer, under its mutex, when there are no readers) for the
  // lifetime of the lease.
  class ReadLease;

  SqliteStore();

  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;
  bool synchronous_full_ = true;

  std::mutex readers_mutex_;
  std::condition_variable reader_free_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> free_readers_;
};

}  // namespace uwh::store
