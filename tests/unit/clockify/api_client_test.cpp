// The Clockify API client against a real HTTP server on loopback (our own uwh::http::Server):
// headers, URL building, routing per server, retries per SPEC §5.1, connection reuse, and the
// token kept out of every answer. Waits use a manual clock, except the one Retry-After test that
// measures real time.
#include "clockify/api_client.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "common/metrics.hpp"
#include "http/server.hpp"

namespace uwh::clockify {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Wed, 21 Oct 2015 07:28:00 GMT
const auto kStart = std::chrono::system_clock::from_time_t(1'445'412'480);
const std::string kToken = "addon-token-0123456789abcdef";

struct Recorded {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  size_t active_connections = 0;

  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "<absent>";
  }
};

http::Response Status(int status, std::string body = "{}",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Response r = http::Response::Json(status, std::move(body));
  r.headers = std::move(headers);
  return r;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct DroppedConnection {};

class ApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      router_.Add(method, "/{rest*}", [this](http::Request& r) -> asio::awaitable<http::Response> {
        co_return Handle(r);
      });
    }
    // Answers after 400 ms, to run into the client's total timeout.
    for (const char* method : {"GET", "POST"}) {
      router_.Add(method, "/slow/{rest*}",
                  [this](http::Request& r) -> asio::awaitable<http::Response> {
                    Record(r);
                    asio::steady_timer timer(co_await asio::this_coro::executor, 400ms);
                    co_await timer.async_wait(asio::use_awaitable);
                    co_return Status(200);
                  });
    }
    // Closes the connection without an answer (the server ends a session on a throw that is not
    // a std::exception).
    for (const char* method : {"GET", "POST", "PATCH"}) {
      router_.Add(method, "/drop/{rest*}",
                  [this](http::Request& r) -> asio::awaitable<http::Response> {
                    Record(r);
                    throw DroppedConnection{};
                    co_return Status(200);
                  });
    }
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<http::Server>(ioc_, options, router_);
    auto port = server_->Listen();
    ASSERT_TRUE(port);
    base_ = "http://127.0.0.1:" + std::to_string(*port);
    server_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    server_->Stop([this] { ioc_.stop(); });
    thread_.join();
  }

  void Record(const http::Request& r) {
    std::lock_guard lock(mutex_);
    recorded_.push_back(
        Recorded{r.method, r.path, r.query, r.headers, r.body, server_->ActiveConnections()});
  }

  http::Response Handle(const http::Request& r) {
    Record(r);
    std::lock_guard lock(mutex_);
    auto& queue = script_[r.path];
    if (queue.empty()) return Status(200, R"({"ok":true})");
    http::Response next = std::move(queue.front());
    queue.pop_front();
    return next;
  }

  // The answers `path` gives, in order; then 200.
  void Script(const std::string& path, std::vector<http::Response> answers) {
    std::lock_guard lock(mutex_);
    for (auto& a : answers) script_[path].push_back(std::move(a));
  }

  std::vector<Recorded> Requests() {
    std::lock_guard lock(mutex_);
    return recorded_;
  }

  ApiTarget Target() const {
    ApiTarget t;
    t.workspace_id = "w1";
    t.backend_url = base_ + "/backend";
    t.reports_url = base_ + "/reports";
    t.addon_token = kToken;
    t.max_rps = 50;
    return t;
  }

  static ApiRequest Get(std::string path) {
    ApiRequest r;
    r.method = "GET";
    r.path = std::move(path);
    r.operation_id = "testOperation";
    return r;
  }

  static ApiClientOptions FastOptions() {
    ApiClientOptions o;
    o.connect_timeout = 2000ms;
    o.total_timeout = 5000ms;
    o.backoff_base = 10ms;
    o.max_retry_after = 60000ms;
    return o;
  }

  // The client's own waits (backoff, Retry-After) are recorded apart from the limiter's.
  ApiClient MakeClient(ApiClientOptions options = FastOptions()) {
    return ApiClient(options, limiter_, clock_, [this](nanoseconds d) {
      client_sleeps_.push_back(d);
      clock_.Advance(std::chrono::duration_cast<std::chrono::system_clock::duration>(d));
    });
  }

  asio::io_context ioc_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::string base_;
  std::mutex mutex_;
  std::vector<Recorded> recorded_;
  std::map<std::string, std::deque<http::Response>> script_;

  // Touched only by the test thread (the client and the limiter run there).
  ManualClock clock_{kStart};
  std::vector<nanoseconds> limiter_sleeps_;
  std::vector<nanoseconds> client_sleeps_;
  WorkspaceRateLimiter limiter_{clock_, [this](nanoseconds d) {
                                  limiter_sleeps_.push_back(d);
                                  clock_.Advance(
                                      std::chrono::duration_cast<std::chrono::system_clock::duration>(d));
                                }};
};

TEST_F(ApiClientTest, SendsTheTokenAndEncodesTheQuery) {
  Script("/backend/v1/workspaces/w1/projects",
         {Status(200, R"([{"id":"p1"}])", {{"Set-Cookie", "session=abc"}, {"X-Custom", "yes"}})});
  ApiClient client = MakeClient();
  ApiRequest request = Get("/v1/workspaces/w1/projects");
  request.query = {{"name", "a b&c=d/é+%"}, {"page-size", "50"}};
  auto response = client.Call(Target(), request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status_code, 200);
  EXPECT_TRUE(response->ok());
  EXPECT_EQ(response->attempts, 1);
  EXPECT_EQ(response->body, R"([{"id":"p1"}])");
  EXPECT_EQ(response->method, "GET");
  EXPECT_EQ(response->url, base_ +
                               "/backend/v1/workspaces/w1/projects?name=a%20b%26c%3Dd%2F%C3%A9%2B%25"
                               "&page-size=50");
  EXPECT_EQ(response->headers.at("x-custom"), "yes");
  EXPECT_EQ(response->headers.count("set-cookie"), 0u);
  EXPECT_EQ(response->headers.count("X-Custom"), 0u) << "names are lower-case";

  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/backend/v1/workspaces/w1/projects");
  EXPECT_EQ(requests[0].query.at("name"), "a b&c=d/é+%");
  EXPECT_EQ(requests[0].query.at("page-size"), "50");
  EXPECT_EQ(requests[0].Header("x-addon-token"), kToken);
  EXPECT_EQ(requests[0].Header("accept"), "application/json");
  EXPECT_EQ(requests[0].Header("content-type"), "<absent>");
  EXPECT_TRUE(requests[0].body.empty());
}

TEST_F(ApiClientTest, SendsTheBodyAsJson) {
  ApiClient client = MakeClient();
  ApiRequest post = Get("/v1/workspaces/w1/projects");
  post.method = "post";  // any case
  post.body = R"({"name":"Internal","billable":true})";
  ASSERT_TRUE(client.Call(Target(), post));
  ApiRequest put = Get("/v1/workspaces/w1/projects/p1");
  put.method = "PUT";
  put.body = R"({"archived":true})";
  ASSERT_TRUE(client.Call(Target(), put));
  ApiRequest patch = Get("/v1/workspaces/w1/projects/p1");
  patch.method = "PATCH";
  ASSERT_TRUE(client.Call(Target(), patch));
  ApiRequest del = Get("/v1/workspaces/w1/projects/p1");
  del.method = "DELETE";
  ASSERT_TRUE(client.Call(Target(), del));

  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].body, R"({"name":"Internal","billable":true})");
  EXPECT_EQ(requests[0].Header("content-type"), "application/json");
  EXPECT_EQ(requests[1].method, "PUT");
  EXPECT_EQ(requests[1].body, R"({"archived":true})");
  EXPECT_EQ(requests[1].Header("content-type"), "application/json");
  EXPECT_EQ(requests[2].method, "PATCH");
  EXPECT_TRUE(requests[2].body.empty());
  EXPECT_EQ(requests[2].Header("content-type"), "<absent>") << "no body, no content type";
  EXPECT_EQ(requests[3].method, "DELETE");
  EXPECT_TRUE(requests[3].body.empty());
  for (const auto& r : requests) EXPECT_EQ(r.Header("x-addon-token"), kToken);
}

TEST_F(ApiClientTest, PicksTheBaseUrlByServer) {
  ApiClient client = MakeClient();
  ApiRequest report = Get("/v1/workspaces/w1/reports/summary");
  report.method = "POST";
  report.server = ServerKind::kReports;
  report.body = "{}";
  auto to_reports = client.Call(Target(), report);
  ASSERT_TRUE(to_reports);
  EXPECT_EQ(to_reports->url, base_ + "/reports/v1/workspaces/w1/reports/summary");

  ApiTarget no_reports = Target();
  no_reports.reports_url.clear();
  no_reports.backend_url += "/";  // a trailing slash does not double up
  auto fallback = client.Call(no_reports, report);
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->url, base_ + "/backend/v1/workspaces/w1/reports/summary");

  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/reports/v1/workspaces/w1/reports/summary");
  EXPECT_EQ(requests[1].path, "/backend/v1/workspaces/w1/reports/summary");
}

TEST_F(ApiClientTest, RefusesWhatCannotBeCalled) {
  ApiClient client = MakeClient();
  ApiRequest deprecated = Get("/v1/workspaces/w1/time-off/policies");
  deprecated.server = ServerKind::kDeprecated;
  auto refused = client.Call(Target(), deprecated);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().code, "deprecated_operation");

  ApiTarget no_base = Target();
  no_base.backend_url.clear();
  auto unavailable = client.Call(no_base, Get("/v1/user"));
  ASSERT_FALSE(unavailable);
  EXPECT_EQ(unavailable.error().kind, ErrorCode::kUnavailable);

  ApiRequest odd = Get("/v1/user");
  odd.method = "TRACE";
  auto bad_method = client.Call(Target(), odd);
  ASSERT_FALSE(bad_method);
  EXPECT_EQ(bad_method.error().kind, ErrorCode::kInvalidArgument);

  ApiTarget injected = Target();
  injected.addon_token = "abc\r\nX-Evil: 1";
  auto bad_token = client.Call(injected, Get("/v1/user"));
  ASSERT_FALSE(bad_token);
  EXPECT_FALSE(Contains(bad_token.error().message, "X-Evil"));

  EXPECT_TRUE(Requests().empty());
}

TEST_F(ApiClientTest, WaitsForRetryAfterSecondsInRealTime) {
  Script("/backend/v1/user", {Status(429, R"({"message":"Too many requests"})",
                                     {{"Retry-After", "1"}})});
  WorkspaceRateLimiter real_limiter(SystemClock::Instance());
  ApiClient client(FastOptions(), real_limiter, SystemClock::Instance());
  const auto started = std::chrono::steady_clock::now();
  auto response = client.Call(Target(), Get("/v1/user"));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status_code, 200);
  EXPECT_EQ(response->attempts, 2);
  EXPECT_GE(waited, 1s);
  EXPECT_LT(waited, 3s);
  EXPECT_GE(response->latency, 1000ms);
  EXPECT_EQ(Requests().size(), 2u);
}

TEST_F(ApiClientTest, WaitsForRetryAfterAsAnHttpDate) {
  Script("/backend/v1/user", {Status(429, "{}", {{"Retry-After", "Wed, 21 Oct 2015 07:28:03 GMT"}})});
  ApiClient client = MakeClient();
  auto response = client.Call(Target(), Get("/v1/user"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status_code, 200);
  EXPECT_EQ(response->attempts, 2);
  ASSERT_EQ(client_sleeps_.size(), 1u);
  EXPECT_EQ(client_sleeps_[0], 3s);
  EXPECT_EQ(response->latency, 3000ms) << "latency counts the wait (on the injected clock)";
  EXPECT_EQ(Requests().size(), 2u);
}

TEST_F(ApiClientTest, RetryAfterIsCappedAndHoldsBackTheWholeWorkspace) {
  Script("/backend/v1/user", {Status(429, "{}", {{"Retry-After", "120"}})});
  ApiClientOptions options = FastOptions();
  options.max_retries = 0;
  options.max_retry_after = 2000ms;
  ApiClient client = MakeClient(options);
  auto limited = client.Call(Target(), Get("/v1/user"));
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status_code, 429);
  EXPECT_EQ(limited->attempts, 1);
  EXPECT_TRUE(client_sleeps_.empty()) << "no retry left, so this call does not wait";

  ApiTarget other = Target();
  other.workspace_id = "w2";
  ASSERT_TRUE(client.Call(other, Get("/v1/user")));
  EXPECT_EQ(clock_.Now(), kStart) << "another workspace is not held back";

  ASSERT_TRUE(client.Call(Target(), Get("/v1/user")));
  EXPECT_EQ(clock_.Now(), kStart + 2s) << "the next caller of w1 waits the capped Retry-After";
}

TEST_F(ApiClientTest, GetAnswered500IsRetriedThreeTimesThenReported) {
  Script("/backend/v1/user", {Status(500, R"({"n":1})"), Status(500, R"({"n":2})"),
                              Status(500, R"({"n":3})"), Status(500, R"({"n":4})")});
  ApiClient client = MakeClient();
  auto response = client.Call(Target(), Get("/v1/user"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status_code, 500);
  EXPECT_EQ(response->body, R"({"n":4})");
  EXPECT_EQ(response->attempts, 4);
  EXPECT_TRUE(response->error.empty());
  EXPECT_EQ(Requests().size(), 4u);
  // Full jitter: the i-th backoff lies in [0, base * 2^i].
  ASSERT_EQ(client_sleeps_.size(), 3u);
  EXPECT_LE(client_sleeps_[0], 10ms);
  EXPECT_LE(client_sleeps_[1], 20ms);
  EXPECT_LE(client_sleeps_[2], 40ms);
}

TEST_F(ApiClientTest, PutAndDeleteAreRetriedOn5xx) {
  Script("/backend/v1/put", {Status(503)});
  Script("/backend/v1/delete", {Status(502)});
  ApiClient client = MakeClient();
  ApiRequest put = Get("/v1/put");
  put.method = "PUT";
  put.body = "{}";
  auto put_response = client.Call(Target(), put);
  ASSERT_TRUE(put_response);
  EXPECT_EQ(put_response->status_code, 200);
  EXPECT_EQ(put_response->attempts, 2);
  ApiRequest del = Get("/v1/delete");
  del.method = "DELETE";
  auto del_response = client.Call(Target(), del);
  ASSERT_TRUE(del_response);
  EXPECT_EQ(del_response->status_code, 200);
  EXPECT_EQ(del_response->attempts, 2);
  EXPECT_EQ(Requests().size(), 4u);
}

TEST_F(ApiClientTest, PostAndPatchAnswered5xxAreNotRetried) {
  Script("/backend/v1/item", {Status(500), Status(502)});
  ApiClient client = MakeClient();
  ApiRequest post = Get("/v1/item");
  post.method = "POST";
  post.body = "{}";
  auto post_response = client.Call(Target(), post);
  ASSERT_TRUE(post_response);
  EXPECT_EQ(post_response->status_code, 500);
  EXPECT_EQ(post_response->attempts, 1);
  EXPECT_EQ(Requests().size(), 1u);
  ApiRequest patch = post;
  patch.method = "PATCH";
  auto patch_response = client.Call(Target(), patch);
  ASSERT_TRUE(patch_response);
  EXPECT_EQ(patch_response->status_code, 502);
  EXPECT_EQ(patch_response->attempts, 1);
  EXPECT_EQ(Requests().size(), 2u);
  EXPECT_TRUE(client_sleeps_.empty());
}

TEST_F(ApiClientTest, PostAnswered429IsRetried) {
  Script("/backend/v1/item", {Status(429)});
  ApiClient client = MakeClient();
  ApiRequest post = Get("/v1/item");
  post.method = "POST";
  post.body = R"({"a":1})";
  auto response = client.Call(Target(), post);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status_code, 200);
  EXPECT_EQ(response->attempts, 2);
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].body, R"({"a":1})");
  // No Retry-After: an exponential backoff of at least half a step.
  ASSERT_EQ(client_sleeps_.size(), 1u);
  EXPECT_GE(client_sleeps_[0], 5ms);
  EXPECT_LE(client_sleeps_[0], 10ms);
}

TEST_F(ApiClientTest, OtherClientErrorsAreNotRetried) {
  Script("/backend/v1/missing", {Status(404, R"({"message":"not found"})")});
  Script("/backend/v1/bad", {Status(400), Status(401), Status(403)});
  ApiClient client = MakeClient();
  auto not_found = client.Call(Target(), Get("/v1/missing"));
  ASSERT_TRUE(not_found);
  EXPECT_EQ(not_found->status_code, 404);
  EXPECT_FALSE(not_found->ok());
  EXPECT_EQ(not_found->attempts, 1);
  EXPECT_EQ(not_found->body, R"({"message":"not found"})");
  for (const int expected : {400, 401, 403}) {
    auto response = client.Call(Target(), Get("/v1/bad"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status_code, expected);
    EXPECT_EQ(response->attempts, 1);
  }
  EXPECT_EQ(Requests().size(), 4u);
  EXPECT_TRUE(client_sleeps_.empty());
}

TEST_F(ApiClientTest, RefusedConnectionIsRetriedAndReported) {
  // A port that was just free: bind, read it, close.
  uint16_t closed_port = 0;
  {
    asio::io_context ioc;
    asio::ip::tcp::acceptor acceptor(
        ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = acceptor.local_endpoint().port();
  }
  ApiTarget target = Target();
  target.backend_url = "http://127.0.0.1:" + std::to_string(closed_port);
  ApiClient client = MakeClient();
  auto get = client.Call(target, Get("/v1/user"));
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status_code, 0);
  EXPECT_EQ(get->attempts, 4);
  EXPECT_FALSE(get->error.empty());
  EXPECT_FALSE(get->ok());
  EXPECT_FALSE(Contains(get->error, kToken));

  // It surely never reached the server, so a POST is retried too.
  ApiRequest post = Get("/v1/user");
  post.method = "POST";
  post.body = "{}";
  auto posted = client.Call(target, post);
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status_code, 0);
  EXPECT_EQ(posted->attempts, 4);
}

TEST_F(ApiClientTest, EachCallCountsOnceInApiCallsTotalWithItsFinalStatus) {
  auto& calls = metrics::Default().AddCounter("api_calls_total", "", {"operation_id", "status"});
  Script("/backend/v1/user", {Status(500), Status(500), Status(201)});
  ApiClient client = MakeClient();
  ApiRequest request = Get("/v1/user");
  request.operation_id = "countedOperation";
  auto first = client.Call(Target(), request);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->attempts, 3);
  auto second = client.Call(Target(), request);
  ASSERT_TRUE(second);
  EXPECT_EQ(calls.With({"countedOperation", "201"}).Value(), 1u);
  EXPECT_EQ(calls.With({"countedOperation", "200"}).Value(), 1u);
  EXPECT_EQ(calls.With({"countedOperation", "500"}).Value(), 0u);

  ApiTarget nowhere = Target();
  nowhere.backend_url = "http://127.0.0.1:9";
  auto refused = client.Call(nowhere, request);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status_code, 0);
  EXPECT_EQ(calls.With({"countedOperation", "error"}).Value(), 1u);
}

TEST_F(ApiClientTest, TimeoutIsRetriedForGetButNotForPost) {
  ApiClientOptions options = FastOptions();
  options.total_timeout = 150ms;
  options.max_retries = 1;
  ApiClient client = MakeClient(options);
  ApiTarget target = Target();
  target.backend_url = base_;
  auto timed_out = client.Call(target, Get("/slow/get"));
  ASSERT_TRUE(timed_out);
  EXPECT_EQ(timed_out->status_code, 0);
  EXPECT_EQ(timed_out->attempts, 2);
  EXPECT_FALSE(timed_out->error.empty());

  ApiRequest post = Get("/slow/post");
  post.method = "POST";
  post.body = "{}";
  auto post_timed_out = client.Call(target, post);
  ASSERT_TRUE(post_timed_out);
  EXPECT_EQ(post_timed_out->status_code, 0);
  EXPECT_EQ(post_timed_out->attempts, 1);

  const auto requests = Requests();
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const Recorded& r) { return r.path == "/slow/get"; }),
            2);
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const Recorded& r) { return r.path == "/slow/post"; }),
            1);
}

// libcurl silently sends a request again when a reused connection dies before any answer, which
// for a POST is a retry of a request that may well have reached Clockify (it did: the mock created
// the tag twice over).
TEST_F(ApiClientTest, PostOnAReusedConnectionThatDropsIsSentOnce) {
  ApiClient client = MakeClient();
  ApiTarget target = Target();
  target.backend_url = base_;
  for (const char* method : {"POST", "PATCH"}) {
    SCOPED_TRACE(method);
    ASSERT_EQ(client.Call(target, Get("/warm"))->status_code, 200);  // a connection to reuse
    ApiRequest post = Get(std::string("/drop/") + method);
    post.method = method;
    post.body = "{}";
    auto dropped = client.Call(target, post);
    ASSERT_TRUE(dropped);
    EXPECT_EQ(dropped->status_code, 0);
    EXPECT_EQ(dropped->attempts, 1);
    EXPECT_FALSE(dropped->error.empty());
    const auto requests = Requests();
    EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                            [&](const Recorded& r) { return r.path == post.path; }),
              1);
  }
  // A GET may be sent again: it is idempotent.
  ASSERT_EQ(client.Call(target, Get("/warm"))->status_code, 200);
  auto get = client.Call(target, Get("/drop/get"));
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status_code, 0);
}

TEST_F(ApiClientTest, SequentialCallsReuseOneConnection) {
  ApiClient client = MakeClient();
  for (int i = 0; i < 5; ++i) {
    auto response = client.Call(Target(), Get("/v1/user/" + std::to_string(i)));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status_code, 200);
  }
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 5u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.active_connections, 1u) << "a new connection per call would show up here";
  }
  // The one connection is still open, kept alive for the next call.
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(server_->ActiveConnections(), 1u);
}

TEST_F(ApiClientTest, TheTokenAppearsInNoResponseField) {
  // A hostile or buggy server that echoes the token back.
  Script("/backend/v1/echo",
         {Status(200, R"({"token":")" + kToken + R"("})", {{"X-Echo", "token=" + kToken}})});
  ApiClient client = MakeClient();
  ApiRequest request = Get("/v1/echo");
  request.query = {{"q", "x"}};
  auto response = client.Call(Target(), request);
  ASSERT_TRUE(response);
  EXPECT_EQ(Requests().at(0).Header("x-addon-token"), kToken);
  EXPECT_FALSE(Contains(response->body, kToken));
  EXPECT_TRUE(Contains(response->body, "[redacted]"));
  EXPECT_FALSE(Contains(response->url, kToken));
  EXPECT_FALSE(Contains(response->error, kToken));
  EXPECT_FALSE(Contains(response->method, kToken));
  for (const auto& [name, value] : response->headers) {
    EXPECT_FALSE(Contains(name, kToken));
    EXPECT_FALSE(Contains(value, kToken)) << name;
  }
}

TEST_F(ApiClientTest, EveryAttemptWaitsForTheWorkspaceLimiter) {
  Script("/backend/v1/user", {Status(500), Status(500), Status(500), Status(500)});
  ApiClient client = MakeClient();
  ApiTarget slow = Target();
  slow.max_rps = 2;
  auto response = client.Call(slow, Get("/v1/user"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->attempts, 4);
  // Four attempts 500 ms apart, whatever the (shorter) backoffs were.
  EXPECT_EQ(clock_.Now(), kStart + 1500ms);
  EXPECT_EQ(response->latency, 1500ms);
}

TEST(ParseRetryAfterTest, ReadsSecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("1", kStart), 1000ms);
  EXPECT_EQ(ParseRetryAfter(" 120 ", kStart), 120000ms);
  EXPECT_EQ(ParseRetryAfter("0", kStart), 0ms);
  // IMF-fixdate, the obsolete RFC 850 and asctime forms.
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", kStart), 30000ms);
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:28:30 GMT", kStart), 30000ms);
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:28:30 2015", kStart), 30000ms);
  // A date already past means: now.
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", kStart), 0ms);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", kStart), 365 * 86400000ms)
      << "huge values do not overflow";
}

TEST(ParseRetryAfterTest, RejectsWhatIsNeither) {
  EXPECT_EQ(ParseRetryAfter("", kStart), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("   ", kStart), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kStart), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("next tuesday-ish", kStart), std::nullopt);
}

}  // namespace
}  // namespace uwh::clockify
