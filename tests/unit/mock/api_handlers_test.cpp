// The modelled operations without a socket: answers, state changes and the webhook events they
// cause, with bodies shaped like Clockify's samples.
#include "mock/api_handlers.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "mock/seed.hpp"

namespace uwh::mock {
namespace {

TimePoint Now() {
  TimePoint t;
  ParseTimestamp("2026-03-10T12:00:00Z", &t);
  return t;
}

Json Sample(const std::string& event) {
  std::ifstream in(std::string(UWH_SHARED_DIR) + "/clockify/webhook-samples/" + event + ".json");
  std::stringstream s;
  s << in.rdbuf();
  return Json::parse(s.str(), nullptr, false);
}

std::set<std::string> Keys(const Json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

// Every top-level field of the sample is in the body (the body may have more).
void ExpectShapedLike(const Json& body, const std::string& event) {
  const Json sample = Sample(event);
  ASSERT_TRUE(sample.is_object()) << "sample " << event << " missing";
  const auto have = Keys(body);
  for (const auto& k : Keys(sample)) EXPECT_TRUE(have.count(k)) << event << " lacks " << k;
}

class ApiHandlersTest : public ::testing::Test {
 protected:
  ApiHandlersTest() : ws_(SeedWorkspace("64a687e29ae1f428e7ebe303", 1, Now())) {}

  struct Answer {
    int status;
    Json body;
    std::vector<Event> events;
  };

  Answer Call(const std::string& operation_id, std::map<std::string, std::string> params = {},
              const Json& body = nullptr, std::map<std::string, std::string> query = {},
              const User* caller = nullptr) {
    const ApiRoute* route = nullptr;
    for (const auto& r : ApiRoutes()) {
      if (r.operation_id == operation_id) route = &r;
    }
    EXPECT_NE(route, nullptr) << operation_id;
    http::Request req;
    req.method = route->method;
    req.path_params = std::move(params);
    req.path_params["workspaceId"] = ws_.id;
    req.query = std::move(query);
    if (!body.is_null()) req.body = body.dump();
    ApiContext ctx{req, ws_, caller ? *caller : ws_.Owner(), Now(),
                   [](const User& u) { return "token-of-" + u.id; }, {}};
    http::Response r = route->handler(ctx);
    return Answer{r.status, r.body.empty() ? Json() : Json::parse(r.body), std::move(ctx.events)};
  }

  Workspace ws_;
};

TEST_F(ApiHandlersTest, ListsArePagedWithShortLastPage) {
  auto first = Call("getTags");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body.size(), 50u);
  auto second = Call("getTags", {}, nullptr, {{"page", "2"}});
  EXPECT_EQ(second.body.size(), ws_.tags.size() - 50);
  auto small = Call("getProjects", {}, nullptr, {{"page", "2"}, {"page-size", "5"}});
  ASSERT_EQ(small.body.size(), 5u);
  EXPECT_EQ(small.body[0]["id"], ws_.projects[5].id);
  auto bad = Call("getProjects", {}, nullptr, {{"page", "0"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["code"], 400);
  EXPECT_TRUE(bad.body["message"].is_string());
}

TEST_F(ApiHandlersTest, ProjectLifecycleSendsItsEvents) {
  const std::string client_id = ws_.clients[0].id;
  auto created = Call("createNewProject", {},
                      {{"name", "Webhook Test Project"},
                       {"clientId", client_id},
                       {"color", "#795548"},
                       {"billable", true},
                       {"hourlyRate", {{"amount", 1000}}},
                       {"tasks", {{{"name", "First task"}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.body["id"];
  EXPECT_EQ(created.body["clientName"], ws_.clients[0].name);
  ASSERT_EQ(created.events.size(), 1u);
  EXPECT_EQ(created.events[0].type, "NEW_PROJECT");
  ExpectShapedLike(created.events[0].body, "NEW_PROJECT");
  EXPECT_EQ(created.events[0].body["tasks"].size(), 1u);
  EXPECT_EQ(created.events[0].body["client"]["id"], client_id);

  EXPECT_EQ(Call("createNewProject", {}, {{"name", "Webhook Test Project"}, {"clientId", client_id}})
                .status,
            400)
      << "a duplicate name is refused";
  EXPECT_EQ(Call("createNewProject", {}, {{"color", "#000000"}}).status, 400);

  auto refused = Call("deleteProject", {{"projectId", id}});
  EXPECT_EQ(refused.status, 400) << "an active project cannot be deleted";
  EXPECT_TRUE(refused.events.empty());

  auto archived = Call("updateProject", {{"projectId", id}}, {{"archived", true}});
  ASSERT_EQ(archived.status, 200);
  EXPECT_TRUE(archived.body["archived"].get<bool>());
  ASSERT_EQ(archived.events.size(), 1u);
  EXPECT_EQ(archived.events[0].type, "PROJECT_UPDATED");
  ExpectShapedLike(archived.events[0].body, "PROJECT_UPDATED");

  auto deleted = Call("deleteProject", {{"projectId", id}});
  ASSERT_EQ(deleted.status, 200);
  ASSERT_EQ(deleted.events.size(), 1u);
  EXPECT_EQ(deleted.events[0].type, "PROJECT_DELETED");
  EXPECT_EQ(deleted.events[0].body["id"], id);
  EXPECT_EQ(ws_.FindProject(id), nullptr);
  EXPECT_EQ(Call("getProject", {{"projectId", id}}).status, 404);
}

TEST_F(ApiHandlersTest, ClientsTagsAndTasksSendTheirEvents) {
  auto client = Call("createClient", {}, {{"name", "Webhook Test Client"}});
  ASSERT_EQ(client.status, 201);
  EXPECT_EQ(client.events.at(0).type, "NEW_CLIENT");
  EXPECT_EQ(Keys(client.events[0].body), Keys(Sample("NEW_CLIENT")));
  auto client_upd = Call("updateClient", {{"id", client.body["id"]}}, {{"archived", true}});
  EXPECT_EQ(client_upd.events.at(0).type, "CLIENT_UPDATED");
  EXPECT_EQ(Call("deleteClient", {{"id", client.body["id"]}}).events.at(0).type, "CLIENT_DELETED");

  auto tag = Call("createNewTag", {}, {{"name", "Webhook Test Tag"}});
  ASSERT_EQ(tag.status, 201);
  EXPECT_EQ(Keys(tag.events.at(0).body), Keys(Sample("NEW_TAG")));
  EXPECT_EQ(Call("updateTag", {{"id", tag.body["id"]}}, {{"name", "Renamed"}}).events.at(0).type,
            "TAG_UPDATED");
  EXPECT_EQ(Call("deleteTag", {{"id", tag.body["id"]}}).events.at(0).type, "TAG_DELETED");

  const std::string project_id = ws_.projects[0].id;
  auto task = Call("createTask", {{"projectId", project_id}}, {{"name", "Webhook Test Task"}});
  ASSERT_EQ(task.status, 201) << task.body;
  EXPECT_EQ(task.events.at(0).type, "NEW_TASK");
  // Like Clockify's task events: no workspaceId.
  EXPECT_EQ(Keys(task.events[0].body), Keys(Sample("NEW_TASK")));
  auto listed = Call("getTasks", {{"projectId", project_id}});
  EXPECT_EQ(listed.body.back()["id"], task.body["id"]);
  EXPECT_EQ(Call("updateTask", {{"projectId", project_id}, {"taskId", task.body["id"]}},
                 {{"name", "Done task"}, {"status", "DONE"}})
                .events.at(0)
                .type,
            "TASK_UPDATED");
  EXPECT_EQ(Call("deleteTask", {{"projectId", project_id}, {"taskId", task.body["id"]}})
                .events.at(0)
                .type,
            "TASK_DELETED");
}

TEST_F(ApiHandlersTest, TimersStartStopAndEntriesAreFiltered) {
  const User& user = ws_.users[2];
  auto started = Call("createTimeEntry", {},
                      {{"start", "2026-03-10T09:00:00Z"},
                       {"projectId", ws_.projects[0].id},
                       {"description", "Webhook Test Description"}},
                      {}, &user);
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_TRUE(started.body["timeInterval"]["end"].is_null());
  ASSERT_EQ(started.events.size(), 1u);
  EXPECT_EQ(started.events[0].type, "NEW_TIMER_STARTED");
  ExpectShapedLike(started.events[0].body, "NEW_TIMER_STARTED");
  EXPECT_EQ(started.events[0].body["user"]["id"], user.id);

  // Starting another timer stops the running one.
  auto second = Call("createTimeEntry", {}, {{"start", "2026-03-10T10:00:00Z"}}, {}, &user);
  ASSERT_EQ(second.events.size(), 2u);
  EXPECT_EQ(second.events[0].type, "TIMER_STOPPED");
  EXPECT_EQ(second.events[0].body["timeInterval"]["duration"], "PT1H");
  EXPECT_EQ(second.events[1].type, "NEW_TIMER_STARTED");

  auto stopped = Call("stopRunningTimeEntry", {{"userId", user.id}}, {{"end", "2026-03-10T10:30:00Z"}});
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(stopped.events.at(0).type, "TIMER_STOPPED");
  EXPECT_EQ(Call("stopRunningTimeEntry", {{"userId", user.id}}, {{"end", "2026-03-10T11:00:00Z"}})
                .status,
            404);

  auto done = Call("createTimeEntry", {},
                   {{"start", "2026-03-10T11:00:00Z"}, {"end", "2026-03-10T11:45:00Z"}}, {}, &user);
  EXPECT_EQ(done.events.at(0).type, "NEW_TIME_ENTRY");
  ExpectShapedLike(done.events[0].body, "NEW_TIME_ENTRY");
  auto updated = Call("updateTimeEntry", {{"id", done.body["id"]}},
                      {{"start", "2026-03-10T11:00:00Z"}, {"end", "2026-03-10T12:00:00Z"},
                       {"description", "changed"}});
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(updated.events.at(0).type, "TIME_ENTRY_UPDATED");
  EXPECT_EQ(Call("updateTimeEntry", {{"id", done.body["id"]}}, {{"end", "2026-03-10T12:00:00Z"}})
                .status,
            400)
      << "start is required";

  // Today's three entries, newest first, inside [start, end].
  auto today = Call("getTimeEntries", {{"userId", user.id}}, nullptr,
                    {{"start", "2026-03-10T00:00:00Z"}, {"end", "2026-03-10T23:59:59Z"}});
  ASSERT_EQ(today.status, 200);
  ASSERT_EQ(today.body.size(), 3u);
  EXPECT_EQ(today.body[0]["id"], done.body["id"]);
  EXPECT_EQ(today.body[2]["id"], started.body["id"]);

  auto removed = Call("deleteTimeEntry", {{"id", done.body["id"]}});
  EXPECT_EQ(removed.status, 204);
  EXPECT_EQ(removed.events.at(0).type, "TIME_ENTRY_DELETED");
  EXPECT_EQ(Call("getTimeEntry", {{"id", done.body["id"]}}).status, 404);
}

TEST_F(ApiHandlersTest, EveryUsersEntriesCanBePagedThrough) {
  for (const auto& u : ws_.users) {
    size_t expected = 0;
    for (const auto& e : ws_.time_entries) expected += e.user_id == u.id ? 1 : 0;
    size_t seen = 0;
    for (int page = 1;; ++page) {
      auto a = Call("getTimeEntries", {{"userId", u.id}}, nullptr,
                    {{"page", std::to_string(page)}, {"page-size", "20"}});
      ASSERT_EQ(a.status, 200);
      seen += a.body.size();
      if (a.body.size() < 20) break;
    }
    EXPECT_EQ(seen, expected);
  }
}

TEST_F(ApiHandlersTest, WebhooksAreLimitedPerUserAndFilteredByTriggerSource) {
  const User& admin = ws_.users[1];
  for (int i = 0; i < 10; ++i) {
    auto created = Call("createWebhook", {},
                        {{"url", "http://addon.test/webhooks/clockify/NEW_PROJECT"},
                         {"webhookEvent", "NEW_PROJECT"},
                         {"triggerSourceType", "WORKSPACE_ID"},
                         {"triggerSource", {ws_.id}}},
                        {}, &admin);
    ASSERT_EQ(created.status, 201) << i << created.body;
    EXPECT_EQ(created.body["authToken"], "token-of-" + admin.id);
  }
  auto eleventh = Call("createWebhook", {},
                       {{"url", "http://addon.test/x"}, {"webhookEvent", "NEW_TAG"}}, {}, &admin);
  EXPECT_EQ(eleventh.status, 400);
  EXPECT_EQ(Call("createWebhook", {}, {{"url", "http://addon.test/x"}, {"webhookEvent", "NOPE"}})
                .status,
            400);
  // Another user still has room.
  auto other = Call("createWebhook", {},
                    {{"url", "http://addon.test/only-project"},
                     {"webhookEvent", "PROJECT_UPDATED"},
                     {"triggerSourceType", "PROJECT_ID"},
                     {"triggerSource", {ws_.projects[1].id}}});
  ASSERT_EQ(other.status, 201);
  auto list = Call("getWebhooks");
  EXPECT_EQ(list.body["webhooks"].size(), 11u);
  EXPECT_EQ(list.body["workspaceWebhookCount"], 11);

  auto for_p1 = BuildEvent(ws_, "PROJECT_UPDATED", ws_.projects[1].id);
  ASSERT_TRUE(for_p1);
  EXPECT_EQ(Recipients(ws_, *for_p1).size(), 1u);
  auto for_p2 = BuildEvent(ws_, "PROJECT_UPDATED", ws_.projects[2].id);
  EXPECT_TRUE(Recipients(ws_, *for_p2).empty());
  EXPECT_EQ(Recipients(ws_, *BuildEvent(ws_, "NEW_PROJECT", "")).size(), 10u);

  EXPECT_EQ(Call("deleteWebhook", {{"webhookId", other.body["id"]}}).status, 200);
  EXPECT_EQ(Call("getWebhook", {{"webhookId", other.body["id"]}}).status, 404);
}

TEST_F(ApiHandlersTest, BuildEventFindsEntitiesOrSaysWhichIsMissing) {
  auto entry = BuildEvent(ws_, "TIME_ENTRY_UPDATED", "");
  ASSERT_TRUE(entry);
  ExpectShapedLike(entry->body, "TIME_ENTRY_UPDATED");
  auto user = BuildEvent(ws_, "USER_JOINED_WORKSPACE", ws_.users[3].id);
  ASSERT_TRUE(user);
  EXPECT_EQ(Keys(user->body), Keys(Sample("USER_JOINED_WORKSPACE")));
  auto group = BuildEvent(ws_, "USER_GROUP_CREATED", "");
  ASSERT_TRUE(group);
  EXPECT_EQ(Keys(group->body), Keys(Sample("USER_GROUP_CREATED")));
  auto missing = BuildEvent(ws_, "NEW_PROJECT", "000000000000000000000000");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorCode::kNotFound);
  auto other = BuildEvent(ws_, "EXPENSE_CREATED", "");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->body["workspaceId"], ws_.id);
}

TEST_F(ApiHandlersTest, ReportsSummariseTheRange) {
  auto summary = Call("generateSummaryReport", {},
                      {{"dateRangeStart", "2026-01-01T00:00:00Z"},
                       {"dateRangeEnd", "2026-03-10T00:00:00Z"},
                       {"summaryFilter", {{"groups", {"USER", "PROJECT"}}}}});
  ASSERT_EQ(summary.status, 200) << summary.body;
  EXPECT_EQ(summary.body["totals"][0]["entriesCount"], ws_.time_entries.size());
  EXPECT_EQ(summary.body["groupOne"].size(), ws_.users.size());
  EXPECT_TRUE(summary.body["groupOne"][0]["children"].is_array());
  EXPECT_EQ(Call("generateSummaryReport", {}, Json::object()).status, 400);

  auto detailed = Call("generateDetailedReport", {},
                       {{"dateRangeStart", "2026-01-01T00:00:00Z"},
                        {"dateRangeEnd", "2026-03-10T00:00:00Z"},
                        {"detailedFilter", {{"page", 1}, {"pageSize", 10}}}});
  ASSERT_EQ(detailed.status, 200);
  EXPECT_EQ(detailed.body["timeEntries"].size(), 10u);
}

}  // namespace
}  // namespace uwh::mock
