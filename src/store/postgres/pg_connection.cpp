#include <arpa/inet.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <limits>

#include "common/clock.hpp"
#include "store/postgres/pg_internal.hpp"

namespace uwh::store::pg {
namespace {

// Type OIDs of the result columns we decode (PostgreSQL's catalog/pg_type.h).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTimestampOid = 1114;
constexpr Oid kTimestampTzOid = 1184;

// PostgreSQL counts timestamps in microseconds from 2000-01-01T00:00:00Z.
constexpr int64_t kPostgresEpochUnixSeconds = 946'684'800;

uint64_t BigEndian(const char* data, int length) {
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  return value;
}

bool IsConnectionState(std::string_view state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03" ||
         state == "53300" || state == "40001" || state == "40P01";
}

}  // namespace

std::string_view SqlState(const PGresult* result) {
  if (result == nullptr) return {};
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return state != nullptr ? std::string_view(state) : std::string_view();
}

Error ErrorFrom(const PGresult* result, PGconn* conn, std::string_view what) {
  std::string message(what);
  message += ": ";
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary != nullptr) {
    message += primary;
  } else if (conn != nullptr && PQerrorMessage(conn)[0] != '\0') {
    // Connection-level messages name the host and the user, never the password.
    std::string text = PQerrorMessage(conn);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    message += text;
  } else {
    message += "no answer from the database";
  }
  const std::string_view state = SqlState(result);
  if (state == "23505") return Error::Make(ErrorCode::kConflict, "conflict", std::move(message));
  if (state == "22021" || state == "22P05" || state == "22001") {
    return Error::Make(ErrorCode::kInvalidArgument, "validation_failed", std::move(message));
  }
  if (IsConnectionState(state) || conn == nullptr || PQstatus(conn) != CONNECTION_OK ||
      (result == nullptr && state.empty())) {
    return Error::Make(ErrorCode::kUnavailable, "database_unavailable", std::move(message));
  }
  return Error::Make(ErrorCode::kInternal, "database_error", std::move(message));
}

int64_t ChangedRows(const PGresult* result) {
  const char* n = PQcmdTuples(const_cast<PGresult*>(result));
  return n != nullptr && *n != '\0' ? std::strtoll(n, nullptr, 10) : 0;
}

// ---- Params ----

void Params::Set(int k, const char* data, int length) {
  const auto index = static_cast<size_t>(k - 1);
  if (values_.size() <= index) {
    values_.resize(index + 1, nullptr);
    lengths_.resize(index + 1, 0);
  }
  values_[index] = data;
  lengths_[index] = length;
}

void Params::TextNoCopy(int k, std::string_view value) {
  // An empty view may have no data pointer; NULL is only what Null() says.
  Set(k, value.data() != nullptr ? value.data() : "", static_cast<int>(value.size()));
}

void Params::Text(int k, std::string value) {
  owned_.push_back(std::move(value));
  TextNoCopy(k, owned_.back());
}

void Params::TextOrNull(int k, const std::string& value) {
  if (value.empty()) {
    Null(k);
  } else {
    TextNoCopy(k, value);
  }
}

void Params::Int(int k, int64_t value) { Text(k, std::to_string(value)); }

void Params::Time(int k, TimePoint t) { Text(k, FormatTimestamp(t)); }

void Params::Null(int k) { Set(k, nullptr, 0); }

// ---- Row ----

std::string Row::ColumnText(int col) const {
  if (ColumnIsNull(col)) return {};
  return std::string(PQgetvalue(result_, row_, col),
                     static_cast<size_t>(PQgetlength(result_, row_, col)));
}

int64_t Row::ColumnInt(int col) const {
  if (ColumnIsNull(col)) return 0;
  const char* data = PQgetvalue(result_, row_, col);
  const int length = PQgetlength(result_, row_, col);
  switch (PQftype(result_, col)) {
    case kBoolOid:
      return length == 1 && data[0] != 0 ? 1 : 0;
    case kInt2Oid:
      return static_cast<int16_t>(BigEndian(data, 2));
    case kInt4Oid:
      return static_cast<int32_t>(BigEndian(data, 4));
    case kInt8Oid:
      return static_cast<int64_t>(BigEndian(data, 8));
    default:
      return 0;  // a column type this store never reads as a number
  }
}

TimePoint Row::ColumnTime(int col) const {
  if (ColumnIsNull(col)) return TimePoint{};
  const Oid type = PQftype(result_, col);
  if (type == kTimestampTzOid || type == kTimestampOid) {
    const auto micros = static_cast<int64_t>(BigEndian(PQgetvalue(result_, row_, col), 8));
    // ±infinity are the extremes of int64.
    if (micros == std::numeric_limits<int64_t>::max()) return TimePoint::max();
    if (micros == std::numeric_limits<int64_t>::min()) return TimePoint::min();
    return TimePoint(std::chrono::seconds(kPostgresEpochUnixSeconds)) +
           std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(micros));
  }
  TimePoint t{};
  if (!ParseTimestamp(ColumnText(col), &t)) return TimePoint{};
  return t;
}

std::optional<TimePoint> Row::ColumnOptionalTime(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnTime(col);
}

// ---- Connection ----

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                     Settings settings) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    std::string why = parse_error != nullptr ? parse_error : "out of memory";
    PQfreemem(parse_error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return Fail(ErrorCode::kInvalidArgument, "invalid_database_url",
                "UNIVERSAL_WEBHOOK_DATABASE_URL is not a PostgreSQL URL libpq accepts: " + why,
                "UNIVERSAL_WEBHOOK_DATABASE_URL");
  }
  PQconninfoFree(options);

  // Defaults first: the URL (expanded from "dbname") overrides them.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", "uwh", conninfo.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  auto conn = std::unique_ptr<Connection>(new Connection(raw));
  // Notices (e.g. "relation already exists, skipping") are not errors and not for stderr.
  if (raw != nullptr) PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) {
    return Fail(ErrorCode::kUnavailable, "database_unavailable",
                ErrorFrom(nullptr, raw, "cannot connect to PostgreSQL").message);
  }
  if (PQclientEncoding(raw) != pg_char_to_encoding("UTF8") &&
      PQsetClientEncoding(raw, "UTF8") != 0) {
    return Fail(ErrorCode::kUnavailable, "database_unavailable",
                "cannot use UTF8 as the client encoding");
  }
  // "full" never weakens what the server is configured with; "normal" turns the flush off.
  const std::string_view sync =
      settings.synchronous_commit
          ? "SELECT set_config('synchronous_commit', 'on', false) "
            "WHERE current_setting('synchronous_commit') IN ('off', 'local')"
          : "SELECT set_config('synchronous_commit', 'off', false)";
  if (auto ok = conn->Run(sync, "cannot set synchronous_commit"); !ok) return Fail(ok.error());
  return conn;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Connection::Broken() const {
  return broken_ || conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK ||
         PQtransactionStatus(conn_) != PQTRANS_IDLE ||
         PQpipelineStatus(conn_) != PQ_PIPELINE_OFF;
}

bool Connection::Healthy() {
  if (Broken()) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (fd.fd < 0) return false;
  // An idle connection hears nothing unless the server is leaving (a FATAL message, then the
  // end of the stream) or has something rare to say; either way a fresh connection is safer.
  return poll(&fd, 1, 0) == 0;
}

Error Connection::Failure(const PGresult* result, std::string_view what) {
  Error error = ErrorFrom(result, conn_, what);
  if (error.kind == ErrorCode::kUnavailable) broken_ = true;
  return error;
}

Result<const std::string*> Connection::Prepare(std::string_view sql, std::string_view what) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return &it->second;
  std::string name = "uwh_" + std::to_string(prepared_.size() + 1);
  const std::string text(sql);
  PgResult r(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Fail(Failure(r.get(), what));
  auto [it, inserted] = prepared_.emplace(text, std::move(name));
  return &it->second;
}

Result<PgResult> Connection::Run(std::string_view sql, const Params& params,
                                 std::string_view what) {
  auto name = Prepare(sql, what);
  if (!name) return Fail(name.error());
  PgResult r(PQexecPrepared(conn_, (*name)->c_str(), params.Count(), params.Values(),
                            params.Lengths(), nullptr, /*resultFormat=*/1));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Fail(Failure(r.get(), what));
  return r;
}

Result<PgResult> Connection::Run(std::string_view sql, std::string_view what) {
  return Run(sql, Params{}, what);
}

Result<void> Connection::Exec(std::string_view script, std::string_view what) {
  const std::string text(script);
  PgResult r(PQexec(conn_, text.c_str()));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Fail(Failure(r.get(), what));
  return {};
}

bool Connection::FlushPipeline() {
  for (;;) {
    const int pending = PQflush(conn_);
    if (pending == 0) return true;
    if (pending < 0) return false;
    pollfd fd{PQsocket(conn_), POLLIN | POLLOUT, 0};
    if (poll(&fd, 1, -1) < 0 && errno != EINTR) return false;
    if ((fd.revents & POLLIN) != 0 && PQconsumeInput(conn_) == 0) return false;
  }
}

void Connection::RecoverFromPipeline() {
  // Drain to the synchronization point, then leave pipeline mode; a connection that cannot is
  // dropped by the pool.
  for (int guard = 0; PQpipelineStatus(conn_) != PQ_PIPELINE_OFF && guard < 1'000'000; ++guard) {
    if (PQexitPipelineMode(conn_) == 1) break;
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      if (PQstatus(conn_) != CONNECTION_OK) break;
      continue;
    }
    PQclear(r);
  }
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF || PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return;
  }
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE && !Exec("ROLLBACK", "rollback")) {
    broken_ = true;
  }
}

Result<std::vector<PgResult>> Connection::RunPipeline(std::span<const PipelineStep> steps,
                                                      std::string_view what) {
  std::vector<const std::string*> names;
  names.reserve(steps.size());
  for (const PipelineStep& step : steps) {
    auto name = Prepare(step.sql, what);
    if (!name) return Fail(name.error());
    names.push_back(*name);
  }

  if (PQenterPipelineMode(conn_) != 1) return Fail(Failure(nullptr, what));
  PQsetnonblocking(conn_, 1);
  bool sent = true;
  for (size_t i = 0; i < steps.size() && sent; ++i) {
    const Params& p = *steps[i].params;
    sent = PQsendQueryPrepared(conn_, names[i]->c_str(), p.Count(), p.Values(), p.Lengths(),
                               nullptr, /*resultFormat=*/1) == 1;
  }
  sent = sent && PQpipelineSync(conn_) == 1 && FlushPipeline();
  PQsetnonblocking(conn_, 0);
  if (!sent) {
    Error error = Failure(nullptr, what);
    broken_ = true;
    return Fail(std::move(error));
  }

  std::vector<PgResult> results;
  results.reserve(steps.size());
  std::optional<Error> failure;
  for (size_t i = 0; i < steps.size(); ++i) {
    PgResult r(PQgetResult(conn_));
    if (!r) {
      failure = Failure(nullptr, what);
      broken_ = true;
      break;
    }
    const ExecStatusType status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && !failure) {
      // The server skips the rest up to the sync; their results say PGRES_PIPELINE_ABORTED.
      failure = Failure(r.get(), what);
    }
    results.push_back(std::move(r));
    // Each statement's results end with a null.
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  }
  if (!failure) {
    PgResult sync(PQgetResult(conn_));
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      failure = Failure(sync.get(), what);
    } else if (PQexitPipelineMode(conn_) != 1) {
      failure = Failure(nullptr, what);
    }
  }
  if (failure) {
    RecoverFromPipeline();
    return Fail(std::move(*failure));
  }
  return results;
}

}  // namespace uwh::store::pg
