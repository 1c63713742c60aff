#include "mock/seed.hpp"

#include <algorithm>
#include <array>

namespace uwh::mock {
namespace {

using std::chrono::days;
using std::chrono::minutes;

const std::vector<std::string> kFirstNames = {"Ana",   "Marko", "Olivia", "Liam",  "Sofia",
                                              "Noah",  "Mia",   "Lucas",  "Emma",  "Ivan",
                                              "Chloe", "Ethan", "Lena",   "Jonas", "Sara"};
const std::vector<std::string> kLastNames = {"Petrovic", "Smith",  "Garcia", "Novak", "Jensen",
                                             "Rossi",    "Müller", "Kovac",  "Silva", "Brown"};
const std::vector<std::string> kClientNames = {
    "Acme Corporation", "Globex",     "Initech",    "Umbrella Labs", "Stark Industries",
    "Wayne Enterprises", "Hooli",     "Vandelay Imports", "Soylent", "Cyberdyne"};
const std::vector<std::string> kProjectNames = {
    "Website Redesign",   "Mobile App",        "Internal Tools",   "Data Warehouse",
    "Marketing Campaign", "Customer Portal",   "API Platform",     "Onboarding Flow",
    "Security Audit",     "Billing Migration", "Support Backlog",  "Research",
    "Analytics Dashboard", "Training",         "Office Move",      "Payments Integration",
    "Design System",      "Infrastructure"};
const std::vector<std::string> kTaskNames = {"Planning",    "Design",        "Implementation",
                                             "Code review", "Testing",       "Deployment",
                                             "Bugfixing",   "Documentation", "Meetings"};
const std::vector<std::string> kTagWords = {
    "billable", "internal", "meeting",  "research", "design",     "bugfix",   "review",
    "support",  "urgent",   "planning", "docs",     "testing",    "deploy",   "training",
    "travel",   "onboarding", "sales",  "marketing", "operations", "security"};
const std::vector<std::string> kColors = {"#F44336", "#E91E63", "#9C27B0", "#3F51B5", "#03A9F4",
                                          "#009688", "#4CAF50", "#CDDC39", "#FF9800", "#795548"};
const std::vector<std::string> kDescriptions = {
    "Standup",         "Sprint planning",  "Fixing login bug",   "Code review",
    "Client call",     "Writing tests",    "Refactoring",        "Design review",
    "Deploy to staging", "Customer support", "Research spike",   "Updating docs",
    "Pair programming", "Retro",           "",                   "Performance tuning"};
const std::vector<std::string> kTimeZones = {"Europe/Belgrade", "Europe/London",
                                             "America/New_York", "Asia/Tokyo"};

// Monday = 0 … Sunday = 6 for a day counted from 1970-01-01 (a Thursday).
int Weekday(int64_t day_number) { return static_cast<int>(((day_number % 7) + 7 + 3) % 7); }

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

std::string DefaultWorkspaceId(uint64_t seed) {
  SeededRandom r(MixSeed(seed, "default-workspace"));
  return r.ObjectId();
}

Workspace SeedWorkspace(const std::string& workspace_id, uint64_t seed, TimePoint now,
                        const SeedSizes& sizes) {
  SeededRandom r(MixSeed(seed, workspace_id));
  Workspace ws;
  ws.id = workspace_id;
  ws.id_random = SeededRandom(MixSeed(seed, workspace_id + "/api"));
  ws.name = r.Pick(kClientNames) + " Workspace";
  ws.currency_id = r.ObjectId();
  ws.hourly_rate = 5000;

  // Users: distinct names; the first is the owner, the second an admin.
  std::vector<std::string> used_names;
  for (int i = 0; i < std::max(1, sizes.users); ++i) {
    User u;
    u.id = r.ObjectId();
    do {
      u.name = r.Pick(kFirstNames) + " " + r.Pick(kLastNames);
    } while (std::find(used_names.begin(), used_names.end(), u.name) != used_names.end() &&
             used_names.size() < kFirstNames.size() * kLastNames.size());
    used_names.push_back(u.name);
    std::string email = Lower(u.name);
    std::replace(email.begin(), email.end(), ' ', '.');
    u.email = email + "@example.com";
    u.role = i == 0 ? "OWNER" : (i == 1 ? "ADMIN" : "USER");
    u.time_zone = r.Pick(kTimeZones);
    u.hourly_rate = r.Between(20, 90) * 100;
    ws.users.push_back(std::move(u));
  }

  for (int i = 0; i < sizes.clients; ++i) {
    Client c;
    c.id = r.ObjectId();
    c.name = kClientNames[static_cast<size_t>(i) % kClientNames.size()];
    if (static_cast<size_t>(i) >= kClientNames.size()) c.name += " " + std::to_string(i);
    c.email = "billing@" + Lower(c.name.substr(0, c.name.find(' '))) + ".example.com";
    c.address = std::to_string(r.Between(1, 999)) + " Main Street";
    c.note = "";
    c.archived = sizes.clients > 1 && i == sizes.clients - 1;
    ws.clients.push_back(std::move(c));
  }

  for (int i = 0; i < sizes.groups; ++i) {
    static const std::array<const char*, 4> kGroups = {"Developers", "Design", "Management",
                                                       "Support"};
    UserGroup g;
    g.id = r.ObjectId();
    g.name = kGroups[static_cast<size_t>(i) % kGroups.size()];
    for (const auto& u : ws.users) {
      if (r.Chance(45)) g.user_ids.push_back(u.id);
    }
    if (!g.user_ids.empty()) g.manager_ids.push_back(g.user_ids.front());
    ws.groups.push_back(std::move(g));
  }

  for (int i = 0; i < sizes.projects; ++i) {
    Project p;
    p.id = r.ObjectId();
    p.name = kProjectNames[static_cast<size_t>(i) % kProjectNames.size()];
    if (static_cast<size_t>(i) >= kProjectNames.size()) p.name += " " + std::to_string(i);
    // One project has no client; the others belong to active clients.
    const int active_clients = std::max(0, sizes.clients - 1);
    if (i != 0 && active_clients > 0) {
      p.client_id = ws.clients[static_cast<size_t>(r.Below(static_cast<uint64_t>(active_clients)))].id;
    }
    p.color = r.Pick(kColors);
    p.billable = r.Chance(70);
    p.is_public = r.Chance(80);
    p.archived = sizes.projects > 2 && i == sizes.projects - 1;
    p.hourly_rate = p.billable ? r.Between(50, 150) * 100 : 0;
    p.note = r.Chance(30) ? "Kick-off in Q" + std::to_string(r.Between(1, 4)) : "";
    for (const auto& u : ws.users) {
      if (p.is_public || r.Chance(50) || u.role == "OWNER") p.member_ids.push_back(u.id);
    }
    // Two of three projects have tasks.
    if (i % 3 != 2) {
      const int n = static_cast<int>(r.Between(2, 6));
      for (int t = 0; t < n; ++t) {
        Task task;
        task.id = r.ObjectId();
        task.project_id = p.id;
        task.name = kTaskNames[static_cast<size_t>(t) % kTaskNames.size()];
        task.status = r.Chance(15) ? "DONE" : "ACTIVE";
        task.billable = p.billable;
        if (r.Chance(60)) task.assignee_ids.push_back(r.Pick(ws.users).id);
        task.estimate = r.Chance(40) ? "PT" + std::to_string(r.Between(2, 40)) + "H" : "PT0S";
        p.tasks.push_back(std::move(task));
      }
    }
    ws.projects.push_back(std::move(p));
  }

  for (int i = 0; i < sizes.tags; ++i) {
    Tag t;
    t.id = r.ObjectId();
    t.name = static_cast<size_t>(i) < kTagWords.size()
                 ? kTagWords[static_cast<size_t>(i)]
                 : "sprint-" + std::to_string(i - static_cast<int>(kTagWords.size()) + 1);
    t.archived = i == 3;
    ws.tags.push_back(std::move(t));
  }

  {
    CustomField ticket;
    ticket.id = r.ObjectId();
    ticket.name = "Ticket";
    ticket.type = "TXT";
    ticket.entity_type = "TIMEENTRY";
    ticket.description = "Issue tracker reference";
    ticket.placeholder = "ABC-123";
    ws.custom_fields.push_back(ticket);

    CustomField location;
    location.id = r.ObjectId();
    location.name = "Location";
    location.type = "DROPDOWN_SINGLE";
    location.entity_type = "USER";
    location.allowed_values = {"Belgrade", "London", "New York", "Tokyo"};
    location.default_value = "Belgrade";
    location.placeholder = "Office";
    ws.custom_fields.push_back(location);

    CustomField cost_center;
    cost_center.id = r.ObjectId();
    cost_center.name = "Cost center";
    cost_center.type = "DROPDOWN_MULTIPLE";
    cost_center.entity_type = "TIMEENTRY";
    cost_center.allowed_values = {"R&D", "Sales", "G&A"};
    cost_center.only_admin_can_edit = true;
    ws.custom_fields.push_back(cost_center);

    CustomField overtime;
    overtime.id = r.ObjectId();
    overtime.name = "Overtime";
    overtime.type = "CHECKBOX";
    overtime.entity_type = "TIMEENTRY";
    overtime.default_value = false;
    ws.custom_fields.push_back(overtime);
  }

  // Time entries on weekdays of the last `days` days, before today (UTC).
  const auto today = std::chrono::floor<days>(now);
  const int64_t today_number = today.time_since_epoch().count();
  std::vector<const Project*> open_projects;
  for (const auto& p : ws.projects) {
    if (!p.archived) open_projects.push_back(&p);
  }
  const size_t active_tags = std::min<size_t>(ws.tags.size(), 20);
  for (const auto& user : ws.users) {
    for (int d = sizes.days; d >= 1; --d) {
      if (Weekday(today_number - d) >= 5) continue;
      const int count = static_cast<int>(r.Below(static_cast<uint64_t>(sizes.max_entries_per_day) + 1));
      TimePoint cursor = today - days(d) + std::chrono::hours(8) + minutes(r.Between(0, 18) * 5);
      for (int k = 0; k < count; ++k) {
        TimeEntry e;
        e.id = r.ObjectId();
        e.user_id = user.id;
        if (!open_projects.empty() && r.Chance(90)) {
          const Project* p = r.Pick(open_projects);
          e.project_id = p->id;
          e.billable = p->billable;
          if (!p->tasks.empty() && r.Chance(70)) e.task_id = r.Pick(p->tasks).id;
        } else {
          e.billable = false;
        }
        e.description = r.Pick(kDescriptions);
        const int n_tags = static_cast<int>(r.Below(3));
        for (int t = 0; t < n_tags && active_tags > 0; ++t) {
          const auto& tag = ws.tags[static_cast<size_t>(r.Below(active_tags))];
          if (!tag.archived &&
              std::find(e.tag_ids.begin(), e.tag_ids.end(), tag.id) == e.tag_ids.end()) {
            e.tag_ids.push_back(tag.id);
          }
        }
        if (r.Chance(30)) {
          e.custom_field_values.push_back(
              {ws.custom_fields[0].id, "CF-" + std::to_string(r.Between(100, 999))});
        }
        e.start = cursor;
        e.end = cursor + minutes(r.Between(3, 48) * 5);
        cursor = *e.end + minutes(r.Between(0, 12) * 5);
        ws.time_entries.push_back(std::move(e));
      }
    }
  }
  std::stable_sort(ws.time_entries.begin(), ws.time_entries.end(),
                   [](const TimeEntry& a, const TimeEntry& b) { return a.start < b.start; });
  return ws;
}

}  // namespace uwh::mock
