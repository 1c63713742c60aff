#include "flows/http_action.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace uwh::flows {
namespace {

// A one-thread HTTP/1.1 server on 127.0.0.1 that answers every request with `respond(request)`
// and counts the connections it accepted.
class LocalServer {
 public:
  using Responder = std::function<std::string(const std::string& request)>;

  explicit LocalServer(Responder respond) : respond_(std::move(respond)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 16) != 0) {
      std::abort();
    }
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~LocalServer() {
    stopping_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int accepted() const { return accepted_.load(); }
  std::string last_request() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_request_;
  }

 private:
  void Run() {
    while (!stopping_) {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      ++accepted_;
      std::string request;
      char buffer[4096];
      size_t expected = std::string::npos;
      while (true) {
        const ssize_t n = read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
        const size_t head_end = request.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        if (expected == std::string::npos) {
          size_t length = 0;
          const size_t at = request.find("Content-Length: ");
          if (at != std::string::npos && at < head_end)
            length = std::stoul(request.substr(at + 16));
          expected = head_end + 4 + length;
        }
        if (request.size() >= expected) break;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        last_request_ = request;
      }
      const std::string response = respond_(request);
      (void)!write(client, response.data(), response.size());
      close(client);
    }
  }

  Responder respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::string last_request_;
  std::thread thread_;
};

std::string Reply(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

HttpActionRequest Post(const std::string& url) {
  HttpActionRequest r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"X-Token", "secret-value"}};
  r.body = R"({"hello":"world"})";
  r.timeout = std::chrono::milliseconds(5000);
  return r;
}

TEST(HttpActionTest, LoopbackIsRefusedBeforeAnyConnectionByDefault) {
  LocalServer server([](const std::string&) { return Reply(200, "{}"); });
  HttpActionClient client(HttpActionOptions{});
  for (const std::string& url :
       {server.url("/hook"), "http://localhost:" + std::to_string(server.port()) + "/hook",
        "http://[::ffff:127.0.0.1]:" + std::to_string(server.port()) + "/hook",
        "http://2130706433:" + std::to_string(server.port()) + "/hook",
        "http://0x7f.1:" + std::to_string(server.port()) + "/hook",
        std::string("http://169.254.169.254/latest/meta-data/"), std::string("http://[::1]:9/x")}) {
    auto sent = client.Send(Post(url));
    ASSERT_FALSE(sent) << url << " was not refused";
    EXPECT_EQ(sent.error().kind, ErrorCode::kForbidden) << url;
    EXPECT_EQ(sent.error().code, "destination_refused") << url;
    EXPECT_NE(sent.error().message.find("UNIVERSAL_WEBHOOK_HTTP_ACTION_ALLOW_PRIVATE"),
              std::string::npos);
    EXPECT_EQ(sent.error().message.find("secret-value"), std::string::npos);
  }
  EXPECT_EQ(server.accepted(), 0);
  auto metadata = client.Send(Post("http://169.254.169.254/latest/meta-data/"));
  ASSERT_FALSE(metadata);
  EXPECT_NE(metadata.error().message.find("169.254.169.254 is a cloud metadata address"),
            std::string::npos)
      << metadata.error().message;
}

TEST(HttpActionTest, AllowPrivateSendsTheRequestAndReadsTheResponse) {
  LocalServer server([](const std::string&) { return Reply(201, R"({"id":"x1"})"); });
  HttpActionOptions options;
  options.allow_private = true;
  HttpActionClient client(options);
  auto sent = client.Send(Post(server.url("/hook?a=1")));
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(sent->status_code, 201);
  EXPECT_EQ(sent->body, R"({"id":"x1"})");
  EXPECT_EQ(sent->headers["content-type"], "application/json");
  EXPECT_TRUE(sent->ok());
  const std::string request = server.last_request();
  EXPECT_TRUE(request.starts_with("POST /hook?a=1 HTTP/1.1\r\n")) << request;
  EXPECT_NE(request.find("X-Token: secret-value\r\n"), std::string::npos);
  EXPECT_NE(request.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_TRUE(request.ends_with(R"({"hello":"world"})")) << request;
}

TEST(HttpActionTest, ARedirectToAForbiddenAddressIsRefused) {
  LocalServer server([](const std::string&) {
    return Reply(302, "", "Location: http://169.254.169.254/latest/meta-data/iam\r\n");
  });
  HttpActionOptions options;
  options.allowed_addresses_for_test = {"127.0.0.1"};  // the first hop may be local here
  HttpActionClient client(options);
  HttpActionRequest get = Post(server.url("/start"));
  get.method = "GET";
  get.body.reset();
  auto sent = client.Send(get);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, "destination_refused");
  EXPECT_NE(sent.error().message.find("after 1 redirect"), std::string::npos)
      << sent.error().message;
  EXPECT_EQ(server.accepted(), 1);

  // Without the redirect, the listed address is reached.
  LocalServer plain([](const std::string&) { return Reply(200, "ok"); });
  auto reached = client.Send(Post(plain.url("/")));
  ASSERT_TRUE(reached) << reached.error().message;
  EXPECT_EQ(reached->status_code, 200);
}

TEST(HttpActionTest, ErrorsAndBigBodiesAreResponsesNotFailures) {
  const std::string big(4096, 'x');
  LocalServer server([&](const std::string&) { return Reply(500, big); });
  HttpActionOptions options;
  options.allow_private = true;
  options.max_response_bytes = 100;
  HttpActionClient client(options);
  auto sent = client.Send(Post(server.url("/")));
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(sent->status_code, 500);
  EXPECT_FALSE(sent->ok());
  EXPECT_EQ(sent->body.size(), 100u);
  EXPECT_TRUE(sent->truncated);

  // Nothing listens: a network error, reported in the response.
  auto refused = client.Send(Post("http://127.0.0.1:1/"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status_code, 0);
  EXPECT_FALSE(refused->error.empty());
}

}  // namespace
}  // namespace uwh::flows
