// SqliteStore: webhook registrations through Clockify's Webhooks API (SPEC §8).
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_internal.hpp"

namespace uwh::store {
namespace {

using namespace sqlite;  // NOLINT(google-build-using-namespace)

constexpr std::string_view kDeleteRegistrations =
    "DELETE FROM universal_webhook_webhook_registration WHERE workspace_id = $1";
constexpr std::string_view kInsertRegistration =
    "INSERT INTO universal_webhook_webhook_registration "
    "(workspace_id, event_type, status, clockify_webhook_id, reason, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kListRegistrations =
    "SELECT workspace_id, event_type, status, clockify_webhook_id, reason, updated_at "
    "FROM universal_webhook_webhook_registration WHERE workspace_id = $1 ORDER BY event_type";

Error Invalid(const std::string& message, const std::string& field) {
  return Error::Make(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

}  // namespace

Result<void> SqliteStore::ReplaceWebhookRegistrations(
    const std::string& workspace_id, const std::vector<WebhookRegistration>& registrations) {
  if (workspace_id.empty()) return tl::unexpected(Invalid("workspace_id is required", "workspace_id"));
  for (size_t i = 0; i < registrations.size(); ++i) {
    const WebhookRegistration& r = registrations[i];
    const std::string field = "registrations[" + std::to_string(i) + "]";
    if (!r.workspace_id.empty() && r.workspace_id != workspace_id) {
      return tl::unexpected(Invalid("registration belongs to another workspace", field));
    }
    if (r.event_type.empty() || r.status.empty()) {
      return tl::unexpected(Invalid("event_type and status are required", field));
    }
  }

  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& w = *writer_;
  Transaction tx(w);
  if (auto r = tx.Begin(); !r) return r;
  {
    auto stmt = w.Prepare(kDeleteRegistrations);
    if (!stmt) return tl::unexpected(stmt.error());
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    if (s.Step() != SQLITE_DONE) return tl::unexpected(s.Failure("cannot delete registrations"));
  }
  auto stmt = w.Prepare(kInsertRegistration);
  if (!stmt) return tl::unexpected(stmt.error());
  for (const WebhookRegistration& r : registrations) {
    Statement s(*stmt);
    s.TextNoCopy(1, workspace_id);
    s.TextNoCopy(2, r.event_type);
    s.TextNoCopy(3, r.status);
    s.TextOrNull(4, r.clockify_webhook_id);
    s.TextOrNull(5, r.reason);
    s.Time(6, NowIfUnset(r.updated_at));
    const int rc = s.Step();
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                  "event type " + r.event_type + " is listed twice", "event_type");
    }
    if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot store a registration"));
  }
  return tx.Commit();
}

Result<std::vector<WebhookRegistration>> SqliteStore::ListWebhookRegistrations(
    const std::string& workspace_id) {
  ReadLease lease(*this);
  auto stmt = lease.conn().Prepare(kListRegistrations);
  if (!stmt) return tl::unexpected(stmt.error());
  Statement s(*stmt);
  s.TextNoCopy(1, workspace_id);
  std::vector<WebhookRegistration> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    WebhookRegistration r;
    r.workspace_id = s.ColumnText(0);
    r.event_type = s.ColumnText(1);
    r.status = s.ColumnText(2);
    r.clockify_webhook_id = s.ColumnText(3);
    r.reason = s.ColumnText(4);
    r.updated_at = s.ColumnTime(5);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(s.Failure("cannot list registrations"));
  return out;
}

}  // namespace uwh::store
