#pragma once
// The subcommands of `uwh`. Each returns the process exit code.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "clockify/jwt.hpp"

namespace uwh::app {

int Serve();
int Migrate();
int PrintManifest();
int DevKeygen(const std::string& out_dir);

struct DevTokenOptions {
  clockify::DevTokenRequest request;
  std::string key_path;
  std::string ttl;  // "30m", "2h", "90s", "-5m" (already expired); empty: the kind's default
};
int DevToken(DevTokenOptions options);

// `uwh mock-clockify`: the simulated Clockify (SPEC §12) until SIGINT/SIGTERM.
struct MockClockifyOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8090;  // 0: any free port (logged in the "listening" line)
  std::string key_path = "./data/dev-keys/private.pem";
  std::string public_key_path;  // empty: derived from the private key
  uint64_t seed = 1;
  std::vector<std::string> workspaces;  // empty: one, derived from the seed
  std::string install_manifest_url;     // install this add-on once listening
  std::string openapi_path;  // empty: UNIVERSAL_WEBHOOK_OPENAPI_PATH, else unmodelled ops 404
  std::string public_url;    // empty: http://host:port
  size_t rate_limit = 50;
  int users = 8;  // seeded users per workspace (the first is the owner, the second an admin)
  int threads = 2;
  std::string log_level = "info";
  bool allow_remote_control = false;
};
int MockClockify(const MockClockifyOptions& options);

// `uwh demo`: the simulated Clockify and the server in one process, an install, the bootstrap,
// two example flows, webhooks and their executions, told in plain words; then it keeps running
// until SIGINT/SIGTERM (or exits with `once`). 0 when every step worked, 1 when one failed (the
// message says which), 2 for bad options.
struct DemoOptions {
  std::string dir;            // data directory (kept); empty: a temporary one, removed at exit
  uint16_t port = 8001;       // the add-on server's port; taken from 0 (any) when not free
  bool port_given = false;    // --port given: a busy port is an error instead
  uint16_t mock_port = 0;     // the simulated Clockify's port (0: any free one)
  std::string openapi_path;   // empty: UNIVERSAL_WEBHOOK_OPENAPI_PATH
  uint64_t seed = 1;
  bool once = false;
  std::string log_level = "error";
};
int Demo(const DemoOptions& options);

}  // namespace uwh::app
