// The server over a real loopback socket: keep-alive, request ids, the body limit, 100-continue,
// graceful stop.
#include "http/server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

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
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = 1024;
    server_ = std::make_unique<Server>(ioc_, options, router_);
    auto port = server_->Listen();
    ASSERT_TRUE(port);
    port_ = *port;
    server_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    server_->Stop([this] { ioc_.stop(); });
    thread_.join();
  }

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

}  // namespace
}  // namespace uwh::http
