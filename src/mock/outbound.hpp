#pragma once
// The simulated Clockify's own outgoing HTTP (manifest fetch, lifecycle calls, webhooks), on
// libcurl. Blocking: used from the sender thread and the blocking pool, never from HTTP threads.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace uwh::mock {

struct OutboundRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
};

struct OutboundResponse {
  int status = 0;  // 0: no answer (connection refused, timeout, …)
  std::string body;
  std::string error;  // what went wrong when status is 0
  bool ok() const { return status >= 200 && status < 300; }
};

// One easy handle, reused (keep-alive) across calls. Not thread-safe: one per thread.
class OutboundClient {
 public:
  OutboundClient();
  ~OutboundClient();
  OutboundClient(const OutboundClient&) = delete;
  OutboundClient& operator=(const OutboundClient&) = delete;

  OutboundResponse Send(const OutboundRequest& request);

 private:
  void* curl_;  // CURL*
};

}  // namespace uwh::mock
