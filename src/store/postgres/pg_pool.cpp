#include "store/postgres/pg_pool.hpp"

#include <algorithm>
#include <utility>

namespace uwh::store::pg {

ConnectionPool::ConnectionPool(std::string conninfo, Options options)
    : conninfo_(std::move(conninfo)), options_(options) {}

ConnectionPool::~ConnectionPool() = default;

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  const int size = std::max(options_.size, 1);
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (conn->Healthy()) return Lease(this, std::move(conn));
      conn.reset();  // closed outside the lock; a new one takes its place below
      lock.lock();
      --open_;
      continue;
    }
    if (open_ < size) {
      ++open_;
      lock.unlock();
      auto conn = Connection::Open(conninfo_, options_.settings);
      if (conn) return Lease(this, std::move(*conn));
      lock.lock();
      --open_;
      returned_.notify_one();
      return Fail(conn.error());
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size) {
      return Fail(ErrorCode::kUnavailable, "database_busy",
                  "every database connection stayed in use for " +
                      std::to_string(options_.acquire_timeout.count()) + " ms");
    }
  }
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  const bool keep = !conn->Broken();
  if (!keep) conn.reset();
  {
    std::lock_guard lock(mutex_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  returned_.notify_one();
}

int ConnectionPool::OpenConnections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

Result<PgResult> Run(ConnectionPool& pool, bool read, std::string_view sql, const Params& params,
                     std::string_view what) {
  auto run = [&](Connection& c) { return c.Run(sql, params, what); };
  return read ? ReadWithConnection(pool, run) : WithConnection(pool, run);
}

Result<int64_t> Change(ConnectionPool& pool, std::string_view sql, const Params& params,
                       std::string_view what) {
  auto r = Run(pool, /*read=*/false, sql, params, what);
  if (!r) return Fail(r.error());
  return ChangedRows(r->get());
}

}  // namespace uwh::store::pg
