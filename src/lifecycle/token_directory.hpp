#pragma once
// Which installation and event a webhook signature token belongs to, cached in memory so the
// ingestion path neither queries the database nor re-verifies RSA signatures for known tokens.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/store.hpp"

namespace uwh::lifecycle {

struct TokenBinding {
  std::string workspace_id;
  std::string event_type;        // "*" when bound to no single event (signatures off)
  bool installed = false;        // an active installation
  bool status_active = true;     // STATUS_CHANGED: ACTIVE (true) or INACTIVE
};

// Thread-safe. Entries live `ttl` (so other instances' lifecycle changes are seen) and are
// dropped at once when this instance changes the workspace.
class TokenDirectory {
 public:
  TokenDirectory(store::Store& store, const Clock& clock,
                 std::chrono::seconds ttl = std::chrono::seconds(30));

  // The cached binding of a token hash, if any (no I/O).
  std::optional<TokenBinding> Cached(const std::string& token_hash);
  // Blocking: reads the token and its installation, caches the answer. kNotFound when the token
  // is not stored.
  [[nodiscard]] Result<TokenBinding> Load(const std::string& token_hash);
  // Blocking: the binding of a workspace when signatures are not verified (event "*").
  [[nodiscard]] Result<TokenBinding> LoadWorkspace(const std::string& workspace_id);

  void InvalidateWorkspace(const std::string& workspace_id);

 private:
  struct Entry {
    TokenBinding binding;
    std::chrono::system_clock::time_point expires;
  };
  Result<TokenBinding> Bind(const std::string& workspace_id, const std::string& event_type);

  store::Store& store_;
  const Clock& clock_;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by token hash (or "ws:" + workspace id)
};

}  // namespace uwh::lifecycle
