#include "mock/api_handlers.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "clockify/event_types.hpp"
#include "common/clock.hpp"
#include "mock/pagination.hpp"
#include "mock/render.hpp"

namespace uwh::mock {
namespace {

using http::Request;
using http::Response;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ContainsCi(std::string_view haystack, std::string_view needle) {
  return Lower(haystack).find(Lower(needle)) != std::string::npos;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    const size_t j = s.find(',', i);
    std::string part = s.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!part.empty()) out.push_back(std::move(part));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

// A query flag: nullopt when absent, else whether it says true.
std::optional<bool> QueryBool(const Request& req, const std::string& name) {
  const std::string* v = req.Query(name);
  if (v == nullptr || v->empty()) return std::nullopt;
  return Lower(*v) == "true" || *v == "1";
}

const std::string& QueryText(const Request& req, const std::string& name) {
  static const std::string kEmpty;
  const std::string* v = req.Query(name);
  return v == nullptr ? kEmpty : *v;
}

// The request body as a JSON object, or the 400 to answer.
std::optional<Response> ParseObject(const Request& req, Json* out) {
  *out = Json::parse(req.body.empty() ? std::string_view("{}") : std::string_view(req.body),
                     nullptr, false);
  if (out->is_discarded() || !out->is_object()) {
    return ClockifyError(400, "The request body must be a JSON object");
  }
  return std::nullopt;
}

std::string StringField(const Json& body, const char* name, const std::string& fallback = {}) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool BoolField(const Json& body, const char* name, bool fallback) {
  auto it = body.find(name);
  return it != body.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::vector<std::string> StringList(const Json& body, const char* name) {
  std::vector<std::string> out;
  auto it = body.find(name);
  if (it == body.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// A rate given as {"amount": N} (cents) or a bare number; nullopt when absent.
std::optional<int64_t> RateField(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_object() && it->contains("amount") && (*it)["amount"].is_number()) {
    return (*it)["amount"].get<int64_t>();
  }
  return std::nullopt;
}

template <typename T, typename Render>
Response Paged(const Request& req, const std::vector<const T*>& items, Render render,
               size_t default_size = 50) {
  auto page = ParsePageRequest(req.query, default_size);
  if (!page) return ClockifyError(400, page.error().message);
  const PageSlice slice = SliceFor(items.size(), *page);
  Json out = Json::array();
  for (size_t i = slice.begin; i < slice.end; ++i) out.push_back(render(*items[i]));
  return JsonResponse(200, out);
}

Response NotFound(const std::string& what, std::string_view id) {
  return ClockifyError(404, what + " with id " + std::string(id) + " was not found");
}

EventRefs ProjectRefs(const Project& p) { return EventRefs{p.id, "", "", {}}; }

EventRefs EntryRefs(const TimeEntry& e) {
  return EventRefs{e.project_id, e.user_id, e.task_id, e.tag_ids};
}

std::string Param(const ApiContext& ctx, const char* name) {
  return std::string(ctx.request.Param(name));
}

// ---------------------------------------------------------------------------------------------
// Users and workspaces
// ---------------------------------------------------------------------------------------------
Response GetLoggedUser(ApiContext& ctx) {
  return JsonResponse(200, UserJson(ctx.workspace, ctx.caller));
}

Response GetWorkspaces(ApiContext& ctx) {
  return JsonResponse(200, Json::array({WorkspaceJson(ctx.workspace)}));
}

Response GetWorkspace(ApiContext& ctx) { return JsonResponse(200, WorkspaceJson(ctx.workspace)); }

Response GetUsers(ApiContext& ctx) {
  const auto& name = QueryText(ctx.request, "name");
  const auto& email = QueryText(ctx.request, "email");
  std::vector<const User*> items;
  for (const auto& u : ctx.workspace.users) {
    if (!name.empty() && !ContainsCi(u.name, name)) continue;
    if (!email.empty() && !ContainsCi(u.email, email)) continue;
    items.push_back(&u);
  }
  return Paged(ctx.request, items, [&](const User& u) { return UserJson(ctx.workspace, u); });
}

Response GetUserGroups(ApiContext& ctx) {
  const auto& name = QueryText(ctx.request, "name");
  std::vector<const UserGroup*> items;
  for (const auto& g : ctx.workspace.groups) {
    if (!name.empty() && !ContainsCi(g.name, name)) continue;
    items.push_back(&g);
  }
  return Paged(ctx.request, items,
               [&](const UserGroup& g) { return GroupJson(ctx.workspace, g); });
}

Response GetCustomFields(ApiContext& ctx) {
  const auto& name = QueryText(ctx.request, "name");
  const auto& status = QueryText(ctx.request, "status");
  const auto& entity = QueryText(ctx.request, "entity-type");
  Json out = Json::array();
  for (const auto& f : ctx.workspace.custom_fields) {
    if (!name.empty() && !ContainsCi(f.name, name)) continue;
    if (!status.empty() && status != f.status) continue;
    if (!entity.empty() && entity != f.entity_type) continue;
    out.push_back(CustomFieldJson(ctx.workspace, f));
  }
  return JsonResponse(200, out);
}

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------
Response GetClients(ApiContext& ctx) {
  const auto& name = QueryText(ctx.request, "name");
  const auto archived = QueryBool(ctx.request, "archived");
  std::vector<const Client*> items;
  for (const auto& c : ctx.workspace.clients) {
    if (!name.empty() && !ContainsCi(c.name, name)) continue;
    if (archived && c.archived != *archived) continue;
    items.push_back(&c);
  }
  return Paged(ctx.request, items, [&](const Client& c) { return ClientJson(ctx.workspace, c); });
}

Response GetClient(ApiContext& ctx) {
  const Client* c = ctx.workspace.FindClient(Param(ctx, "id"));
  if (c == nullptr) return NotFound("Client", Param(ctx, "id"));
  return JsonResponse(200, ClientJson(ctx.workspace, *c));
}

Response CreateClient(ApiContext& ctx) {
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  Client c;
  c.name = StringField(body, "name");
  if (c.name.empty()) return ClockifyError(400, "Client name is required");
  for (const auto& other : ctx.workspace.clients) {
    if (Lower(other.name) == Lower(c.name)) {
      return ClockifyError(400, "Client with name '" + c.name + "' already exists");
    }
  }
  c.id = ctx.workspace.NewId();
  c.email = StringField(body, "email");
  c.address = StringField(body, "address");
  c.note = StringField(body, "note");
  ctx.workspace.clients.push_back(c);
  const Client& stored = ctx.workspace.clients.back();
  ctx.events.push_back({"NEW_CLIENT", ClientEventBody(ctx.workspace, stored), {}});
  return JsonResponse(201, ClientJson(ctx.workspace, stored));
}

Response UpdateClient(ApiContext& ctx) {
  Client* c = ctx.workspace.FindClient(Param(ctx, "id"));
  if (c == nullptr) return NotFound("Client", Param(ctx, "id"));
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  if (body.contains("name")) {
    const std::string name = StringField(body, "name");
    if (name.empty()) return ClockifyError(400, "Client name must not be empty");
    c->name = name;
  }
  c->email = StringField(body, "email", c->email);
  c->address = StringField(body, "address", c->address);
  c->note = StringField(body, "note", c->note);
  c->archived = BoolField(body, "archived", c->archived);
  ctx.events.push_back({"CLIENT_UPDATED", ClientEventBody(ctx.workspace, *c), {}});
  return JsonResponse(200, ClientJson(ctx.workspace, *c));
}

Response DeleteClient(ApiContext& ctx) {
  auto& clients = ctx.workspace.clients;
  auto it = std::find_if(clients.begin(), clients.end(),
                         [&](const Client& c) { return c.id == ctx.request.Param("id"); });
  if (it == clients.end()) return NotFound("Client", Param(ctx, "id"));
  const Json answer = ClientJson(ctx.workspace, *it);
  ctx.events.push_back({"CLIENT_DELETED", ClientEventBody(ctx.workspace, *it), {}});
  for (auto& p : ctx.workspace.projects) {
    if (p.client_id == it->id) p.client_id.clear();
  }
  clients.erase(it);
  return JsonResponse(200, answer);
}

// ---------------------------------------------------------------------------------------------
// Projects and tasks
// ---------------------------------------------------------------------------------------------
Response GetProjects(ApiContext& ctx) {
  const auto& name = QueryText(ctx.request, "name");
  const bool strict = QueryBool(ctx.request, "strict-name-search").value_or(false);
  const auto archived = QueryBool(ctx.request, "archived");
  const auto billable = QueryBool(ctx.request, "billable");
  const auto is_template = QueryBool(ctx.request, "is-template");
  const auto clients = SplitComma(QueryText(ctx.request, "clients"));
  std::vector<const Project*> items;
  for (const auto& p : ctx.workspace.projects) {
    if (!name.empty() && (strict ? p.name != name : !ContainsCi(p.name, name))) continue;
    if (archived && p.archived != *archived) continue;
    if (billable && p.billable != *billable) continue;
    if (is_template && p.is_template != *is_template) continue;
    if (!clients.empty() &&
        std::find(clients.begin(), clients.end(), p.client_id) == clients.end()) {
      continue;
    }
    items.push_back(&p);
  }
  return Paged(ctx.request, items,
               [&](const Project& p) { return ProjectJson(ctx.workspace, p); });
}

Response GetProject(ApiContext& ctx) {
  const Project* p = ctx.workspace.FindProject(Param(ctx, "projectId"));
  if (p == nullptr) return NotFound("Project", Param(ctx, "projectId"));
  return JsonResponse(200, ProjectJson(ctx.workspace, *p));
}

// Applies the fields a create or update body may carry; an error response when one is invalid.
std::optional<Response> ApplyProjectFields(ApiContext& ctx, const Json& body, Project* p) {
  if (body.contains("name")) {
    const std::string name = StringField(body, "name");
    if (name.empty()) return ClockifyError(400, "Project name must not be empty");
    p->name = name;
  }
  if (body.contains("clientId")) {
    const std::string client_id = StringField(body, "clientId");
    if (!client_id.empty() && ctx.workspace.FindClient(client_id) == nullptr) {
      return ClockifyError(400, "Client with id " + client_id + " does not exist");
    }
    p->client_id = client_id;
  }
  p->color = StringField(body, "color", p->color);
  p->note = StringField(body, "note", p->note);
  p->billable = BoolField(body, "billable", p->billable);
  p->is_public = BoolField(body, "isPublic", p->is_public);
  p->archived = BoolField(body, "archived", p->archived);
  if (auto rate = RateField(body, "hourlyRate")) p->hourly_rate = *rate;
  return std::nullopt;
}

bool ProjectNameTaken(const Workspace& ws, const Project& p) {
  for (const auto& other : ws.projects) {
    if (other.id != p.id && other.client_id == p.client_id && Lower(other.name) == Lower(p.name)) {
      return true;
    }
  }
  return false;
}

Response CreateProject(ApiContext& ctx) {
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  Project p;
  p.name = StringField(body, "name");
  if (p.name.empty()) return ClockifyError(400, "Project name is required");
  if (auto bad = ApplyProjectFields(ctx, body, &p)) return *bad;
  p.archived = false;
  if (ProjectNameTaken(ctx.workspace, p)) {
    return ClockifyError(400, "Project with name '" + p.name + "' already exists");
  }
  p.id = ctx.workspace.NewId();
  for (const auto& m : body.value("memberships", Json::array())) {
    if (m.is_object() && m.contains("userId") && m["userId"].is_string() &&
        ctx.workspace.FindUser(m["userId"].get<std::string>()) != nullptr) {
      p.member_ids.push_back(m["userId"].get<std::string>());
    }
  }
  if (std::find(p.member_ids.begin(), p.member_ids.end(), ctx.caller.id) == p.member_ids.end()) {
    p.member_ids.insert(p.member_ids.begin(), ctx.caller.id);
  }
  for (const auto& t : body.value("tasks", Json::array())) {
    if (!t.is_object() || StringField(t, "name").empty()) continue;
    Task task;
    task.id = ctx.workspace.NewId();
    task.project_id = p.id;
    task.name = StringField(t, "name");
    task.status = StringField(t, "status", "ACTIVE");
    task.assignee_ids = StringList(t, "assigneeIds");
    task.billable = p.billable;
    p.tasks.push_back(std::move(task));
  }
  ctx.workspace.projects.push_back(std::move(p));
  const Project& stored = ctx.workspace.projects.back();
  ctx.events.push_back({"NEW_PROJECT", ProjectEventBody(ctx.workspace, stored), ProjectRefs(stored)});
  return JsonResponse(201, ProjectJson(ctx.workspace, stored));
}

Response UpdateProject(ApiContext& ctx) {
  Project* p = ctx.workspace.FindProject(Param(ctx, "projectId"));
  if (p == nullptr) return NotFound("Project", Param(ctx, "projectId"));
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  Project updated = *p;
  if (auto bad = ApplyProjectFields(ctx, body, &updated)) return *bad;
  if (ProjectNameTaken(ctx.workspace, updated)) {
    return ClockifyError(400, "Project with name '" + updated.name + "' already exists");
  }
  *p = std::move(updated);
  ctx.events.push_back({"PROJECT_UPDATED", ProjectEventBody(ctx.workspace, *p), ProjectRefs(*p)});
  return JsonResponse(200, ProjectJson(ctx.workspace, *p));
}

Response DeleteProject(ApiContext& ctx) {
  auto& projects = ctx.workspace.projects;
  auto it = std::find_if(projects.begin(), projects.end(),
                         [&](const Project& p) { return p.id == ctx.request.Param("projectId"); });
  if (it == projects.end()) return NotFound("Project", Param(ctx, "projectId"));
  // Like Clockify: only an archived project can be deleted.
  if (!it->archived) {
    return ClockifyError(400, "Cannot delete an active project; archive it first");
  }
  const Json answer = ProjectJson(ctx.workspace, *it);
  ctx.events.push_back({"PROJECT_DELETED", ProjectEventBody(ctx.workspace, *it), ProjectRefs(*it)});
  projects.erase(it);
  return JsonResponse(200, answer);
}

Response GetTasks(ApiContext& ctx) {
  const Project* p = ctx.workspace.FindProject(Param(ctx, "projectId"));
  if (p == nullptr) return NotFound("Project", Param(ctx, "projectId"));
  const auto& name = QueryText(ctx.request, "name");
  const bool strict = QueryBool(ctx.request, "strict-name-search").value_or(false);
  const auto active = QueryBool(ctx.request, "is-active");
  std::vector<const Task*> items;
  for (const auto& t : p->tasks) {
    if (!name.empty() && (strict ? t.name != name : !ContainsCi(t.name, name))) continue;
    if (active && (t.status == "ACTIVE") != *active) continue;
    items.push_back(&t);
  }
  return Paged(ctx.request, items, [&](const Task& t) { return TaskJson(ctx.workspace, t); });
}

Task* FindTaskIn(Project* p, std::string_view id) {
  auto it = std::find_if(p->tasks.begin(), p->tasks.end(), [&](const Task& t) { return t.id == id; });
  return it == p->tasks.end() ? nullptr : &*it;
}

Response GetTask(ApiContext& ctx) {
  Project* p = ctx.workspace.FindProject(Param(ctx, "projectId"));
  if (p == nullptr) return NotFound("Project", Param(ctx, "projectId"));
  const Task* t = FindTaskIn(p, Param(ctx, "taskId"));
  if (t == nullptr) return NotFound("Task", Param(ctx, "taskId"));
  return JsonResponse(200, TaskJson(ctx.workspace, *t));
}

std::optional<Response> ApplyTaskFields(const Json& body, const Project& p, Task* t) {
  if (body.contains("name")) {
    const std::string name = StringField(body, "name");
    if (name.empty()) return ClockifyError(400, "Task name must not be empty");
    for (const auto& other : p.tasks) {
      if (other.id != t->id && Lower(other.name) == Lower(name)) {
        return ClockifyError(400, "Task with name '" + name + "' already exists");
      }
    }
    t->name = name;
  }
  const std::string status = StringField(body, "status", t->status);
  if (status != "ACTIVE" && status != "DONE") {
    return ClockifyError(400, "Task status must be ACTIVE or DONE");
  }
  t->status = status;
  if (body.contains("assigneeIds")) t->assignee_ids = StringList(body, "assigneeIds");
  if (body.contains("userGroupIds")) t->user_group_ids = StringList(body, "userGroupIds");
  t->estimate = StringField(body, "estimate", t->estimate);
  t->billable = BoolField(body, "billable", t->billable);
  return std::nullopt;
}

Response CreateTask(ApiContext& ctx) {
  Project* p = ctx.workspace.FindProject(Param(ctx, "projectId"));
  if (p == nullptr) return NotFound("Project", Param(ctx, "projectId"));
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  if (StringField(body, "name").empty()) return ClockifyError(400, "Task name is required");
  Task t;
  t.project_id = p->id;
  t.billable = p->billable;
  if (auto bad = ApplyTaskFields(body, *p, &t)) return *bad;
  t.id = ctx.workspace.NewId();
  p->tasks.push_back(std::move(t));
  const Task& stored = p->tasks.back();
  ctx.events.push_back(
      {"NEW_TASK", TaskEventBody(ctx.workspace, stored), EventRefs{p->id, "", stored.id, {}}});
  return JsonResponse(201, TaskJson(ctx.workspace, stored));
}

Response UpdateTask(ApiContext& ctx) {
  Project* p = ctx.workspace.FindProject(Param(ctx, "projectId"));
  if (p == nullptr) return NotFound("Project", Param(ctx, "projectId"));
  Task* t = FindTaskIn(p, Param(ctx, "taskId"));
  if (t == nullptr) return NotFound("Task", Param(ctx, "taskId"));
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  if (StringField(body, "name").empty()) return ClockifyError(400, "Task name is required");
  Task updated = *t;
  if (auto bad = ApplyTaskFields(body, *p, &updated)) return *bad;
  *t = std::move(updated);
  ctx.events.push_back(
      {"TASK_UPDATED", TaskEventBody(ctx.workspace, *t), EventRefs{p->id, "", t->id, {}}});
  return JsonResponse(200, TaskJson(ctx.workspace, *t));
}

Response DeleteTask(ApiContext& ctx) {
  Project* p = ctx.workspace.FindProject(Param(ctx, "projectId"));
  if (p == nullptr) return NotFound("Project", Param(ctx, "projectId"));
  auto it = std::find_if(p->tasks.begin(), p->tasks.end(),
                         [&](const Task& t) { return t.id == ctx.request.Param("taskId"); });
  if (it == p->tasks.end()) return NotFound("Task", Param(ctx, "taskId"));
  const Json answer = TaskJson(ctx.workspace, *it);
  ctx.events.push_back(
      {"TASK_DELETED", TaskEventBody(ctx.workspace, *it), EventRefs{p->id, "", it->id, {}}});
  p->tasks.erase(it);
  return JsonResponse(200, answer);
}

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------
Response GetTags(ApiContext& ctx) {
  const auto& name = QueryText(ctx.request, "name");
  const bool strict = QueryBool(ctx.request, "strict-name-search").value_or(false);
  const auto archived = QueryBool(ctx.request, "archived");
  const auto excluded = SplitComma(QueryText(ctx.request, "excluded-ids"));
  std::vector<const Tag*> items;
  for (const auto& t : ctx.workspace.tags) {
    if (!name.empty() && (strict ? t.name != name : !ContainsCi(t.name, name))) continue;
    if (archived && t.archived != *archived) continue;
    if (std::find(excluded.begin(), excluded.end(), t.id) != excluded.end()) continue;
    items.push_back(&t);
  }
  return Paged(ctx.request, items, [&](const Tag& t) { return TagJson(ctx.workspace, t); });
}

Response GetTag(ApiContext& ctx) {
  const Tag* t = ctx.workspace.FindTag(Param(ctx, "id"));
  if (t == nullptr) return NotFound("Tag", Param(ctx, "id"));
  return JsonResponse(200, TagJson(ctx.workspace, *t));
}

bool TagNameTaken(const Workspace& ws, const std::string& name, const std::string& except_id) {
  for (const auto& t : ws.tags) {
    if (t.id != except_id && Lower(t.name) == Lower(name)) return true;
  }
  return false;
}

Response CreateTag(ApiContext& ctx) {
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  Tag t;
  t.name = StringField(body, "name");
  if (t.name.empty()) return ClockifyError(400, "Tag name is required");
  if (TagNameTaken(ctx.workspace, t.name, "")) {
    return ClockifyError(400, "Tag with name '" + t.name + "' already exists");
  }
  t.id = ctx.workspace.NewId();
  ctx.workspace.tags.push_back(t);
  ctx.events.push_back({"NEW_TAG", TagEventBody(ctx.workspace, t), EventRefs{"", "", "", {t.id}}});
  return JsonResponse(201, TagJson(ctx.workspace, t));
}

Response UpdateTag(ApiContext& ctx) {
  Tag* t = ctx.workspace.FindTag(Param(ctx, "id"));
  if (t == nullptr) return NotFound("Tag", Param(ctx, "id"));
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  if (body.contains("name")) {
    const std::string name = StringField(body, "name");
    if (name.empty()) return ClockifyError(400, "Tag name must not be empty");
    if (TagNameTaken(ctx.workspace, name, t->id)) {
      return ClockifyError(400, "Tag with name '" + name + "' already exists");
    }
    t->name = name;
  }
  t->archived = BoolField(body, "archived", t->archived);
  ctx.events.push_back(
      {"TAG_UPDATED", TagEventBody(ctx.workspace, *t), EventRefs{"", "", "", {t->id}}});
  return JsonResponse(200, TagJson(ctx.workspace, *t));
}

Response DeleteTag(ApiContext& ctx) {
  auto& tags = ctx.workspace.tags;
  auto it = std::find_if(tags.begin(), tags.end(),
                         [&](const Tag& t) { return t.id == ctx.request.Param("id"); });
  if (it == tags.end()) return NotFound("Tag", Param(ctx, "id"));
  const Json answer = TagJson(ctx.workspace, *it);
  ctx.events.push_back(
      {"TAG_DELETED", TagEventBody(ctx.workspace, *it), EventRefs{"", "", "", {it->id}}});
  const std::string id = it->id;
  tags.erase(it);
  for (auto& e : ctx.workspace.time_entries) {
    e.tag_ids.erase(std::remove(e.tag_ids.begin(), e.tag_ids.end(), id), e.tag_ids.end());
  }
  return JsonResponse(200, answer);
}

// ---------------------------------------------------------------------------------------------
// Time entries
// ---------------------------------------------------------------------------------------------
std::optional<Response> ParseTime(const Json& body, const char* name, bool required,
                                  std::optional<TimePoint>* out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return ClockifyError(400, std::string(name) + " is required");
    out->reset();
    return std::nullopt;
  }
  TimePoint t;
  if (!it->is_string() || !ParseTimestamp(it->get<std::string>(), &t)) {
    return ClockifyError(400, std::string(name) + " must be an ISO-8601 date-time");
  }
  *out = t;
  return std::nullopt;
}

// Fills an entry from a create or update body (PUT semantics: what is absent is cleared).
std::optional<Response> ApplyEntryFields(const Workspace& ws, const Json& body, TimeEntry* e) {
  std::optional<TimePoint> start, end;
  if (auto bad = ParseTime(body, "start", true, &start)) return bad;
  if (auto bad = ParseTime(body, "end", false, &end)) return bad;
  if (end && *end < *start) return ClockifyError(400, "end must not be before start");
  e->start = *start;
  e->end = end;
  e->project_id = StringField(body, "projectId");
  e->task_id = StringField(body, "taskId");
  const Project* project = nullptr;
  if (!e->project_id.empty()) {
    project = ws.FindProject(e->project_id);
    if (project == nullptr) return ClockifyError(400, "Project with id " + e->project_id + " does not exist");
  }
  if (!e->task_id.empty()) {
    const Project* task_project = nullptr;
    if (ws.FindTask(e->task_id, &task_project) == nullptr || task_project != project) {
      return ClockifyError(400, "Task with id " + e->task_id + " does not belong to the project");
    }
  }
  e->description = StringField(body, "description");
  e->tag_ids = StringList(body, "tagIds");
  for (const auto& id : e->tag_ids) {
    if (ws.FindTag(id) == nullptr) return ClockifyError(400, "Tag with id " + id + " does not exist");
  }
  e->billable = BoolField(body, "billable", project ? project->billable : false);
  e->type = StringField(body, "type", "REGULAR");
  e->custom_field_values.clear();
  for (const auto& cf : body.value("customFields", Json::array())) {
    if (!cf.is_object() || StringField(cf, "customFieldId").empty()) continue;
    e->custom_field_values.push_back({StringField(cf, "customFieldId"), cf.value("value", Json())});
  }
  return std::nullopt;
}

std::vector<TimeEntry>::iterator RunningEntryOf(Workspace& ws, const std::string& user_id) {
  return std::find_if(ws.time_entries.begin(), ws.time_entries.end(), [&](const TimeEntry& e) {
    return e.user_id == user_id && !e.end;
  });
}

Response CreateEntryFor(ApiContext& ctx, const User& user) {
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  TimeEntry e;
  e.user_id = user.id;
  if (auto bad = ApplyEntryFields(ctx.workspace, body, &e)) return *bad;
  e.id = ctx.workspace.NewId();
  // Starting a timer stops the one running, as in Clockify.
  if (!e.end) {
    auto running = RunningEntryOf(ctx.workspace, user.id);
    if (running != ctx.workspace.time_entries.end()) {
      running->end = std::max(e.start, running->start);
      ctx.events.push_back({"TIMER_STOPPED", TimeEntryEventBody(ctx.workspace, *running),
                            EntryRefs(*running)});
    }
  }
  ctx.workspace.time_entries.push_back(e);
  ctx.events.push_back({e.end ? "NEW_TIME_ENTRY" : "NEW_TIMER_STARTED",
                        TimeEntryEventBody(ctx.workspace, e), EntryRefs(e)});
  return JsonResponse(201, TimeEntryJson(ctx.workspace, e, false));
}

Response CreateTimeEntry(ApiContext& ctx) { return CreateEntryFor(ctx, ctx.caller); }

Response CreateForOthers(ApiContext& ctx) {
  const User* user = ctx.workspace.FindUser(Param(ctx, "userId"));
  if (user == nullptr) return NotFound("User", Param(ctx, "userId"));
  return CreateEntryFor(ctx, *user);
}

Response GetTimeEntry(ApiContext& ctx) {
  const TimeEntry* e = ctx.workspace.FindTimeEntry(Param(ctx, "id"));
  if (e == nullptr) return NotFound("Time entry", Param(ctx, "id"));
  return JsonResponse(200, TimeEntryJson(ctx.workspace, *e, true));
}

Response UpdateTimeEntry(ApiContext& ctx) {
  TimeEntry* e = ctx.workspace.FindTimeEntry(Param(ctx, "id"));
  if (e == nullptr) return NotFound("Time entry", Param(ctx, "id"));
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  TimeEntry updated = *e;
  if (auto bad = ApplyEntryFields(ctx.workspace, body, &updated)) return *bad;
  const bool stopped = !e->end && updated.end;
  *e = std::move(updated);
  ctx.events.push_back({stopped ? "TIMER_STOPPED" : "TIME_ENTRY_UPDATED",
                        TimeEntryEventBody(ctx.workspace, *e), EntryRefs(*e)});
  return JsonResponse(200, TimeEntryJson(ctx.workspace, *e, false));
}

Response DeleteTimeEntry(ApiContext& ctx) {
  auto& entries = ctx.workspace.time_entries;
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const TimeEntry& e) { return e.id == ctx.request.Param("id"); });
  if (it == entries.end()) return NotFound("Time entry", Param(ctx, "id"));
  ctx.events.push_back(
      {"TIME_ENTRY_DELETED", TimeEntryEventBody(ctx.workspace, *it), EntryRefs(*it)});
  entries.erase(it);
  Response r;
  r.status = 204;
  return r;
}

Response StopRunningTimeEntry(ApiContext& ctx) {
  const User* user = ctx.workspace.FindUser(Param(ctx, "userId"));
  if (user == nullptr) return NotFound("User", Param(ctx, "userId"));
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  std::optional<TimePoint> end;
  if (auto bad = ParseTime(body, "end", true, &end)) return *bad;
  auto running = RunningEntryOf(ctx.workspace, user->id);
  if (running == ctx.workspace.time_entries.end()) {
    return ClockifyError(404, "No running time entry for user " + user->id);
  }
  if (*end < running->start) return ClockifyError(400, "end must not be before start");
  running->end = *end;
  ctx.events.push_back(
      {"TIMER_STOPPED", TimeEntryEventBody(ctx.workspace, *running), EntryRefs(*running)});
  return JsonResponse(200, TimeEntryJson(ctx.workspace, *running, false));
}

Response GetTimeEntries(ApiContext& ctx) {
  const User* user = ctx.workspace.FindUser(Param(ctx, "userId"));
  if (user == nullptr) return NotFound("User", Param(ctx, "userId"));
  std::optional<TimePoint> from, to;
  for (auto [name, out] : {std::pair{"start", &from}, std::pair{"end", &to}}) {
    const std::string* v = ctx.request.Query(name);
    if (v == nullptr || v->empty()) continue;
    TimePoint t;
    if (!ParseTimestamp(*v, &t)) {
      return ClockifyError(400, std::string(name) + " must be an ISO-8601 date-time");
    }
    *out = t;
  }
  const auto& project = QueryText(ctx.request, "project");
  const auto& task = QueryText(ctx.request, "task");
  const auto& description = QueryText(ctx.request, "description");
  const auto tags = SplitComma(QueryText(ctx.request, "tags"));
  const auto in_progress = QueryBool(ctx.request, "in-progress");
  std::vector<const TimeEntry*> items;
  for (const auto& e : ctx.workspace.time_entries) {
    if (e.user_id != user->id) continue;
    if (from && e.start < *from) continue;
    if (to && e.start > *to) continue;
    if (!project.empty() && e.project_id != project) continue;
    if (!task.empty() && e.task_id != task) continue;
    if (!description.empty() && !ContainsCi(e.description, description)) continue;
    if (in_progress && *in_progress && e.end) continue;
    if (!tags.empty() && std::none_of(tags.begin(), tags.end(), [&](const std::string& t) {
          return std::find(e.tag_ids.begin(), e.tag_ids.end(), t) != e.tag_ids.end();
        })) {
      continue;
    }
    items.push_back(&e);
  }
  // Newest first, as Clockify lists them.
  std::stable_sort(items.begin(), items.end(),
                   [](const TimeEntry* a, const TimeEntry* b) { return a->start > b->start; });
  return Paged(ctx.request, items,
               [&](const TimeEntry& e) { return TimeEntryJson(ctx.workspace, e, true); });
}

Response GetInProgressTimeEntries(ApiContext& ctx) {
  std::vector<const TimeEntry*> items;
  for (const auto& e : ctx.workspace.time_entries) {
    if (!e.end) items.push_back(&e);
  }
  return Paged(
      ctx.request, items,
      [&](const TimeEntry& e) { return TimeEntryJson(ctx.workspace, e, true); }, 10);
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------
constexpr size_t kWebhooksPerUser = 10;
constexpr size_t kWebhooksPerWorkspace = 100;

size_t UserCreatedCount(const Workspace& ws, const std::string& user_id) {
  return static_cast<size_t>(std::count_if(ws.webhooks.begin(), ws.webhooks.end(), [&](const Webhook& w) {
    return w.webhook_type == "USER_CREATED" && (user_id.empty() || w.user_id == user_id);
  }));
}

Response GetWebhooks(ApiContext& ctx) {
  const auto& type = QueryText(ctx.request, "type");
  Json list = Json::array();
  for (const auto& w : ctx.workspace.webhooks) {
    if (!type.empty() && w.webhook_type != type) continue;
    list.push_back(WebhookJson(ctx.workspace, w));
  }
  return JsonResponse(200, Json{{"workspaceWebhookCount", UserCreatedCount(ctx.workspace, "")},
                                {"webhooks", list}});
}

Webhook* FindWebhook(Workspace& ws, std::string_view id) {
  auto it = std::find_if(ws.webhooks.begin(), ws.webhooks.end(),
                         [&](const Webhook& w) { return w.id == id; });
  return it == ws.webhooks.end() ? nullptr : &*it;
}

Response GetWebhook(ApiContext& ctx) {
  const Webhook* w = FindWebhook(ctx.workspace, Param(ctx, "webhookId"));
  if (w == nullptr) return NotFound("Webhook", Param(ctx, "webhookId"));
  return JsonResponse(200, WebhookJson(ctx.workspace, *w));
}

std::optional<Response> ApplyWebhookFields(const Json& body, bool create, Webhook* w) {
  if (create || body.contains("url")) {
    const std::string url = StringField(body, "url");
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return ClockifyError(400, "url must be an http or https URL");
    }
    w->url = url;
  }
  if (create || body.contains("webhookEvent")) {
    const std::string event = StringField(body, "webhookEvent");
    if (!clockify::IsKnownEventType(event)) {
      return ClockifyError(400, "webhookEvent '" + event + "' is not a webhook event type");
    }
    w->event = event;
  }
  w->name = StringField(body, "name", w->name.empty() ? w->event : w->name);
  w->trigger_source_type = StringField(body, "triggerSourceType", w->trigger_source_type);
  if (body.contains("triggerSource")) w->trigger_source = StringList(body, "triggerSource");
  w->enabled = BoolField(body, "enabled", w->enabled);
  return std::nullopt;
}

Response CreateWebhook(ApiContext& ctx) {
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  Webhook w;
  if (auto bad = ApplyWebhookFields(body, true, &w)) return *bad;
  if (UserCreatedCount(ctx.workspace, ctx.caller.id) >= kWebhooksPerUser) {
    return ClockifyError(400, "Webhook limit reached: a user can create at most " +
                                  std::to_string(kWebhooksPerUser) + " webhooks");
  }
  if (UserCreatedCount(ctx.workspace, "") >= kWebhooksPerWorkspace) {
    return ClockifyError(400, "Webhook limit reached: a workspace can have at most " +
                                  std::to_string(kWebhooksPerWorkspace) + " webhooks");
  }
  w.id = ctx.workspace.NewId();
  w.user_id = ctx.caller.id;
  w.webhook_type = "USER_CREATED";
  w.token = ctx.mint_webhook_token(ctx.caller);
  ctx.workspace.webhooks.push_back(w);
  return JsonResponse(201, WebhookJson(ctx.workspace, w));
}

Response UpdateWebhook(ApiContext& ctx) {
  Webhook* w = FindWebhook(ctx.workspace, Param(ctx, "webhookId"));
  if (w == nullptr) return NotFound("Webhook", Param(ctx, "webhookId"));
  if (w->webhook_type != "USER_CREATED") {
    return ClockifyError(403, "Add-on webhooks are managed through the add-on's manifest");
  }
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  Webhook updated = *w;
  if (auto bad = ApplyWebhookFields(body, false, &updated)) return *bad;
  *w = std::move(updated);
  return JsonResponse(200, WebhookJson(ctx.workspace, *w));
}

Response DeleteWebhook(ApiContext& ctx) {
  auto& hooks = ctx.workspace.webhooks;
  auto it = std::find_if(hooks.begin(), hooks.end(),
                         [&](const Webhook& w) { return w.id == ctx.request.Param("webhookId"); });
  if (it == hooks.end()) return NotFound("Webhook", Param(ctx, "webhookId"));
  if (it->webhook_type != "USER_CREATED") {
    return ClockifyError(403, "Add-on webhooks are managed through the add-on's manifest");
  }
  hooks.erase(it);
  Response r;
  r.status = 200;
  return r;
}

Response GenerateNewToken(ApiContext& ctx) {
  Webhook* w = FindWebhook(ctx.workspace, Param(ctx, "webhookId"));
  if (w == nullptr) return NotFound("Webhook", Param(ctx, "webhookId"));
  if (w->webhook_type != "USER_CREATED") {
    return ClockifyError(403, "Add-on webhooks are managed through the add-on's manifest");
  }
  const User* owner = ctx.workspace.FindUser(w->user_id);
  w->token = ctx.mint_webhook_token(owner ? *owner : ctx.caller);
  return JsonResponse(200, WebhookJson(ctx.workspace, *w));
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------
struct ReportRange {
  TimePoint from, to;
};

std::optional<Response> ParseRange(const Json& body, ReportRange* out) {
  std::optional<TimePoint> from, to;
  if (auto bad = ParseTime(body, "dateRangeStart", true, &from)) return bad;
  if (auto bad = ParseTime(body, "dateRangeEnd", true, &to)) return bad;
  if (*to < *from) return ClockifyError(400, "dateRangeEnd must not be before dateRangeStart");
  *out = {*from, *to};
  return std::nullopt;
}

std::vector<const TimeEntry*> EntriesIn(const Workspace& ws, const ReportRange& r) {
  std::vector<const TimeEntry*> out;
  for (const auto& e : ws.time_entries) {
    if (e.end && e.start >= r.from && e.start <= r.to) out.push_back(&e);
  }
  return out;
}

int64_t Seconds(const TimeEntry& e) {
  return e.end ? std::chrono::duration_cast<std::chrono::seconds>(*e.end - e.start).count() : 0;
}

// Earned amount in cents: the project's hourly rate for billable time.
double Amount(const Workspace& ws, const TimeEntry& e) {
  if (!e.billable || e.project_id.empty()) return 0;
  const Project* p = ws.FindProject(e.project_id);
  if (p == nullptr) return 0;
  return std::round(static_cast<double>(p->hourly_rate) * static_cast<double>(Seconds(e)) / 3600.0);
}

// (id, name) of an entry in a summary group.
std::pair<std::string, std::string> GroupKey(const Workspace& ws, const TimeEntry& e,
                                             const std::string& group) {
  if (group == "USER") {
    const User* u = ws.FindUser(e.user_id);
    return {e.user_id, u ? u->name : ""};
  }
  if (group == "CLIENT") {
    const Project* p = e.project_id.empty() ? nullptr : ws.FindProject(e.project_id);
    const Client* c = p && !p->client_id.empty() ? ws.FindClient(p->client_id) : nullptr;
    return c ? std::pair{c->id, c->name} : std::pair{std::string(), std::string("(Without client)")};
  }
  if (group == "TASK") {
    const Task* t = e.task_id.empty() ? nullptr : ws.FindTask(e.task_id);
    return t ? std::pair{t->id, t->name} : std::pair{std::string(), std::string("(Without task)")};
  }
  if (group == "DATE") {
    const std::string day = FormatIso(e.start).substr(0, 10);
    return {day, day};
  }
  const Project* p = e.project_id.empty() ? nullptr : ws.FindProject(e.project_id);
  return p ? std::pair{p->id, p->name} : std::pair{std::string(), std::string("(Without project)")};
}

Json SummaryGroups(const Workspace& ws, const std::vector<const TimeEntry*>& entries,
                   const std::vector<std::string>& groups, size_t level) {
  Json out = Json::array();
  if (level >= groups.size()) return out;
  std::map<std::pair<std::string, std::string>, std::vector<const TimeEntry*>> buckets;
  for (const TimeEntry* e : entries) buckets[GroupKey(ws, *e, groups[level])].push_back(e);
  for (const auto& [key, items] : buckets) {
    int64_t duration = 0;
    double amount = 0;
    for (const TimeEntry* e : items) {
      duration += Seconds(*e);
      amount += Amount(ws, *e);
    }
    Json g = {{"_id", key.first},
              {"duration", duration},
              {"amount", amount},
              {"name", key.second},
              {"nameLowerCase", Lower(key.second)}};
    if (level + 1 < groups.size()) g["children"] = SummaryGroups(ws, items, groups, level + 1);
    out.push_back(std::move(g));
  }
  return out;
}

Json Totals(const Workspace& ws, const std::vector<const TimeEntry*>& entries) {
  int64_t total = 0, billable = 0;
  double amount = 0;
  for (const TimeEntry* e : entries) {
    total += Seconds(*e);
    if (e->billable) billable += Seconds(*e);
    amount += Amount(ws, *e);
  }
  return Json::array({{{"_id", ""},
                       {"totalTime", total},
                       {"totalBillableTime", billable},
                       {"entriesCount", entries.size()},
                       {"totalAmount", amount},
                       {"amounts", Json::array({{{"type", "EARNED"}, {"value", amount}}})}}});
}

Response SummaryReport(ApiContext& ctx) {
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  ReportRange range;
  if (auto bad = ParseRange(body, &range)) return *bad;
  std::vector<std::string> groups;
  if (auto f = body.find("summaryFilter"); f != body.end() && f->is_object()) {
    groups = StringList(*f, "groups");
  }
  if (groups.empty()) groups = {"PROJECT"};
  const auto entries = EntriesIn(ctx.workspace, range);
  return JsonResponse(200, Json{{"totals", Totals(ctx.workspace, entries)},
                                {"groupOne", SummaryGroups(ctx.workspace, entries, groups, 0)}});
}

Response DetailedReport(ApiContext& ctx) {
  Json body;
  if (auto bad = ParseObject(ctx.request, &body)) return *bad;
  ReportRange range;
  if (auto bad = ParseRange(body, &range)) return *bad;
  PageRequest page{1, 50};
  if (auto f = body.find("detailedFilter"); f != body.end() && f->is_object()) {
    if (f->contains("page") && (*f)["page"].is_number_integer() && (*f)["page"].get<int64_t>() > 0) {
      page.page = static_cast<size_t>((*f)["page"].get<int64_t>());
    }
    if (f->contains("pageSize") && (*f)["pageSize"].is_number_integer() &&
        (*f)["pageSize"].get<int64_t>() > 0) {
      page.page_size = std::min<size_t>(static_cast<size_t>((*f)["pageSize"].get<int64_t>()), 1000);
    }
  }
  auto entries = EntriesIn(ctx.workspace, range);
  std::stable_sort(entries.begin(), entries.end(),
                   [](const TimeEntry* a, const TimeEntry* b) { return a->start > b->start; });
  const PageSlice slice = SliceFor(entries.size(), page);
  const Workspace& ws = ctx.workspace;
  Json list = Json::array();
  for (size_t i = slice.begin; i < slice.end; ++i) {
    const TimeEntry& e = *entries[i];
    const User* u = ws.FindUser(e.user_id);
    const Project* p = e.project_id.empty() ? nullptr : ws.FindProject(e.project_id);
    const Client* c = p && !p->client_id.empty() ? ws.FindClient(p->client_id) : nullptr;
    const Task* t = e.task_id.empty() ? nullptr : ws.FindTask(e.task_id);
    Json tags = Json::array();
    for (const auto& id : e.tag_ids) {
      if (const Tag* tag = ws.FindTag(id)) tags.push_back({{"id", tag->id}, {"name", tag->name}});
    }
    list.push_back({{"_id", e.id},
                    {"description", e.description},
                    {"userId", e.user_id},
                    {"userName", u ? u->name : ""},
                    {"userEmail", u ? u->email : ""},
                    {"billable", e.billable},
                    {"projectId", e.project_id},
                    {"projectName", p ? p->name : ""},
                    {"projectColor", p ? p->color : ""},
                    {"clientId", c ? c->id : ""},
                    {"clientName", c ? c->name : ""},
                    {"taskId", e.task_id},
                    {"taskName", t ? t->name : ""},
                    {"tags", tags},
                    {"timeInterval",
                     {{"start", FormatIso(e.start)},
                      {"end", FormatIso(*e.end)},
                      {"duration", Seconds(e)}}},
                    {"amount", Amount(ws, e)},
                    {"locked", false},
                    {"approvalRequestId", nullptr}});
  }
  return JsonResponse(200, Json{{"totals", Totals(ws, entries)}, {"timeEntries", list}});
}

}  // namespace

http::Response ClockifyError(int status, const std::string& message) {
  return JsonResponse(status, Json{{"message", message}, {"code", status}});
}

http::Response JsonResponse(int status, const Json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

const std::vector<ApiRoute>& ApiRoutes() {
  static const std::vector<ApiRoute> kRoutes = [] {
    const std::string ws = "/v1/workspaces/{workspaceId}";
    return std::vector<ApiRoute>{
        {"GET", "/v1/user", false, "getLoggedUser", GetLoggedUser},
        {"GET", "/v1/workspaces", false, "getWorkspacesOfUser", GetWorkspaces},
        {"GET", ws, false, "getWorkspaceOfUser", GetWorkspace},
        {"GET", ws + "/users", false, "getUsersOfWorkspace", GetUsers},
        {"GET", ws + "/user-groups", false, "getUserGroups", GetUserGroups},
        {"GET", ws + "/custom-fields", false, "ofWorkspace", GetCustomFields},
        {"GET", ws + "/clients", false, "getClients", GetClients},
        {"POST", ws + "/clients", false, "createClient", CreateClient},
        {"GET", ws + "/clients/{id}", false, "getClient", GetClient},
        {"PUT", ws + "/clients/{id}", false, "updateClient", UpdateClient},
        {"DELETE", ws + "/clients/{id}", false, "deleteClient", DeleteClient},
        {"GET", ws + "/projects", false, "getProjects", GetProjects},
        {"POST", ws + "/projects", false, "createNewProject", CreateProject},
        {"GET", ws + "/projects/{projectId}", false, "getProject", GetProject},
        {"PUT", ws + "/projects/{projectId}", false, "updateProject", UpdateProject},
        {"DELETE", ws + "/projects/{projectId}", false, "deleteProject", DeleteProject},
        {"GET", ws + "/projects/{projectId}/tasks", false, "getTasks", GetTasks},
        {"POST", ws + "/projects/{projectId}/tasks", false, "createTask", CreateTask},
        {"GET", ws + "/projects/{projectId}/tasks/{taskId}", false, "getTask", GetTask},
        {"PUT", ws + "/projects/{projectId}/tasks/{taskId}", false, "updateTask", UpdateTask},
        {"DELETE", ws + "/projects/{projectId}/tasks/{taskId}", false, "deleteTask", DeleteTask},
        {"GET", ws + "/tags", false, "getTags", GetTags},
        {"POST", ws + "/tags", false, "createNewTag", CreateTag},
        {"GET", ws + "/tags/{id}", false, "getTag", GetTag},
        {"PUT", ws + "/tags/{id}", false, "updateTag", UpdateTag},
        {"DELETE", ws + "/tags/{id}", false, "deleteTag", DeleteTag},
        {"POST", ws + "/time-entries", false, "createTimeEntry", CreateTimeEntry},
        {"GET", ws + "/time-entries/status/in-progress", false, "getInProgressTimeEntries",
         GetInProgressTimeEntries},
        {"GET", ws + "/time-entries/{id}", false, "getTimeEntry", GetTimeEntry},
        {"PUT", ws + "/time-entries/{id}", false, "updateTimeEntry", UpdateTimeEntry},
        {"DELETE", ws + "/time-entries/{id}", false, "deleteTimeEntry", DeleteTimeEntry},
        {"GET", ws + "/user/{userId}/time-entries", false, "getTimeEntries", GetTimeEntries},
        {"POST", ws + "/user/{userId}/time-entries", false, "createForOthers", CreateForOthers},
        {"PATCH", ws + "/user/{userId}/time-entries", false, "stopRunningTimeEntry",
         StopRunningTimeEntry},
        {"GET", ws + "/webhooks", false, "getWebhooks", GetWebhooks},
        {"POST", ws + "/webhooks", false, "createWebhook", CreateWebhook},
        {"GET", ws + "/webhooks/{webhookId}", false, "getWebhook", GetWebhook},
        {"PUT", ws + "/webhooks/{webhookId}", false, "updateWebhook", UpdateWebhook},
        {"DELETE", ws + "/webhooks/{webhookId}", false, "deleteWebhook", DeleteWebhook},
        {"PATCH", ws + "/webhooks/{webhookId}/token", false, "generateNewToken", GenerateNewToken},
        {"POST", ws + "/reports/summary", true, "generateSummaryReport", SummaryReport},
        {"POST", ws + "/reports/detailed", true, "generateDetailedReport", DetailedReport},
    };
  }();
  return kRoutes;
}

Result<Event> BuildEvent(const Workspace& ws, const std::string& event,
                         const std::string& entity_id) {
  auto missing = [&](const std::string& what) {
    return Fail(ErrorCode::kNotFound, "not_found",
                entity_id.empty() ? "the workspace has no " + what
                                  : "no " + what + " with id " + entity_id);
  };
  auto pick = [&](const auto& items) -> decltype(&items.front()) {
    for (const auto& x : items) {
      if (entity_id.empty() || x.id == entity_id) return &x;
    }
    return nullptr;
  };
  const bool is_project = event.find("PROJECT") != std::string::npos;
  const bool is_client = event.find("CLIENT") != std::string::npos;
  const bool is_tag = event.find("TAG") != std::string::npos;
  const bool is_task = event.find("TASK") != std::string::npos;
  const bool is_entry = event.find("TIME_ENTRY") != std::string::npos ||
                        event == "NEW_TIMER_STARTED" || event == "TIMER_STOPPED";
  const bool is_group = event.starts_with("USER_GROUP");
  const bool is_user = !is_group && event.find("USER") != std::string::npos;
  if (is_project) {
    const Project* p = pick(ws.projects);
    if (p == nullptr) return missing("project");
    return Event{event, ProjectEventBody(ws, *p), ProjectRefs(*p)};
  }
  if (is_client) {
    const Client* c = pick(ws.clients);
    if (c == nullptr) return missing("client");
    return Event{event, ClientEventBody(ws, *c), {}};
  }
  if (is_tag) {
    const Tag* t = pick(ws.tags);
    if (t == nullptr) return missing("tag");
    return Event{event, TagEventBody(ws, *t), EventRefs{"", "", "", {t->id}}};
  }
  if (is_task) {
    for (const auto& p : ws.projects) {
      for (const auto& t : p.tasks) {
        if (entity_id.empty() || t.id == entity_id) {
          return Event{event, TaskEventBody(ws, t), EventRefs{p.id, "", t.id, {}}};
        }
      }
    }
    return missing("task");
  }
  if (is_entry) {
    // The newest entry when none is named.
    const TimeEntry* found = nullptr;
    for (const auto& e : ws.time_entries) {
      if (entity_id.empty() ? (found == nullptr || e.start >= found->start) : e.id == entity_id) {
        found = &e;
      }
    }
    if (found == nullptr) return missing("time entry");
    return Event{event, TimeEntryEventBody(ws, *found), EntryRefs(*found)};
  }
  if (is_group) {
    const UserGroup* g = pick(ws.groups);
    if (g == nullptr) return missing("user group");
    return Event{event, GroupEventBody(ws, *g), {}};
  }
  if (is_user) {
    const User* u = pick(ws.users);
    if (u == nullptr) return missing("user");
    return Event{event, UserEventBody(ws, *u), EventRefs{"", u->id, "", {}}};
  }
  SeededRandom r(MixSeed(0, event + entity_id));
  return Event{event,
               Json{{"id", entity_id.empty() ? r.ObjectId() : entity_id}, {"workspaceId", ws.id}},
               {}};
}

std::vector<const Webhook*> Recipients(const Workspace& ws, const Event& event) {
  std::vector<const Webhook*> out;
  for (const auto& w : ws.webhooks) {
    if (!w.enabled || w.event != event.type) continue;
    bool match = true;
    if (!w.trigger_source.empty()) {
      auto in = [&](const std::string& id) {
        return !id.empty() &&
               std::find(w.trigger_source.begin(), w.trigger_source.end(), id) !=
                   w.trigger_source.end();
      };
      if (w.trigger_source_type == "PROJECT_ID") match = in(event.refs.project_id);
      if (w.trigger_source_type == "USER_ID") match = in(event.refs.user_id);
      if (w.trigger_source_type == "TASK_ID") match = in(event.refs.task_id);
      if (w.trigger_source_type == "TAG_ID") {
        match = std::any_of(event.refs.tag_ids.begin(), event.refs.tag_ids.end(), in);
      }
    }
    if (match) out.push_back(&w);
  }
  return out;
}

}  // namespace uwh::mock
