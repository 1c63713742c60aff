#include "http/router.hpp"

#include <algorithm>

namespace uwh::http {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    const size_t j = path.find('/', i);
    out.emplace_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    i = j == std::string_view::npos ? path.size() : j;
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Entry e{std::move(method), SplitPath(pattern), 0, std::move(handler)};
  for (const auto& s : e.segments) {
    if (s.empty() || s.front() != '{') ++e.literal_count;
  }
  entries_.push_back(std::move(e));
  // Most literal segments first, so /ui/webhooks/stats beats /ui/webhooks/{id}.
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.literal_count > b.literal_count;
  });
}

asio::awaitable<Response> Router::Route(Request& request) const {
  const auto segments = SplitPath(request.path);
  bool path_known = false;
  for (const auto& e : entries_) {
    const bool rest = !e.segments.empty() && e.segments.back().size() > 3 &&
                      e.segments.back().ends_with("*}");
    if (rest ? segments.size() < e.segments.size() : e.segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < e.segments.size() && match; ++i) {
      const auto& p = e.segments[i];
      if (rest && i + 1 == e.segments.size()) {
        // {name*}: the rest of the path, slashes included.
        std::string joined = segments[i];
        for (size_t j = i + 1; j < segments.size(); ++j) joined += "/" + segments[j];
        params[p.substr(1, p.size() - 3)] = std::move(joined);
      } else if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else {
        match = p == segments[i];
      }
    }
    if (!match) continue;
    path_known = true;
    if (e.method != request.method && !(e.method == "GET" && request.method == "HEAD")) continue;
    request.path_params = std::move(params);
    co_return co_await e.handler(request);
  }
  if (path_known) {
    Response r = Response::FromError(
        Error::Make(ErrorCode::kInvalidArgument, "method_not_allowed",
                    "method " + request.method + " is not allowed on " + request.path),
        request.request_id);
    r.status = 405;
    co_return r;
  }
  co_return Response::FromError(
      Error::Make(ErrorCode::kNotFound, "not_found", "no such endpoint: " + request.path),
      request.request_id);
}

}  // namespace uwh::http
