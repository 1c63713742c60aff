#include "mock/model.hpp"

#include <algorithm>

namespace uwh::mock {
namespace {

template <typename Vec>
auto FindById(Vec& items, std::string_view id) -> decltype(&items.front()) {
  auto it = std::find_if(items.begin(), items.end(), [&](const auto& x) { return x.id == id; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const User* Workspace::FindUser(std::string_view id) const { return FindById(users, id); }
Client* Workspace::FindClient(std::string_view id) { return FindById(clients, id); }
const Client* Workspace::FindClient(std::string_view id) const { return FindById(clients, id); }
Project* Workspace::FindProject(std::string_view id) { return FindById(projects, id); }
const Project* Workspace::FindProject(std::string_view id) const {
  return FindById(projects, id);
}
Tag* Workspace::FindTag(std::string_view id) { return FindById(tags, id); }
const Tag* Workspace::FindTag(std::string_view id) const { return FindById(tags, id); }
TimeEntry* Workspace::FindTimeEntry(std::string_view id) { return FindById(time_entries, id); }
const CustomField* Workspace::FindCustomField(std::string_view id) const {
  return FindById(custom_fields, id);
}
const UserGroup* Workspace::FindGroup(std::string_view id) const { return FindById(groups, id); }

const Task* Workspace::FindTask(std::string_view task_id, const Project** project) const {
  for (const auto& p : projects) {
    for (const auto& t : p.tasks) {
      if (t.id == task_id) {
        if (project != nullptr) *project = &p;
        return &t;
      }
    }
  }
  return nullptr;
}

}  // namespace uwh::mock
