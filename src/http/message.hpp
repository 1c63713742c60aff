#pragma once
// What handlers see: a parsed request and the response they return. No Beast here, so handlers
// can be tested without a socket.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace uwh::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
  std::map<std::string, std::string> query;                 // percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string request_id;
  std::map<std::string, std::string> path_params;  // filled by the router

  // The first header with that (lower-case) name, or empty.
  std::string_view Header(std::string_view lower_name) const;
  bool HasHeader(std::string_view lower_name) const;
  // A path parameter ("" when absent).
  std::string_view Param(const std::string& name) const;
  // A query parameter, or nullptr.
  const std::string* Query(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body);
  // {"error":{"code","message","field"?,"request_id"}} with the status of the error's kind.
  static Response FromError(const Error& error, std::string_view request_id);
};

// Splits "/a/b?x=1&y=%20" into a decoded path and query map. False when the target is malformed.
bool ParseTarget(std::string_view target, std::string* path,
                 std::map<std::string, std::string>* query);
std::string PercentDecode(std::string_view s, bool plus_as_space);
// JSON string literal for `s` (with quotes), for building small bodies by hand.
std::string JsonQuote(std::string_view s);

}  // namespace uwh::http
