#include "http/message.hpp"

#include <gtest/gtest.h>

namespace uwh::http {
namespace {

TEST(MessageTest, TargetIsSplitAndDecoded) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/ui/a%20b?x=1&y=a+b%21&flag&=v", &path, &query));
  EXPECT_EQ(path, "/ui/a b");
  EXPECT_EQ(query.at("x"), "1");
  EXPECT_EQ(query.at("y"), "a b!");
  EXPECT_EQ(query.at("flag"), "");
  EXPECT_FALSE(ParseTarget("ui", &path, &query));
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
}

TEST(MessageTest, ErrorBodyHasTheSpecShape) {
  const Response r = Response::FromError(
      Error::Make(ErrorCode::kInvalidArgument, "validation_failed", "bad \"x\"", "a[0].b"), "r1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            R"({"error":{"code":"validation_failed","message":"bad \"x\"","field":"a[0].b",)"
            R"("request_id":"r1"}})");
  const Response no_field =
      Response::FromError(Error::Make(ErrorCode::kPayloadTooLarge, "payload_too_large", "m"), "r2");
  EXPECT_EQ(no_field.status, 413);
  EXPECT_EQ(no_field.body.find("field"), std::string::npos);
}

TEST(MessageTest, HeaderLookupIsByLowerCaseName) {
  Request r;
  r.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.Header("x-a"), "1");
  EXPECT_TRUE(r.HasHeader("content-type"));
  EXPECT_EQ(r.Header("missing"), "");
}

TEST(MessageTest, JsonQuoteEscapesControlCharacters) {
  EXPECT_EQ(JsonQuote(std::string("a\x01\"\\\n", 5)), R"("a\u0001\"\\\n")");
}

}  // namespace
}  // namespace uwh::http
