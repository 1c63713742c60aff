#include "store/store.hpp"

#include <filesystem>
#include <string_view>
#include <system_error>

#include "store/sqlite/sqlite_store.hpp"

namespace uwh::store {

namespace {

constexpr std::string_view kUrlVariable = "UNIVERSAL_WEBHOOK_DATABASE_URL";

tl::unexpected<Error> BadUrl(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "invalid_database_url", std::move(message),
              std::string(kUrlVariable));
}

// The SQLAlchemy forms of the seed: sqlite:///relative/path, sqlite:////absolute/path,
// sqlite+aiosqlite:///…, sqlite:///:memory: (and sqlite://, also in memory). Returns the file
// path, or ":memory:".
Result<std::string> SqlitePathFromUrl(std::string_view url) {
  std::string_view rest;
  for (std::string_view scheme : {"sqlite://", "sqlite+aiosqlite://", "sqlite+pysqlite://"}) {
    if (url.starts_with(scheme)) {
      rest = url.substr(scheme.size());
      break;
    }
  }
  if (rest.empty()) return std::string(":memory:");
  if (rest.front() != '/') {
    return BadUrl(std::string(kUrlVariable) +
                  ": an SQLite URL has no host; write sqlite:///relative/path.db or "
                  "sqlite:////absolute/path.db");
  }
  rest.remove_prefix(1);
  if (rest.empty()) {
    return BadUrl(std::string(kUrlVariable) + ": the SQLite URL names no database file");
  }
  if (rest.find('?') != std::string_view::npos) {
    return BadUrl(std::string(kUrlVariable) + ": SQLite URL query parameters are not supported");
  }
  return std::string(rest);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& database_url, bool synchronous_full) {
  const std::string_view url = database_url;
  if (url.starts_with("postgres")) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_database_url",
                "PostgreSQL support is not built yet; set " + std::string(kUrlVariable) +
                    " to an sqlite:/// URL",
                std::string(kUrlVariable));
  }
  if (!url.starts_with("sqlite:") && !url.starts_with("sqlite+")) {
    return BadUrl(std::string(kUrlVariable) +
                  " must be sqlite:///relative/path.db, sqlite:////absolute/path.db or "
                  "sqlite:///:memory:");
  }
  if (!url.starts_with("sqlite://") && !url.starts_with("sqlite+aiosqlite://") &&
      !url.starts_with("sqlite+pysqlite://")) {
    return BadUrl(std::string(kUrlVariable) + ": unsupported SQLite URL form; use sqlite:///path");
  }
  auto path = SqlitePathFromUrl(url);
  if (!path) return tl::unexpected(path.error());

  if (*path != ":memory:") {
    const std::filesystem::path parent = std::filesystem::path(*path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return Fail(
            ErrorCode::kInternal, "database_error",
            "cannot create the database directory " + parent.string() + ": " + ec.message());
      }
    }
  }

  SqliteStore::Options options;
  options.synchronous_full = synchronous_full;
  auto store = SqliteStore::Open(*path, options);
  if (!store) return tl::unexpected(store.error());
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace uwh::store
