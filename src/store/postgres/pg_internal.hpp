#pragma once
// What the PostgresStore source files share: libpq connections with their prepared statements,
// parameters bound as text, results read in binary, pipelines, and PostgreSQL errors as Error.
// Internal to the PostgreSQL backend: the only headers that include libpq.
#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "store/store.hpp"

namespace uwh::store::pg {

// A failed statement or connection as an Error: 23505 (unique) → kConflict "conflict"; invalid
// text (22021, 22P05) or a value too long for its column (22001) → kInvalidArgument
// "validation_failed"; a lost or refused connection, a server shutting down, a serialization
// failure or deadlock → kUnavailable "database_unavailable"; anything else kInternal
// "database_error". Only PostgreSQL's primary message is kept: it names constraints, types and
// encodings, never row contents (its DETAIL would).
Error ErrorFrom(const PGresult* result, PGconn* conn, std::string_view what);

// The SQLSTATE of a failed result ("" when there is none).
std::string_view SqlState(const PGresult* result);

// A statement's parameters, all sent as text: $k is set by the methods taking k. The binding
// methods are those of the SQLite statement, so the binders of sql_statements.hpp serve both.
class Params {
 public:
  Params() = default;
  // A copy would point at the original's copied strings; a move keeps them (a deque's elements
  // do not move).
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;
  Params(Params&&) = default;
  Params& operator=(Params&&) = default;

  // Binds without a copy: `value` must stay alive and unchanged until the statement ran.
  void TextNoCopy(int k, std::string_view value);
  void Text(int k, std::string value);  // copies
  // Empty text is NULL (no copy).
  void TextOrNull(int k, const std::string& value);
  void Int(int k, int64_t value);
  void Time(int k, TimePoint t);  // FormatTimestamp() text, read into TIMESTAMPTZ
  void Null(int k);

  int Count() const { return static_cast<int>(values_.size()); }
  const char* const* Values() const { return values_.data(); }
  const int* Lengths() const { return lengths_.data(); }

 private:
  void Set(int k, const char* data, int length);

  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::deque<std::string> owned_;  // a deque never moves what it already holds
};

// Owns a PGresult.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// One row of a binary-format result, read with the methods of the SQLite statement.
class Row {
 public:
  Row(const PGresult* result, int row) : result_(result), row_(row) {}

  bool ColumnIsNull(int col) const { return PQgetisnull(result_, row_, col) != 0; }
  std::string ColumnText(int col) const;  // NULL: ""
  // int2, int4, int8; a boolean as 0 or 1. NULL: 0.
  int64_t ColumnInt(int col) const;
  TimePoint ColumnTime(int col) const;  // timestamptz (or FormatTimestamp text); NULL: epoch 0
  std::optional<TimePoint> ColumnOptionalTime(int col) const;

 private:
  const PGresult* result_;
  int row_;
};

// The rows a statement changed (UPDATE, DELETE, INSERT).
int64_t ChangedRows(const PGresult* result);

// One statement of a pipeline.
struct PipelineStep {
  std::string_view sql;
  const Params* params;
};

// One libpq connection and its prepared statements. Used by one thread at a time (a pool lease).
class Connection {
 public:
  struct Settings {
    bool synchronous_commit = true;  // false: synchronous_commit off for this session
  };

  // Connects with `conninfo` (a libpq URI or key=value string) and applies `settings`.
  // kUnavailable "database_unavailable" when the server cannot be reached; kInvalidArgument
  // "invalid_database_url" for a conninfo libpq refuses.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                                Settings settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Usable for the next statement: connected, outside any transaction, and with nothing unasked
  // from the server waiting (the connection of a server that restarted, or of a backend that
  // was terminated, has its farewell or end of stream there).
  bool Healthy();
  // After a failure the connection may be unusable: marks it so that the pool closes it.
  void MarkBroken() { broken_ = true; }
  bool Broken() const;

  // Runs `sql` (prepared once on this connection) with `params`; results in binary format.
  [[nodiscard]] Result<PgResult> Run(std::string_view sql, const Params& params,
                                     std::string_view what);
  [[nodiscard]] Result<PgResult> Run(std::string_view sql, std::string_view what);
  // Runs a script of one or more statements through the simple query protocol (migrations,
  // transaction control). Results are discarded.
  [[nodiscard]] Result<void> Exec(std::string_view script, std::string_view what);
  // Sends every step in one pipeline (one round trip), then returns their results in order. The
  // first failure fails the call (and the rest of the pipeline is skipped by the server); a
  // transaction the pipeline opened is then rolled back.
  [[nodiscard]] Result<std::vector<PgResult>> RunPipeline(std::span<const PipelineStep> steps,
                                                          std::string_view what);

  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Result<const std::string*> Prepare(std::string_view sql, std::string_view what);
  Error Failure(const PGresult* result, std::string_view what);
  // Sends what libpq buffered, reading the server's answers meanwhile (non-blocking socket), so
  // that a long pipeline cannot block both sides on full socket buffers.
  bool FlushPipeline();
  // After a failed pipeline: leaves pipeline mode and rolls back an open transaction.
  void RecoverFromPipeline();

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  PGconn* conn_;
  bool broken_ = false;
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> prepared_;  // sql → name
};

}  // namespace uwh::store::pg
