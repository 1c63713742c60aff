#pragma once
// The PostgreSQL server the store tests run on: UWH_TEST_POSTGRES_URL (scripts/test starts a
// throwaway cluster and sets it), and a fresh schema per test on it, dropped afterwards.
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace uwh::store::testing {

// The server's URL, or nullopt when the PostgreSQL tests are not to run here.
inline std::optional<std::string> TestPostgresUrl() {
  const char* url = std::getenv("UWH_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

// A schema of its own on the test server. Url() connects to it: search_path is the schema, and
// application_name its name (so a test can end exactly its own connections).
class PostgresSchema {
 public:
  explicit PostgresSchema(std::string base_url) : base_url_(std::move(base_url)) {
    static std::atomic<int> counter{0};
    std::random_device random;
    name_ = "uwh_t_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(random() % 1'000'000);
    url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + name_ + "&application_name=" + name_;
    error_ = Exec("CREATE SCHEMA " + name_);
  }
  ~PostgresSchema() { (void)Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }
  PostgresSchema(const PostgresSchema&) = delete;
  PostgresSchema& operator=(const PostgresSchema&) = delete;

  const std::string& Url() const { return url_; }
  const std::string& Name() const { return name_; }
  const std::string& Error() const { return error_; }  // why the schema could not be made

  // Runs `sql` in this schema; returns the error message, empty on success.
  std::string Exec(const std::string& sql) const {
    std::string error;
    (void)Query(sql, &error);
    return error;
  }

  // Rows of text values (NULL as ""), from a connection in this schema.
  std::vector<std::vector<std::string>> Query(const std::string& sql,
                                              std::string* error = nullptr) const {
    std::vector<std::vector<std::string>> rows;
    PGconn* conn = PQconnectdb((base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
                                "options=-csearch_path%3D" + name_)
                                   .c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      if (error) *error = PQerrorMessage(conn);
      PQfinish(conn);
      return rows;
    }
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      if (error) *error = PQresultErrorMessage(r);
    } else {
      for (int i = 0; i < PQntuples(r); ++i) {
        std::vector<std::string> row;
        for (int c = 0; c < PQnfields(r); ++c) row.emplace_back(PQgetvalue(r, i, c));
        rows.push_back(std::move(row));
      }
    }
    PQclear(r);
    PQfinish(conn);
    return rows;
  }

  // Ends every connection of this schema's stores, as a server restart would.
  int TerminateConnections() const {
    auto rows = Query(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = '" + name_ + "' AND pid <> pg_backend_pid()");
    return rows.empty() ? -1 : std::stoi(rows[0][0]);
  }

 private:
  std::string base_url_;
  std::string name_;
  std::string url_;
  std::string error_;
};

}  // namespace uwh::store::testing
