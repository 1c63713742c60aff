#include "bootstrap/plan.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace uwh::bootstrap {
namespace {

// Filled from the installation rather than from a cached parent.
bool FromInstallation(const std::string& param) {
  return param == "workspaceId" || param == "addonId";
}

// A documented default as a query value; empty when there is none.
std::string DefaultValue(const clockify::Parameter& p) {
  if (!p.schema) return {};
  auto it = p.schema->find("default");
  if (it == p.schema->end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean() || it->is_number()) return it->dump();
  return {};
}

// Stages are ordered by group first: core, workspace lists and their dependants, time entries,
// reports. Within a group, a dependant comes one stage after the last stage producing its parent.
constexpr int kGroupSpan = 100;
int GroupOf(const PlannedEndpoint& e) {
  if (e.core) return 0;
  if (e.operation->server == clockify::ServerKind::kReports) return 3;
  if (e.shape.entity_type == "time_entry") return 2;
  return 1;
}

struct Candidate {
  PlannedEndpoint endpoint;
  size_t order = 0;  // document order
  bool keep = true;
};

}  // namespace

bool IsCoreOperation(std::string_view operation_id) {
  return operation_id == "getLoggedUser" || operation_id == "getWorkspacesOfUser";
}

BootstrapPlan BuildBootstrapPlan(const clockify::OpenApiCatalog& catalog,
                                 const PlanOptions& options) {
  const auto shapes = DescribeGetOperations(catalog);
  BootstrapPlan plan;
  std::vector<Candidate> candidates;
  // Reasons by document order, so the skipped list keeps the document's order.
  std::map<size_t, SkippedOperation> skipped;
  auto skip = [&](size_t order, const std::string& id, std::string reason) {
    skipped.emplace(order, SkippedOperation{id, std::move(reason)});
  };

  const auto& operations = catalog.Operations();
  for (size_t order = 0; order < operations.size(); ++order) {
    const clockify::Operation& op = operations[order];
    if (op.method != "GET") continue;
    const OperationShape& shape = shapes.at(op.operation_id);
    const bool core = IsCoreOperation(op.operation_id);
    if (op.deprecated) {
      skip(order, op.operation_id, "deprecated");
      continue;
    }
    if (op.server == clockify::ServerKind::kReports && !options.include_heavy_endpoints) {
      skip(order, op.operation_id, "a report operation: include_heavy_endpoints is off");
      continue;
    }
    if (!shape.is_list && !core) {
      skip(order, op.operation_id, "answers one entity, not a list");
      continue;
    }
    if (shape.entity_type == "time_entry" && !options.include_time_entries) {
      skip(order, op.operation_id, "time entries: include_time_entries is off");
      continue;
    }
    PlannedEndpoint e;
    e.operation = &op;
    e.operation_id = op.operation_id;
    e.shape = shape;
    e.core = core;
    std::string missing;
    for (const auto& p : op.parameters) {
      if (p.in != "query") continue;
      if (p.name == "page") e.page_param = p.name;
      if (p.name == "page-size" || p.name == "pageSize") e.page_size_param = p.name;
      if (p.name == "start" && shape.entity_type == "time_entry") e.time_window = true;
      if (!p.required) continue;
      const std::string value = DefaultValue(p);
      if (value.empty()) {
        missing = p.name;
        break;
      }
      e.fixed_query.emplace_back(p.name, value);
    }
    if (!missing.empty()) {
      skip(order, op.operation_id, "needs query parameter '" + missing + "', which has no default");
      continue;
    }
    if (e.page_param.empty() != e.page_size_param.empty()) {
      e.page_param.clear();
      e.page_size_param.clear();
    }
    std::vector<std::pair<std::string, std::string>> parents;
    for (const auto& parent : shape.parents) {
      if (!FromInstallation(parent.first)) parents.push_back(parent);
    }
    if (parents.size() > 1) {
      skip(order, op.operation_id, "needs more than one parent id");
      continue;
    }
    if (!parents.empty()) {
      if (parents.front().second.empty()) {
        skip(order, op.operation_id,
             "path parameter '" + parents.front().first + "' names no collection");
        continue;
      }
      e.parent_param = parents.front().first;
      e.parent_type = parents.front().second;
    }
    candidates.push_back(Candidate{std::move(e), order, true});
  }

  // Drop dependants whose parent type no kept operation lists, until nothing changes (dropping
  // one may orphan another).
  auto producers_of = [&](const std::string& type, const Candidate* except) {
    std::vector<const Candidate*> out;
    for (const auto& c : candidates) {
      if (c.keep && &c != except && c.endpoint.shape.entity_type == type) out.push_back(&c);
    }
    return out;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& c : candidates) {
      if (!c.keep || c.endpoint.parent_type.empty()) continue;
      if (producers_of(c.endpoint.parent_type, &c).empty()) {
        c.keep = false;
        changed = true;
        skip(c.order, c.endpoint.operation_id,
             "no planned list of " + c.endpoint.parent_type + " fills {" + c.endpoint.parent_param +
                 "}");
      }
    }
  }

  // Stages: a fixed point of "after every producer of my parent", within the group's span.
  std::map<const Candidate*, int> stage;
  for (const auto& c : candidates) {
    if (c.keep) stage[&c] = GroupOf(c.endpoint) * kGroupSpan;
  }
  for (size_t pass = 0; pass < candidates.size() + 1; ++pass) {
    bool changed = false;
    for (const auto& c : candidates) {
      if (!c.keep || c.endpoint.parent_type.empty()) continue;
      int want = stage[&c];
      for (const Candidate* p : producers_of(c.endpoint.parent_type, &c)) {
        want = std::max(want, stage[p] + 1);
      }
      if (want != stage[&c]) {
        stage[&c] = want;
        changed = true;
      }
    }
    if (!changed) break;
  }
  std::vector<const Candidate*> kept;
  for (const auto& c : candidates) {
    if (c.keep) kept.push_back(&c);
  }
  std::stable_sort(kept.begin(), kept.end(), [&](const Candidate* a, const Candidate* b) {
    return stage[a] != stage[b] ? stage[a] < stage[b] : a->order < b->order;
  });
  // Consecutive stage numbers from 0.
  int previous = -1;
  int number = -1;
  for (const Candidate* c : kept) {
    if (stage[c] != previous) {
      previous = stage[c];
      ++number;
    }
    PlannedEndpoint e = c->endpoint;
    e.stage = number;
    plan.endpoints.push_back(std::move(e));
  }
  for (auto& [order, s] : skipped) plan.skipped.push_back(std::move(s));
  return plan;
}

}  // namespace uwh::bootstrap
