#pragma once
// Clockify's real OpenAPI document, read in place from ../shared (never copied): as the catalog
// the product builds, and as plain JSON for checks made independently of it.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "clockify/openapi_catalog.hpp"

namespace uwh::bootstrap::testing {

inline const std::string kSpecPath = std::string(UWH_SHARED_DIR) + "/clockify/openapi.json";

inline const nlohmann::json& Document() {
  static const nlohmann::json doc = [] {
    std::ifstream in(kSpecPath);
    EXPECT_TRUE(in.good()) << kSpecPath;
    return nlohmann::json::parse(in);
  }();
  return doc;
}

inline std::shared_ptr<const clockify::OpenApiCatalog> SharedCatalog() {
  static const std::shared_ptr<const clockify::OpenApiCatalog> catalog = [] {
    auto loaded = clockify::OpenApiCatalog::FromFile(kSpecPath);
    EXPECT_TRUE(loaded) << loaded.error().message;
    return loaded ? *loaded : nullptr;
  }();
  return catalog;
}

inline const clockify::OpenApiCatalog& Catalog() { return *SharedCatalog(); }

}  // namespace uwh::bootstrap::testing
