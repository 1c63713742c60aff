#pragma once
// What the simulated Clockify saw (GET /_mock/stats): requests per operation, path and workspace,
// statuses, 429s, and per-second counts, so tests can measure a client's request rate.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "mock/model.hpp"

namespace uwh::mock {

struct RequestRecord {
  std::string method;
  std::string operation_id;   // "getProjects"; "unknown" when no operation matched
  std::string path_template;  // "/v1/workspaces/{workspaceId}/projects"
  std::string target;         // the path and the query as received, for per-page counts
  std::string workspace_id;   // empty when the request named none (401 before it)
  int status = 0;             // 0: the connection was dropped
  // "rate_limited" (the 50/s limit), "burst_429", "error", "drop", or empty.
  std::string fault;
  std::chrono::steady_clock::time_point at;
  std::chrono::system_clock::time_point wall;
};

// Thread-safe.
class RequestStats {
 public:
  void Record(const RequestRecord& record);
  Json ToJson() const;
  // The latest `limit` requests, oldest first: {at_ms (wall clock, ms since the epoch), method,
  // operation_id, target, workspace_id, status, fault}. Lets tests measure the gaps between a
  // client's attempts on the mock's side.
  Json RecentJson(size_t limit) const;
  void Reset();

 private:
  struct WorkspaceStats {
    uint64_t requests = 0;
    uint64_t rate_limited = 0;
    std::map<std::string, uint64_t> by_operation;
    std::map<int64_t, uint64_t> per_second;  // unix second → requests
    std::deque<std::chrono::steady_clock::time_point> times;  // bounded
  };
  mutable std::mutex mutex_;
  uint64_t total_ = 0;
  uint64_t rate_limited_ = 0;
  uint64_t burst_429_ = 0;
  uint64_t errors_injected_ = 0;
  uint64_t dropped_ = 0;
  std::map<std::string, uint64_t> by_operation_;
  std::map<std::string, uint64_t> by_path_;
  std::map<std::string, uint64_t> by_request_;
  std::map<std::string, uint64_t> by_status_;
  std::map<int64_t, uint64_t> per_second_;
  std::map<std::string, WorkspaceStats> workspaces_;
  std::deque<RequestRecord> recent_;  // bounded
};

}  // namespace uwh::mock
