// The seeded workspace: deterministic for (seed, workspace id, day), realistic in size and shape.
#include "mock/seed.hpp"

#include <set>

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "mock/render.hpp"

namespace uwh::mock {
namespace {

TimePoint At(const char* text) {
  TimePoint t;
  EXPECT_TRUE(ParseTimestamp(text, &t)) << text;
  return t;
}

// Everything the API would show, as one JSON document.
Json Dump(const Workspace& ws) {
  Json out = Json::object();
  for (const auto& u : ws.users) out["users"].push_back(UserJson(ws, u));
  for (const auto& c : ws.clients) out["clients"].push_back(ClientJson(ws, c));
  for (const auto& p : ws.projects) out["projects"].push_back(ProjectJson(ws, p));
  for (const auto& t : ws.tags) out["tags"].push_back(TagJson(ws, t));
  for (const auto& g : ws.groups) out["groups"].push_back(GroupJson(ws, g));
  for (const auto& f : ws.custom_fields) out["fields"].push_back(CustomFieldJson(ws, f));
  for (const auto& e : ws.time_entries) out["entries"].push_back(TimeEntryJson(ws, e, true));
  return out;
}

bool IsObjectId(const std::string& id) {
  if (id.size() != 24) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(SeedTest, SameSeedWorkspaceAndDayGiveTheSameData) {
  const auto a = SeedWorkspace("64a687e29ae1f428e7ebe303", 7, At("2026-03-10T08:00:00Z"));
  const auto b = SeedWorkspace("64a687e29ae1f428e7ebe303", 7, At("2026-03-10T23:59:00Z"));
  EXPECT_EQ(Dump(a), Dump(b));
}

TEST(SeedTest, AnotherSeedOrWorkspaceGivesOtherData) {
  const auto now = At("2026-03-10T08:00:00Z");
  const auto a = SeedWorkspace("64a687e29ae1f428e7ebe303", 7, now);
  const auto b = SeedWorkspace("64a687e29ae1f428e7ebe303", 8, now);
  const auto c = SeedWorkspace("64a687e29ae1f428e7ebe304", 7, now);
  EXPECT_NE(a.users[0].id, b.users[0].id);
  EXPECT_NE(a.users[0].id, c.users[0].id);
  EXPECT_EQ(DefaultWorkspaceId(7), DefaultWorkspaceId(7));
  EXPECT_NE(DefaultWorkspaceId(7), DefaultWorkspaceId(8));
  EXPECT_TRUE(IsObjectId(DefaultWorkspaceId(7)));
}

TEST(SeedTest, HasARealisticWorkspace) {
  const auto now = At("2026-03-10T08:00:00Z");
  const auto ws = SeedWorkspace("64a687e29ae1f428e7ebe303", 1, now);
  ASSERT_EQ(ws.users.size(), 8u);
  EXPECT_EQ(ws.users[0].role, "OWNER");
  EXPECT_EQ(ws.users[1].role, "ADMIN");
  EXPECT_EQ(ws.clients.size(), 6u);
  EXPECT_TRUE(ws.clients.back().archived);
  EXPECT_EQ(ws.projects.size(), 14u);
  EXPECT_TRUE(ws.projects.back().archived);
  size_t with_tasks = 0;
  for (const auto& p : ws.projects) with_tasks += p.tasks.empty() ? 0 : 1;
  EXPECT_GE(with_tasks, 8u);
  EXPECT_GT(ws.tags.size(), 50u) << "more than one default page";
  EXPECT_EQ(ws.groups.size(), 3u);
  EXPECT_EQ(ws.custom_fields.size(), 4u);
  EXPECT_GE(ws.time_entries.size(), 300u);
  EXPECT_LE(ws.time_entries.size(), 900u);

  // Every id is a 24-hex id, and unique.
  std::set<std::string> ids;
  auto add = [&](const std::string& id) {
    EXPECT_TRUE(IsObjectId(id)) << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
  };
  add(ws.id);
  for (const auto& u : ws.users) add(u.id);
  for (const auto& c : ws.clients) add(c.id);
  for (const auto& p : ws.projects) {
    add(p.id);
    for (const auto& t : p.tasks) add(t.id);
  }
  for (const auto& t : ws.tags) add(t.id);
  for (const auto& e : ws.time_entries) add(e.id);
}

TEST(SeedTest, TimeEntriesLieInTheLastSixtyDaysAcrossUsersWithoutOverlap) {
  const auto now = At("2026-03-10T08:00:00Z");
  const auto ws = SeedWorkspace("64a687e29ae1f428e7ebe303", 3, now);
  const auto today = std::chrono::floor<std::chrono::days>(now);
  std::set<std::string> users;
  std::map<std::string, TimePoint> last_end;
  for (const auto& e : ws.time_entries) {
    ASSERT_TRUE(e.end.has_value());
    EXPECT_GE(e.start, today - std::chrono::days(60));
    EXPECT_LT(*e.end, today);
    EXPECT_LT(e.start, *e.end);
    users.insert(e.user_id);
    EXPECT_NE(ws.FindUser(e.user_id), nullptr);
    if (!e.project_id.empty()) {
      const Project* p = ws.FindProject(e.project_id);
      ASSERT_NE(p, nullptr);
      EXPECT_FALSE(p->archived);
      if (!e.task_id.empty()) {
        const Project* owner = nullptr;
        EXPECT_NE(ws.FindTask(e.task_id, &owner), nullptr);
        EXPECT_EQ(owner, p);
      }
    }
    // Sorted by start; per user, one entry ends before the next starts.
    if (auto it = last_end.find(e.user_id); it != last_end.end()) {
      EXPECT_LE(it->second, e.start);
    }
    last_end[e.user_id] = *e.end;
  }
  EXPECT_EQ(users.size(), ws.users.size());
}

TEST(SeedTest, RendersDurationsAndTimestampsLikeClockify) {
  EXPECT_EQ(IsoDuration(std::chrono::seconds(0)), "PT0S");
  EXPECT_EQ(IsoDuration(std::chrono::seconds(3600)), "PT1H");
  EXPECT_EQ(IsoDuration(std::chrono::seconds(5400)), "PT1H30M");
  EXPECT_EQ(IsoDuration(std::chrono::seconds(45)), "PT45S");
  EXPECT_EQ(IsoDuration(std::chrono::seconds(26 * 3600 + 5 * 60 + 10)), "PT26H5M10S");
  EXPECT_EQ(FormatIso(At("2020-07-17T11:35:01.250Z")), "2020-07-17T11:35:01Z");
}

}  // namespace
}  // namespace uwh::mock
