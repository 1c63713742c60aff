// UNIVERSAL_WEBHOOK_DATABASE_URL: every accepted form and what the store is handed for it.
#include "common/database_url.hpp"

#include <gtest/gtest.h>

namespace uwh {
namespace {

TEST(DatabaseUrlTest, SqliteForms) {
  const std::pair<const char*, const char*> cases[] = {
      {"sqlite:///./x.db", "./x.db"},
      {"sqlite:///rel/dir/x.db", "rel/dir/x.db"},
      {"sqlite:////var/lib/uwh.db", "/var/lib/uwh.db"},
      {"sqlite+aiosqlite:///./x.db", "./x.db"},
      {"sqlite+pysqlite:////abs.db", "/abs.db"},
      {"sqlite:///:memory:", ":memory:"},
      {"sqlite://", ":memory:"},
  };
  for (const auto& [url, path] : cases) {
    auto parsed = ParseDatabaseUrl(url);
    ASSERT_TRUE(parsed) << url << ": " << parsed.error().message;
    EXPECT_EQ(parsed->kind, DatabaseKind::kSqlite) << url;
    EXPECT_EQ(parsed->sqlite_path, path) << url;
  }
}

TEST(DatabaseUrlTest, PostgresFormsBecomeLibpqUris) {
  const std::pair<const char*, const char*> cases[] = {
      {"postgresql://u:p@db.example:5433/uwh", "postgresql://u:p@db.example:5433/uwh"},
      {"postgres://u@localhost/uwh?sslmode=require", "postgresql://u@localhost/uwh?sslmode=require"},
      // The seed's SQLAlchemy form: the driver goes, asyncpg's ssl= becomes sslmode=.
      {"postgresql+asyncpg://u:p@h/uwh", "postgresql://u:p@h/uwh"},
      {"postgresql+asyncpg://u:p@h/uwh?ssl=require&application_name=x",
       "postgresql://u:p@h/uwh?sslmode=require&application_name=x"},
      {"postgresql+asyncpg://h/uwh?ssl=true", "postgresql://h/uwh?sslmode=require"},
      {"postgresql+psycopg2://h/uwh", "postgresql://h/uwh"},
      {"postgresql://", "postgresql://"},  // libpq's defaults: local socket, current user
  };
  for (const auto& [url, conninfo] : cases) {
    auto parsed = ParseDatabaseUrl(url);
    ASSERT_TRUE(parsed) << url << ": " << parsed.error().message;
    EXPECT_EQ(parsed->kind, DatabaseKind::kPostgres) << url;
    EXPECT_EQ(parsed->conninfo, conninfo) << url;
  }
}

TEST(DatabaseUrlTest, BadUrlsNameTheVariableAndNeverRepeatTheUrl) {
  for (const char* url : {"", "mysql://x/y", "/var/lib/uwh.db", "sqlite:///", "sqlite://host/x.db",
                          "sqlite:///x.db?mode=ro", "postgresql://u:sec ret@h/db",
                          "postgresql://u:secret@h/db\n"}) {
    auto parsed = ParseDatabaseUrl(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().kind, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().code, "invalid_database_url");
    EXPECT_EQ(parsed.error().field, "UNIVERSAL_WEBHOOK_DATABASE_URL");
    EXPECT_NE(parsed.error().message.find("UNIVERSAL_WEBHOOK_DATABASE_URL"), std::string::npos);
    EXPECT_EQ(parsed.error().message.find("secret"), std::string::npos) << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find("sec ret"), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace uwh
