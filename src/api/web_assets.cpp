#include "api/web_assets.hpp"

#include <memory>

#include "api/app_context.hpp"
#include "common/crypto.hpp"

namespace uwh::api {
namespace {

constexpr std::string_view kPageName = "index.html";
constexpr std::string_view kAssetBasePlaceholder = "%ASSET_BASE%";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";
// The page's URL carries the user's token (?auth_token=), so no cache keeps a copy of it.
constexpr std::string_view kNoStore = "no-store";

// The path part of a URL without its trailing slashes: "https://h:1/a/b/" → "/a/b", "" for none.
std::string PathOf(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t host_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t slash = url.find('/', host_start);
  if (slash == std::string_view::npos) return "";
  std::string path(url.substr(slash));
  if (const size_t q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// True when the If-None-Match header lists `etag` (or is "*").
bool Matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    std::string_view item = if_none_match.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag || item == "*") return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string_view WebAssets::ContentSecurityPolicy() {
  // frame-ancestors: Clockify's sidebar (clockify.me and its regional and developer subdomains)
  // and a local Clockify or test page. No 'unsafe-inline' anywhere: the page has no inline script
  // or style (scripts set styles through the CSSOM, which CSP allows).
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'self' https://clockify.me https://*.clockify.me http://localhost:* "
         "http://127.0.0.1:*";
}

std::string_view WebAssets::ContentTypeFor(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (name.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

WebAssets::WebAssets(std::span<const EmbeddedFile> files, std::string_view base_url) {
  std::string all;
  for (const auto& f : files) {
    all.append(f.name).push_back('\0');
    all.append(Sha256Hex(f.content));
  }
  version_ = Sha256Hex(all).substr(0, 16);
  asset_base_ = PathOf(base_url) + "/ui/static/" + version_;
  for (const auto& f : files) {
    Asset asset{std::string(f.content), std::string(ContentTypeFor(f.name)), ""};
    if (f.name == kPageName) {
      asset.content = ReplaceAll(std::move(asset.content), kAssetBasePlaceholder, asset_base_);
      asset.etag = "\"" + Sha256Hex(asset.content).substr(0, 24) + "\"";
      page_ = asset;
      continue;
    }
    asset.etag = "\"" + Sha256Hex(asset.content).substr(0, 24) + "\"";
    files_.emplace(std::string(f.name), std::move(asset));
  }
}

http::Response WebAssets::Respond(const http::Request& request, const Asset& asset,
                                  std::string_view cache_control) const {
  http::Response r;
  r.content_type = asset.content_type;
  r.headers = {{"Cache-Control", std::string(cache_control)},
               {"ETag", asset.etag},
               {"Content-Security-Policy", std::string(ContentSecurityPolicy())},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"Cross-Origin-Resource-Policy", "same-origin"}};
  if (Matches(request.Header("if-none-match"), asset.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = asset.content;
  return r;
}

http::Response WebAssets::Page(const http::Request& request) const {
  return Respond(request, page_, kNoStore);
}

http::Response WebAssets::Static(const http::Request& request, std::string_view version,
                                 std::string_view path) const {
  auto it = files_.find(path);
  if (it == files_.end()) {
    return http::Response::FromError(
        Error::Make(ErrorCode::kNotFound, "not_found", "no such file: " + std::string(path)),
        request.request_id);
  }
  return Respond(request, it->second, version == version_ ? kImmutable : kRevalidate);
}

void RegisterUiPageRoutes(http::Router& router, AppContext& ctx) {
  auto assets = std::make_shared<const WebAssets>(WebFiles(), ctx.config.base_url);
  router.Add("GET", "/ui", [assets](http::Request& r) -> asio::awaitable<http::Response> {
    co_return assets->Page(r);
  });
  router.Add("GET", "/ui/static/{version}/{file*}",
             [assets](http::Request& r) -> asio::awaitable<http::Response> {
               co_return assets->Static(r, r.Param("version"), r.Param("file"));
             });
}

}  // namespace uwh::api
