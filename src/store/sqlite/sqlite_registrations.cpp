// SqliteStore: webhook registrations through Clockify's Webhooks API (SPEC §8).
#include <string>
#include <vector>

#include "store/backend_common.hpp"
#include "store/sql_statements.hpp"
#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {

using namespace sqlite;  // NOLINT(google-build-using-namespace)

Result<void> SqliteStore::ReplaceWebhookRegistrations(
    const std::string& workspace_id, const std::vector<WebhookRegistration>& registrations) {
  if (auto ok = CheckWebhookRegistrations(workspace_id, registrations); !ok) return ok;
  const TimePoint now = std::chrono::system_clock::now();
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return r;
  {
    auto stmt = w.Prepare(sql::kDeleteRegistrations);
    if (!stmt) return tl::unexpected(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot delete registrations"));
  }
  auto stmt = w.Prepare(sql::kInsertRegistration);
  if (!stmt) return tl::unexpected(stmt.error());
  for (const WebhookRegistration& r : registrations) {
    Statement s(*stmt);
    sql::BindInsertRegistration(s, workspace_id, r, r.updated_at == TimePoint{} ? now : r.updated_at);
    const int rc = s.Step();
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return Fail(RegistrationListedTwice(r.event_type));
    if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot store a registration"));
  }
  return tx.Commit();
}

Result<std::vector<WebhookRegistration>> SqliteStore::ListWebhookRegistrations(
    const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(sql::kListRegistrations);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  std::vector<WebhookRegistration> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(sql::ReadRegistration(s));
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list registrations"));
  return out;
}

}  // namespace uwh::store
