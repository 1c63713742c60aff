#pragma once
// The HTTP/1.1 server: Beast sessions as C++20 coroutines, keep-alive, a request size limit,
// timeouts, request ids, and a graceful stop.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "common/asio.hpp"
#include "common/error.hpp"
#include "http/router.hpp"

namespace uwh::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8001;  // 0: any free port
  int64_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 * 1024;
  // Slow clients (slowloris) must not hold connections: the whole header must arrive within
  // header_timeout of the connection (on a kept-alive connection, of the request's first byte),
  // the body within body_timeout plus its length at min_body_rate bytes per second (the largest
  // body's length when it is chunked), and a kept-alive connection with no request for
  // keep_alive_timeout is closed. A response must be taken within write_timeout.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(10)};
  int64_t min_body_rate = 32 * 1024;
  std::chrono::milliseconds keep_alive_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // At the cap, a new connection evicts the connection that has waited longest on its client
  // (idle, or still sending its request); when every connection is busy in a handler the new
  // one is closed at once. So the cap bounds descriptors and memory without letting clients
  // that hold connections open lock others out.
  size_t max_connections = 10000;
};

class Server {
 public:
  // `router` must outlive the server. Sessions run on `ioc`.
  Server(asio::io_context& ioc, ServerOptions options, const Router& router);
  ~Server();

  // Binds and listens; returns the bound port. kUnavailable when the address is taken.
  [[nodiscard]] Result<uint16_t> Listen();
  // Starts accepting (after Listen).
  void Start();
  // Stops accepting, lets requests in flight finish (their responses say Connection: close) and
  // closes idle connections. `on_drained` runs once no session is left.
  void Stop(std::function<void()> on_drained);

  size_t ActiveConnections() const { return active_.load(); }

 private:
  struct Session;
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> RunSession(std::shared_ptr<Session> session);
  // At the cap: asks the session that has waited longest on its client to close. False when
  // every session is busy.
  bool EvictOne();
  void SessionEnded();
  void FireDrained();  // runs on_drained_ once

  asio::io_context& ioc_;
  ServerOptions options_;
  const Router& router_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> active_{0};
  std::mutex mutex_;
  std::unordered_set<std::shared_ptr<Session>> sessions_;
  std::function<void()> on_drained_;
  std::string id_prefix_;
  std::atomic<uint64_t> next_id_{0};
};

}  // namespace uwh::http
