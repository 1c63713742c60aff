#pragma once
// What the SqliteStore source files share (one file per area of the store): prepared statements,
// connections, transactions and read leases. Internal to the SQLite backend.
#include <sqlite3.h>

#include <cassert>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/backend_common.hpp"  // NotFound, NowIfUnset, the input checks
#include "store/sqlite/sqlite_store.hpp"

namespace uwh::store::sqlite {

constexpr std::string_view kBegin = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";

// SQLite's message only: it names tables and columns, never row contents.
inline Error DbError(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return Error::Make(ErrorCode::kInternal, "database_error", std::move(message));
}

inline TimePoint ParseStoredTime(const std::string& text) {
  TimePoint t{};
  if (!text.empty() && !ParseTimestamp(text, &t)) return TimePoint{};
  return t;
}

// A cached prepared statement in use. Resetting on destruction ends its read transaction and
// frees it for the next use.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() { Reset(); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Binds placeholder $k. Copies the text.
  void Text(int k, std::string_view value) {
    sqlite3_bind_text(stmt_, Index(k), value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  // Binds without a copy: `value` must stay alive and unchanged until Reset().
  void TextNoCopy(int k, const std::string& value) {
    sqlite3_bind_text(stmt_, Index(k), value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  // Empty text is stored as NULL.
  void TextOrNull(int k, const std::string& value) {
    if (value.empty()) {
      sqlite3_bind_null(stmt_, Index(k));
    } else {
      TextNoCopy(k, value);
    }
  }
  void Time(int k, TimePoint t) { Text(k, FormatTimestamp(t)); }
  void Int(int k, int64_t value) { sqlite3_bind_int64(stmt_, Index(k), value); }
  void Null(int k) { sqlite3_bind_null(stmt_, Index(k)); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }

  std::string ColumnText(int col) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (text == nullptr) return {};
    return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  TimePoint ColumnTime(int col) const { return ParseStoredTime(ColumnText(col)); }
  std::optional<TimePoint> ColumnOptionalTime(int col) const {
    if (ColumnIsNull(col)) return std::nullopt;
    return ColumnTime(col);
  }

  sqlite3* db() const { return sqlite3_db_handle(stmt_); }
  uwh::Error Failure(std::string_view what) const { return DbError(db(), what); }

 private:
  int Index(int k) const {
    static constexpr const char* kNames[] = {"$0",  "$1",  "$2",  "$3",  "$4",  "$5",  "$6",
                                             "$7",  "$8",  "$9",  "$10", "$11", "$12", "$13",
                                             "$14", "$15", "$16", "$17", "$18", "$19", "$20"};
    assert(k > 0 && k < static_cast<int>(std::size(kNames)));
    const int index = sqlite3_bind_parameter_index(stmt_, kNames[k]);
    assert(index > 0 && "placeholder not in statement");
    return index;
  }

  sqlite3_stmt* stmt_;
};

}  // namespace uwh::store::sqlite

namespace uwh::store {

// One sqlite3 handle and its prepared statements. Used by one thread at a time (the store's locks
// guarantee it), so the handle is opened without SQLite's own mutex.
class SqliteStore::Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int flags,
                                                  int busy_timeout_ms) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    auto conn = std::unique_ptr<Connection>(new Connection(db));
    if (rc != SQLITE_OK) return tl::unexpected(sqlite::DbError(db, "cannot open the database"));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return conn;
  }

  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // Prepares `sql` once per connection and returns it ready to bind. The statement must not be
  // in use already (no nesting of the same statement).
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return tl::unexpected(sqlite::DbError(db_, "cannot prepare a statement"));
    }
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  // Runs one cached statement that returns no rows.
  Result<void> Run(std::string_view sql, std::string_view what) {
    auto stmt = Prepare(sql);
    if (!stmt) return tl::unexpected(stmt.error());
    sqlite::Statement s(*stmt);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return tl::unexpected(sqlite::DbError(db_, what));
    return {};
  }

  // Runs a script of several statements (migrations).
  Result<void> Exec(std::string_view script, std::string_view what) {
    const std::string text(script);
    char* message = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string full(what);
      full += ": ";
      full += message != nullptr ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return tl::unexpected(Error::Make(ErrorCode::kInternal, "database_error", std::move(full)));
    }
    return {};
  }

  // Single-value queries for pragmas.
  Result<std::string> QueryText(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return tl::unexpected(sqlite::DbError(db_, sql));
    }
    std::string value;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      if (text != nullptr) value = text;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return tl::unexpected(sqlite::DbError(db_, sql));
    return value;
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> cache_;
};

class SqliteStore::ReadLease {
 public:
  explicit ReadLease(SqliteStore& store) : store_(store) {
    if (store.readers_.empty()) {
      writer_lock_ = std::unique_lock<std::mutex>(store.writer_mutex_);
      conn_ = store.writer_.get();
      return;
    }
    std::unique_lock<std::mutex> lock(store.readers_mutex_);
    store.reader_free_.wait(lock, [&] { return !store.free_readers_.empty(); });
    conn_ = store.free_readers_.back();
    store.free_readers_.pop_back();
  }
  ~ReadLease() {
    if (writer_lock_.owns_lock()) return;
    {
      std::lock_guard<std::mutex> lock(store_.readers_mutex_);
      store_.free_readers_.push_back(conn_);
    }
    store_.reader_free_.notify_one();
  }
  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;

  Connection& conn() { return *conn_; }

 private:
  SqliteStore& store_;
  std::unique_lock<std::mutex> writer_lock_;
  Connection* conn_ = nullptr;
};

namespace sqlite {

// BEGIN IMMEDIATE … COMMIT on the writer; rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteStore::Connection& conn) : conn_(conn) {}
  ~Transaction() {
    if (open_ && sqlite3_get_autocommit(conn_.db()) == 0) {
      (void)conn_.Run(kRollback, "rollback");
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Result<void> Begin() {
    auto r = conn_.Run(kBegin, "cannot begin a transaction");
    open_ = r.has_value();
    return r;
  }
  Result<void> Commit() {
    auto r = conn_.Run(kCommit, "cannot commit");
    if (r) open_ = false;
    return r;
  }

 private:
  SqliteStore::Connection& conn_;
  bool open_ = false;
};

// Commits, while it lives, that do not wait for the disk (synchronous=NORMAL), on a writer that is
// otherwise synchronous=FULL. For the queue's own bookkeeping (leases, taking and finishing rows)
// and the entity cache the queue derives from committed webhooks: in WAL mode such a commit
// survives a crash of the process, and the next synced commit (the next batch of accepted
// webhooks) puts it on disk together with everything before it in the log. A power cut can undo
// only the last of them, which only means webhooks consumed again (delivery is at least once).
// Accepted webhooks, flows and executions are always synced before anyone is answered. Use under
// the writer's mutex, outside a transaction.
class UnsyncedCommits {
 public:
  UnsyncedCommits(SqliteStore::Connection& conn, bool synchronous_full)
      : conn_(conn), active_(synchronous_full) {
    if (active_) (void)conn_.Exec("PRAGMA synchronous=NORMAL", "pragma");
  }
  ~UnsyncedCommits() {
    if (active_) (void)conn_.Exec("PRAGMA synchronous=FULL", "pragma");
  }
  UnsyncedCommits(const UnsyncedCommits&) = delete;
  UnsyncedCommits& operator=(const UnsyncedCommits&) = delete;

 private:
  SqliteStore::Connection& conn_;
  bool active_;
};

}  // namespace sqlite
}  // namespace uwh::store
