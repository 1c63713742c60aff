#pragma once
// A pool of libpq connections for the PostgreSQL backend: at most `size` open, opened on demand,
// each lent to one thread at a time. A connection found dead (the server restarted, or ended its
// backend) is closed and replaced by a new one. Thread-safe.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "store/postgres/pg_internal.hpp"

namespace uwh::store::pg {

class ConnectionPool {
 public:
  struct Options {
    int size = 8;                                        // connections open at most (>= 1)
    std::chrono::milliseconds acquire_timeout{10'000};  // waiting for a free one
    Connection::Settings settings;
  };

  // A connection lent by the pool; returned to it (or closed, when broken) on destruction.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = delete;
    ~Lease() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Does not connect: Acquire() does, on demand.
  ConnectionPool(std::string conninfo, Options options);
  ~ConnectionPool();  // every lease must have been returned
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A healthy connection for the caller alone: an idle one, or a new one while fewer than `size`
  // are open, or the first one returned within acquire_timeout. Fails with the connection error
  // (kUnavailable "database_unavailable", or kInvalidArgument for a bad URL), or kUnavailable
  // "database_busy" when every connection stayed in use for acquire_timeout.
  [[nodiscard]] Result<Lease> Acquire();

  int OpenConnections() const;  // idle and lent

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::string conninfo_;
  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle, lent and being opened
};

// Runs `fn(Connection&)` (returning a Result) on a pooled connection. A read whose connection
// died under it (the server restarted since the health check) runs once more on a fresh one:
// nothing was changed. Writes are not repeated, since a lost answer may hide a commit.
template <typename F>
auto WithConnection(ConnectionPool& pool, F&& fn) -> decltype(fn(std::declval<Connection&>())) {
  auto lease = pool.Acquire();
  if (!lease) return Fail(lease.error());
  return fn(**lease);
}
template <typename F>
auto ReadWithConnection(ConnectionPool& pool, F&& fn)
    -> decltype(fn(std::declval<Connection&>())) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool.Acquire();
    if (!lease) return Fail(lease.error());
    auto result = fn(**lease);
    if (result || attempt > 0 || result.error().kind != ErrorCode::kUnavailable ||
        !(*lease)->Broken()) {
      return result;
    }
  }
}

// One statement on a pooled connection (a read as ReadWithConnection, a write as WithConnection).
[[nodiscard]] Result<PgResult> Run(ConnectionPool& pool, bool read, std::string_view sql,
                                   const Params& params, std::string_view what);

// A write on a pooled connection; the rows it changed.
[[nodiscard]] Result<int64_t> Change(ConnectionPool& pool, std::string_view sql,
                                     const Params& params, std::string_view what);

// The parameters of a statement whose only placeholder is $1, the workspace.
inline Params Workspace(const std::string& workspace_id) {
  Params p;
  p.TextNoCopy(1, workspace_id);
  return p;
}

// A read of at most one row: `read(Row)`, or the error `missing` when there is none.
template <typename T, typename Read>
Result<T> ReadOne(ConnectionPool& pool, std::string_view sql, const Params& params,
                  std::string_view what, const Error& missing, Read read) {
  auto r = Run(pool, /*read=*/true, sql, params, what);
  if (!r) return Fail(r.error());
  if (PQntuples(r->get()) == 0) return Fail(missing);
  return read(Row(r->get(), 0));
}

// Every row of a read, each through `read(Row)`.
template <typename T, typename Read>
Result<std::vector<T>> ReadAll(ConnectionPool& pool, std::string_view sql, const Params& params,
                               std::string_view what, Read read) {
  auto r = Run(pool, /*read=*/true, sql, params, what);
  if (!r) return Fail(r.error());
  std::vector<T> out;
  const int n = PQntuples(r->get());
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(read(Row(r->get(), i)));
  return out;
}

}  // namespace uwh::store::pg
