// The Store contract, written against the interface so that every backend runs the same suite.
#include "store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"

namespace uwh::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// 2026-01-01T00:00:00.123Z: millisecond precision is what the stores keep.
const TimePoint kT0 = TimePoint(seconds(1'767'225'600)) + milliseconds(123);

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "uwh_store_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// One database of some backend. Open() may be called again after the previous store is gone: it
// opens the same database (persistence tests).
class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  virtual Result<std::unique_ptr<Store>> Open() = 0;
};

struct BackendFactory {
  std::string name;
  // Returns nullptr when the backend is not available here (the tests are then skipped).
  std::function<std::unique_ptr<StoreBackend>()> make;
};
void PrintTo(const BackendFactory& factory, std::ostream* os) { *os << factory.name; }

class SqliteTempFileBackend final : public StoreBackend {
 public:
  Result<std::unique_ptr<Store>> Open() override {
    return OpenStore("sqlite:///" + (dir_.path() / "uwh.db").string(), /*synchronous_full=*/true);
  }

 private:
  TempDir dir_;
};

// ---- The backends the suite runs on. ----
// Add PostgreSQL here once PostgresStore exists: a factory that creates a fresh database (or
// schema) on the server named by an environment variable, and returns nullptr when it is unset.
const BackendFactory kBackends[] = {
    {"SqliteTempFile", [] { return std::make_unique<SqliteTempFileBackend>(); }},
};

class StoreTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    if (!backend_) GTEST_SKIP() << GetParam().name << " is not available";
    store_ = Reopen();
    ASSERT_NE(store_, nullptr);
    auto version = store_->Migrate();
    ASSERT_TRUE(version) << version.error().message;
  }

  std::unique_ptr<Store> Reopen() {
    auto store = backend_->Open();
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  Installation MakeInstallation(const std::string& workspace_id) {
    Installation in;
    in.workspace_id = workspace_id;
    in.addon_id = "addon-1";
    in.addon_user_id = "addon-user-1";
    in.as_user = "user-1";
    in.addon_token_ciphertext = "cipher-token-1";
    in.api_url = "https://api.clockify.me/api";
    in.backend_url = "https://api.clockify.me/api";
    in.reports_url = "https://reports.api.clockify.me";
    in.installed_at = kT0;
    in.updated_at = kT0;
    return in;
  }

  static NewWebhook MakeWebhook(const std::string& workspace_id, const std::string& payload) {
    NewWebhook w;
    w.workspace_id = workspace_id;
    w.event_type = "NEW_TIME_ENTRY";
    w.source = "CLOCKIFY";
    w.payload = payload;
    w.headers_json = R"({"content-type":"application/json"})";
    w.content_type = "application/json";
    w.received_at = kT0;
    return w;
  }

  // Appends one row; fails the test on a store error.
  AppendOutcome AppendOne(const NewWebhook& w) {
    auto out = store_->AppendWebhooks(std::span<const NewWebhook>(&w, 1));
    EXPECT_TRUE(out) << out.error().message;
    if (!out || out->size() != 1) return {};
    return out->front();
  }

  std::unique_ptr<StoreBackend> backend_;
  std::unique_ptr<Store> store_;
};

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

// ---- Webhook log ----

TEST_P(StoreTest, AppendAndGetKeepThePayloadByteForByte) {
  std::string binaryish;
  for (int c = 1; c < 256; ++c) binaryish.push_back(static_cast<char>(c));  // also invalid UTF-8
  const std::vector<std::string> payloads = {
      R"({"description":"Zoë – 東京 🚀 \"quoted\" \\ back","n":1})",
      binaryish,
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

TEST(OpenStoreTest, PostgresIsNotBuiltYet) {
  auto store = OpenStore("postgresql://user@localhost/uwh", true);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message.find("PostgreSQL support is not built yet"), std::string::npos);
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
                 "completed_endpoints", "error_message", "started_at", "completed_at"}));
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
           "conditions_json", "actions_json", "enabled", "created_at", "updated_at"}));
  EXPECT_EQ(columns("universal_webhook_flow_execution"),
            (Set{"id", "workspace_id", "flow_id", "webhook_log_id", "status", "actions_executed",
                 "error_message", "result_json", "started_at", "completed_at"}));
  EXPECT_EQ(columns("universal_webhook_webhook_token"),
            (Set{"id", "workspace_id", "event_type", "path", "route", "token_hash",
                 "token_ciphertext", "clockify_webhook_id", "created_at"}));
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
                            "universal_webhook_log(workspace_id)",
                            "universal_webhook_log(event_type)",
                            "universal_webhook_log(source)",
                            "universal_webhook_log(received_at)",
                            "universal_webhook_log(status)",
                            "universal_webhook_log(workspace_id,dedup_key)",
                            "universal_webhook_log(status,id)",
                            "universal_webhook_flow(workspace_id)",
                            "universal_webhook_flow(trigger_event_type)",
                            "universal_webhook_flow(enabled)",
                            "universal_webhook_flow(workspace_id,trigger_event_type,enabled)",
                            "universal_webhook_flow_execution(workspace_id)",
                            "universal_webhook_flow_execution(flow_id)",
                            "universal_webhook_flow_execution(webhook_log_id)",
                            "universal_webhook_flow_execution(status)",
                            "universal_webhook_flow_execution(started_at)",
                            "universal_webhook_webhook_token(token_hash)"}) {
    EXPECT_TRUE(indexes.count(index)) << "missing index " << index;
  }
  EXPECT_EQ(strings("PRAGMA journal_mode"), Set{"wal"});
  sqlite3_close(db);
}

}  // namespace
}  // namespace uwh::store
