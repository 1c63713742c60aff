// The Store contract, written against the interface so that every backend runs the same suite.
#include "store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "store/backend_common.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace uwh::store {
namespace {

using std::chrono::seconds;

// ---- Schema ----

TEST_P(StoreTest, MigrateFreshDatabaseReachesLatestVersion) {
  auto fresh_backend = GetParam().make();
  auto opened = fresh_backend->Open();
  ASSERT_TRUE(opened) << opened.error().message;
  Store& fresh = **opened;
  EXPECT_EQ(fresh.SchemaVersion().value(), 0);
  EXPECT_GE(fresh.LatestSchemaVersion(), 2);
  auto version = fresh.Migrate();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, fresh.LatestSchemaVersion());
  EXPECT_EQ(fresh.SchemaVersion().value(), fresh.LatestSchemaVersion());
}

// A database written by a build that had migration 6 but not 4 and 5 (they were written side by
// side): Migrate applies the two it lacks, not only the versions above the highest recorded.
TEST(SqliteMigrationsTest, AppliesEveryMissingVersionNotOnlyThoseAboveTheHighest) {
  auto files = ParseMigrations(SqliteMigrationFiles());
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_GE(files->size(), 6u);
  TempDir dir;
  const std::string path = (dir.path() / "uwh.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto exec = [&](const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string message = rc == SQLITE_OK ? "" : (err ? err : "error");
    sqlite3_free(err);
    return message;
  };
  ASSERT_EQ(exec("CREATE TABLE universal_webhook_schema_migrations (version INTEGER PRIMARY KEY, "
                 "name TEXT NOT NULL, applied_at TEXT NOT NULL)"),
            "");
  for (const Migration& m : *files) {
    if (m.version == 4 || m.version == 5) continue;
    ASSERT_EQ(exec(std::string(m.sql)), "") << m.name;
    ASSERT_EQ(exec("INSERT INTO universal_webhook_schema_migrations VALUES (" +
                   std::to_string(m.version) + ", '" + m.name + "', '2026-01-01T00:00:00.000Z')"),
              "");
  }
  sqlite3_close(db);

  auto store = OpenStore("sqlite:///" + path, /*synchronous_full=*/true);
  ASSERT_TRUE(store) << store.error().message;
  auto version = (*store)->Migrate();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, files->back().version);
  // What 0004 (the bootstrap lease) and 0005 (the queue's leases) made works.
  auto claimed = (*store)->StartBootstrap("ws-1", BootstrapLease{"a", kT0, kT0 + seconds(15)});
  ASSERT_TRUE(claimed) << claimed.error().message;
  EXPECT_TRUE(*claimed);
  auto queue = (*store)->ClaimQueueWorkspace("a", kT0, kT0 + seconds(15));
  ASSERT_TRUE(queue) << queue.error().message;
  EXPECT_FALSE(queue->has_value());  // nothing waits
  store->reset();

  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<int> recorded;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM universal_webhook_schema_migrations ORDER BY 1",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) recorded.push_back(sqlite3_column_int(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  std::vector<int> expected;
  for (const Migration& m : *files) expected.push_back(m.version);
  EXPECT_EQ(recorded, expected);
}

TEST_P(StoreTest, MigrateIsIdempotent) {
  const int latest = store_->LatestSchemaVersion();
  EXPECT_EQ(store_->Migrate().value(), latest);
  EXPECT_EQ(store_->Migrate().value(), latest);
  EXPECT_EQ(store_->SchemaVersion().value(), latest);
  store_.reset();
  store_ = Reopen();
  EXPECT_EQ(store_->SchemaVersion().value(), latest);
  EXPECT_EQ(store_->Migrate().value(), latest);
}

TEST_P(StoreTest, PingAnswers) { EXPECT_TRUE(store_->Ping().value()); }

// ---- Installations ----

TEST_P(StoreTest, UpsertInsertsAndGetReturnsTheRow) {
  auto stored = store_->UpsertInstallation(MakeInstallation("ws-1"));
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_GT(stored->id, 0);
  EXPECT_EQ(stored->workspace_id, "ws-1");
  EXPECT_EQ(stored->addon_token_ciphertext, "cipher-token-1");
  EXPECT_EQ(stored->settings_json, "{}");
  EXPECT_TRUE(stored->is_active);
  EXPECT_EQ(stored->status, "ACTIVE");

  auto got = store_->GetInstallation("ws-1");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->id, stored->id);
  EXPECT_EQ(got->addon_id, "addon-1");
  EXPECT_EQ(got->addon_user_id, "addon-user-1");
  EXPECT_EQ(got->as_user, "user-1");
  EXPECT_EQ(got->api_url, "https://api.clockify.me/api");
  EXPECT_EQ(got->backend_url, "https://api.clockify.me/api");
  EXPECT_EQ(got->reports_url, "https://reports.api.clockify.me");
  EXPECT_EQ(got->installed_at, kT0);
  EXPECT_EQ(got->updated_at, kT0);
}

TEST_P(StoreTest, GetUnknownInstallationIsNotFound) {
  auto got = store_->GetInstallation("nope");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorCode::kNotFound);
  EXPECT_EQ(got.error().code, "not_found");
}

TEST_P(StoreTest, ReinstallReplacesTokenAndUrlsAndKeepsSettings) {
  const int64_t id = store_->UpsertInstallation(MakeInstallation("ws-1")).value().id;
  ASSERT_TRUE(store_->UpdateSettings("ws-1", R"({"bootstrap.max_rps":10})"));

  Installation again = MakeInstallation("ws-1");
  again.addon_token_ciphertext = "cipher-token-2";
  again.backend_url = "https://eu.api.clockify.me/api";
  again.addon_id = "addon-2";
  again.settings_json = R"({"ignored":true})";
  again.installed_at = kT0 + seconds(60);
  auto stored = store_->UpsertInstallation(again);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->id, id);
  EXPECT_EQ(stored->addon_token_ciphertext, "cipher-token-2");
  EXPECT_EQ(stored->backend_url, "https://eu.api.clockify.me/api");
  EXPECT_EQ(stored->addon_id, "addon-2");
  EXPECT_EQ(stored->settings_json, R"({"bootstrap.max_rps":10})");
  // A repeated install of an active installation keeps its installation time.
  EXPECT_EQ(stored->installed_at, kT0);
}

TEST_P(StoreTest, DeactivateErasesTokensAndReinstallReactivates) {
  ASSERT_TRUE(store_->UpsertInstallation(MakeInstallation("ws-1")));
  ASSERT_TRUE(store_->UpdateSettings("ws-1", R"({"flows.enable_flows":false})"));
  ASSERT_TRUE(
      store_->ReplaceWebhookTokens("ws-1", "manifest",
                                   {{"ws-1", "NEW_TIME_ENTRY", "/webhooks/clockify/NEW_TIME_ENTRY",
                                     "manifest", "hash-1", "cipher-1", ""}}));

  ASSERT_TRUE(store_->DeactivateInstallation("ws-1"));
  auto got = store_->GetInstallation("ws-1");
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->is_active);
  EXPECT_EQ(got->addon_token_ciphertext, "");
  EXPECT_TRUE(store_->ListActiveInstallations().value().empty());
  EXPECT_TRUE(store_->ListWebhookTokens("ws-1").value().empty());
  EXPECT_EQ(store_->FindWebhookToken("hash-1").error().kind, ErrorCode::kNotFound);

  Installation again = MakeInstallation("ws-1");
  again.addon_token_ciphertext = "cipher-token-3";
  again.installed_at = kT0 + seconds(3600);
  auto stored = store_->UpsertInstallation(again);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->is_active);
  EXPECT_EQ(stored->addon_token_ciphertext, "cipher-token-3");
  EXPECT_EQ(stored->settings_json, R"({"flows.enable_flows":false})");
  // A reinstall after an uninstall is a new installation.
  EXPECT_EQ(stored->installed_at, kT0 + seconds(3600));
}

TEST_P(StoreTest, ChangesToUnknownWorkspacesAreNotFound) {
  EXPECT_EQ(store_->DeactivateInstallation("nope").error().kind, ErrorCode::kNotFound);
  EXPECT_EQ(store_->UpdateSettings("nope", "{}").error().kind, ErrorCode::kNotFound);
  EXPECT_EQ(store_->UpdateStatus("nope", "INACTIVE").error().kind, ErrorCode::kNotFound);
}

TEST_P(StoreTest, UpdateStatusAndSettings) {
  ASSERT_TRUE(store_->UpsertInstallation(MakeInstallation("ws-1")));
  ASSERT_TRUE(store_->UpdateStatus("ws-1", "INACTIVE"));
  EXPECT_EQ(store_->GetInstallation("ws-1").value().status, "INACTIVE");
  // INACTIVE is not uninstalled: the installation stays active for webhooks.
  EXPECT_EQ(store_->ListActiveInstallations().value().size(), 1u);
  ASSERT_TRUE(store_->UpdateStatus("ws-1", "ACTIVE"));
  EXPECT_EQ(store_->GetInstallation("ws-1").value().status, "ACTIVE");
  auto bad = store_->UpdateStatus("ws-1", "PAUSED");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorCode::kInvalidArgument);

  const std::string settings = R"({"bootstrap.max_rps":5,"data.cache_ttl_days":3})";
  ASSERT_TRUE(store_->UpdateSettings("ws-1", settings));
  EXPECT_EQ(store_->GetInstallation("ws-1").value().settings_json, settings);
}

TEST_P(StoreTest, ListActiveInstallationsSkipsUninstalled) {
  ASSERT_TRUE(store_->UpsertInstallation(MakeInstallation("ws-1")));
  ASSERT_TRUE(store_->UpsertInstallation(MakeInstallation("ws-2")));
  ASSERT_TRUE(store_->UpsertInstallation(MakeInstallation("ws-3")));
  ASSERT_TRUE(store_->DeactivateInstallation("ws-2"));
  auto active = store_->ListActiveInstallations();
  ASSERT_TRUE(active);
  ASSERT_EQ(active->size(), 2u);
  EXPECT_EQ((*active)[0].workspace_id, "ws-1");
  EXPECT_EQ((*active)[1].workspace_id, "ws-3");
}

// ---- Webhook tokens ----

WebhookToken Token(const std::string& event, const std::string& hash,
                   const std::string& webhook_id = "") {
  return WebhookToken{"",        event, "/webhooks/clockify/" + event, "", hash, "cipher-" + hash,
                      webhook_id};
}

TEST_P(StoreTest, ReplaceWebhookTokensReplacesOnlyThatRoute) {
  ASSERT_TRUE(store_->UpsertInstallation(MakeInstallation("ws-1")));
  ASSERT_TRUE(store_->ReplaceWebhookTokens(
      "ws-1", "manifest", {Token("NEW_TIME_ENTRY", "h1"), Token("NEW_PROJECT", "h2")}));
  ASSERT_TRUE(store_->ReplaceWebhookTokens("ws-1", "api", {Token("TAG_DELETED", "h3", "wh-9")}));
  EXPECT_EQ(store_->ListWebhookTokens("ws-1").value().size(), 3u);

  ASSERT_TRUE(store_->ReplaceWebhookTokens("ws-1", "manifest", {Token("NEW_CLIENT", "h4")}));
  auto tokens = store_->ListWebhookTokens("ws-1");
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 2u);
  std::set<std::string> hashes;
  for (const auto& t : *tokens) hashes.insert(t.token_hash);
  EXPECT_EQ(hashes, (std::set<std::string>{"h3", "h4"}));
  EXPECT_EQ(store_->FindWebhookToken("h1").error().kind, ErrorCode::kNotFound);

  auto found = store_->FindWebhookToken("h3");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->workspace_id, "ws-1");
  EXPECT_EQ(found->event_type, "TAG_DELETED");
  EXPECT_EQ(found->path, "/webhooks/clockify/TAG_DELETED");
  EXPECT_EQ(found->route, "api");
  EXPECT_EQ(found->token_ciphertext, "cipher-h3");
  EXPECT_EQ(found->clockify_webhook_id, "wh-9");

  ASSERT_TRUE(store_->ReplaceWebhookTokens("ws-1", "api", {}));
  EXPECT_EQ(store_->ListWebhookTokens("ws-1").value().size(), 1u);
}

TEST_P(StoreTest, WebhookTokensAreScopedByWorkspace) {
  ASSERT_TRUE(store_->ReplaceWebhookTokens("ws-1", "manifest", {Token("NEW_TAG", "h1")}));
  ASSERT_TRUE(store_->ReplaceWebhookTokens("ws-2", "manifest", {Token("NEW_TAG", "h2")}));
  // Replacing ws-2's tokens leaves ws-1's alone.
  ASSERT_TRUE(store_->ReplaceWebhookTokens("ws-2", "manifest", {}));
  EXPECT_EQ(store_->ListWebhookTokens("ws-1").value().size(), 1u);
  EXPECT_TRUE(store_->ListWebhookTokens("ws-2").value().empty());
  EXPECT_EQ(store_->FindWebhookToken("h1").value().workspace_id, "ws-1");

  // One token hash belongs to one installation.
  auto clash = store_->ReplaceWebhookTokens("ws-2", "manifest", {Token("NEW_TAG", "h1")});
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().kind, ErrorCode::kConflict);
  EXPECT_EQ(store_->FindWebhookToken("h1").value().workspace_id, "ws-1");

  auto foreign = store_->ReplaceWebhookTokens(
      "ws-2", "manifest", {WebhookToken{"ws-1", "NEW_TAG", "", "manifest", "h9", "c", ""}});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().kind, ErrorCode::kInvalidArgument);
}

// ---- Webhook registrations ----

WebhookRegistration Registration(const std::string& event, const std::string& status,
                                 const std::string& webhook_id = "",
                                 const std::string& reason = "") {
  WebhookRegistration r;
  r.event_type = event;
  r.status = status;
  r.clockify_webhook_id = webhook_id;
  r.reason = reason;
  return r;
}

TEST_P(StoreTest, ReplaceWebhookRegistrationsKeepsTheLatestOutcomePerEvent) {
  ASSERT_TRUE(store_->ReplaceWebhookRegistrations(
      "ws-1", {Registration("TAG_UPDATED", "registered", "wh-1", "created"),
               Registration("PROJECT_UPDATED", "refused", "", "Webhook limit reached")}));
  ASSERT_TRUE(store_->ReplaceWebhookRegistrations("ws-2", {Registration("TAG_UPDATED", "failed")}));

  auto listed = store_->ListWebhookRegistrations("ws-1");
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  // By event type.
  EXPECT_EQ((*listed)[0].event_type, "PROJECT_UPDATED");
  EXPECT_EQ((*listed)[0].status, "refused");
  EXPECT_EQ((*listed)[0].reason, "Webhook limit reached");
  EXPECT_EQ((*listed)[0].clockify_webhook_id, "");
  EXPECT_EQ((*listed)[1].event_type, "TAG_UPDATED");
  EXPECT_EQ((*listed)[1].clockify_webhook_id, "wh-1");
  EXPECT_EQ((*listed)[1].workspace_id, "ws-1");
  EXPECT_NE((*listed)[1].updated_at, TimePoint{});

  // Replacing forgets what is not listed again, and only for that workspace.
  ASSERT_TRUE(store_->ReplaceWebhookRegistrations(
      "ws-1", {Registration("TAG_UPDATED", "registered", "wh-2", "reused")}));
  listed = store_->ListWebhookRegistrations("ws-1");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].clockify_webhook_id, "wh-2");
  EXPECT_EQ(store_->ListWebhookRegistrations("ws-2").value().size(), 1u);

  ASSERT_TRUE(store_->ReplaceWebhookRegistrations("ws-1", {}));
  EXPECT_TRUE(store_->ListWebhookRegistrations("ws-1").value().empty());
}

TEST_P(StoreTest, ReplaceWebhookRegistrationsRefusesBadRowsAndKeepsTheOldOnes) {
  ASSERT_TRUE(store_->ReplaceWebhookRegistrations("ws-1", {Registration("TAG_UPDATED", "failed")}));
  auto twice = store_->ReplaceWebhookRegistrations(
      "ws-1", {Registration("TAG_DELETED", "failed"), Registration("TAG_DELETED", "refused")});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, ErrorCode::kInvalidArgument);
  auto no_status = store_->ReplaceWebhookRegistrations("ws-1", {Registration("TAG_DELETED", "")});
  ASSERT_FALSE(no_status);
  EXPECT_EQ(no_status.error().field, "registrations[0]");
  auto listed = store_->ListWebhookRegistrations("ws-1");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].event_type, "TAG_UPDATED");
}

// ---- Webhook log ----

// Every ASCII byte but NUL, then the first and last code point of every UTF-8 length, and the
// code points around the surrogates.
std::string EveryKindOfUtf8() {
  std::string text;
  for (int c = 1; c < 128; ++c) text.push_back(static_cast<char>(c));
  text += "\u0080\u07FF\u0800\uD7FF\uE000\uFFFD\uFFFF\U00010000\U0010FFFF";
  return text;
}

TEST_P(StoreTest, AppendAndGetKeepThePayloadByteForByte) {
  const std::vector<std::string> payloads = {
      R"({"description":"Zoë – 東京 🚀 \"quoted\" \\ back","n":1})",
      EveryKindOfUtf8(),
      "a=%FF%00&b=x+y",  // a form body: its bytes are ASCII whatever it encodes
      "  {\n\t\"spaced\" : [ 1 , 2 ]\r\n}  ",
      "",
  };
  for (const std::string& payload : payloads) {
    NewWebhook w = MakeWebhook("ws-1", payload);
    w.source = "CUSTOM";
    w.custom_source = "github";
    w.content_type = "application/x-www-form-urlencoded";
    w.headers_json = R"({"x-webhook-source":"github","webhook-signature":"[redacted]"})";
    const AppendOutcome out = AppendOne(w);
    EXPECT_GT(out.id, 0);
    EXPECT_FALSE(out.duplicate);

    auto got = store_->GetWebhook("ws-1", out.id);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->id, out.id);
    EXPECT_EQ(got->payload, payload);
    EXPECT_EQ(got->payload.size(), payload.size());
    EXPECT_EQ(got->workspace_id, "ws-1");
    EXPECT_EQ(got->event_type, "NEW_TIME_ENTRY");
    EXPECT_EQ(got->source, "CUSTOM");
    EXPECT_EQ(got->custom_source, "github");
    EXPECT_EQ(got->content_type, "application/x-www-form-urlencoded");
    EXPECT_EQ(got->headers_json, w.headers_json);
    EXPECT_EQ(got->status, "received");
    EXPECT_EQ(got->error_message, "");
    EXPECT_EQ(got->received_at, kT0);
  }
}

// PostgreSQL's TEXT holds UTF-8 without NUL only; both backends refuse the rest alike, naming the
// row and field, and store nothing of the batch.
TEST_P(StoreTest, AppendRefusesTextThatIsNotStorable) {
  struct Case {
    std::string bytes;
    const char* why;
  };
  const Case bad[] = {
      {std::string("{\"a\":\"\0\"}", 9), "NUL byte"},
      {"\xff\xfe{}", "not UTF-8"},
      {"\xc0\xaf", "overlong"},
      {"\xed\xa0\x80", "surrogate"},
      {"\xf4\x90\x80\x80", "above U+10FFFF"},
      {"\xe6\x9d", "cut short"},
  };
  for (const Case& c : bad) {
    std::vector<NewWebhook> batch = {MakeWebhook("ws-1", "{}"), MakeWebhook("ws-1", c.bytes)};
    auto out = store_->AppendWebhooks(batch);
    ASSERT_FALSE(out) << c.why;
    EXPECT_EQ(out.error().kind, ErrorCode::kInvalidArgument) << c.why;
    EXPECT_EQ(out.error().code, "validation_failed") << c.why;
    EXPECT_EQ(out.error().field, "batch[1].payload") << c.why;

    batch[1] = MakeWebhook("ws-1", "{}");
    batch[1].event_type = c.bytes;
    out = store_->AppendWebhooks(batch);
    ASSERT_FALSE(out) << c.why;
    EXPECT_EQ(out.error().field, "batch[1].event_type") << c.why;
  }
  NewWebhook long_type = MakeWebhook("ws-1", "{}");
  long_type.event_type = std::string(256, 'E');
  auto out = store_->AppendWebhooks(std::span<const NewWebhook>(&long_type, 1));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "batch[0].event_type");
  // 255 characters fit, however many bytes they take.
  long_type.event_type.clear();
  for (int i = 0; i < 255; ++i) long_type.event_type += "東";
  EXPECT_GT(AppendOne(long_type).id, 0);
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), 1);
}

TEST_P(StoreTest, GetWebhookIsScopedByWorkspace) {
  const AppendOutcome out = AppendOne(MakeWebhook("ws-1", "{}"));
  auto other = store_->GetWebhook("ws-2", out.id);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().kind, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetWebhook("ws-1", out.id + 1000).error().kind, ErrorCode::kNotFound);
}

TEST_P(StoreTest, AppendKeepsStatusAndReturnsOutcomesInOrder) {
  std::vector<NewWebhook> batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(MakeWebhook("ws-1", "{\"i\":" + std::to_string(i) + "}"));
  batch[2].status = "skipped_inactive";
  auto out = store_->AppendWebhooks(batch);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), 5u);
  for (size_t i = 1; i < out->size(); ++i) EXPECT_GT((*out)[i].id, (*out)[i - 1].id);
  for (size_t i = 0; i < out->size(); ++i) {
    EXPECT_EQ(store_->GetWebhook("ws-1", (*out)[i].id).value().payload, batch[i].payload);
  }
  EXPECT_EQ(store_->GetWebhook("ws-1", (*out)[2].id).value().status, "skipped_inactive");
  EXPECT_TRUE(store_->AppendWebhooks({}).value().empty());
}

TEST_P(StoreTest, DuplicateWithinTheWindowReturnsTheFirstId) {
  NewWebhook first = MakeWebhook("ws-1", R"({"id":"te-1"})");
  first.dedup_key = "NEW_TIME_ENTRY:abc";
  first.dedup_since = kT0 - seconds(300);
  const AppendOutcome a = AppendOne(first);
  ASSERT_FALSE(a.duplicate);

  NewWebhook again = first;
  again.received_at = kT0 + seconds(10);
  again.dedup_since = again.received_at - seconds(300);
  const AppendOutcome b = AppendOne(again);
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(b.id, a.id);

  // Any age (no window) also finds it.
  again.dedup_since = std::nullopt;
  const AppendOutcome c = AppendOne(again);
  EXPECT_TRUE(c.duplicate);
  EXPECT_EQ(c.id, a.id);
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), 1);
}

TEST_P(StoreTest, DuplicateOutsideTheWindowIsStoredAgain) {
  NewWebhook first = MakeWebhook("ws-1", R"({"id":"te-1"})");
  first.dedup_key = "k";
  const AppendOutcome a = AppendOne(first);

  NewWebhook later = first;
  later.received_at = kT0 + seconds(301);
  later.dedup_since = later.received_at - seconds(300);  // kT0 + 1 s: the first is older
  const AppendOutcome b = AppendOne(later);
  EXPECT_FALSE(b.duplicate);
  EXPECT_NE(b.id, a.id);

  // A third one within the window of the second is a duplicate of the second.
  NewWebhook third = later;
  third.received_at = later.received_at + seconds(5);
  third.dedup_since = third.received_at - seconds(300);
  const AppendOutcome c = AppendOne(third);
  EXPECT_TRUE(c.duplicate);
  EXPECT_EQ(c.id, b.id);
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), 2);
}

TEST_P(StoreTest, DuplicatesWithinOneBatch) {
  std::vector<NewWebhook> batch;
  for (const char* key : {"k1", "k2", "k1", "", "", "k2"}) {
    NewWebhook w = MakeWebhook("ws-1", std::string("{\"k\":\"") + key + "\"}");
    w.dedup_key = key;
    w.dedup_since = kT0 - seconds(300);
    batch.push_back(w);
  }
  auto out = store_->AppendWebhooks(batch);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), 6u);
  EXPECT_FALSE((*out)[0].duplicate);
  EXPECT_FALSE((*out)[1].duplicate);
  EXPECT_TRUE((*out)[2].duplicate);
  EXPECT_EQ((*out)[2].id, (*out)[0].id);
  // An empty key never de-duplicates.
  EXPECT_FALSE((*out)[3].duplicate);
  EXPECT_FALSE((*out)[4].duplicate);
  EXPECT_NE((*out)[3].id, (*out)[4].id);
  EXPECT_TRUE((*out)[5].duplicate);
  EXPECT_EQ((*out)[5].id, (*out)[1].id);
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), 4);
}

TEST_P(StoreTest, DeduplicationIsNotSharedAcrossWorkspaces) {
  NewWebhook a = MakeWebhook("ws-1", "{}");
  a.dedup_key = "same-key";
  NewWebhook b = a;
  b.workspace_id = "ws-2";
  const std::vector<NewWebhook> batch = {a, b};
  auto out = store_->AppendWebhooks(batch);
  ASSERT_TRUE(out);
  EXPECT_FALSE((*out)[0].duplicate);
  EXPECT_FALSE((*out)[1].duplicate);
  EXPECT_NE((*out)[0].id, (*out)[1].id);
  EXPECT_TRUE(AppendOne(b).duplicate);
}

TEST_P(StoreTest, CountWebhooksPerWorkspace) {
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), 0);
  std::vector<NewWebhook> batch;
  for (int i = 0; i < 7; ++i) batch.push_back(MakeWebhook(i < 4 ? "ws-1" : "ws-2", "{}"));
  ASSERT_TRUE(store_->AppendWebhooks(batch));
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), 4);
  EXPECT_EQ(store_->CountWebhooks("ws-2").value(), 3);
  EXPECT_EQ(store_->CountWebhooks("ws-3").value(), 0);
}

// ---- Webhook list and stats ----

// What a test inserted, with the id the store gave it.
struct InsertedWebhook {
  int64_t id = 0;
  NewWebhook row;
};

// ~3000 rows over two workspaces (2:1), with mixed event types, sources, custom sources and
// statuses. Receive times are a permutation of kT0 + 0…2999 s that does not follow id order, so
// a time filter that leaned on ids would fail.
std::vector<InsertedWebhook> SeedWebhookLog(Store& store) {
  static const char* const kEvents[] = {"NEW_TIME_ENTRY", "TIME_ENTRY_UPDATED", "NEW_PROJECT",
                                        "TIMER_STOPPED", "NEW_TAG"};
  static const char* const kStatuses[] = {"processed", "processed",        "received",
                                          "error",     "skipped_inactive", "processed"};
  static const char* const kCustomSources[] = {"github", "stripe", "gitlab"};
  constexpr int kRows = 3000;
  std::vector<InsertedWebhook> inserted;
  uint32_t lcg = 12345;
  auto next = [&lcg](uint32_t n) {
    lcg = lcg * 1664525u + 1013904223u;
    return (lcg >> 8) % n;
  };
  std::vector<NewWebhook> batch;
  for (int i = 0; i < kRows; ++i) {
    NewWebhook w;
    w.workspace_id = i % 3 == 0 ? "ws-2" : "ws-1";
    w.event_type = kEvents[next(std::size(kEvents))];
    if (next(5) == 0) {
      w.source = "CUSTOM";
      w.custom_source = kCustomSources[next(std::size(kCustomSources))];
      w.content_type = "application/x-www-form-urlencoded";
    } else {
      w.source = "CLOCKIFY";
      w.content_type = "application/json";
    }
    w.status = kStatuses[next(std::size(kStatuses))];
    w.payload = "{\"i\":" + std::to_string(i) + "}";
    w.headers_json = R"({"x":"y"})";
    w.received_at = kT0 + seconds((static_cast<int64_t>(i) * 7919) % kRows);
    batch.push_back(std::move(w));
    if (batch.size() == 500 || i + 1 == kRows) {
      auto out = store.AppendWebhooks(batch);
      EXPECT_TRUE(out) << out.error().message;
      if (!out) return inserted;
      for (size_t k = 0; k < batch.size(); ++k) {
        inserted.push_back(InsertedWebhook{(*out)[k].id, std::move(batch[k])});
      }
      batch.clear();
    }
  }
  return inserted;
}

bool Matches(const NewWebhook& w, const WebhookFilter& f) {
  return (f.event_type.empty() || w.event_type == f.event_type) &&
         (f.source.empty() || w.source == f.source) &&
         (f.custom_source.empty() || w.custom_source == f.custom_source) &&
         (f.status.empty() || w.status == f.status) && (!f.from || w.received_at >= *f.from) &&
         (!f.to || w.received_at < *f.to);
}

// The ids of `workspace_id`'s rows that match, newest (highest id) first.
std::vector<int64_t> ExpectedIds(const std::vector<InsertedWebhook>& inserted,
                                 const std::string& workspace_id, const WebhookFilter& filter) {
  std::vector<int64_t> ids;
  for (const auto& w : inserted) {
    if (w.row.workspace_id == workspace_id && Matches(w.row, filter)) ids.push_back(w.id);
  }
  std::sort(ids.rbegin(), ids.rend());
  return ids;
}

std::string Describe(const WebhookFilter& f) {
  std::string out = "filter{";
  if (!f.event_type.empty()) out += " event_type=" + f.event_type;
  if (!f.source.empty()) out += " source=" + f.source;
  if (!f.custom_source.empty()) out += " custom_source=" + f.custom_source;
  if (!f.status.empty()) out += " status=" + f.status;
  if (f.from) out += " from=" + FormatTimestamp(*f.from);
  if (f.to) out += " to=" + FormatTimestamp(*f.to);
  return out + " }";
}

class WebhookListTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    inserted_ = SeedWebhookLog(*store_);
    ASSERT_EQ(inserted_.size(), 3000u);
    for (const auto& w : inserted_) by_id_[w.id] = &w.row;
  }

  // Walks every page of `workspace_id` under `filter` and checks each page against the rows the
  // test inserted. Returns the ids in the order the pages gave them.
  std::vector<int64_t> WalkPages(const std::string& workspace_id, const WebhookFilter& filter,
                                 int limit) {
    std::vector<int64_t> walked;
    std::optional<int64_t> cursor;
    for (int pages = 0; pages < 10000; ++pages) {
      auto page = store_->ListWebhooks(workspace_id, filter, cursor, limit);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) break;
      EXPECT_LE(page->items.size(), static_cast<size_t>(limit));
      for (const WebhookRecord& r : page->items) {
        // Newest first, and disjoint from every earlier page.
        if (!walked.empty()) {
          EXPECT_LT(r.id, walked.back()) << Describe(filter);
        }
        walked.push_back(r.id);
        auto it = by_id_.find(r.id);
        if (it == by_id_.end()) {
          ADD_FAILURE() << "unknown id " << r.id;
          continue;
        }
        const NewWebhook& w = *it->second;
        EXPECT_EQ(r.workspace_id, workspace_id);
        EXPECT_EQ(w.workspace_id, workspace_id) << "another workspace's row " << r.id;
        EXPECT_TRUE(Matches(w, filter)) << Describe(filter) << " returned row " << r.id;
        EXPECT_EQ(r.event_type, w.event_type);
        EXPECT_EQ(r.source, w.source);
        EXPECT_EQ(r.custom_source, w.custom_source);
        EXPECT_EQ(r.content_type, w.content_type);
        EXPECT_EQ(r.status, w.status);
        EXPECT_EQ(r.error_message, "");
        EXPECT_EQ(r.received_at, w.received_at);
        // List view: no payload, no headers.
        EXPECT_EQ(r.payload, "");
        EXPECT_EQ(r.headers_json, "");
      }
      if (!page->next_before_id) break;
      // A cursor only when more follow, and it is the last item's id.
      EXPECT_EQ(page->items.size(), static_cast<size_t>(limit)) << Describe(filter);
      if (page->items.empty()) break;
      EXPECT_EQ(*page->next_before_id, page->items.back().id);
      cursor = page->next_before_id;
    }
    return walked;
  }

  std::vector<InsertedWebhook> inserted_;
  std::map<int64_t, const NewWebhook*> by_id_;
};

TEST_P(WebhookListTest, PagesOfAFilterAreDisjointNewestFirstAndCoverExactlyTheFilteredSet) {
  std::vector<WebhookFilter> filters;
  filters.push_back({});
  filters.push_back({.event_type = "NEW_TIME_ENTRY"});
  filters.push_back({.source = "CUSTOM"});
  filters.push_back({.source = "CLOCKIFY"});
  filters.push_back({.custom_source = "github"});
  filters.push_back({.status = "error"});
  filters.push_back({.status = "processed"});
  filters.push_back({.event_type = "NEW_PROJECT", .status = "processed"});
  filters.push_back({.source = "CUSTOM", .custom_source = "stripe", .status = "received"});
  filters.push_back({.from = kT0 + seconds(100)});
  filters.push_back({.to = kT0 + seconds(2500)});
  filters.push_back(
      {.event_type = "TIMER_STOPPED", .from = kT0 + seconds(500), .to = kT0 + seconds(2600)});
  filters.push_back({.event_type = "NO_SUCH_EVENT"});
  for (const std::string workspace : {"ws-1", "ws-2"}) {
    for (const WebhookFilter& filter : filters) {
      const std::vector<int64_t> expected = ExpectedIds(inserted_, workspace, filter);
      EXPECT_EQ(WalkPages(workspace, filter, 500), expected)
          << workspace << " " << Describe(filter);
    }
  }
  // The mix really exercises several pages and both workspaces.
  EXPECT_EQ(ExpectedIds(inserted_, "ws-1", {}).size(), 2000u);
  EXPECT_GT(ExpectedIds(inserted_, "ws-1", {.status = "processed"}).size(), 500u);
}

TEST_P(WebhookListTest, SmallPagesAndAnExactMultipleOfTheLimit) {
  // ws-1 has exactly 2000 rows: four full pages and no cursor after the fourth.
  auto first = store_->ListWebhooks("ws-1", {}, std::nullopt, 500);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->items.size(), 500u);
  EXPECT_EQ(WalkPages("ws-1", {}, 500), ExpectedIds(inserted_, "ws-1", {}));
  const WebhookFilter errors{.status = "error"};
  EXPECT_EQ(WalkPages("ws-2", errors, 7), ExpectedIds(inserted_, "ws-2", errors));
  EXPECT_EQ(WalkPages("ws-1", {.custom_source = "gitlab"}, 1),
            ExpectedIds(inserted_, "ws-1", {.custom_source = "gitlab"}));
}

TEST_P(WebhookListTest, FromIsInclusiveAndToIsExclusive) {
  const TimePoint from = kT0 + seconds(1000);
  const TimePoint to = kT0 + seconds(2000);
  const WebhookFilter window{.from = from, .to = to};
  std::vector<int64_t> listed;
  for (const std::string workspace : {"ws-1", "ws-2"}) {
    auto ids = WalkPages(workspace, window, 500);
    listed.insert(listed.end(), ids.begin(), ids.end());
  }
  EXPECT_EQ(listed.size(), 1000u);  // every second of [1000, 2000) has one row
  bool saw_from = false;
  for (int64_t id : listed) {
    const TimePoint t = by_id_.at(id)->received_at;
    EXPECT_GE(t, from);
    EXPECT_LT(t, to);
    saw_from = saw_from || t == from;
  }
  EXPECT_TRUE(saw_from);
  // An empty window and a window in the future.
  EXPECT_TRUE(
      store_->ListWebhooks("ws-1", {.from = to, .to = to}, std::nullopt, 10).value().items.empty());
  auto future = store_->ListWebhooks("ws-1", {.from = kT0 + seconds(3000)}, std::nullopt, 10);
  ASSERT_TRUE(future);
  EXPECT_TRUE(future->items.empty());
  EXPECT_FALSE(future->next_before_id.has_value());
}

TEST_P(WebhookListTest, CursorFromAnotherWorkspaceOrBeyondTheEnd) {
  const int64_t max_id = inserted_.back().id;
  // A cursor is only an id bound: pages stay inside the asked workspace.
  auto page = store_->ListWebhooks("ws-2", {}, max_id + 1000, 500);
  ASSERT_TRUE(page);
  for (const auto& r : page->items) EXPECT_EQ(r.workspace_id, "ws-2");
  auto none = store_->ListWebhooks("ws-1", {}, inserted_.front().id, 500);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->items.empty());
  EXPECT_TRUE(store_->ListWebhooks("ws-3", {}, std::nullopt, 500).value().items.empty());
}

TEST_P(StoreTest, ListWebhooksLimitIsBetweenOneAndFiveHundred) {
  ASSERT_GT(AppendOne(MakeWebhook("ws-1", "{}")).id, 0);
  for (int limit : {0, -1, 501, 100000}) {
    auto page = store_->ListWebhooks("ws-1", {}, std::nullopt, limit);
    ASSERT_FALSE(page) << limit;
    EXPECT_EQ(page.error().kind, ErrorCode::kInvalidArgument);
    EXPECT_EQ(page.error().code, "validation_failed");
    EXPECT_EQ(page.error().field, "limit");
  }
  for (int limit : {1, 500}) {
    auto page = store_->ListWebhooks("ws-1", {}, std::nullopt, limit);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->items.size(), 1u);
    EXPECT_FALSE(page->next_before_id.has_value());
  }
}

TEST_P(WebhookListTest, StatsCountTheWindowAndMatchAnIndependentCount) {
  for (const std::string workspace : {"ws-1", "ws-2"}) {
    for (const TimePoint since : {kT0 - seconds(1), kT0 + seconds(1500), kT0 + seconds(2999)}) {
      std::map<std::string, int64_t> status, event, source;
      int64_t total = 0;
      std::optional<TimePoint> last;
      for (const auto& w : inserted_) {
        if (w.row.workspace_id != workspace) continue;
        if (!last || w.row.received_at > *last) last = w.row.received_at;
        if (w.row.received_at < since) continue;
        ++total;
        ++status[w.row.status];
        ++event[w.row.event_type];
        ++source[w.row.source];
      }
      auto to_counts = [](const std::map<std::string, int64_t>& m) {
        std::vector<std::pair<std::string, int64_t>> out(m.begin(), m.end());
        return out;
      };
      auto event_order = to_counts(event);
      std::sort(event_order.begin(), event_order.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      auto got_counts = [](const std::vector<CountByKey>& v) {
        std::vector<std::pair<std::string, int64_t>> out;
        for (const auto& c : v) out.emplace_back(c.key, c.count);
        return out;
      };

      auto stats = store_->GetWebhookStats(workspace, since);
      ASSERT_TRUE(stats) << stats.error().message;
      const std::string where = workspace + " since " + FormatTimestamp(since);
      EXPECT_EQ(stats->total, total) << where;
      EXPECT_EQ(got_counts(stats->by_status), to_counts(status)) << where;
      EXPECT_EQ(got_counts(stats->by_event_type), event_order) << where;
      EXPECT_EQ(got_counts(stats->by_source), to_counts(source)) << where;
      EXPECT_EQ(stats->errors, status.count("error") ? status["error"] : 0) << where;
      EXPECT_EQ(stats->last_received_at, last) << where;
    }
  }
  // The last row is over all time, even when the window is empty.
  auto later = store_->GetWebhookStats("ws-1", kT0 + seconds(5000));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->total, 0);
  EXPECT_TRUE(later->by_status.empty());
  EXPECT_EQ(later->last_received_at, kT0 + seconds(2999));
}

TEST_P(WebhookListTest, HourlyCountsMatchAnIndependentCountPerHour) {
  // Rows span kT0 .. kT0 + 2999 s; buckets from 30 minutes before kT0 split them across hours,
  // and a start a second after a row's time moves exactly that row out of its bucket.
  for (const TimePoint start : {kT0 - seconds(1800), kT0 + seconds(1), kT0 - seconds(7200)}) {
    for (const std::string workspace : {"ws-1", "ws-2"}) {
      std::vector<int64_t> expected(4, 0);
      for (const auto& w : inserted_) {
        if (w.row.workspace_id != workspace || w.row.received_at < start) continue;
        const auto hour = std::chrono::duration_cast<std::chrono::hours>(w.row.received_at - start);
        if (hour.count() < 4) ++expected[static_cast<size_t>(hour.count())];
      }
      auto counts = store_->CountWebhooksByHour(workspace, start, 4);
      ASSERT_TRUE(counts) << counts.error().message;
      EXPECT_EQ(*counts, expected) << workspace << " from " << FormatTimestamp(start);
    }
  }
  auto none = store_->CountWebhooksByHour("ws-3", kT0, 24);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, std::vector<int64_t>(24, 0));
  for (const int hours : {0, 169}) {
    auto bad = store_->CountWebhooksByHour("ws-1", kT0, hours);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.error().field, "hours");
  }
}

TEST_P(StoreTest, StatsOrderEventTypesByCountThenName) {
  std::vector<NewWebhook> batch;
  auto add = [&](const char* event, const char* status, const char* source, int n) {
    for (int i = 0; i < n; ++i) {
      NewWebhook w = MakeWebhook("ws-1", "{}");
      w.event_type = event;
      w.status = status;
      w.source = source;
      batch.push_back(w);
    }
  };
  add("NEW_TAG", "processed", "CLOCKIFY", 2);
  add("NEW_CLIENT", "error", "CLOCKIFY", 2);
  add("github", "error", "CUSTOM", 3);
  add("NEW_PROJECT", "received", "CLOCKIFY", 1);
  ASSERT_TRUE(store_->AppendWebhooks(batch));
  NewWebhook old = MakeWebhook("ws-1", "{}");
  old.received_at = kT0 - seconds(86400 * 2);
  old.event_type = "OLD_EVENT";
  AppendOne(old);
  AppendOne(MakeWebhook("ws-2", "{}"));

  auto stats = store_->GetWebhookStats("ws-1", kT0 - seconds(86400));
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->total, 8);
  EXPECT_EQ(stats->errors, 5);
  ASSERT_EQ(stats->by_event_type.size(), 4u);
  EXPECT_EQ(stats->by_event_type[0].key, "github");
  EXPECT_EQ(stats->by_event_type[0].count, 3);
  EXPECT_EQ(stats->by_event_type[1].key, "NEW_CLIENT");
  EXPECT_EQ(stats->by_event_type[2].key, "NEW_TAG");
  EXPECT_EQ(stats->by_event_type[3].key, "NEW_PROJECT");
  ASSERT_EQ(stats->by_status.size(), 3u);
  EXPECT_EQ(stats->by_status[0].key, "error");
  EXPECT_EQ(stats->by_status[1].key, "processed");
  EXPECT_EQ(stats->by_status[2].key, "received");
  ASSERT_EQ(stats->by_source.size(), 2u);
  EXPECT_EQ(stats->by_source[0].key, "CLOCKIFY");
  EXPECT_EQ(stats->by_source[0].count, 5);
  EXPECT_EQ(stats->by_source[1].key, "CUSTOM");
  EXPECT_EQ(stats->by_source[1].count, 3);
  EXPECT_EQ(stats->last_received_at, kT0);

  auto empty = store_->GetWebhookStats("ws-3", kT0 - seconds(86400));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->total, 0);
  EXPECT_EQ(empty->errors, 0);
  EXPECT_TRUE(empty->by_status.empty());
  EXPECT_TRUE(empty->by_event_type.empty());
  EXPECT_TRUE(empty->by_source.empty());
  EXPECT_FALSE(empty->last_received_at.has_value());
}

// ---- Custom sources ----

CustomSource Source(const std::string& workspace_id, const std::string& name,
                    const std::string& secret) {
  CustomSource c;
  c.workspace_id = workspace_id;
  c.source = name;
  c.secret_ciphertext = secret;
  c.open = secret.empty();
  c.created_at = kT0;
  return c;
}

TEST_P(StoreTest, CustomSourceCreateGetListDelete) {
  auto created = store_->CreateCustomSource(Source("ws-1", "stripe", "cipher-whsec-1"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->workspace_id, "ws-1");
  EXPECT_EQ(created->source, "stripe");
  EXPECT_EQ(created->secret_ciphertext, "cipher-whsec-1");
  EXPECT_FALSE(created->open);
  EXPECT_EQ(created->created_at, kT0);
  auto open = store_->CreateCustomSource(Source("ws-1", "Git.Hub_2-x", ""));
  ASSERT_TRUE(open) << open.error().message;
  EXPECT_TRUE(open->open);
  EXPECT_EQ(open->secret_ciphertext, "");

  auto got = store_->GetCustomSource("ws-1", "stripe");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->secret_ciphertext, "cipher-whsec-1");
  EXPECT_FALSE(got->open);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_TRUE(store_->GetCustomSource("ws-1", "Git.Hub_2-x").value().open);

  auto list = store_->ListCustomSources("ws-1");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].source, "Git.Hub_2-x");  // by name
  EXPECT_EQ((*list)[1].source, "stripe");

  ASSERT_TRUE(store_->DeleteCustomSource("ws-1", "stripe"));
  auto gone = store_->GetCustomSource("ws-1", "stripe");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, ErrorCode::kNotFound);
  EXPECT_EQ(gone.error().code, "not_found");
  auto again = store_->DeleteCustomSource("ws-1", "stripe");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListCustomSources("ws-1").value().size(), 1u);

  // Deleted, it can be created again (a new secret).
  auto recreated = store_->CreateCustomSource(Source("ws-1", "stripe", "cipher-whsec-2"));
  ASSERT_TRUE(recreated) << recreated.error().message;
  EXPECT_EQ(store_->GetCustomSource("ws-1", "stripe").value().secret_ciphertext, "cipher-whsec-2");
}

TEST_P(StoreTest, CustomSourceConflictNamesTheSourceAndKeepsTheFirst) {
  ASSERT_TRUE(store_->CreateCustomSource(Source("ws-1", "github", "cipher-1")));
  for (const std::string secret : {"cipher-2", ""}) {
    auto clash = store_->CreateCustomSource(Source("ws-1", "github", secret));
    ASSERT_FALSE(clash);
    EXPECT_EQ(clash.error().kind, ErrorCode::kConflict);
    EXPECT_EQ(clash.error().code, "conflict");
    EXPECT_NE(clash.error().message.find("github"), std::string::npos) << clash.error().message;
  }
  auto kept = store_->GetCustomSource("ws-1", "github");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->secret_ciphertext, "cipher-1");
  EXPECT_FALSE(kept->open);
  EXPECT_EQ(store_->ListCustomSources("ws-1").value().size(), 1u);
}

TEST_P(StoreTest, CustomSourcesAreScopedByWorkspace) {
  ASSERT_TRUE(store_->CreateCustomSource(Source("ws-1", "github", "cipher-1")));
  // The same name in another workspace is another source.
  ASSERT_TRUE(store_->CreateCustomSource(Source("ws-2", "github", "")));
  EXPECT_EQ(store_->GetCustomSource("ws-1", "github").value().secret_ciphertext, "cipher-1");
  EXPECT_TRUE(store_->GetCustomSource("ws-2", "github").value().open);
  EXPECT_EQ(store_->GetCustomSource("ws-3", "github").error().kind, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListCustomSources("ws-3").value().empty());

  ASSERT_TRUE(store_->DeleteCustomSource("ws-2", "github"));
  EXPECT_EQ(store_->DeleteCustomSource("ws-3", "github").error().kind, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetCustomSource("ws-1", "github"));
  const auto list = store_->ListCustomSources("ws-1").value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].workspace_id, "ws-1");
  EXPECT_TRUE(store_->ListCustomSources("ws-2").value().empty());
}

TEST_P(StoreTest, CustomSourceOpenMeansNoSecret) {
  CustomSource open_with_secret = Source("ws-1", "a", "cipher");
  open_with_secret.open = true;
  CustomSource closed_without_secret = Source("ws-1", "b", "");
  closed_without_secret.open = false;
  const std::vector<std::pair<CustomSource, std::string>> bad = {
      {open_with_secret, "open"},
      {closed_without_secret, "secret_ciphertext"},
      {Source("ws-1", "", ""), "source"},
      {Source("ws-1", "has space", ""), "source"},
      {Source("ws-1", "slash/y", ""), "source"},
      {Source("ws-1", std::string(65, 'a'), ""), "source"},
      {Source("", "github", ""), "workspace_id"},
  };
  for (const auto& [source, field] : bad) {
    auto out = store_->CreateCustomSource(source);
    ASSERT_FALSE(out) << source.source;
    EXPECT_EQ(out.error().kind, ErrorCode::kInvalidArgument) << source.source;
    EXPECT_EQ(out.error().code, "validation_failed");
    EXPECT_EQ(out.error().field, field) << source.source;
  }
  EXPECT_TRUE(store_->ListCustomSources("ws-1").value().empty());
  EXPECT_TRUE(store_->CreateCustomSource(Source("ws-1", std::string(64, 'a'), "")));
}

// ---- Bootstrap state ----

TEST_P(StoreTest, BootstrapStateIsCreatedPendingOnce) {
  EXPECT_EQ(store_->GetBootstrapState("ws-1").error().kind, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->EnsureBootstrapState("ws-1"));
  ASSERT_TRUE(store_->EnsureBootstrapState("ws-1"));
  auto state = store_->GetBootstrapState("ws-1");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->workspace_id, "ws-1");
  EXPECT_EQ(state->status, "pending");
  EXPECT_EQ(state->progress, 0);
  EXPECT_EQ(state->total_endpoints, 0);
  EXPECT_EQ(state->completed_endpoints, 0);
  EXPECT_EQ(state->error_message, "");
  EXPECT_FALSE(state->started_at.has_value());
  EXPECT_FALSE(state->completed_at.has_value());
  EXPECT_EQ(store_->GetBootstrapState("ws-2").error().kind, ErrorCode::kNotFound);
}

// ---- Durability and concurrency ----

TEST_P(StoreTest, DataSurvivesReopen) {
  ASSERT_TRUE(store_->UpsertInstallation(MakeInstallation("ws-1")));
  ASSERT_TRUE(store_->ReplaceWebhookTokens("ws-1", "manifest", {Token("NEW_TAG", "h1")}));
  ASSERT_TRUE(store_->EnsureBootstrapState("ws-1"));
  const AppendOutcome out = AppendOne(MakeWebhook("ws-1", R"({"persisted":"ü"})"));

  store_.reset();
  store_ = Reopen();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->SchemaVersion().value(), store_->LatestSchemaVersion());
  EXPECT_EQ(store_->GetInstallation("ws-1").value().addon_token_ciphertext, "cipher-token-1");
  EXPECT_EQ(store_->FindWebhookToken("h1").value().workspace_id, "ws-1");
  EXPECT_EQ(store_->GetBootstrapState("ws-1").value().status, "pending");
  EXPECT_EQ(store_->GetWebhook("ws-1", out.id).value().payload, R"({"persisted":"ü"})");
}

TEST_P(StoreTest, ConcurrentAppendsAndReads) {
  constexpr int kWriters = 4;
  constexpr int kBatches = 20;
  constexpr int kBatchSize = 50;
  std::atomic<bool> writing{true};
  std::atomic<int> read_errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (writing.load()) {
        auto count = store_->CountWebhooks("ws-1");
        // Commits are atomic and ordered: a reader never sees the count go down.
        if (!count || *count < last) read_errors.fetch_add(1);
        if (count) last = *count;
      }
    });
  }
  std::vector<std::thread> writers;
  std::vector<std::vector<int64_t>> ids(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<NewWebhook> batch;
        for (int i = 0; i < kBatchSize; ++i) {
          batch.push_back(MakeWebhook("ws-1", "{\"w\":" + std::to_string(w) + "}"));
        }
        auto out = store_->AppendWebhooks(batch);
        if (!out) {
          read_errors.fetch_add(1);
          continue;
        }
        for (const auto& o : *out) ids[w].push_back(o.id);
      }
    });
  }
  for (auto& t : writers) t.join();
  writing.store(false);
  for (auto& t : readers) t.join();
  EXPECT_EQ(read_errors.load(), 0);
  std::set<int64_t> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kWriters * kBatches * kBatchSize));
  EXPECT_EQ(store_->CountWebhooks("ws-1").value(), kWriters * kBatches * kBatchSize);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<BackendFactory>& test_info) {
                           return test_info.param.name;
                         });
INSTANTIATE_TEST_SUITE_P(Backends, WebhookListTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<BackendFactory>& test_info) {
                           return test_info.param.name;
                         });

// ---- SQLite only: database URLs and the schema itself ----

TEST(OpenStoreTest, InMemoryDatabaseWorks) {
  for (const char* url : {"sqlite:///:memory:", "sqlite+aiosqlite:///:memory:"}) {
    auto store = OpenStore(url, true);
    ASSERT_TRUE(store) << url << ": " << store.error().message;
    ASSERT_TRUE((*store)->Migrate());
    NewWebhook w;
    w.workspace_id = "ws-1";
    w.event_type = "NEW_TAG";
    w.source = "CLOCKIFY";
    w.payload = "{}";
    auto out = (*store)->AppendWebhooks(std::span<const NewWebhook>(&w, 1));
    ASSERT_TRUE(out);
    EXPECT_EQ((*store)->GetWebhook("ws-1", out->front().id).value().payload, "{}");
    EXPECT_TRUE((*store)->Ping().value());
  }
}

TEST(OpenStoreTest, AbsolutePathCreatesMissingDirectories) {
  TempDir dir;
  const auto file = dir.path() / "a" / "b" / "uwh.db";
  auto store = OpenStore("sqlite:///" + file.string(), false);  // "sqlite:////tmp/…"
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->Migrate());
  EXPECT_TRUE(std::filesystem::exists(file));
}

TEST(OpenStoreTest, RelativePathAndAiosqliteForm) {
  TempDir dir;
  const auto relative =
      std::filesystem::relative(dir.path() / "rel" / "uwh.db", std::filesystem::current_path());
  ASSERT_FALSE(relative.is_absolute());
  auto store = OpenStore("sqlite+aiosqlite:///" + relative.string(), true);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->Migrate());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "rel" / "uwh.db"));
}

TEST(OpenStoreTest, PostgresUrlsThatLibpqRefusesNameTheVariable) {
  for (const char* url : {"postgresql://localhost/uwh?no_such_option=1",
                          "postgresql+asyncpg://localhost/uwh?prepared_statement_cache_size=0",
                          "postgres://localhost/uwh%zz"}) {
    auto store = OpenStore(url, true);
    ASSERT_FALSE(store) << url;
    EXPECT_EQ(store.error().kind, ErrorCode::kInvalidArgument) << url << ": "
                                                               << store.error().message;
    EXPECT_EQ(store.error().field, "UNIVERSAL_WEBHOOK_DATABASE_URL") << url;
  }
}

TEST(OpenStoreTest, UnreachablePostgresIsUnavailableAndKeepsThePasswordOut) {
  // Port 1 on the loopback: nothing listens, the connection is refused at once.
  auto store = OpenStore("postgresql://uwh:s3cr3t-pw@127.0.0.1:1/uwh?connect_timeout=2", true);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, ErrorCode::kUnavailable) << store.error().message;
  EXPECT_EQ(store.error().message.find("s3cr3t-pw"), std::string::npos) << store.error().message;
}

TEST(OpenStoreTest, UnknownUrlsNameTheVariable) {
  for (const char* url : {"mysql://localhost/uwh", "", "sqlite:///", "sqlite://host/x.db",
                          "sqlite:///x.db?mode=ro", "/var/lib/uwh.db"}) {
    auto store = OpenStore(url, true);
    ASSERT_FALSE(store) << url;
    EXPECT_EQ(store.error().kind, ErrorCode::kInvalidArgument) << url;
    EXPECT_NE(store.error().message.find("UNIVERSAL_WEBHOOK_DATABASE_URL"), std::string::npos)
        << url;
  }
}

// Text is checked eight ASCII bytes at a time: a NUL, a stray continuation byte or a multi-byte
// character must be seen at every offset, also next to and across an eight-byte boundary.
TEST(StorableTextTest, EveryOffsetOfABadOrMultiByteCharacterIsSeen) {
  for (size_t k = 0; k < 24; ++k) {
    const std::string before(k, 'a'), after(k % 9, 'b');
    EXPECT_TRUE(IsStorableText(before + "\xC3\xA9" + after)) << k;
    EXPECT_TRUE(IsStorableText(before + "\xF0\x9F\x98\x80" + after)) << k;
    EXPECT_FALSE(IsStorableText(before + std::string(1, '\0') + after)) << k;
    EXPECT_FALSE(IsStorableText(before + "\x80" + after)) << k;
    EXPECT_FALSE(IsStorableText(before + "\xC3" + after)) << k;      // truncated
    EXPECT_FALSE(IsStorableText(before + "\xED\xA0\x80" + after)) << k;  // a surrogate
  }
  // Lengths count characters, not bytes: workspace_id holds 255 of them.
  NewWebhook row;
  row.event_type = "NEW_TIME_ENTRY";
  row.source = "CLOCKIFY";
  row.status = "received";
  std::string e255;
  for (int i = 0; i < 255; ++i) e255 += "\xC3\xA9";
  row.workspace_id = e255;
  EXPECT_TRUE(CheckStorable(row));
  row.workspace_id = e255 + "x";
  EXPECT_FALSE(CheckStorable(row));
  row.workspace_id = std::string(255, 'w');
  EXPECT_TRUE(CheckStorable(row));
  row.workspace_id = std::string(256, 'w');
  EXPECT_FALSE(CheckStorable(row));
}

// The seed's tables, columns and indexes, plus the product's additions.
TEST(SqliteSchemaTest, HasTheSeedTablesColumnsAndIndexes) {
  TempDir dir;
  const std::string path = (dir.path() / "uwh.db").string();
  {
    auto store = OpenStore("sqlite:///" + path, true);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->Migrate());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto strings = [&](const std::string& sql) {
    std::set<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    return out;
  };
  auto columns = [&](const std::string& table) {
    return strings("SELECT name FROM pragma_table_info('" + table + "')");
  };
  using Set = std::set<std::string>;
  EXPECT_EQ(columns("universal_webhook_installation"),
            (Set{"id", "workspace_id", "addon_token", "settings_json", "installed_at", "is_active",
                 "addon_id", "addon_user_id", "as_user", "api_url", "backend_url", "reports_url",
                 "status", "updated_at"}));
  EXPECT_EQ(columns("universal_webhook_bootstrap_state"),
            (Set{"id", "workspace_id", "status", "progress", "total_endpoints",
                 "completed_endpoints", "error_message", "started_at", "completed_at",
                 "claimed_by", "lease_expires_at"}));
  EXPECT_EQ(columns("universal_webhook_bootstrap_checkpoint"),
            (Set{"id", "workspace_id", "endpoint", "operation_id", "parent_id", "entity_type",
                 "status", "next_page", "pages", "items", "status_code", "error_message",
                 "updated_at"}));
  EXPECT_EQ(columns("universal_webhook_entity_cache"),
            (Set{"id", "workspace_id", "entity_type", "entity_id", "data_json", "fetched_at"}));
  EXPECT_EQ(
      columns("universal_webhook_log"),
      (Set{"id", "workspace_id", "event_type", "source", "custom_source", "payload_json",
           "headers_json", "status", "error_message", "received_at", "content_type", "dedup_key",
           "attempts", "claimed_by", "lease_expires_at", "processed_at", "flows_matched"}));
  EXPECT_EQ(
      columns("universal_webhook_flow"),
      (Set{"id", "workspace_id", "name", "description", "trigger_event_type", "trigger_source",
           "conditions_json", "actions_json", "enabled", "created_at", "updated_at",
           "paused_reason"}));
  EXPECT_EQ(columns("universal_webhook_flow_execution"),
            (Set{"id", "workspace_id", "flow_id", "webhook_log_id", "status", "actions_executed",
                 "error_message", "result_json", "started_at", "completed_at", "trigger_kind",
                 "replay_of", "entity_id", "flow_json", "lease_expires_at"}));
  EXPECT_EQ(columns("universal_webhook_queue_lease"),
            (Set{"workspace_id", "owner", "lease_expires_at", "acquired_at"}));
  EXPECT_EQ(columns("universal_webhook_webhook_token"),
            (Set{"id", "workspace_id", "event_type", "path", "route", "token_hash",
                 "token_ciphertext", "clockify_webhook_id", "created_at"}));
  EXPECT_EQ(columns("universal_webhook_custom_source"),
            (Set{"id", "workspace_id", "source", "secret_ciphertext", "is_open", "created_at"}));
  EXPECT_EQ(columns("universal_webhook_schema_migrations"), (Set{"version", "name", "applied_at"}));

  // Indexed column lists, e.g. "universal_webhook_log(workspace_id,dedup_key)".
  const Set indexes = strings(
      "SELECT m.tbl_name || '(' || (SELECT group_concat(name, ',') FROM "
      "(SELECT name FROM pragma_index_info(m.name) ORDER BY seqno)) || ')' "
      "FROM sqlite_master m WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_autoindex%'");
  for (const char* index : {"universal_webhook_installation(workspace_id)",
                            "universal_webhook_installation(is_active)",
                            "universal_webhook_bootstrap_state(workspace_id)",
                            "universal_webhook_bootstrap_state(status)",
                            "universal_webhook_entity_cache(workspace_id)",
                            "universal_webhook_entity_cache(entity_type)",
                            "universal_webhook_entity_cache(entity_id)",
                            "universal_webhook_entity_cache(workspace_id,entity_type)",
                            "universal_webhook_entity_cache(workspace_id,entity_type,entity_id)",
                            "universal_webhook_entity_cache(workspace_id,fetched_at)",
                            "universal_webhook_bootstrap_checkpoint(workspace_id,endpoint)",
                            "universal_webhook_log(workspace_id)",
                            "universal_webhook_log(event_type)",
                            "universal_webhook_log(source)",
                            "universal_webhook_log(received_at)",
                            "universal_webhook_log(status)",
                            "universal_webhook_log(workspace_id,dedup_key)",
                            "universal_webhook_flow(workspace_id)",
                            "universal_webhook_flow(trigger_event_type)",
                            "universal_webhook_flow(enabled)",
                            "universal_webhook_flow(workspace_id,trigger_event_type,enabled)",
                            "universal_webhook_flow_execution(workspace_id)",
                            "universal_webhook_flow_execution(flow_id)",
                            "universal_webhook_flow_execution(webhook_log_id)",
                            "universal_webhook_flow_execution(status)",
                            "universal_webhook_flow_execution(started_at)",
                            "universal_webhook_webhook_token(token_hash)",
                            "universal_webhook_custom_source(workspace_id,source)",
                            "universal_webhook_log(workspace_id,event_type,id)",
                            "universal_webhook_log(workspace_id,status,id)",
                            "universal_webhook_log(workspace_id,source,id)",
                            "universal_webhook_log(workspace_id,custom_source,id)",
                            "universal_webhook_log(workspace_id,received_at,status,event_type,"
                            "source)",
                            "universal_webhook_flow_execution(webhook_log_id,flow_id)",
                            "universal_webhook_flow_execution(flow_id,entity_id,started_at)",
                            "universal_webhook_flow_execution(workspace_id,started_at,status)",
                            "universal_webhook_flow_execution(lease_expires_at)"}) {
    EXPECT_TRUE(indexes.count(index)) << "missing index " << index;
  }
  EXPECT_EQ(strings("PRAGMA journal_mode"), Set{"wal"});
  EXPECT_EQ(strings("SELECT name FROM sqlite_master WHERE name = "
                    "'ix_universal_webhook_custom_source_workspace_id_source' AND sql LIKE "
                    "'CREATE UNIQUE INDEX%'"),
            Set{"ix_universal_webhook_custom_source_workspace_id_source"});
  // The proof that a (webhook, flow) pair ran: one automatic execution at most.
  EXPECT_EQ(strings("SELECT name FROM sqlite_master WHERE name = "
                    "'ix_universal_webhook_flow_execution_webhook_flow_automatic' AND sql LIKE "
                    "'CREATE UNIQUE INDEX%' AND sql LIKE '%WHERE trigger_kind = ''automatic''%'"),
            Set{"ix_universal_webhook_flow_execution_webhook_flow_automatic"});
  // Every log index costs a write per inserted row: none may repeat another's keys. SQLite ends
  // every index with the rowid (id), so (status) and (status, id) are the same index.
  const Set log_keys = strings(
      "SELECT (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(m.name) "
      "ORDER BY seqno)) || CASE WHEN (SELECT name FROM pragma_index_info(m.name) ORDER BY seqno "
      "DESC LIMIT 1) = 'id' THEN '' ELSE ',id' END || CASE WHEN m.sql LIKE '% WHERE %' THEN "
      "' partial ' || m.name ELSE '' END FROM sqlite_master m WHERE m.type = 'index' AND "
      "m.tbl_name = 'universal_webhook_log' AND m.name NOT LIKE 'sqlite_autoindex%'");
  const Set log_indexes = strings(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'universal_webhook_log' "
      "AND name NOT LIKE 'sqlite_autoindex%'");
  EXPECT_EQ(log_keys.size(), log_indexes.size()) << "a log index repeats another's keys";
  EXPECT_EQ(log_indexes.size(), 11u);
  EXPECT_EQ(log_keys.count("status,id"), 1u);
  sqlite3_close(db);
}

// The list and the dashboard must stay index searches as the log grows (SQLite plans from the
// schema alone until ANALYZE runs, so an empty database shows the plans a large one gets).

TEST_F(SqliteQueryPlanTest, EveryWebhookListFilterCombinationSearchesAnIndex) {
  for (int mask = 0; mask < 64; ++mask) {
    WebhookFilter f;
    if (mask & 1) f.event_type = "NEW_TAG";
    if (mask & 2) f.source = "CUSTOM";
    if (mask & 4) f.custom_source = "github";
    if (mask & 8) f.status = "error";
    if (mask & 16) f.from = kT0;
    if (mask & 32) f.to = kT0 + seconds(60);
    const std::string sql = SqliteStore::ListWebhooksSqlForTest(f);
    const auto plan = Plan(sql);
    ASSERT_FALSE(plan.empty()) << sql;
    ExpectOnlySearches(plan, "mask " + std::to_string(mask) + ": " + sql);
  }
}

TEST_F(SqliteQueryPlanTest, EachSingleFilterUsesItsWorkspaceIndex) {
  struct Case {
    WebhookFilter filter;
    std::string index;  // the index the id subquery must search
    bool sorts;         // a time window sorts its ids; the others read them in id order
  };
  const Case cases[] = {
      {{},
       "COVERING INDEX ix_universal_webhook_log_workspace_id (workspace_id=? AND rowid<?)",
       false},
      {{.event_type = "NEW_TAG"},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_event_type_id (workspace_id=? AND "
       "event_type=? AND id<?)",
       false},
      {{.source = "CLOCKIFY"},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_source_id (workspace_id=? AND "
       "source=? AND id<?)",
       false},
      {{.custom_source = "github"},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_custom_source_id (workspace_id=? AND "
       "custom_source=? AND id<?)",
       false},
      {{.status = "error"},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_status_id (workspace_id=? AND "
       "status=? AND id<?)",
       false},
      {{.from = kT0},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_received_at (workspace_id=? AND "
       "received_at>?)",
       true},
      {{.to = kT0},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_received_at (workspace_id=? AND "
       "received_at<?)",
       true},
      {{.from = kT0, .to = kT0 + seconds(60)},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_received_at (workspace_id=? AND "
       "received_at>? AND received_at<?)",
       true},
      {{.status = "error", .from = kT0},
       "COVERING INDEX ix_universal_webhook_log_workspace_id_received_at (workspace_id=? AND "
       "received_at>?)",
       true},
  };
  for (const Case& c : cases) {
    const std::string sql = SqliteStore::ListWebhooksSqlForTest(c.filter);
    const auto plan = Plan(sql);
    const std::string text = Join(plan);
    EXPECT_NE(text.find("SEARCH universal_webhook_log USING " + c.index), std::string::npos)
        << sql << "\n"
        << text;
    EXPECT_EQ(text.find("TEMP B-TREE") != std::string::npos, c.sorts) << sql << "\n" << text;
    ExpectOnlySearches(plan, sql);
  }
}

TEST_F(SqliteQueryPlanTest, DashboardStatsReadOnlyTheReceivedAtIndex) {
  const auto sqls = SqliteStore::WebhookStatsSqlForTest();
  ASSERT_EQ(sqls.size(), 2u);
  const std::string counts = Join(Plan(sqls[0]));
  EXPECT_NE(counts.find("SEARCH universal_webhook_log USING COVERING INDEX "
                        "ix_universal_webhook_log_workspace_id_received_at (workspace_id=? AND "
                        "received_at>?)"),
            std::string::npos)
      << counts;
  const std::string last = Join(Plan(sqls[1]));
  EXPECT_NE(last.find("SEARCH universal_webhook_log USING COVERING INDEX "
                      "ix_universal_webhook_log_workspace_id_received_at (workspace_id=?)"),
            std::string::npos)
      << last;
}

}  // namespace
}  // namespace uwh::store
