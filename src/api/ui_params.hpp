#pragma once
// Request parameters the UI API handlers share (SPEC §4): keyset pages, ids in paths, JSON bodies.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "http/message.hpp"

namespace uwh::api {

// 400 validation_failed naming `field`.
tl::unexpected<Error> InvalidField(const std::string& field, const std::string& message);

// A positive whole number, or 400 validation_failed naming `field`.
[[nodiscard]] Result<int64_t> PositiveInteger(const std::string& text, const std::string& field);

// ?limit= (1–500, default 50) and ?cursor= (an id: only older rows).
struct PageParams {
  int limit = 50;
  std::optional<int64_t> before_id;
};
[[nodiscard]] Result<PageParams> ReadPageParams(const http::Request& req);

// The {id} path parameter as a row id; 404 not_found (naming `what`) when it is not one.
[[nodiscard]] Result<int64_t> PathId(const http::Request& req, const std::string& what);

// The body as a JSON object; 400 invalid_json otherwise.
[[nodiscard]] Result<nlohmann::json> JsonObjectBody(const http::Request& req);

// The cursor of the next page: the last id as a string, or null.
[[nodiscard]] nlohmann::json NextCursor(const std::optional<int64_t>& next_before_id);

// Compact JSON, invalid UTF-8 replaced.
[[nodiscard]] std::string Dump(const nlohmann::json& j);

}  // namespace uwh::api
