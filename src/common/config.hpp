#pragma once
// Server configuration from UNIVERSAL_WEBHOOK_* environment variables and a .env file.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/database_url.hpp"
#include "common/error.hpp"

namespace uwh {

// Per-workspace settings (manifest structured settings, SPEC §7). The server-wide values are the
// defaults a new installation starts with; a workspace's own settings then override them.
struct WorkspaceSettings {
  bool bootstrap_run_on_install = true;
  bool bootstrap_include_heavy_endpoints = false;
  int bootstrap_max_rps = 25;
  bool bootstrap_include_time_entries = true;
  int bootstrap_time_entry_days_back = 30;
  bool webhooks_enable_custom_webhooks = true;
  int webhooks_webhook_log_retention_days = 90;
  bool flows_enable_flows = true;
  bool flows_enable_generic_http_actions = false;
  int flows_flow_execution_retention_days = 30;
  int flows_loop_guard_limit = 10;
  int data_cache_ttl_days = 7;
};

struct Config {
  // Where and how to serve.
  std::string host = "0.0.0.0";
  uint16_t port = 8001;
  std::string base_url = "http://localhost:8001";
  int threads = 2;

  // Storage.
  DatabaseKind database_kind = DatabaseKind::kSqlite;
  std::string database_url = "sqlite:///./universal_webhook.db";
  std::string sqlite_path = "./universal_webhook.db";  // when database_kind is kSqlite
  // SQLite synchronous=FULL, PostgreSQL synchronous_commit on (else NORMAL / off).
  bool db_synchronous_full = true;
  int db_pool_size = 8;  // PostgreSQL connections at most

  // Secrets and trust.
  std::string encryption_key;         // base64 or hex of 32 bytes; empty: use the key file
  std::string encryption_key_file = "./data/encryption.key";
  std::string clockify_public_key_path;
  bool verify_signatures = true;
  std::string admin_api_key;

  // The add-on.
  std::string addon_key = "universal-webhook";
  std::string addon_name = "Universal Webhook";
  std::string sidebar_access = "ADMINS";  // ADMINS or EVERYONE
  std::vector<std::string> manifest_events;
  std::vector<std::string> extra_events;

  // Requests.
  int64_t max_body_bytes = 1 << 20;
  // Connections (slow clients, floods; see http::ServerOptions) and the graceful stop.
  int max_connections = 10000;
  int header_timeout_seconds = 10;
  int body_timeout_seconds = 10;
  int64_t min_body_bytes_per_second = 32 * 1024;
  int keep_alive_timeout_seconds = 60;
  int shutdown_grace_seconds = 10;  // SIGTERM: how long requests in flight may take to finish
  int dedup_window_seconds = 300;
  std::string log_level = "info";

  // OpenAPI document.
  std::string openapi_path;
  std::string openapi_url;
  std::string openapi_cache_path = "./data/openapi.json";  // where a downloaded document is kept

  // Operator master switches (SPEC §7): a feature runs only when this and the workspace setting
  // are both on.
  bool webhook_enable_custom = true;
  bool flow_enable_flows = true;
  bool flow_enable_generic_http_actions = false;
  bool http_action_allow_private = false;

  // The webhook queue (SPEC §6.4): worker threads, and how long a claim lives without its
  // holder's heartbeat (the delay before another worker takes up a crashed one's workspace).
  int queue_workers = 2;
  int queue_lease_seconds = 30;

  // Defaults for new installations.
  WorkspaceSettings workspace_defaults;
};

// Reads the environment (and the .env file at `env_file` when it exists; variables already in the
// environment win). Fails with a message naming the variable when a value is invalid.
[[nodiscard]] Result<Config> LoadConfig(const std::string& env_file = ".env");

// The same from an explicit variable map (for tests): keys are full names.
[[nodiscard]] Result<Config> ConfigFromVariables(const std::map<std::string, std::string>& vars);

// Parses KEY=VALUE lines (comments, blank lines, optional quotes, optional `export `).
std::map<std::string, std::string> ParseEnvFile(const std::string& text);

// The default manifest events of SPEC §8.
const std::vector<std::string>& DefaultManifestEvents();
const std::vector<std::string>& DefaultExtraEvents();

}  // namespace uwh
