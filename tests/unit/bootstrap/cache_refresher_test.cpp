// The cache refresher against a real store, fed Clockify's real webhook samples.
#include "bootstrap/cache_refresher.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "bootstrap/entity_types.hpp"
#include "catalog_for_test.hpp"
#include "clockify/event_types.hpp"

namespace uwh::bootstrap {
namespace {

using nlohmann::json;

const std::filesystem::path kSamples =
    std::filesystem::path(UWH_SHARED_DIR) / "clockify" / "webhook-samples";

std::string ReadSample(const std::string& event) {
  std::ifstream in(kSamples / (event + ".json"));
  EXPECT_TRUE(in.good()) << event;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<store::Store> OpenMigrated() {
  auto store = store::OpenStore("sqlite:///:memory:", true);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return nullptr;
  EXPECT_TRUE((*store)->Migrate());
  return std::move(*store);
}

class CacheRefresherTest : public ::testing::Test {
 protected:
  Result<void> Deliver(const std::string& event, const std::string& body,
                       const std::string& source = "CLOCKIFY") {
    store::WebhookRecord webhook;
    webhook.id = ++next_id_;
    webhook.workspace_id = "ws-1";
    webhook.event_type = event;
    webhook.source = source;
    webhook.payload = body;
    return refresher_.Consume(webhook, json::parse(body));
  }

  std::optional<json> Cached(const std::string& type, const std::string& id) {
    auto entity = store_->GetEntity("ws-1", type, id);
    if (!entity) return std::nullopt;
    return json::parse(entity->data_json);
  }

  int64_t Count() {
    int64_t total = 0;
    const auto counts = store_->CountEntitiesByType("ws-1").value();
    for (const auto& c : counts) total += c.count;
    return total;
  }

  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))};
  std::unique_ptr<store::Store> store_ = OpenMigrated();
  CacheRefresher refresher_{*store_, clock_};
  int64_t next_id_ = 0;
};

TEST_F(CacheRefresherTest, NewProjectThenProjectDeletedAddsThenRemovesIt) {
  const std::string created = ReadSample("NEW_PROJECT");
  const std::string id = json::parse(created)["id"];
  ASSERT_TRUE(Deliver("NEW_PROJECT", created));
  auto cached = Cached("project", id);
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached, json::parse(created));
  EXPECT_EQ(store_->GetEntity("ws-1", "project", id).value().fetched_at, clock_.Now());

  ASSERT_TRUE(Deliver("PROJECT_DELETED", ReadSample("PROJECT_DELETED")));
  EXPECT_FALSE(Cached("project", id));
  // A repeated delivery (at least once) changes nothing and is no error.
  ASSERT_TRUE(Deliver("PROJECT_DELETED", ReadSample("PROJECT_DELETED")));
  EXPECT_EQ(Count(), 0);
}

TEST_F(CacheRefresherTest, UpdatesReplaceWhatWasCached) {
  json project = json::parse(ReadSample("NEW_PROJECT"));
  ASSERT_TRUE(Deliver("NEW_PROJECT", project.dump()));
  json updated = json::parse(ReadSample("PROJECT_UPDATED"));
  updated["id"] = project["id"];
  updated["name"] = "Renamed";
  ASSERT_TRUE(Deliver("PROJECT_UPDATED", updated.dump()));
  EXPECT_EQ(Cached("project", project["id"])->at("name"), "Renamed");
  EXPECT_EQ(Count(), 1);
}

// Every real sample: what it carries lands under its type and id; deletes remove; the rest
// leaves the cache alone.
TEST_F(CacheRefresherTest, EveryRealSample) {
  struct Case {
    std::string type;  // empty: no effect
    std::string id_field = "id";
  };
  const std::map<std::string, Case> expected = {
      {"NEW_PROJECT", {"project"}},
      {"PROJECT_UPDATED", {"project"}},
      {"NEW_TASK", {"task"}},
      {"NEW_CLIENT", {"client"}},
      {"CLIENT_UPDATED", {"client"}},
      {"NEW_TAG", {"tag"}},
      {"TAG_UPDATED", {"tag"}},
      {"NEW_TIMER_STARTED", {"time_entry"}},
      {"TIMER_STOPPED", {"time_entry"}},
      {"NEW_TIME_ENTRY", {"time_entry"}},
      {"TIME_ENTRY_UPDATED", {"time_entry"}},
      {"TIME_ENTRY_RESTORED", {"time_entry"}},
      {"NEW_INVOICE", {"invoice"}},
      {"USER_JOINED_WORKSPACE", {"user"}},
      {"USER_ACTIVATED_ON_WORKSPACE", {"user"}},
      {"USER_UPDATED", {"user"}},
      {"USER_GROUP_CREATED", {"user_group"}},
      {"USER_GROUP_UPDATED", {"user_group"}},
      {"NEW_APPROVAL_REQUEST", {"approval_request"}},
      {"EXPENSE_CREATED", {"expense"}},
      // References only ({"expenseId":…}, {"assignmentId":…}): nothing to upsert.
      {"EXPENSE_UPDATED", {}},
      {"ASSIGNMENT_CREATED", {}},
      {"ASSIGNMENT_UPDATED", {}},
      // No entity the bootstrap caches.
      {"BALANCE_UPDATED", {}},
      {"COST_RATE_UPDATED", {}},
      {"USERS_INVITED_TO_WORKSPACE", {}},
      {"TIME_OFF_REQUESTED", {}},
      {"TIME_OFF_REQUEST_APPROVED", {}},
      {"TIME_OFF_REQUEST_REJECTED", {}},
  };
  const std::map<std::string, std::pair<std::string, std::string>> deletes = {
      {"PROJECT_DELETED", {"project", "id"}},
      {"TAG_DELETED", {"tag", "id"}},
      {"TASK_DELETED", {"task", "id"}},
      {"TIME_ENTRY_DELETED", {"time_entry", "id"}},
      {"USER_DELETED_FROM_WORKSPACE", {"user", "id"}},
      {"EXPENSE_DELETED", {"expense", "expenseId"}},
      {"ASSIGNMENT_DELETED", {"assignment", "assignmentId"}},
  };
  std::set<std::string> seen;
  for (const auto& file : std::filesystem::directory_iterator(kSamples)) {
    const std::string event = file.path().stem().string();
    seen.insert(event);
    const std::string body = ReadSample(event);
    const json parsed = json::parse(body);
    SCOPED_TRACE(event);
    if (auto d = deletes.find(event); d != deletes.end()) {
      const auto& [type, field] = d->second;
      const std::string id = parsed.at(field);
      ASSERT_TRUE(store_->UpsertEntities(
          "ws-1", std::vector{store::CachedEntity{type, id, "{}", clock_.Now()}}));
      ASSERT_TRUE(Deliver(event, body));
      EXPECT_FALSE(Cached(type, id));
      continue;
    }
    auto it = expected.find(event);
    ASSERT_NE(it, expected.end()) << "a sample this test does not know: " << event;
    const int64_t before = Count();
    ASSERT_TRUE(Deliver(event, body));
    if (it->second.type.empty()) {
      EXPECT_EQ(Count(), before);
      continue;
    }
    auto cached = Cached(it->second.type, parsed.at("id"));
    ASSERT_TRUE(cached);
    EXPECT_EQ(*cached, parsed);
  }
  EXPECT_EQ(seen.size(), expected.size() + deletes.size());
}

TEST_F(CacheRefresherTest, CustomWebhooksAndUnknownEventsLeaveTheCacheAlone) {
  ASSERT_TRUE(Deliver("NEW_PROJECT", ReadSample("NEW_PROJECT"), "CUSTOM"));
  ASSERT_TRUE(Deliver("SOMETHING_ELSE", R"({"id":"x"})"));
  EXPECT_EQ(Count(), 0);
}

TEST_F(CacheRefresherTest, BatchBodiesAndSecretsRemoved) {
  ASSERT_TRUE(Deliver("TIME_ENTRY_SPLIT", R"([{"id":"e1","description":"a"},
                                              {"id":"e2","description":"b"}])"));
  EXPECT_EQ(Cached("time_entry", "e1")->at("description"), "a");
  EXPECT_EQ(Cached("time_entry", "e2")->at("description"), "b");
  ASSERT_TRUE(Deliver("TIME_ENTRY_BATCH_DELETED", R"([{"id":"e1"},{"id":"e2"}])"));
  EXPECT_EQ(Count(), 0);

  ASSERT_TRUE(Deliver("USER_UPDATED",
                      R"({"id":"u1","name":"Ana","settings":{"apiKey":"k","theme":"DARK"},
                          "authToken":"t"})"));
  EXPECT_EQ(*Cached("user", "u1"), json::parse(R"({"id":"u1","name":"Ana",
                                                   "settings":{"theme":"DARK"}})"));
}

// Everything one store's cache holds, by type and id.
std::map<std::pair<std::string, std::string>, std::string> Contents(store::Store& store) {
  std::map<std::pair<std::string, std::string>, std::string> out;
  const auto counts = store.CountEntitiesByType("ws-1").value();
  for (const auto& count : counts) {
    std::optional<std::string> after;
    for (;;) {
      auto page = store.ListEntities("ws-1", count.key, after, 500).value();
      for (const auto& e : page.items) out[{e.entity_type, e.entity_id}] = e.data_json;
      if (!page.next_after_id) break;
      after = page.next_after_id;
    }
  }
  return out;
}

// A batch leaves the cache as the same webhooks one by one do: every real sample, then one
// project created, renamed and deleted, and a tag deleted and created again, in one batch.
TEST_F(CacheRefresherTest, ABatchEndsWhereOneByOneEnds) {
  std::vector<std::pair<std::string, std::string>> events;
  std::set<std::string> names;
  for (const auto& file : std::filesystem::directory_iterator(kSamples)) {
    names.insert(file.path().stem().string());
  }
  for (const auto& name : names) events.emplace_back(name, ReadSample(name));
  json project = json::parse(ReadSample("NEW_PROJECT"));
  project["id"] = "p-batch";
  events.emplace_back("NEW_PROJECT", project.dump());
  project["name"] = "Renamed";
  events.emplace_back("PROJECT_UPDATED", project.dump());
  events.emplace_back("PROJECT_DELETED", project.dump());
  json tag = json::parse(ReadSample("NEW_TAG"));
  tag["id"] = "t-batch";
  events.emplace_back("NEW_TAG", tag.dump());
  events.emplace_back("TAG_DELETED", tag.dump());
  tag["name"] = "Back again";
  events.emplace_back("NEW_TAG", tag.dump());

  std::vector<store::WebhookRecord> webhooks;
  std::vector<json> payloads;
  for (const auto& [event, body] : events) {
    store::WebhookRecord w;
    w.id = static_cast<int64_t>(webhooks.size()) + 1;
    w.workspace_id = "ws-1";
    w.event_type = event;
    w.source = "CLOCKIFY";
    w.payload = body;
    webhooks.push_back(w);
    payloads.push_back(json::parse(body));
  }
  for (size_t i = 0; i < webhooks.size(); ++i) {
    ASSERT_TRUE(refresher_.Consume(webhooks[i], payloads[i])) << webhooks[i].event_type;
  }
  auto batched_store = OpenMigrated();
  CacheRefresher batched(*batched_store, clock_);
  std::vector<ingest::WebhookConsumer::Delivery> batch;
  for (size_t i = 0; i < webhooks.size(); ++i) batch.push_back({&webhooks[i], &payloads[i]});
  const auto results = batched.ConsumeBatch(batch);
  ASSERT_EQ(results.size(), webhooks.size());
  for (const auto& r : results) EXPECT_TRUE(r);

  const auto one_by_one = Contents(*store_);
  EXPECT_EQ(Contents(*batched_store), one_by_one);
  EXPECT_FALSE(one_by_one.count({"project", "p-batch"}));
  EXPECT_EQ(json::parse(one_by_one.at({"tag", "t-batch"}))["name"], "Back again");
  EXPECT_GE(one_by_one.size(), 10u);
}

// A batch the store refuses (an id with a NUL in it cannot be stored) is consumed one by one:
// the webhook that carries it fails alone.
TEST_F(CacheRefresherTest, ABatchTheStoreRefusesFailsOnlyItsBadWebhook) {
  const std::vector<std::string> bodies = {R"({"id":"t1","name":"a"})",
                                           R"({"id":"bad\u0000id","name":"b"})",
                                           R"({"id":"t2","name":"c"})"};
  std::vector<store::WebhookRecord> webhooks;
  std::vector<json> payloads;
  for (const auto& body : bodies) {
    store::WebhookRecord w;
    w.id = static_cast<int64_t>(webhooks.size()) + 1;
    w.workspace_id = "ws-1";
    w.event_type = "NEW_TAG";
    w.source = "CLOCKIFY";
    w.payload = body;
    webhooks.push_back(w);
    payloads.push_back(json::parse(body));
  }
  std::vector<ingest::WebhookConsumer::Delivery> batch;
  for (size_t i = 0; i < webhooks.size(); ++i) batch.push_back({&webhooks[i], &payloads[i]});
  const auto results = refresher_.ConsumeBatch(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0]);
  EXPECT_FALSE(results[1]);
  EXPECT_TRUE(results[2]);
  EXPECT_EQ(Cached("tag", "t1")->at("name"), "a");
  EXPECT_EQ(Cached("tag", "t2")->at("name"), "c");
  EXPECT_EQ(Count(), 2);
}

// The refresher's types are the bootstrap's, so webhooks and the bootstrap fill the same
// entries; its event types are Clockify's.
TEST(CacheEffectTest, TypesAreTheBootstrapsAndEventsAreClockifys) {
  std::set<std::string> types;
  for (const auto& [id, shape] : DescribeGetOperations(testing::Catalog())) {
    types.insert(shape.entity_type);
  }
  for (const auto& event : EventTypesWithCacheEffect()) {
    EXPECT_TRUE(clockify::IsKnownEventType(event)) << event;
    const auto effect = CacheEffectOf(event);
    ASSERT_TRUE(effect) << event;
    EXPECT_TRUE(types.count(effect->entity_type)) << event << " → " << effect->entity_type;
    const bool deletes = event.find("DELETED") != std::string::npos;
    EXPECT_EQ(effect->action == CacheEffect::Action::kDelete, deletes) << event;
  }
  EXPECT_FALSE(CacheEffectOf("BALANCE_UPDATED"));
}

}  // namespace
}  // namespace uwh::bootstrap
