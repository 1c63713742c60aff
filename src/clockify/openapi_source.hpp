#pragma once
// Where the OpenAPI document comes from: a file, or a URL downloaded once and cached on disk.
#include <memory>
#include <string>

#include "clockify/openapi_catalog.hpp"
#include "common/error.hpp"

namespace uwh::clockify {

// Loads from `path` when set; else downloads `url` into `cache_path` (reused on later starts, so
// start-up does not depend on the network once it has succeeded) and loads that. Errors name the
// variable at fault (UNIVERSAL_WEBHOOK_OPENAPI_PATH / _OPENAPI_URL).
[[nodiscard]] Result<std::shared_ptr<const OpenApiCatalog>> LoadOpenApiCatalog(
    const std::string& path, const std::string& url, const std::string& cache_path);

}  // namespace uwh::clockify
