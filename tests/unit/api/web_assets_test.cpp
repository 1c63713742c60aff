#include "api/web_assets.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace uwh::api {
namespace {

const std::array<EmbeddedFile, 3> kFiles = {{
    {"index.html", "<link href=\"%ASSET_BASE%/app.css\"><script src=\"%ASSET_BASE%/js/main.js\">"},
    {"app.css", "body{}"},
    {"js/main.js", "export {};"},
}};

http::Request Get(std::string if_none_match = "") {
  http::Request r;
  r.method = "GET";
  r.request_id = "t-1";
  if (!if_none_match.empty()) r.headers.emplace_back("if-none-match", std::move(if_none_match));
  return r;
}

std::string Header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(WebAssetsTest, PageNamesItsAssetsUnderTheVersionedBaseWithTheUrlPrefix) {
  const WebAssets assets(kFiles, "https://addons.example.com/uwh/");
  ASSERT_EQ(assets.Version().size(), 16u);
  EXPECT_EQ(assets.AssetBase(), "/uwh/ui/static/" + assets.Version());
  const auto page = assets.Page(Get());
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body, "<link href=\"" + assets.AssetBase() + "/app.css\"><script src=\"" +
                           assets.AssetBase() + "/js/main.js\">");
  EXPECT_EQ(Header(page, "Cache-Control"), "no-store");
  EXPECT_EQ(Header(page, "Content-Security-Policy"), WebAssets::ContentSecurityPolicy());
  EXPECT_EQ(Header(page, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(WebAssets(kFiles, "http://localhost:8001").AssetBase(),
            "/ui/static/" + assets.Version());
}

TEST(WebAssetsTest, VersionChangesWhenAnyFileChanges) {
  const WebAssets a(kFiles, "");
  auto changed = kFiles;
  changed[1].content = "body{color:red}";
  EXPECT_NE(WebAssets(changed, "").Version(), a.Version());
  auto renamed = kFiles;
  renamed[2].name = "js/app.js";
  EXPECT_NE(WebAssets(renamed, "").Version(), a.Version());
  EXPECT_EQ(WebAssets(kFiles, "").Version(), a.Version());
}

TEST(WebAssetsTest, CurrentVersionIsImmutableOtherVersionsRevalidate) {
  const WebAssets assets(kFiles, "");
  const auto css = assets.Static(Get(), assets.Version(), "app.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.body, "body{}");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Header(css, "Cache-Control"), "public, max-age=31536000, immutable");
  const auto old = assets.Static(Get(), "0123456789abcdef", "js/main.js");
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(old, "Cache-Control"), "no-cache");
  const auto missing = assets.Static(Get(), assets.Version(), "index.html");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("\"not_found\""), std::string::npos);
}

TEST(WebAssetsTest, IfNoneMatchAnswers304ForTheSameEtagOnly) {
  const WebAssets assets(kFiles, "");
  const auto first = assets.Static(Get(), assets.Version(), "app.css");
  const std::string etag = Header(first, "ETag");
  ASSERT_EQ(etag.front(), '"');
  for (const std::string& header : {etag, "\"x\", " + etag, "W/" + etag, std::string("*")}) {
    const auto again = assets.Static(Get(header), assets.Version(), "app.css");
    EXPECT_EQ(again.status, 304) << header;
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(Header(again, "ETag"), etag);
  }
  EXPECT_EQ(assets.Static(Get("\"other\""), assets.Version(), "app.css").status, 200);
  const auto page = assets.Page(Get());
  EXPECT_EQ(assets.Page(Get(Header(page, "ETag"))).status, 304);
  EXPECT_NE(Header(page, "ETag"), etag);
}

TEST(WebAssetsTest, ContentTypes) {
  EXPECT_EQ(WebAssets::ContentTypeFor("a/b.svg"), "image/svg+xml");
  EXPECT_EQ(WebAssets::ContentTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(WebAssets::ContentTypeFor("x.json"), "application/json");
  EXPECT_EQ(WebAssets::ContentTypeFor("README"), "application/octet-stream");
}

}  // namespace
}  // namespace uwh::api
