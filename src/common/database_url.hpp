#pragma once
// UNIVERSAL_WEBHOOK_DATABASE_URL: which backend, and where. Shared by the configuration (which
// checks it at start-up) and the store (which opens it), so both read it the same way.
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace uwh {

enum class DatabaseKind { kSqlite, kPostgres };

struct DatabaseUrl {
  DatabaseKind kind = DatabaseKind::kSqlite;
  std::string sqlite_path;  // kSqlite: the file path, or ":memory:"
  std::string conninfo;     // kPostgres: a libpq connection URI (postgresql://…)
};

// The forms of the seed (SQLAlchemy URLs) and libpq's:
//   sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory: (and sqlite://), each also
//   as sqlite+aiosqlite:// or sqlite+pysqlite://;
//   postgresql://…, postgres://…, and postgresql+asyncpg://… (also +psycopg2, +psycopg), whose
//   driver suffix is dropped and whose asyncpg-style `ssl=` parameter becomes libpq's `sslmode=`.
// A PostgreSQL URI's other parameters are left for libpq to check when the store opens it.
// Fails with kInvalidArgument "invalid_database_url" naming the variable; the message never
// repeats the URL (it may carry a password).
[[nodiscard]] Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

}  // namespace uwh
