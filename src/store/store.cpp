#include "store/store.hpp"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "common/database_url.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace uwh::store {

namespace {

// Valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), the same
// rule as PostgreSQL's. Returns the number of code points, or -1.
int64_t Utf8CodePoints(std::string_view text) {
  int64_t count = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    // Eight ASCII bytes at a time, none of them NUL: the common case for payloads and headers.
    if (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, sizeof word);
      constexpr uint64_t kHigh = 0x8080808080808080ULL, kLow = 0x0101010101010101ULL;
      if (((word | ((word - kLow) & ~word)) & kHigh) == 0) {
        p += 8;
        count += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c == 0) return -1;
      ++p;
    } else {
      int n;
      unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
      if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      } else {
        return -1;
      }
      if (end - p < n || p[1] < lo || p[1] > hi) return -1;
      for (int i = 2; i < n; ++i) {
        if ((p[i] & 0xC0) != 0x80) return -1;
      }
      p += n;
    }
    ++count;
  }
  return count;
}

Result<void> CheckField(std::string_view value, const char* field, int64_t max_chars) {
  const int64_t chars = Utf8CodePoints(value);
  if (chars < 0) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                std::string(field) + " is not UTF-8 text (or contains a NUL byte)", field);
  }
  if (max_chars > 0 && chars > max_chars) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                std::string(field) + " is longer than " + std::to_string(max_chars) +
                    " characters",
                field);
  }
  return {};
}

}  // namespace

bool IsStorableText(std::string_view text) { return Utf8CodePoints(text) >= 0; }

Result<void> CheckStorable(const NewWebhook& row) {
  const struct {
    const std::string& value;
    const char* field;
    int64_t max_chars;  // 0: unbounded TEXT
  } fields[] = {
      {row.workspace_id, "workspace_id", 255}, {row.event_type, "event_type", 255},
      {row.source, "source", 50},              {row.custom_source, "custom_source", 255},
      {row.status, "status", 50},              {row.content_type, "content_type", 255},
      {row.payload, "payload", 0},             {row.headers_json, "headers_json", 0},
      {row.dedup_key, "dedup_key", 0},
  };
  for (const auto& f : fields) {
    if (auto ok = CheckField(f.value, f.field, f.max_chars); !ok) return ok;
  }
  return {};
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& database_url,
                                         const StoreOptions& options) {
  auto url = ParseDatabaseUrl(database_url);
  if (!url) return Fail(url.error());

  if (url->kind == DatabaseKind::kPostgres) {
    PostgresStore::Options pg;
    pg.synchronous_commit = options.synchronous_full;
    pg.pool_size = options.pool_size;
    auto store = PostgresStore::Open(url->conninfo, pg);
    if (!store) return Fail(store.error());
    return std::unique_ptr<Store>(std::move(*store));
  }

  const std::string& path = url->sqlite_path;
  if (path != ":memory:") {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
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
  SqliteStore::Options sqlite;
  sqlite.synchronous_full = options.synchronous_full;
  auto store = SqliteStore::Open(path, sqlite);
  if (!store) return Fail(store.error());
  return std::unique_ptr<Store>(std::move(*store));
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& database_url, bool synchronous_full) {
  StoreOptions options;
  options.synchronous_full = synchronous_full;
  return OpenStore(database_url, options);
}

}  // namespace uwh::store
