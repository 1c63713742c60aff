#include "clockify/openapi_source.hpp"

#include <curl/curl.h>

#include <filesystem>
#include <fstream>

namespace uwh::clockify {
namespace {

size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

Result<std::string> Download(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (!curl) return Fail(ErrorCode::kInternal, "curl_unavailable", "libcurl failed to start");
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK || status != 200) {
    return Fail(ErrorCode::kUnavailable, "spec_unavailable",
                "UNIVERSAL_WEBHOOK_OPENAPI_URL: download failed (" +
                    (rc != CURLE_OK ? std::string(curl_easy_strerror(rc))
                                    : "HTTP " + std::to_string(status)) +
                    ")",
                "UNIVERSAL_WEBHOOK_OPENAPI_URL");
  }
  return body;
}

}  // namespace

Result<std::shared_ptr<const OpenApiCatalog>> LoadOpenApiCatalog(const std::string& path,
                                                                 const std::string& url,
                                                                 const std::string& cache_path) {
  if (!path.empty()) {
    auto catalog = OpenApiCatalog::FromFile(path);
    if (!catalog) {
      return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                  "UNIVERSAL_WEBHOOK_OPENAPI_PATH: " + catalog.error().message,
                  "UNIVERSAL_WEBHOOK_OPENAPI_PATH");
    }
    return catalog;
  }
  std::error_code ec;
  if (!std::filesystem::exists(cache_path, ec)) {
    auto text = Download(url);
    if (!text) return Fail(text.error());
    auto catalog = OpenApiCatalog::FromText(*text);
    if (!catalog) {
      return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                  "UNIVERSAL_WEBHOOK_OPENAPI_URL: " + catalog.error().message,
                  "UNIVERSAL_WEBHOOK_OPENAPI_URL");
    }
    // Cache only a document that loaded, written whole before it replaces anything.
    const auto parent = std::filesystem::path(cache_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    const std::string tmp = cache_path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << *text;
    }
    std::filesystem::rename(tmp, cache_path, ec);
    return catalog;
  }
  auto catalog = OpenApiCatalog::FromFile(cache_path);
  if (!catalog) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                "UNIVERSAL_WEBHOOK_OPENAPI_URL: the cached copy " + cache_path +
                    " is unreadable; delete it to download again",
                "UNIVERSAL_WEBHOOK_OPENAPI_URL");
  }
  return catalog;
}

}  // namespace uwh::clockify
