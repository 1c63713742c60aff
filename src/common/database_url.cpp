#include "common/database_url.hpp"

namespace uwh {
namespace {

constexpr std::string_view kVariable = "UNIVERSAL_WEBHOOK_DATABASE_URL";

tl::unexpected<Error> BadUrl(std::string_view why) {
  return Fail(ErrorCode::kInvalidArgument, "invalid_database_url",
              std::string(kVariable) + " " + std::string(why), std::string(kVariable));
}

// The scheme's length when `url` starts with one of `schemes`, else 0.
size_t SchemeLength(std::string_view url, std::initializer_list<std::string_view> schemes) {
  for (std::string_view scheme : schemes) {
    if (url.starts_with(scheme)) return scheme.size();
  }
  return 0;
}

Result<DatabaseUrl> Sqlite(std::string_view rest) {
  DatabaseUrl out;
  out.kind = DatabaseKind::kSqlite;
  if (rest.empty()) {  // "sqlite://"
    out.sqlite_path = ":memory:";
    return out;
  }
  if (rest.front() != '/') {
    return BadUrl(
        "must look like sqlite:///relative/path.db or sqlite:////absolute/path.db (an SQLite URL "
        "has no host)");
  }
  rest.remove_prefix(1);
  if (rest.empty()) return BadUrl("names no SQLite database file");
  if (rest.find('?') != std::string_view::npos) {
    return BadUrl("has query parameters, which SQLite URLs do not support");
  }
  out.sqlite_path = std::string(rest);
  return out;
}

// asyncpg's ssl=<mode> is libpq's sslmode=<mode> (true/false are asyncpg's spellings).
std::string AsyncpgQueryToLibpq(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.starts_with("ssl=")) {
      std::string_view mode = pair.substr(4);
      if (mode == "true") mode = "require";
      if (mode == "false") mode = "disable";
      if (!out.empty()) out += '&';
      out += "sslmode=";
      out += mode;
      continue;
    }
    if (pair.empty()) continue;
    if (!out.empty()) out += '&';
    out += pair;
  }
  return out;
}

Result<DatabaseUrl> Postgres(std::string_view rest, bool from_driver_url) {
  DatabaseUrl out;
  out.kind = DatabaseKind::kPostgres;
  for (const char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ') {
      return BadUrl("contains a space or control character");
    }
  }
  const size_t question = rest.find('?');
  out.conninfo = "postgresql://";
  out.conninfo += rest.substr(0, question);
  if (question != std::string_view::npos) {
    const std::string query = from_driver_url ? AsyncpgQueryToLibpq(rest.substr(question + 1))
                                              : std::string(rest.substr(question + 1));
    if (!query.empty()) out.conninfo += "?" + query;
  }
  return out;
}

}  // namespace

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
  if (const size_t n = SchemeLength(url, {"sqlite://", "sqlite+aiosqlite://", "sqlite+pysqlite://"})) {
    return Sqlite(url.substr(n));
  }
  if (const size_t n = SchemeLength(url, {"postgresql://", "postgres://"})) {
    return Postgres(url.substr(n), /*from_driver_url=*/false);
  }
  if (const size_t n = SchemeLength(url, {"postgresql+asyncpg://", "postgresql+psycopg2://",
                                          "postgresql+psycopg://"})) {
    return Postgres(url.substr(n), /*from_driver_url=*/true);
  }
  return BadUrl(
      "must be sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory:, "
      "postgresql://user:password@host:port/database or postgresql+asyncpg://…");
}

}  // namespace uwh
