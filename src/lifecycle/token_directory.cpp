#include "lifecycle/token_directory.hpp"

namespace uwh::lifecycle {

TokenDirectory::TokenDirectory(store::Store& store, const Clock& clock, std::chrono::seconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

std::optional<TokenBinding> TokenDirectory::Cached(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token_hash);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= clock_.Now()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.binding;
}

Result<TokenBinding> TokenDirectory::Bind(const std::string& workspace_id,
                                          const std::string& event_type) {
  TokenBinding binding;
  binding.workspace_id = workspace_id;
  binding.event_type = event_type;
  auto installation = store_.GetInstallation(workspace_id);
  if (installation) {
    binding.installed = installation->is_active;
    binding.status_active = installation->status != "INACTIVE";
  } else if (installation.error().kind != ErrorCode::kNotFound) {
    return Fail(installation.error());
  }
  return binding;
}

Result<TokenBinding> TokenDirectory::Load(const std::string& token_hash) {
  auto token = store_.FindWebhookToken(token_hash);
  if (!token) return Fail(token.error());
  auto binding = Bind(token->workspace_id, token->event_type);
  if (!binding) return binding;
  std::lock_guard lock(mutex_);
  entries_[token_hash] = Entry{*binding, clock_.Now() + ttl_};
  return binding;
}

Result<TokenBinding> TokenDirectory::LoadWorkspace(const std::string& workspace_id) {
  const std::string key = "ws:" + workspace_id;
  if (auto cached = Cached(key)) return *cached;
  auto binding = Bind(workspace_id, "*");
  if (!binding) return binding;
  std::lock_guard lock(mutex_);
  entries_[key] = Entry{*binding, clock_.Now() + ttl_};
  return binding;
}

void TokenDirectory::InvalidateWorkspace(const std::string& workspace_id) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.binding.workspace_id == workspace_id) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace uwh::lifecycle
