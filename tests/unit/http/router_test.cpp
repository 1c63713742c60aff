#include "http/router.hpp"

#include <gtest/gtest.h>

#include "common/metrics.hpp"

namespace uwh::http {
namespace {

Response Dispatch(const Router& router, Request& request) {
  asio::io_context ioc;
  Response out;
  asio::co_spawn(ioc, router.Route(request), [&](std::exception_ptr e, Response r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
  });
  ioc.run();
  return out;
}

Handler Answer(std::string text) {
  return [text](Request& r) -> asio::awaitable<Response> {
    std::string body = text;
    for (const auto& [k, v] : r.path_params) body += " " + k + "=" + v;
    co_return Response::Json(200, body);
  };
}

TEST(RouterTest, LiteralRoutesBeatParameterRoutes) {
  Router router;
  router.Add("POST", "/webhooks/clockify/{event}", Answer("event"));
  router.Add("POST", "/webhooks/clockify", Answer("plain"));
  router.Add("GET", "/ui/webhooks/{id}", Answer("one"));
  router.Add("GET", "/ui/webhooks/stats", Answer("stats"));

  Request r{.method = "POST", .path = "/webhooks/clockify/NEW_PROJECT"};
  EXPECT_EQ(Dispatch(router, r).body, "event event=NEW_PROJECT");
  r = Request{.method = "POST", .path = "/webhooks/clockify"};
  EXPECT_EQ(Dispatch(router, r).body, "plain");
  r = Request{.method = "GET", .path = "/ui/webhooks/stats"};
  EXPECT_EQ(Dispatch(router, r).body, "stats");
  r = Request{.method = "GET", .path = "/ui/webhooks/42"};
  EXPECT_EQ(Dispatch(router, r).body, "one id=42");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405) {
  Router router;
  router.Add("GET", "/healthz", Answer("ok"));
  Request r{.method = "GET", .path = "/nope", .request_id = "rid-1"};
  Response res = Dispatch(router, r);
  EXPECT_EQ(res.status, 404);
  EXPECT_NE(res.body.find("\"code\":\"not_found\""), std::string::npos);
  EXPECT_NE(res.body.find("\"request_id\":\"rid-1\""), std::string::npos);
  r = Request{.method = "POST", .path = "/healthz"};
  EXPECT_EQ(Dispatch(router, r).status, 405);
}

TEST(RouterTest, RestParameterTakesSlashes) {
  Router router;
  router.Add("POST", "/webhooks/custom/{source*}", Answer("custom"));
  Request r{.method = "POST", .path = "/webhooks/custom/a/b"};
  EXPECT_EQ(Dispatch(router, r).body, "custom source=a/b");
  r = Request{.method = "POST", .path = "/webhooks/custom/github"};
  EXPECT_EQ(Dispatch(router, r).body, "custom source=github");
  r = Request{.method = "POST", .path = "/webhooks/custom"};
  EXPECT_EQ(Dispatch(router, r).status, 404);
}

TEST(RouterTest, SplitPathIgnoresEmptySegments) {
  EXPECT_EQ(SplitPath("//a/b//c/"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitPath("/").empty());
}

TEST(RouterTest, RequestsAreTimedByRoutePatternAndStatusClassNeverByPath) {
  Router router;
  router.Add("GET", "/timed/{id}", [](Request& r) -> asio::awaitable<Response> {
    co_return Response::Json(r.Param("id") == "missing" ? 404 : 200, "{}");
  });
  auto count = [](std::string_view method, std::string_view route, std::string_view status) {
    return metrics::RequestDuration().With({method, route, status}).Count();
  };
  const uint64_t ok = count("GET", "/timed/{id}", "2xx");
  const uint64_t missing = count("GET", "/timed/{id}", "4xx");
  const uint64_t unmatched = count("", "unmatched", "4xx");
  for (const char* path : {"/timed/1", "/timed/2", "/timed/missing", "/untimed/x"}) {
    Request r{.method = "GET", .path = path};
    (void)Dispatch(router, r);
  }
  Request head{.method = "HEAD", .path = "/timed/3"};
  (void)Dispatch(router, head);
  EXPECT_EQ(count("GET", "/timed/{id}", "2xx"), ok + 3);
  EXPECT_EQ(count("GET", "/timed/{id}", "4xx"), missing + 1);
  EXPECT_EQ(count("", "unmatched", "4xx"), unmatched + 1);
  EXPECT_EQ(metrics::Default().Render().find("/timed/1"), std::string::npos);
}

}  // namespace
}  // namespace uwh::http
