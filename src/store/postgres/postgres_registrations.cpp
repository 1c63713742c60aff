// PostgresStore: webhook registrations through Clockify's Webhooks API (SPEC §8).
#include <string>
#include <vector>

#include "store/backend_common.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sql_statements.hpp"

namespace uwh::store {

Result<void> PostgresStore::ReplaceWebhookRegistrations(
    const std::string& workspace_id, const std::vector<WebhookRegistration>& registrations) {
  if (auto ok = CheckWebhookRegistrations(workspace_id, registrations); !ok) return ok;
  const TimePoint now = std::chrono::system_clock::now();
  // BEGIN, the delete, one insert per registration, COMMIT: one round trip.
  const pg::Params none;
  pg::Params drop;
  drop.TextNoCopy(1, workspace_id);
  std::vector<pg::Params> inserts(registrations.size());
  std::vector<pg::PipelineStep> steps;
  steps.reserve(registrations.size() + 3);
  steps.push_back({"BEGIN", &none});
  steps.push_back({sql::kDeleteRegistrations, &drop});
  for (size_t i = 0; i < registrations.size(); ++i) {
    const WebhookRegistration& r = registrations[i];
    sql::BindInsertRegistration(inserts[i], workspace_id, r,
                                r.updated_at == TimePoint{} ? now : r.updated_at);
    steps.push_back({sql::kInsertRegistration, &inserts[i]});
  }
  steps.push_back({"COMMIT", &none});
  return pg::WithConnection(*pool_, [&](pg::Connection& c) -> Result<void> {
    auto r = c.RunPipeline(steps, "cannot store registrations");
    if (!r) {
      if (r.error().kind == ErrorCode::kConflict) {
        // The unique (workspace_id, event_type) index: name the event listed twice.
        for (size_t i = 0; i < registrations.size(); ++i) {
          for (size_t j = 0; j < i; ++j) {
            if (registrations[i].event_type == registrations[j].event_type) {
              return Fail(RegistrationListedTwice(registrations[i].event_type));
            }
          }
        }
      }
      return Fail(r.error());
    }
    return {};
  });
}

Result<std::vector<WebhookRegistration>> PostgresStore::ListWebhookRegistrations(
    const std::string& workspace_id) {
  pg::Params p;
  p.TextNoCopy(1, workspace_id);
  return pg::ReadAll<WebhookRegistration>(*pool_, sql::kListRegistrations, p,
                                          "cannot list registrations",
                                          sql::ReadRegistration<pg::Row>);
}

}  // namespace uwh::store
