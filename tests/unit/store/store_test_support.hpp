#pragma once
// What the Store suites share: temporary directories and the backends every suite runs on.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "postgres_test_server.hpp"
#include "store/store.hpp"

namespace uwh::store {

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
inline void PrintTo(const BackendFactory& factory, std::ostream* os) { *os << factory.name; }

class SqliteTempFileBackend final : public StoreBackend {
 public:
  Result<std::unique_ptr<Store>> Open() override {
    return OpenStore("sqlite:///" + (dir_.path() / "uwh.db").string(), /*synchronous_full=*/true);
  }

 private:
  TempDir dir_;
};

// A fresh schema on the server of UWH_TEST_POSTGRES_URL, opened through OpenStore's URL path.
class PostgresSchemaBackend final : public StoreBackend {
 public:
  explicit PostgresSchemaBackend(std::string url) : schema_(std::move(url)) {}
  Result<std::unique_ptr<Store>> Open() override {
    if (!schema_.Error().empty()) {
      return Fail(ErrorCode::kUnavailable, "database_unavailable", schema_.Error());
    }
    return OpenStore(schema_.Url(), /*synchronous_full=*/true);
  }

 private:
  testing::PostgresSchema schema_;
};

// ---- The backends the suites run on. ----
// PostgreSQL runs when UWH_TEST_POSTGRES_URL names a server (scripts/test starts one); without
// it those tests are skipped, never passed.
inline const BackendFactory kBackends[] = {
    {"SqliteTempFile", [] { return std::make_unique<SqliteTempFileBackend>(); }},
    {"Postgres",
     []() -> std::unique_ptr<StoreBackend> {
       auto url = testing::TestPostgresUrl();
       if (!url) return nullptr;
       return std::make_unique<PostgresSchemaBackend>(*url);
     }},
};

// 2026-01-01T00:00:00.123Z: millisecond precision is what the stores keep.
inline const TimePoint kT0 =
    TimePoint(std::chrono::seconds(1'767'225'600)) + std::chrono::milliseconds(123);

// A suite over every backend with a freshly migrated store in store_.
class MigratedStoreTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    if (!backend_) GTEST_SKIP() << GetParam().name << " is not available";
    auto store = backend_->Open();
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto version = store_->Migrate();
    ASSERT_TRUE(version) << version.error().message;
  }

  std::unique_ptr<StoreBackend> backend_;
  std::unique_ptr<Store> store_;
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

// The name of a backend parameter, for INSTANTIATE_TEST_SUITE_P.
inline std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

// A migrated SQLite file, opened read-only, for tests of the statements' query plans.
class SqliteQueryPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path() / "uwh.db").string();
    {
      auto store = OpenStore("sqlite:///" + path_, true);
      ASSERT_TRUE(store) << store.error().message;
      ASSERT_TRUE((*store)->Migrate());
    }
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(db_); }

  // The plan's lines, "SEARCH universal_webhook_log USING …".
  std::vector<std::string> Plan(const std::string& sql) {
    std::vector<std::string> lines;
    sqlite3_stmt* stmt = nullptr;
    const std::string explain = "EXPLAIN QUERY PLAN " + sql;
    EXPECT_EQ(sqlite3_prepare_v2(db_, explain.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_) << "\n"
        << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
    sqlite3_finalize(stmt);
    return lines;
  }

  static std::string Join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
  }

  // No full scan of the log or of any index of it.
  static void ExpectOnlySearches(const std::vector<std::string>& plan, const std::string& what) {
    for (const auto& line : plan) {
      EXPECT_FALSE(line.starts_with("SCAN")) << what << ":\n" << Join(plan);
    }
  }

  TempDir dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace uwh::store
