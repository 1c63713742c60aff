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
  std::chrono::seconds request_timeout{30};    // to read one whole request
  std::chrono::seconds keep_alive_timeout{60}; // idle between requests
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
