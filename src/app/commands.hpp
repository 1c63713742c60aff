#pragma once
// The subcommands of `uwh`. Each returns the process exit code.
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

}  // namespace uwh::app
