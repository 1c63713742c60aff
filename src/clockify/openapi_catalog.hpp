#pragma once
// Clockify's OpenAPI document as a catalog of operations (SPEC §5, §4.4 API Explorer), loaded once
// at start. Schemas come with every $ref resolved and cycles cut: where a schema would re-enter
// itself, the tree holds {"$ref": "#/components/schemas/X", "x-cycle": true} instead — the only
// "$ref" left. Resolved component schemas are shared between operations (read-only).
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace uwh::clockify {

// Which base URL an operation is called on (from its server in the document).
enum class ServerKind {
  kBackend,     // https://api.clockify.me/api → the installation's backendUrl
  kReports,     // https://reports.api.clockify.me → reportsUrl
  kDeprecated,  // http://localhost:5050 (no real address): listed, never executed
};

struct Parameter {
  std::string name;
  std::string in;  // "path", "query", "header"
  bool required = false;
  std::string description;
  std::shared_ptr<const nlohmann::json> schema;  // resolved; never null
};

struct Operation {
  std::string operation_id;
  std::string method;  // upper case: GET, POST, PUT, PATCH, DELETE
  std::string path;    // "/v1/workspaces/{workspaceId}/projects"
  std::string server_url;
  ServerKind server = ServerKind::kBackend;
  std::string tag;  // first tag
  std::vector<std::string> tags;
  std::string summary;
  std::string description;
  bool deprecated = false;  // flagged, tagged "(Deprecated)", or on the localhost:5050 server
  std::vector<Parameter> parameters;  // path first, then query, in document order
  // Request body (application/json) schema, resolved; null when the operation takes no body.
  std::shared_ptr<const nlohmann::json> request_body;
  bool request_body_required = false;
  std::string request_content_type;  // "application/json", "multipart/form-data", … or empty
  // Schema of the first 2xx application/json response (else the first 2xx "*/*", which Clockify's
  // report operations declare), resolved; null when none.
  std::shared_ptr<const nlohmann::json> response_schema;
  // OperationToJson(*this, /*detail=*/false), serialised once at load: the explorer's list is
  // the catalog's hottest read and its items never change.
  std::string summary_json;
};

struct OperationFilter {
  std::string tag;     // exact tag
  std::string method;  // case-insensitive
  std::string q;       // case-insensitive substring of id, summary or path
  bool include_deprecated = false;
};

// Immutable after Load; thread-safe to share.
class OpenApiCatalog {
 public:
  // Parses the document text. kInvalidArgument when it is not an OpenAPI 3 document with paths.
  [[nodiscard]] static Result<std::shared_ptr<const OpenApiCatalog>> FromText(std::string_view text);
  // Reads the file; the error names the path.
  [[nodiscard]] static Result<std::shared_ptr<const OpenApiCatalog>> FromFile(
      const std::string& path);

  const std::vector<Operation>& Operations() const { return operations_; }
  // nullptr when unknown.
  const Operation* Find(std::string_view operation_id) const;
  // In document order.
  std::vector<const Operation*> List(const OperationFilter& filter) const;
  // Up to `max` known operation ids closest to `operation_id` (edit distance, case-insensitive,
  // ignoring '-' and '_'), best first.
  std::vector<std::string> Suggest(std::string_view operation_id, size_t max = 3) const;
  // Every tag, in the document's order.
  const std::vector<std::string>& Tags() const { return tags_; }

 private:
  std::vector<Operation> operations_;
  std::vector<std::string> tags_;
};

// The operation's JSON description for the explorer: id, method, path, server, tag(s), summary,
// description, deprecated, parameters (name, in, required, description, schema), request_body.
// `detail` false leaves out schemas and the description (list view).
nlohmann::json OperationToJson(const Operation& op, bool detail);

}  // namespace uwh::clockify
