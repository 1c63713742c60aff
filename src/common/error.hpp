#pragma once
// Expected failures as values: Result<T> = tl::expected<T, Error>.
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace uwh {

// The kind of failure. When you add one, update HttpStatusFor() in error.cpp: it is the one
// place that maps kinds to HTTP statuses.
enum class ErrorCode {
  kInvalidArgument,     // 400
  kUnauthenticated,     // 401
  kForbidden,           // 403
  kNotFound,            // 404
  kConflict,            // 409
  kPayloadTooLarge,     // 413
  kUnsupportedMedia,    // 415
  kRateLimited,         // 429
  kUpstream,            // 502
  kUnavailable,         // 503
  kInternal,            // 500
};

// An error: its kind, a stable snake_case code for clients (e.g. "invalid_signature"), a message
// for people, and the input field at fault when there is one ("actions[1].operation_id").
// Messages never carry a token or a secret.
struct Error {
  ErrorCode kind = ErrorCode::kInternal;
  std::string code;
  std::string message;
  std::string field;

  static Error Make(ErrorCode kind, std::string code, std::string message, std::string field = {}) {
    return Error{kind, std::move(code), std::move(message), std::move(field)};
  }
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand for returning a failure from a function that returns Result<T>.
inline tl::unexpected<Error> Fail(ErrorCode kind, std::string code, std::string message,
                                  std::string field = {}) {
  return tl::unexpected<Error>(Error::Make(kind, std::move(code), std::move(message),
                                           std::move(field)));
}
inline tl::unexpected<Error> Fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

// The HTTP status for an error kind.
int HttpStatusFor(ErrorCode kind);

}  // namespace uwh
