#pragma once
// Maps (method, path pattern) to a handler. Patterns are literal segments, `{name}` segments, and
// a last `{name*}` that takes the rest of the path (slashes included, so handlers can refuse it
// with a clear error). Routes with more literal segments win. Every routed request is timed into
// http_request_duration_seconds by its route pattern (never its raw path) and status class.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "http/message.hpp"

namespace uwh::http {

using Handler = std::function<asio::awaitable<Response>(Request&)>;

class Router {
 public:
  Router();
  // Not thread-safe while adding; Route() is safe to call concurrently once set up.
  void Add(std::string method, std::string pattern, Handler handler);

  // Finds the handler and fills request.path_params. 404 not_found for an unknown path, 405 with
  // code method_not_allowed when the path exists for other methods.
  asio::awaitable<Response> Route(Request& request) const;

 private:
  struct LatencySlots;  // the route's histograms, resolved on first use
  struct Entry {
    std::string method;
    std::vector<std::string> segments;
    int literal_count = 0;
    Handler handler;
    std::shared_ptr<LatencySlots> latency;
  };
  std::vector<Entry> entries_;
  std::shared_ptr<LatencySlots> unmatched_latency_;
};

std::vector<std::string> SplitPath(std::string_view path);

}  // namespace uwh::http
