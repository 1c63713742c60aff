#pragma once
// The simulated Clockify's data: one Workspace holds everything the REST API serves for it.
// Plain structs; MockState guards them with its mutex.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock/seeded_random.hpp"

namespace uwh::mock {

using TimePoint = std::chrono::system_clock::time_point;
// Insertion-ordered JSON: bodies keep Clockify's field order.
using Json = nlohmann::ordered_json;

struct User {
  std::string id;
  std::string name;
  std::string email;
  std::string role = "USER";  // OWNER, ADMIN or USER (the workspace role)
  std::string status = "ACTIVE";
  std::string time_zone = "Europe/Belgrade";
  int64_t hourly_rate = 0;  // cents
};

struct Client {
  std::string id;
  std::string name;
  std::string email;
  std::string address;
  std::string note;
  bool archived = false;
};

struct Task {
  std::string id;
  std::string project_id;
  std::string name;
  std::string status = "ACTIVE";  // ACTIVE or DONE
  std::string estimate = "PT0S";
  std::vector<std::string> assignee_ids;
  std::vector<std::string> user_group_ids;
  bool billable = true;
};

struct Project {
  std::string id;
  std::string name;
  std::string client_id;  // empty: no client
  std::string color = "#03A9F4";
  std::string note;
  bool billable = true;
  bool is_public = true;
  bool archived = false;
  bool is_template = false;
  int64_t hourly_rate = 0;  // cents
  std::vector<std::string> member_ids;
  std::vector<Task> tasks;
};

struct Tag {
  std::string id;
  std::string name;
  bool archived = false;
};

struct UserGroup {
  std::string id;
  std::string name;
  std::vector<std::string> user_ids;
  std::vector<std::string> manager_ids;
};

struct CustomField {
  std::string id;
  std::string name;
  std::string type;         // TXT, NUMBER, DROPDOWN_SINGLE, DROPDOWN_MULTIPLE, CHECKBOX, LINK
  std::string entity_type;  // TIMEENTRY or USER
  std::string description;
  std::string placeholder;
  std::string status = "VISIBLE";
  std::vector<std::string> allowed_values;
  bool required = false;
  bool only_admin_can_edit = false;
  Json default_value;  // null when none
};

struct CustomFieldValue {
  std::string custom_field_id;
  Json value;
};

struct TimeEntry {
  std::string id;
  std::string user_id;
  std::string project_id;  // empty: none
  std::string task_id;     // empty: none
  std::string description;
  std::vector<std::string> tag_ids;
  bool billable = true;
  TimePoint start;
  std::optional<TimePoint> end;  // nullopt: a running timer
  std::vector<CustomFieldValue> custom_field_values;
  std::string type = "REGULAR";
};

// A webhook Clockify sends: registered with createWebhook (USER_CREATED) or by installing an
// add-on whose manifest lists it (ADDON).
struct Webhook {
  std::string id;
  std::string name;
  std::string url;
  std::string event;
  std::string user_id;  // who created it (USER_CREATED)
  std::string webhook_type = "USER_CREATED";
  std::string addon_id;  // ADDON webhooks: the installation's add-on id
  std::string trigger_source_type = "WORKSPACE_ID";
  std::vector<std::string> trigger_source;
  std::string token;  // the clockify-signature sent with every delivery
  bool enabled = true;
};

// An add-on installed by POST /_mock/install.
struct Installation {
  std::string addon_key;
  std::string addon_id;
  std::string base_url;
  std::string as_user;
  std::string addon_user_id;
  std::string install_token_jti;
  std::map<std::string, std::string> lifecycle_paths;  // INSTALLED → "/lifecycle/installed"
};

struct Workspace {
  std::string id;
  std::string name;
  std::string currency_id;
  int64_t hourly_rate = 0;
  std::vector<User> users;  // users[0] is the OWNER
  std::vector<Client> clients;
  std::vector<Project> projects;
  std::vector<Tag> tags;
  std::vector<UserGroup> groups;
  std::vector<CustomField> custom_fields;
  std::vector<TimeEntry> time_entries;
  std::vector<Webhook> webhooks;
  std::map<std::string, Installation> installations;  // by add-on key
  // Ids of entities created later through the API; deterministic for a given call sequence.
  SeededRandom id_random{0};

  const User* FindUser(std::string_view id) const;
  Client* FindClient(std::string_view id);
  const Client* FindClient(std::string_view id) const;
  Project* FindProject(std::string_view id);
  const Project* FindProject(std::string_view id) const;
  // The task and (through `project`) its project; nullptr when unknown.
  const Task* FindTask(std::string_view task_id, const Project** project = nullptr) const;
  Tag* FindTag(std::string_view id);
  const Tag* FindTag(std::string_view id) const;
  TimeEntry* FindTimeEntry(std::string_view id);
  const CustomField* FindCustomField(std::string_view id) const;
  const UserGroup* FindGroup(std::string_view id) const;
  const User& Owner() const { return users.front(); }
  // A new 24-hex id.
  std::string NewId() { return id_random.ObjectId(); }
};

}  // namespace uwh::mock
