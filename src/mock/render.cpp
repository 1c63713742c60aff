#include "mock/render.hpp"

#include <cstdio>
#include <ctime>

namespace uwh::mock {
namespace {

Json Rate(int64_t amount) { return Json{{"amount", amount}, {"currency", "USD"}}; }

Json UserSettings(const User& user) {
  return Json{{"weekStart", "MONDAY"},
              {"timeZone", user.time_zone},
              {"timeFormat", "HOUR24"},
              {"dateFormat", "DD/MM/YYYY"},
              {"sendNewsletter", false},
              {"weeklyUpdates", false},
              {"longRunning", false},
              {"scheduledReports", true},
              {"approval", true},
              {"pto", true},
              {"alerts", true},
              {"reminders", true},
              {"onboarding", true},
              {"timeTrackingManual", false},
              {"summaryReportSettings", {{"group", "Project"}, {"subgroup", "Time Entry"}}},
              {"isCompactViewOn", false},
              {"dashboardSelection", "ME"},
              {"dashboardViewType", "PROJECT"},
              {"dashboardPinToTop", false},
              {"projectListCollapse", 50},
              {"collapseAllProjectLists", false},
              {"groupSimilarEntriesDisabled", false},
              {"myStartOfDay", "09:00"},
              {"projectPickerTaskFilter", false},
              {"lang", "EN"},
              {"multiFactorEnabled", false},
              {"scheduling", true},
              {"showOnlyWorkingDays", false},
              {"theme", "DEFAULT"}};
}

std::chrono::seconds EntryDuration(const TimeEntry& e) {
  if (!e.end) return std::chrono::seconds(0);
  return std::chrono::duration_cast<std::chrono::seconds>(*e.end - e.start);
}

// Total tracked time, as Clockify's project and task "duration".
std::string TrackedDuration(const Workspace& ws, std::string_view project_id,
                            std::string_view task_id) {
  std::chrono::seconds total{0};
  for (const auto& e : ws.time_entries) {
    if (e.project_id != project_id) continue;
    if (!task_id.empty() && e.task_id != task_id) continue;
    total += EntryDuration(e);
  }
  return IsoDuration(total);
}

Json StringArray(const std::vector<std::string>& v) {
  Json out = Json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

Json NullableString(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

}  // namespace

std::string FormatIso(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string IsoDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s <= 0) return "PT0S";
  const int64_t h = s / 3600, m = (s % 3600) / 60;
  s %= 60;
  std::string out = "PT";
  if (h > 0) out += std::to_string(h) + "H";
  if (m > 0) out += std::to_string(m) + "M";
  if (s > 0) out += std::to_string(s) + "S";
  return out;
}

Json UserJson(const Workspace& ws, const User& user) {
  return Json{{"id", user.id},
              {"email", user.email},
              {"name", user.name},
              {"memberships", Json::array()},
              {"profilePicture", "https://img.clockify.me/no-user-image.png"},
              {"activeWorkspace", ws.id},
              {"defaultWorkspace", ws.id},
              {"settings", UserSettings(user)},
              {"status", user.status},
              {"customFields", Json::array()}};
}

Json WorkspaceJson(const Workspace& ws) {
  Json memberships = Json::array();
  for (const auto& u : ws.users) {
    memberships.push_back({{"userId", u.id},
                           {"hourlyRate", u.hourly_rate ? Rate(u.hourly_rate) : Json(nullptr)},
                           {"costRate", nullptr},
                           {"targetId", ws.id},
                           {"membershipType", "WORKSPACE"},
                           {"membershipStatus", "ACTIVE"}});
  }
  return Json{
      {"id", ws.id},
      {"name", ws.name},
      {"hourlyRate", Rate(ws.hourly_rate)},
      {"costRate", Rate(0)},
      {"memberships", memberships},
      {"workspaceSettings",
       {{"timeRoundingInReports", false},
        {"onlyAdminsSeeBillableRates", true},
        {"onlyAdminsCreateProject", true},
        {"onlyAdminsSeeDashboard", false},
        {"defaultBillableProjects", true},
        {"lockTimeEntries", nullptr},
        {"lockTimeZone", nullptr},
        {"round", {{"round", "Round to nearest"}, {"minutes", "15"}}},
        {"projectFavorites", true},
        {"canSeeTimeSheet", true},
        {"canSeeTracker", true},
        {"projectPickerSpecialFilter", false},
        {"forceProjects", false},
        {"forceTasks", false},
        {"forceTags", false},
        {"forceDescription", false},
        {"onlyAdminsSeeAllTimeEntries", false},
        {"onlyAdminsSeePublicProjectsEntries", false},
        {"trackTimeDownToSecond", true},
        {"projectGroupingLabel", "client"},
        {"adminOnlyPages", Json::array()},
        {"automaticLock", nullptr},
        {"onlyAdminsCreateTag", false},
        {"onlyAdminsCreateTask", false},
        {"timeTrackingMode", "DEFAULT"},
        {"isProjectPublicByDefault", true},
        {"multiFactorEnabled", false},
        {"numberFormat", "COMMA_PERIOD"},
        {"currencyFormat", "CURRENCY_SPACE_VALUE"},
        {"durationFormat", "FULL"}}},
      {"imageUrl", ""},
      {"featureSubscriptionType", "ENTERPRISE_YEAR"},
      {"features", {"ADD_TIME_FOR_OTHERS", "APPROVAL", "CUSTOM_FIELDS", "EXPENSES", "INVOICING",
                    "SCHEDULING", "TIME_OFF", "USER_CUSTOM_FIELDS", "PROJECT_BUDGET"}},
      {"currencies", {{{"id", ws.currency_id}, {"code", "USD"}, {"isDefault", true}}}},
      {"subdomain", {{"name", nullptr}, {"enabled", false}}},
      {"cakeOrganizationId", nullptr}};
}

Json ClientJson(const Workspace& ws, const Client& client) {
  return Json{{"id", client.id},
              {"name", client.name},
              {"email", client.email},
              {"workspaceId", ws.id},
              {"archived", client.archived},
              {"address", client.address},
              {"note", client.note},
              {"currencyId", ws.currency_id},
              {"currencyCode", "USD"},
              {"ccEmails", Json::array()}};
}

Json ProjectJson(const Workspace& ws, const Project& p) {
  const Client* client = p.client_id.empty() ? nullptr : ws.FindClient(p.client_id);
  Json memberships = Json::array();
  for (const auto& uid : p.member_ids) {
    memberships.push_back({{"userId", uid},
                           {"hourlyRate", nullptr},
                           {"costRate", nullptr},
                           {"targetId", p.id},
                           {"membershipType", "PROJECT"},
                           {"membershipStatus", "ACTIVE"}});
  }
  return Json{{"id", p.id},
              {"name", p.name},
              {"hourlyRate", p.hourly_rate ? Rate(p.hourly_rate) : Json(nullptr)},
              {"costRate", nullptr},
              {"clientId", p.client_id},
              {"workspaceId", ws.id},
              {"billable", p.billable},
              {"memberships", memberships},
              {"color", p.color},
              {"estimate", {{"estimate", "PT0S"}, {"type", "AUTO"}}},
              {"archived", p.archived},
              {"duration", TrackedDuration(ws, p.id, "")},
              {"clientName", client ? client->name : ""},
              {"note", p.note},
              {"timeEstimate",
               {{"estimate", "PT0S"},
                {"type", "AUTO"},
                {"resetOption", nullptr},
                {"active", false},
                {"includeNonBillable", true}}},
              {"budgetEstimate", nullptr},
              {"estimateReset", nullptr},
              {"template", p.is_template},
              {"public", p.is_public}};
}

Json TaskJson(const Workspace& ws, const Task& t) {
  return Json{{"id", t.id},
              {"name", t.name},
              {"projectId", t.project_id},
              {"assigneeIds", StringArray(t.assignee_ids)},
              {"assigneeId", t.assignee_ids.empty() ? "" : t.assignee_ids.front()},
              {"userGroupIds", StringArray(t.user_group_ids)},
              {"estimate", t.estimate},
              {"status", t.status},
              {"budgetEstimate", 0},
              {"billable", t.billable},
              {"hourlyRate", nullptr},
              {"costRate", nullptr},
              {"duration", TrackedDuration(ws, t.project_id, t.id)}};
}

Json TagJson(const Workspace& ws, const Tag& tag) {
  return Json{{"id", tag.id}, {"name", tag.name}, {"workspaceId", ws.id}, {"archived", tag.archived}};
}

Json GroupJson(const Workspace& ws, const UserGroup& g) {
  Json managers = Json::array();
  for (const auto& id : g.manager_ids) {
    const User* u = ws.FindUser(id);
    managers.push_back({{"id", id}, {"name", u ? u->name : ""}});
  }
  return Json{{"id", g.id},
              {"name", g.name},
              {"workspaceId", ws.id},
              {"userIds", StringArray(g.user_ids)},
              {"teamManagers", managers}};
}

Json CustomFieldJson(const Workspace& ws, const CustomField& f) {
  return Json{{"id", f.id},
              {"name", f.name},
              {"type", f.type},
              {"allowedValues", StringArray(f.allowed_values)},
              {"description", f.description},
              {"placeholder", f.placeholder},
              {"status", f.status},
              {"required", f.required},
              {"onlyAdminCanEdit", f.only_admin_can_edit},
              {"entityType", f.entity_type},
              {"workspaceDefaultValue", f.default_value},
              {"projectDefaultValues", Json::array()},
              {"workspaceId", ws.id}};
}

Json TimeEntryJson(const Workspace& ws, const TimeEntry& e, bool with_rates) {
  Json interval = {{"start", FormatIso(e.start)},
                   {"end", e.end ? Json(FormatIso(*e.end)) : Json(nullptr)},
                   {"duration", e.end ? Json(IsoDuration(EntryDuration(e))) : Json(nullptr)}};
  Json values = Json::array();
  for (const auto& v : e.custom_field_values) {
    const CustomField* f = ws.FindCustomField(v.custom_field_id);
    values.push_back({{"customFieldId", v.custom_field_id},
                      {"timeEntryId", e.id},
                      {"value", v.value},
                      {"name", f ? f->name : ""},
                      {"type", "TIMEENTRY"}});
  }
  Json out = {{"id", e.id},
              {"description", e.description},
              {"tagIds", StringArray(e.tag_ids)},
              {"userId", e.user_id},
              {"billable", e.billable},
              {"taskId", NullableString(e.task_id)},
              {"projectId", NullableString(e.project_id)},
              {"workspaceId", ws.id},
              {"timeInterval", interval},
              {"customFieldValues", values},
              {"type", e.type},
              {"kioskId", nullptr},
              {"isLocked", false}};
  if (with_rates) {
    int64_t rate = 0;
    if (const Project* p = e.project_id.empty() ? nullptr : ws.FindProject(e.project_id)) {
      rate = p->hourly_rate;
    }
    out["hourlyRate"] = e.billable && rate ? Rate(rate) : Json(nullptr);
    out["costRate"] = nullptr;
  }
  return out;
}

Json WebhookJson(const Workspace& ws, const Webhook& w) {
  return Json{{"id", w.id},
              {"name", w.name},
              {"workspaceId", ws.id},
              {"userId", w.user_id},
              {"url", w.url},
              {"webhookEvent", w.event},
              {"triggerSourceType", w.trigger_source_type},
              {"triggerSource", StringArray(w.trigger_source)},
              {"enabled", w.enabled},
              {"authToken", w.token},
              {"webhookType", w.webhook_type}};
}

Json ProjectEventBody(const Workspace& ws, const Project& p) {
  const Client* client = p.client_id.empty() ? nullptr : ws.FindClient(p.client_id);
  Json tasks = Json::array();
  for (const auto& t : p.tasks) {
    Json task = TaskEventBody(ws, t);
    task["workspaceId"] = ws.id;
    tasks.push_back(std::move(task));
  }
  return Json{{"id", p.id},
              {"name", p.name},
              {"hourlyRate", {{"amount", p.hourly_rate}}},
              {"clientId", p.client_id},
              {"workspaceId", ws.id},
              {"billable", p.billable},
              {"color", p.color},
              {"estimate", {{"estimate", "PT0S"}, {"type", "AUTO"}}},
              {"archived", p.archived},
              {"duration", TrackedDuration(ws, p.id, "")},
              {"clientName", client ? client->name : ""},
              {"note", p.note},
              {"public", p.is_public},
              {"template", p.is_template},
              {"tasks", tasks},
              {"client", client ? ClientEventBody(ws, *client) : Json(nullptr)}};
}

Json ClientEventBody(const Workspace& ws, const Client& c) {
  return Json{{"id", c.id}, {"name", c.name}, {"workspaceId", ws.id}, {"archived", c.archived}};
}

Json TagEventBody(const Workspace& ws, const Tag& t) {
  return Json{{"id", t.id}, {"name", t.name}, {"workspaceId", ws.id}, {"archived", t.archived}};
}

Json TaskEventBody(const Workspace& ws, const Task& t) {
  return Json{{"id", t.id},
              {"name", t.name},
              {"projectId", t.project_id},
              {"assigneeIds", StringArray(t.assignee_ids)},
              {"assigneeId", t.assignee_ids.empty() ? "" : t.assignee_ids.front()},
              {"userGroupIds", StringArray(t.user_group_ids)},
              {"estimate", t.estimate},
              {"status", t.status},
              {"duration", TrackedDuration(ws, t.project_id, t.id)}};
}

Json TimeEntryEventBody(const Workspace& ws, const TimeEntry& e) {
  const Project* project = e.project_id.empty() ? nullptr : ws.FindProject(e.project_id);
  const Project* task_project = nullptr;
  const Task* task = e.task_id.empty() ? nullptr : ws.FindTask(e.task_id, &task_project);
  const User* user = ws.FindUser(e.user_id);
  Json values = Json::array();
  for (const auto& v : e.custom_field_values) {
    const CustomField* f = ws.FindCustomField(v.custom_field_id);
    values.push_back({{"customFieldId", v.custom_field_id},
                      {"timeEntryId", e.id},
                      {"value", v.value},
                      {"name", f ? f->name : ""}});
  }
  Json project_json = nullptr;
  if (project != nullptr) {
    const Client* client = project->client_id.empty() ? nullptr : ws.FindClient(project->client_id);
    project_json = {{"name", project->name},
                    {"clientId", project->client_id},
                    {"clientName", client ? client->name : ""},
                    {"workspaceId", ws.id},
                    {"billable", project->billable},
                    {"estimate", {{"estimate", "PT0S"}, {"type", "AUTO"}}},
                    {"color", project->color},
                    {"archived", project->archived},
                    {"duration", TrackedDuration(ws, project->id, "")},
                    {"note", project->note},
                    {"id", project->id},
                    {"public", project->is_public},
                    {"template", project->is_template}};
  }
  Json task_json = nullptr;
  if (task != nullptr) {
    task_json = TaskEventBody(ws, *task);
    task_json["workspaceId"] = ws.id;
  }
  Json tags = Json::array();
  for (const auto& id : e.tag_ids) {
    if (const Tag* t = ws.FindTag(id)) tags.push_back(TagEventBody(ws, *t));
  }
  int64_t rate = project ? project->hourly_rate : 0;
  return Json{
      {"id", e.id},
      {"description", e.description},
      {"tagIds", StringArray(e.tag_ids)},
      {"userId", e.user_id},
      {"billable", e.billable},
      {"taskId", NullableString(e.task_id)},
      {"projectId", NullableString(e.project_id)},
      {"timeInterval",
       {{"start", FormatIso(e.start)},
        {"end", e.end ? Json(FormatIso(*e.end)) : Json(nullptr)},
        {"duration", e.end ? Json(IsoDuration(EntryDuration(e))) : Json(nullptr)}}},
      {"workspaceId", ws.id},
      {"isLocked", false},
      {"hourlyRate", e.billable && rate ? Json{{"amount", rate}, {"currency", "USD"}} : Json(nullptr)},
      {"costRate", nullptr},
      {"customFieldValues", values},
      {"project", project_json},
      {"task", task_json},
      {"user", user ? Json{{"name", user->name}, {"id", user->id}, {"status", user->status}}
                    : Json(nullptr)},
      {"tags", tags}};
}

Json UserEventBody(const Workspace& /*ws*/, const User& user) {
  return Json{{"id", user.id},
              {"email", user.email},
              {"name", user.name},
              {"profilePicture", ""},
              {"settings", UserSettings(user)}};
}

Json GroupEventBody(const Workspace& ws, const UserGroup& g) { return GroupJson(ws, g); }

}  // namespace uwh::mock
