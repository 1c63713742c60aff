#pragma once
// The bootstrap plan (SPEC §9), derived from the OpenAPI catalog: which GET operations of the
// backend server fill the cache, in which order, and how each one's path is filled.
//
// An operation is planned when it is not deprecated, answers a list (getLoggedUser, the core
// entity, aside), needs no query parameter that has no default, and has every path parameter
// filled: workspaceId and addonId from the installation, any other id from a collection planned
// before it (`{projectId}` → every cached project, `{userId}` → every cached user), at most one
// such parent per operation. Report operations (the reports server) only with
// include_heavy_endpoints; time entries only with include_time_entries.
//
// Order, in stages: the core operations (getLoggedUser, getWorkspacesOfUser), the workspace's
// own lists, the lists that depend on them (each project's tasks …), time entries, then reports.
// A stage starts when the one before it has finished, so parents are cached before their
// children are listed.
#include <string>
#include <utility>
#include <vector>

#include "bootstrap/entity_types.hpp"
#include "clockify/openapi_catalog.hpp"

namespace uwh::bootstrap {

struct PlanOptions {
  bool include_heavy_endpoints = false;
  bool include_time_entries = true;
};

struct PlannedEndpoint {
  const clockify::Operation* operation = nullptr;  // into the catalog
  std::string operation_id;
  OperationShape shape;
  int stage = 0;
  bool core = false;  // failing it fails the bootstrap
  // Parameters the installation fills ("workspaceId", "addonId") and the one filled from a
  // parent collection ("projectId" from every cached "project"); empty when none.
  std::string parent_param;
  std::string parent_type;
  // `page`/`page-size` (or the reports server's `pageSize`) when the operation pages.
  std::string page_param;
  std::string page_size_param;
  bool time_window = false;  // gets `start` = time_entry_days_back days before the run began
  // Required query parameters sent with their documented defaults ("include-roles=false").
  std::vector<std::pair<std::string, std::string>> fixed_query;
};

struct SkippedOperation {
  std::string operation_id;
  std::string reason;  // why the bootstrap does not call it
};

struct BootstrapPlan {
  std::vector<PlannedEndpoint> endpoints;  // by stage, then in document order
  std::vector<SkippedOperation> skipped;   // every other GET operation, in document order
};

// The operations that come first and whose failure fails the bootstrap.
bool IsCoreOperation(std::string_view operation_id);

BootstrapPlan BuildBootstrapPlan(const clockify::OpenApiCatalog& catalog,
                                 const PlanOptions& options);

}  // namespace uwh::bootstrap
