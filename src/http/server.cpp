#include "http/server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <exception>
#include <vector>

#include "common/crypto.hpp"
#include "common/logging.hpp"

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

struct Server::Session {
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool busy = false;  // touched only on the session's strand
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
    if (active_.load() >= options_.max_connections) {
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
  while (!stopping_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
    s->stream.expires_after(first ? options_.request_timeout : options_.keep_alive_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(s->stream, buffer, parser, kTuple);
    std::string request_id;
    auto reject = [&](const Error& error) {
      if (request_id.empty()) request_id = id_prefix_ + "-" + std::to_string(++next_id_);
      return ToBeast(Response::FromError(error, request_id), request_id, 11, false, false);
    };
    if (!hec) {
      const auto& header = parser.get();
      if (auto it = header.find("x-request-id");
          it != header.end() && IsAcceptableRequestId(it->value())) {
        request_id = std::string(it->value());
      }
      if (beast::iequals(header[bhttp::field::expect], "100-continue") && !parser.is_done()) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        co_await bhttp::async_write(s->stream, cont, kTuple);
      }
    }
    beast::error_code ec = hec;
    if (!ec && !parser.is_done()) {
      s->stream.expires_after(options_.request_timeout);
      auto [bec, bn] = co_await bhttp::async_read(s->stream, buffer, parser, kTuple);
      ec = bec;
    }
    if (ec == bhttp::error::body_limit) {
      auto res = reject(Error::Make(ErrorCode::kPayloadTooLarge, "payload_too_large",
                                    "the body is larger than " +
                                        std::to_string(options_.max_body_bytes) + " bytes"));
      co_await bhttp::async_write(s->stream, res, kTuple);
      break;
    }
    if (ec == bhttp::error::header_limit) {
      auto res = reject(Error::Make(ErrorCode::kInvalidArgument, "headers_too_large",
                                    "the request headers are too large"));
      res.result(bhttp::status::request_header_fields_too_large);
      co_await bhttp::async_write(s->stream, res, kTuple);
      break;
    }
    if (ec) {
      // A malformed request gets an answer; a closed, timed-out or cancelled one does not.
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        auto res = reject(Error::Make(ErrorCode::kInvalidArgument, "bad_request",
                                      "malformed HTTP request"));
        co_await bhttp::async_write(s->stream, res, kTuple);
      }
      break;
    }

    s->busy = true;
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
    s->stream.expires_after(options_.request_timeout);
    auto [wec, wn] = co_await bhttp::async_write(s->stream, res, kTuple);
    s->busy = false;
    if (wec || !keep_alive) break;
    first = false;
  }
  beast::error_code ignored;
  s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  s->stream.close();
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
        if (!s->busy) s->stream.socket().cancel();
      });
    }
    if (active_.load() == 0) FireDrained();
  });
}

void Server::SessionEnded() {
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
