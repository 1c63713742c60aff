#pragma once
// Entity types (SPEC §9): the names under which the cache, the UI's pickers and
// {{cache.<type>[id]}} templates know Clockify's entities, derived from the OpenAPI paths.
//
// The type is the path's last literal segment in singular snake case (`projects` → `project`,
// `time-entries` → `time_entry`, `user-groups` → `user_group`), where
//   - a single-entity getter's trailing id is dropped (`/clients/{id}` → `client`);
//   - a list filtered by a trailing parent (`/time-off/balance/user/{userId}`) names the collection
//     before the filter (`balance`);
//   - segments that name a view of a collection are skipped (`/time-entries/status/in-progress`
//     → `time_entry`, `/holidays/in-period` → `holiday`, `/scheduling/assignments/all` →
//     `assignment`): a view lists the same things as its collection;
//   - a collection listed directly under a parent (`/projects/{projectId}/custom-fields`) whose
//     type the workspace also lists as a collection of its own (`/custom-fields`) holds different
//     things (the custom fields as set up on one project): the parent's type is prefixed
//     (`project_custom_field`), and so is each entity id (`<projectId>:<id>`), because the same
//     item appears under every parent.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clockify/openapi_catalog.hpp"

namespace uwh::bootstrap {

// What the bootstrap needs to know about one GET operation.
struct OperationShape {
  std::string entity_type;  // the final type, prefixed where needed
  std::string base_type;    // before any prefix
  bool prefixed = false;    // entity ids are "<parent id>:<item id>"
  // The answer is a list: an array, or an envelope object holding one ({"webhooks":[…],
  // "workspaceWebhookCount":3}). `list_pointer` is the JSON pointer to it ("" for an array).
  bool is_list = false;
  std::string list_pointer;
  // Path parameters other than workspaceId, in path order, each with the type of the collection
  // whose id it is (the singular of the literal segment before it: {projectId} after `projects`).
  std::vector<std::pair<std::string, std::string>> parents;
};

// "time-entries" → "time_entry", "policies" → "policy", "settings" → "setting".
std::string SingularSnake(std::string_view segment);
// "approval_request" / "approval-requests" → "approvalRequest".
std::string LowerCamel(std::string_view words);

// Every GET operation of the catalog (deprecated ones included) by operation id.
std::map<std::string, OperationShape> DescribeGetOperations(
    const clockify::OpenApiCatalog& catalog);

}  // namespace uwh::bootstrap
