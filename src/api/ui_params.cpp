#include "api/ui_params.hpp"

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/json_parse.hpp"

namespace uwh::api {

using nlohmann::json;

tl::unexpected<Error> InvalidField(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

Result<int64_t> PositiveInteger(const std::string& text, const std::string& field) {
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || n <= 0) {
    return InvalidField(field, field + " must be a positive whole number");
  }
  return static_cast<int64_t>(n);
}

Result<PageParams> ReadPageParams(const http::Request& req) {
  PageParams page;
  if (const std::string* l = req.Query("limit")) {
    auto n = PositiveInteger(*l, "limit");
    if (!n || *n > 500) return InvalidField("limit", "limit must be between 1 and 500");
    page.limit = static_cast<int>(*n);
  }
  if (const std::string* c = req.Query("cursor"); c && !c->empty()) {
    auto n = PositiveInteger(*c, "cursor");
    if (!n) return Fail(n.error());
    page.before_id = *n;
  }
  return page;
}

Result<int64_t> PathId(const http::Request& req, const std::string& what) {
  auto id = PositiveInteger(std::string(req.Param("id")), "id");
  if (!id) return Fail(ErrorCode::kNotFound, "not_found", "no such " + what);
  return id;
}

Result<json> JsonObjectBody(const http::Request& req) {
  json body = ParseJson(req.body);
  if (body.is_discarded()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the body is not valid JSON");
  }
  if (!body.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the body must be a JSON object");
  }
  return body;
}

json NextCursor(const std::optional<int64_t>& next_before_id) {
  return next_before_id ? json(std::to_string(*next_before_id)) : json();
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace uwh::api
