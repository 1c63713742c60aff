#include "http/server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <exception>
#include <vector>

#include "common/crypto.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"

namespace uwh::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bhttp::response<bhttp::string_body> ToBeast(Response&& r, const std::string& request_id,
                                            unsigned version, bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::content_type, r.content_type);
  res.set("X-Request-Id", request_id);
  for (auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(r.body.size());
  } else {
    res.body() = std::move(r.body);
    res.prepare_payload();
  }
  return res;
}

}  // namespace

// Where a session is, for eviction and for a graceful stop: waiting on its client (kIdle,
// kHeader, kBody) or serving a request (kBusy).
enum class Phase : uint8_t { kIdle, kHeader, kBody, kBusy };

struct Server::Session {
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {}

  void Enter(Phase p) {
    if (p != Phase::kBusy) {
      waiting_since.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                          std::memory_order_relaxed);
    }
    phase.store(p, std::memory_order_release);
  }

  beast::tcp_stream stream;
  // Written on the session's strand; read by the acceptor when it picks a session to evict.
  std::atomic<Phase> phase{Phase::kHeader};
  std::atomic<int64_t> waiting_since{std::chrono::steady_clock::now().time_since_epoch().count()};
  std::atomic<bool> evict_requested{false};
  bool evicted = false;  // strand only
};

Server::Server(asio::io_context& ioc, ServerOptions options, const Router& router)
    : ioc_(ioc),
      options_(std::move(options)),
      router_(router),
      acceptor_(ioc),
      id_prefix_(RandomHex(4)) {}

Server::~Server() = default;

Result<uint16_t> Server::Listen() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                "UNIVERSAL_WEBHOOK_HOST is not an IP address: " + options_.host,
                "UNIVERSAL_WEBHOOK_HOST");
  }
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "listen_failed",
                "cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                    ec.message());
  }
  return acceptor_.local_endpoint().port();
}

void Server::Start() { asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached); }

asio::awaitable<void> Server::AcceptLoop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      // Out of descriptors and the like: back off a little instead of spinning.
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(20));
      co_await pause.async_wait(kTuple);
      continue;
    }
    if (active_.load() >= options_.max_connections && !EvictOne()) {
      metrics::ConnectionsClosed("refused").Inc();
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(std::move(socket));
    {
      std::lock_guard lock(mutex_);
      sessions_.insert(session);
    }
    ++active_;
    metrics::ConnectionsActive().Add(1);
    auto executor = session->stream.get_executor();
    asio::co_spawn(executor, RunSession(session), [this, session](std::exception_ptr) {
      {
        std::lock_guard lock(mutex_);
        sessions_.erase(session);
      }
      SessionEnded();
    });
  }
}

asio::awaitable<void> Server::RunSession(std::shared_ptr<Session> s) {
  beast::flat_buffer buffer;
  bool first = true;
  const char* closed_because = nullptr;  // why the server closed the connection, if it did
  while (!stopping_ && !s->evicted) {
    if (!first && buffer.size() == 0) {
      // Between requests the client may stay silent up to keep_alive_timeout; the header clock
      // starts with the next request's first byte.
      s->Enter(Phase::kIdle);
      s->stream.expires_after(options_.keep_alive_timeout);
      auto [iec, in] = co_await s->stream.async_read_some(buffer.prepare(2048), kTuple);
      if (iec) {
        if (iec == beast::error::timeout) closed_because = "idle_timeout";
        break;
      }
      buffer.commit(in);
    }
    s->Enter(Phase::kHeader);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
    s->stream.expires_after(options_.header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(s->stream, buffer, parser, kTuple);
    std::string request_id;
    auto reject = [&](const Error& error) {
      if (request_id.empty()) request_id = id_prefix_ + "-" + std::to_string(++next_id_);
      return ToBeast(Response::FromError(error, request_id), request_id, 11, false, false);
    };
    beast::error_code ec = hec;
    if (ec == beast::error::timeout) closed_because = "header_timeout";
    if (!ec) {
      const auto& header = parser.get();
      if (auto it = header.find("x-request-id");
          it != header.end() && IsAcceptableRequestId(it->value())) {
        request_id = std::string(it->value());
      }
    }
    if (!ec && !parser.is_done()) {
      // A request in flight from here on: a graceful stop lets it finish.
      s->Enter(Phase::kBody);
      const uint64_t length = std::min<uint64_t>(
          parser.content_length().value_or(static_cast<uint64_t>(options_.max_body_bytes)),
          static_cast<uint64_t>(options_.max_body_bytes));
      const auto rate = static_cast<uint64_t>(std::max<int64_t>(1, options_.min_body_rate));
      s->stream.expires_after(options_.body_timeout +
                              std::chrono::milliseconds(length * 1000 / rate));
      if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        co_await bhttp::async_write(s->stream, cont, kTuple);
      }
      auto [bec, bn] = co_await bhttp::async_read(s->stream, buffer, parser, kTuple);
      ec = bec;
      if (ec == beast::error::timeout) closed_because = "body_timeout";
    }
    if (ec == bhttp::error::body_limit) {
      auto res = reject(Error::Make(ErrorCode::kPayloadTooLarge, "payload_too_large",
                                    "the body is larger than " +
                                        std::to_string(options_.max_body_bytes) + " bytes"));
      s->stream.expires_after(options_.write_timeout);
      co_await bhttp::async_write(s->stream, res, kTuple);
      break;
    }
    if (ec == bhttp::error::header_limit) {
      auto res = reject(Error::Make(ErrorCode::kInvalidArgument, "headers_too_large",
                                    "the request headers are too large"));
      res.result(bhttp::status::request_header_fields_too_large);
      s->stream.expires_after(options_.write_timeout);
      co_await bhttp::async_write(s->stream, res, kTuple);
      break;
    }
    if (ec) {
      // A malformed request gets an answer; a closed, timed-out or cancelled one does not.
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        auto res = reject(Error::Make(ErrorCode::kInvalidArgument, "bad_request",
                                      "malformed HTTP request"));
        s->stream.expires_after(options_.write_timeout);
        co_await bhttp::async_write(s->stream, res, kTuple);
      }
      break;
    }

    s->Enter(Phase::kBusy);
    auto message = parser.release();
    Request request;
    request.method = std::string(message.method_string());
    if (request_id.empty()) request_id = id_prefix_ + "-" + std::to_string(++next_id_);
    request.request_id = request_id;
    Response response;
    if (!ParseTarget(message.target(), &request.path, &request.query)) {
      response = Response::FromError(
          Error::Make(ErrorCode::kInvalidArgument, "bad_request", "malformed request target"),
          request_id);
    } else {
      request.headers.reserve(16);
      for (const auto& field : message) {
        request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
      }
      request.body = std::move(message.body());
      try {
        response = co_await router_.Route(request);
      } catch (const std::exception& e) {
        log::Error("request failed", {{"request_id", request_id}, {"error", e.what()}});
        response = Response::FromError(
            Error::Make(ErrorCode::kInternal, "internal_error", "internal error"), request_id);
      }
    }
    if (log::Enabled(log::Level::kDebug)) {
      // The path only: the query may carry ?auth_token=.
      log::Debug("request", {{"request_id", request_id},
                             {"method", request.method},
                             {"path", request.path},
                             {"status", std::to_string(response.status)}});
    }
    const bool keep_alive = message.keep_alive() && !stopping_;
    auto res = ToBeast(std::move(response), request_id, message.version(), keep_alive,
                       request.method == "HEAD");
    s->stream.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await bhttp::async_write(s->stream, res, kTuple);
    if (wec == beast::error::timeout) closed_because = "write_timeout";
    if (wec || !keep_alive) break;
    first = false;
  }
  if (s->evicted) closed_because = "evicted";
  if (closed_because != nullptr) metrics::ConnectionsClosed(closed_because).Inc();
  beast::error_code ignored;
  s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  s->stream.close();
}

bool Server::EvictOne() {
  std::shared_ptr<Session> victim;
  int64_t oldest = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& s : sessions_) {
      if (s->phase.load(std::memory_order_acquire) == Phase::kBusy ||
          s->evict_requested.load(std::memory_order_relaxed)) {
        continue;
      }
      const int64_t since = s->waiting_since.load(std::memory_order_relaxed);
      if (!victim || since < oldest) {
        victim = s;
        oldest = since;
      }
    }
  }
  if (!victim) return false;
  victim->evict_requested = true;
  asio::post(victim->stream.get_executor(), [victim] {
    // It may have started serving a request meanwhile: then it stays, and may be picked later.
    if (victim->phase.load(std::memory_order_acquire) == Phase::kBusy) {
      victim->evict_requested = false;
      return;
    }
    victim->evicted = true;
    victim->stream.socket().cancel();
  });
  return true;
}

void Server::Stop(std::function<void()> on_drained) {
  asio::post(acceptor_.get_executor(), [this, on_drained = std::move(on_drained)]() mutable {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard lock(mutex_);
      on_drained_ = std::move(on_drained);
      sessions.assign(sessions_.begin(), sessions_.end());
    }
    stopping_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (auto& s : sessions) {
      asio::post(s->stream.get_executor(), [s] {
        // Requests in flight (body being read, or being served) finish; waiting ones close.
        const Phase phase = s->phase.load(std::memory_order_acquire);
        if (phase == Phase::kIdle || phase == Phase::kHeader) s->stream.socket().cancel();
      });
    }
    if (active_.load() == 0) FireDrained();
  });
}

void Server::SessionEnded() {
  metrics::ConnectionsActive().Add(-1);
  if (active_.fetch_sub(1) == 1 && stopping_) FireDrained();
}

void Server::FireDrained() {
  std::function<void()> done;
  {
    std::lock_guard lock(mutex_);
    done = std::move(on_drained_);
    on_drained_ = nullptr;
  }
  if (done) done();
}

}  // namespace uwh::http
