#pragma once
// Answers for the operations the simulated Clockify does not model: an example built from the
// operation's success response schema in openapi.json. Also names every operation for the stats.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "mock/model.hpp"

namespace uwh::mock {

// Immutable after loading; thread-safe to share.
class SchemaExamples {
 public:
  struct Operation {
    std::string operation_id;
    std::string method;  // upper case
    std::string path;    // "/v1/workspaces/{workspaceId}/projects"
    bool reports = false;  // served under /reports (the reports server), else under /api
    std::vector<std::string> segments;
    int literal_count = 0;
    int status = 200;  // the first 2xx response
    const nlohmann::json* response_schema = nullptr;  // into the document; null for none
  };

  // kInvalidArgument naming the file when it cannot be read or is not an OpenAPI document.
  [[nodiscard]] static Result<std::shared_ptr<const SchemaExamples>> FromFile(
      const std::string& path);
  [[nodiscard]] static Result<std::shared_ptr<const SchemaExamples>> FromText(std::string_view text);

  // The operation for (method, server, path below the server's prefix); the one with the most
  // literal segments wins; nullptr when none matches.
  const Operation* Find(std::string_view method, bool reports, std::string_view path) const;
  // An example of the operation's success response (null when it has no JSON body). $refs are
  // followed, cycles and deep nesting cut.
  Json Example(const Operation& op) const;
  size_t size() const { return operations_.size(); }

 private:
  nlohmann::json document_;
  std::vector<Operation> operations_;
};

}  // namespace uwh::mock
