#include "bootstrap/entity_data.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

#include "bootstrap/entity_types.hpp"

namespace uwh::bootstrap {
namespace {

using nlohmann::json;

bool IsSecretName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower.ends_with("token")) return true;
  static constexpr std::array<std::string_view, 3> kWords = {"secret", "password", "apikey"};
  for (std::string_view w : kWords) {
    if (lower.find(w) != std::string::npos) return true;
  }
  return false;
}

std::string IdText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  return {};
}

}  // namespace

void RemoveSecrets(json& entity) {
  if (entity.is_object()) {
    for (auto it = entity.begin(); it != entity.end();) {
      if (IsSecretName(it.key())) {
        it = entity.erase(it);
      } else {
        RemoveSecrets(*it);
        ++it;
      }
    }
  } else if (entity.is_array()) {
    for (auto& item : entity) RemoveSecrets(item);
  }
}

void RedactSecrets(json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (IsSecretName(it.key())) {
        *it = "[redacted]";
      } else {
        RedactSecrets(*it);
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) RedactSecrets(item);
  }
}

std::string EntityIdOf(const json& entity, const std::string& base_type) {
  if (!entity.is_object()) return {};
  if (auto it = entity.find("id"); it != entity.end()) {
    if (std::string id = IdText(*it); !id.empty()) return id;
  }
  if (auto it = entity.find(LowerCamel(base_type)); it != entity.end() && it->is_object()) {
    if (auto id = it->find("id"); id != it->end()) return IdText(*id);
  }
  return {};
}

}  // namespace uwh::bootstrap
