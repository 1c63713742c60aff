#pragma once
// What the Store suites share: the backends they run on and the fixture that opens a migrated
// store of each. Every suite is written against the Store interface.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>

#include "common/clock.hpp"
#include "postgres_test_server.hpp"
#include "store/store.hpp"

namespace uwh::store::testing {

using std::chrono::milliseconds;
using std::chrono::seconds;

// 2026-01-01T00:00:00.123Z: millisecond precision is what the stores keep.
inline const TimePoint kT0 = TimePoint(seconds(1'767'225'600)) + milliseconds(123);

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
  PostgresSchema schema_;
};

// ---- The backends the suites run on. ----
// PostgreSQL runs when UWH_TEST_POSTGRES_URL names a server (scripts/test starts one); without
// it those tests are skipped, never passed.
inline const BackendFactory kBackends[] = {
    {"SqliteTempFile", [] { return std::make_unique<SqliteTempFileBackend>(); }},
    {"Postgres",
     []() -> std::unique_ptr<StoreBackend> {
       auto url = TestPostgresUrl();
       if (!url) return nullptr;
       return std::make_unique<PostgresSchemaBackend>(*url);
     }},
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

}  // namespace uwh::store::testing
