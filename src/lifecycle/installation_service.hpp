#pragma once
// The add-on lifecycle (SPEC §4.2): install, uninstall, settings and status changes, each
// authenticated by Clockify's lifecycle token. Later capabilities (bootstrap, extra webhook
// registration, flow pausing) attach as LifecycleListeners instead of editing this class.
#include <string>
#include <string_view>
#include <vector>

#include "clockify/jwt.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "lifecycle/token_directory.hpp"
#include "store/store.hpp"

namespace uwh::lifecycle {

// Called after a lifecycle change is committed, on the thread that handled it (a blocking-work
// thread): do little, hand long work to your own threads.
class LifecycleListener {
 public:
  virtual ~LifecycleListener() = default;
  virtual void OnInstalled(const store::Installation& /*installation*/,
                           const WorkspaceSettings& /*settings*/) {}
  virtual void OnUninstalled(const std::string& /*workspace_id*/) {}
  virtual void OnSettingsUpdated(const std::string& /*workspace_id*/,
                                 const WorkspaceSettings& /*before*/,
                                 const WorkspaceSettings& /*after*/) {}
  virtual void OnStatusChanged(const std::string& /*workspace_id*/, bool /*active*/) {}
};

// Thread-safe. Every method is blocking (it writes the store): call it off the HTTP threads.
class InstallationService {
 public:
  // `verifier` null means signatures are not verified (development only).
  InstallationService(const Config& config, store::Store& store, const SecretBox& secrets,
                      const clockify::JwtVerifier* verifier, const Clock& clock,
                      TokenDirectory& directory);

  // Not thread-safe: add listeners before serving.
  void AddListener(LifecycleListener* listener);

  // `token` is the X-Addon-Lifecycle-Token header, `body` the request body. Errors:
  // kUnauthenticated invalid_signature (bad/missing token, or its workspace is not the body's),
  // kInvalidArgument invalid_json / validation_failed (naming the field), kNotFound for a workspace
  // that never installed (all but Installed).
  [[nodiscard]] Result<store::Installation> Installed(std::string_view token, std::string_view body);
  [[nodiscard]] Result<void> Uninstalled(std::string_view token, std::string_view body);
  [[nodiscard]] Result<WorkspaceSettings> SettingsUpdated(std::string_view token,
                                                          std::string_view body);
  [[nodiscard]] Result<void> StatusChanged(std::string_view token, std::string_view body);

  // The workspace's effective settings (server defaults overlaid by its own).
  [[nodiscard]] Result<WorkspaceSettings> Settings(const std::string& workspace_id);

 private:
  // Verifies the lifecycle token and returns the body parsed, with workspaceId checked equal.
  struct Verified;
  Result<Verified> Authenticate(std::string_view token, std::string_view body);
  bool IsStoredToken(std::string_view token, const std::string& workspace_id);

  const Config& config_;
  store::Store& store_;
  const SecretBox& secrets_;
  const clockify::JwtVerifier* verifier_;
  const Clock& clock_;
  TokenDirectory& directory_;
  std::vector<LifecycleListener*> listeners_;
};

// The event a webhook path is for: "/webhooks/clockify/NEW_PROJECT" (or a full URL ending so) →
// "NEW_PROJECT"; empty when the path names none.
std::string EventOfWebhookPath(std::string_view path);

}  // namespace uwh::lifecycle
