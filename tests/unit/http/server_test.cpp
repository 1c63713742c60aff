// The server over a real loopback socket: keep-alive, request ids, the body limit, 100-continue,
// graceful stop, and slow-client protection (timeouts, the connection cap).
#include "http/server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

#include "common/metrics.hpp"

#include <gtest/gtest.h>

namespace uwh::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("POST", "/echo", [](Request& r) -> asio::awaitable<Response> {
      co_return Response::Json(200, "{\"len\":" + std::to_string(r.body.size()) + "}");
    });
    router_.Add("GET", "/hold", [this](Request&) -> asio::awaitable<Response> {
      asio::steady_timer timer(co_await asio::this_coro::executor, hold_);
      co_await timer.async_wait(asio::use_awaitable);
      co_return Response::Json(200, "{}");
    });
    ServerOptions options = Options();
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(ioc_, options, router_);
    auto port = server_->Listen();
    ASSERT_TRUE(port);
    port_ = *port;
    server_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    if (!stopped_) server_->Stop([this] { ioc_.stop(); });
    thread_.join();
  }

  virtual ServerOptions Options() const {
    ServerOptions options;
    options.max_body_bytes = 1024;
    return options;
  }

  asio::ip::tcp::endpoint Endpoint() const {
    return asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_);
  }

  bool stopped_ = false;
  std::chrono::milliseconds hold_{500};

  asio::io_context ioc_;
  Router router_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

bhttp::response<bhttp::string_body> Send(beast::tcp_stream& stream,
                                         bhttp::request<bhttp::string_body> req) {
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  return res;
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  for (int i = 0; i < 3; ++i) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/echo", 11};
    req.body() = std::string(10 + i, 'x');
    req.set("X-Request-Id", "given-" + std::to_string(i));
    auto res = Send(stream, req);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "{\"len\":" + std::to_string(10 + i) + "}");
    EXPECT_EQ(res["X-Request-Id"], "given-" + std::to_string(i));
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(ServerTest, GeneratesRequestIdsAndAnswersUnknownPathsWithJson) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/missing", 11};
  req.set("X-Request-Id", "bad id with spaces");
  auto res = Send(stream, req);
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_FALSE(res["X-Request-Id"].empty());
  EXPECT_NE(res["X-Request-Id"], "bad id with spaces");
  EXPECT_NE(res.body().find(std::string(res["X-Request-Id"])), std::string::npos);
}

TEST_F(ServerTest, BodyOverTheLimitIs413) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/echo", 11};
  req.body() = std::string(1025, 'x');
  auto res = Send(stream, req);
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find("payload_too_large"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  asio::write(stream.socket(), asio::buffer(head));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::empty_body> cont;
  bhttp::read(stream, buffer, cont);
  EXPECT_EQ(cont.result_int(), 100);
  asio::write(stream.socket(), asio::buffer(std::string("hello")));
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  EXPECT_EQ(res.body(), "{\"len\":5}");
}

// Short limits, so that the slow-client tests take a fraction of a second each.
class SlowClientTest : public ServerTest {
 protected:
  ServerOptions Options() const override {
    ServerOptions options;
    options.max_body_bytes = 64 * 1024;
    options.header_timeout = std::chrono::milliseconds(300);
    options.body_timeout = std::chrono::milliseconds(300);
    options.min_body_rate = 100'000;  // 10,000 bytes: 100 ms more
    options.keep_alive_timeout = std::chrono::milliseconds(300);
    return options;
  }
};

// A cap of four connections, with timeouts long enough never to fire in these tests.
class ConnectionCapTest : public ServerTest {
 protected:
  ServerOptions Options() const override {
    ServerOptions options;
    options.max_connections = 4;
    return options;
  }
};

uint64_t Closed(std::string_view reason) { return metrics::ConnectionsClosed(reason).Value(); }

// A stream that times out closes its socket before the session sees the error and counts it, so
// the client may notice the close first: wait (a little) for the count.
uint64_t ClosedSoon(std::string_view reason, uint64_t expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (Closed(reason) < expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Closed(reason);
}

// Waits until the peer closes `socket` (recv gives 0 or an error), discarding anything it sends.
// False when it is still open after `limit`.
bool ClosedWithin(asio::ip::tcp::socket& socket, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{socket.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const auto n = ::recv(socket.native_handle(), buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
}

// Sends `text` one piece every `gap` until the server closes the connection or `limit` passes;
// returns whether it closed it.
bool TrickleUntilClosed(asio::ip::tcp::socket& socket, const std::string& text,
                        std::chrono::milliseconds gap, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (size_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(text.data() + i % text.size(), 1), ec);
    if (ec) return true;
    if (ClosedWithin(socket, gap)) return true;
  }
  return false;
}

void WaitForConnections(const Server& server, size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.ActiveConnections() != n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(server.ActiveConnections(), n);
}

TEST_F(SlowClientTest, AHeaderTrickledByteByByteIsCutOffAtTheHeaderTimeout) {
  const uint64_t before = Closed("header_timeout");
  asio::io_context client;
  asio::ip::tcp::socket socket(client);
  socket.connect(Endpoint());
  asio::write(socket, asio::buffer(std::string("POST /echo HTTP/1.1\r\nHost: x\r\n")));
  // A byte every 50 ms would keep a per-read timeout from ever firing.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(TrickleUntilClosed(socket, "X-Slow: yes\r\n", std::chrono::milliseconds(50),
                                 std::chrono::seconds(10)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  EXPECT_EQ(ClosedSoon("header_timeout", before + 1), before + 1);
}

TEST_F(SlowClientTest, ABodyBelowTheMinimumRateIsCutOff) {
  const uint64_t before = Closed("body_timeout");
  asio::io_context client;
  asio::ip::tcp::socket socket(client);
  socket.connect(Endpoint());
  // 10,000 bytes announced: 300 ms + 100 ms allowed; 1 byte per 20 ms would take 200 s.
  asio::write(socket, asio::buffer(std::string(
                          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n")));
  EXPECT_TRUE(TrickleUntilClosed(socket, "x", std::chrono::milliseconds(20),
                                 std::chrono::seconds(10)));
  EXPECT_EQ(ClosedSoon("body_timeout", before + 1), before + 1);
}

TEST_F(SlowClientTest, ABodyAtAFairRateIsReadWhateverItsLength) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(Endpoint());
  // 10,000 bytes in 10 pieces over ~250 ms: within 300 ms + 100 ms.
  asio::write(stream.socket(), asio::buffer(std::string(
                                   "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n")));
  for (int i = 0; i < 10; ++i) {
    asio::write(stream.socket(), asio::buffer(std::string(1000, 'x')));
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "{\"len\":10000}");
}

TEST_F(SlowClientTest, AnIdleKeptAliveConnectionIsClosedAndABusyOneIsNot) {
  const uint64_t before = Closed("idle_timeout");
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(Endpoint());
  for (int i = 0; i < 3; ++i) {
    // Gaps shorter than the idle timeout keep the connection.
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/echo", 11};
    req.body() = "abc";
    EXPECT_EQ(Send(stream, req).result_int(), 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(ClosedWithin(stream.socket(), std::chrono::seconds(10)));
  EXPECT_EQ(ClosedSoon("idle_timeout", before + 1), before + 1);
}

TEST_F(ConnectionCapTest, ANewClientEvictsTheLongestWaitingSlowOne) {
  const uint64_t before = Closed("evicted");
  asio::io_context client;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(std::make_unique<asio::ip::tcp::socket>(client));
    slow.back()->connect(Endpoint());
    asio::write(*slow.back(), asio::buffer(std::string("POST /echo HTTP/1.1\r\n")));
    WaitForConnections(*server_, i + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  beast::tcp_stream stream(client);
  stream.connect(Endpoint());
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/echo", 11};
  req.body() = "hello";
  auto res = Send(stream, req);
  EXPECT_EQ(res.result_int(), 200);
  // The first slow client is the one that has waited longest.
  EXPECT_TRUE(ClosedWithin(*slow[0], std::chrono::milliseconds(250)));
  EXPECT_EQ(ClosedSoon("evicted", before + 1), before + 1);
}

TEST_F(ConnectionCapTest, WithEveryConnectionBusyANewOneIsRefused) {
  const uint64_t before = Closed("refused");
  hold_ = std::chrono::milliseconds(1500);
  asio::io_context client;
  std::vector<std::unique_ptr<beast::tcp_stream>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(std::make_unique<beast::tcp_stream>(client));
    busy.back()->connect(Endpoint());
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/hold", 11};
    bhttp::write(*busy.back(), req);
  }
  WaitForConnections(*server_, 4);
  // Give the four requests time to reach their handler.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  asio::ip::tcp::socket extra(client);
  extra.connect(Endpoint());
  EXPECT_TRUE(ClosedWithin(extra, std::chrono::seconds(1)));
  EXPECT_EQ(ClosedSoon("refused", before + 1), before + 1);
  for (auto& s : busy) {
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(*s, buffer, res);
    EXPECT_EQ(res.result_int(), 200);
  }
}

TEST_F(ServerTest, StopFinishesARequestWhoseBodyIsStillArriving) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(Endpoint());
  asio::ip::tcp::socket idle(client);
  idle.connect(Endpoint());
  asio::write(stream.socket(),
              asio::buffer(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc")));
  WaitForConnections(*server_, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::atomic<bool> drained{false};
  stopped_ = true;
  server_->Stop([this, &drained] {
    drained = true;
    ioc_.stop();
  });
  // The connection that sent nothing is closed at once; the one mid-body is served.
  EXPECT_TRUE(ClosedWithin(idle, std::chrono::seconds(5)));
  EXPECT_FALSE(drained);
  asio::write(stream.socket(), asio::buffer(std::string("def")));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "{\"len\":6}");
  EXPECT_FALSE(res.keep_alive());
  thread_.join();
  thread_ = std::thread([] {});
  EXPECT_TRUE(drained);
}

}  // namespace
}  // namespace uwh::http
