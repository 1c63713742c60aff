#include "app/commands.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <map>
#include <iostream>
#include <thread>
#include <vector>

#include "api/app_context.hpp"
#include "clockify/manifest.hpp"
#include "common/config.hpp"
#include "common/logging.hpp"
#include "http/server.hpp"
#include "mock/mock_service.hpp"
#include "store/store.hpp"

namespace uwh::app {
namespace {

int ConfigError(const Error& error) {
  std::cerr << "uwh: " << error.message << "\n";
  return 2;
}

// "90s", "30m", "2h", "1d", "600" (seconds); a leading '-' for the past.
bool ParseDuration(const std::string& text, std::chrono::seconds* out) {
  if (text.empty()) return false;
  size_t pos = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &pos);
  } catch (...) {
    return false;
  }
  const std::string unit = text.substr(pos);
  long long scale = 1;
  if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else if (!unit.empty() && unit != "s") return false;
  *out = std::chrono::seconds(n * scale);
  return true;
}

// Raises the soft descriptor limit to the hard one (every client connection is a descriptor;
// the usual soft default of 1024 would cap a server at about a thousand clients) and returns the
// limit now in force.
rlim_t RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

}  // namespace

int Serve() {
  auto config = LoadConfig();
  if (!config) return ConfigError(config.error());
  log::SetLevel(config->log_level);
  auto created = api::AppContext::Create(*config, SystemClock::Instance());
  if (!created) return ConfigError(created.error());
  api::AppContext& ctx = **created;

  http::Router router;
  api::RegisterRoutes(router, ctx);

  const int threads = ctx.config.threads;
  asio::io_context ioc(threads);
  http::ServerOptions options;
  options.host = ctx.config.host;
  options.port = ctx.config.port;
  options.max_body_bytes = ctx.config.max_body_bytes;
  options.header_timeout = std::chrono::seconds(ctx.config.header_timeout_seconds);
  options.body_timeout = std::chrono::seconds(ctx.config.body_timeout_seconds);
  options.min_body_rate = ctx.config.min_body_bytes_per_second;
  options.keep_alive_timeout = std::chrono::seconds(ctx.config.keep_alive_timeout_seconds);
  options.max_connections = static_cast<size_t>(ctx.config.max_connections);
  // Descriptors beyond the connections: the database, logs, the blocking pool's calls out.
  constexpr rlim_t kReservedDescriptors = 256;
  const rlim_t descriptors = RaiseDescriptorLimit();
  if (descriptors != RLIM_INFINITY && options.max_connections + kReservedDescriptors > descriptors) {
    options.max_connections =
        descriptors > 2 * kReservedDescriptors ? descriptors - kReservedDescriptors : descriptors / 2;
    log::Warn("UNIVERSAL_WEBHOOK_MAX_CONNECTIONS lowered to fit the descriptor limit",
              {{"max_connections", std::to_string(options.max_connections)},
               {"descriptor_limit", std::to_string(descriptors)}});
  }
  http::Server server(ioc, options, router);
  auto port = server.Listen();
  if (!port) return ConfigError(port.error());
  server.Start();
  ctx.StartBackgroundWork();
  log::Info("listening", {{"host", ctx.config.host},
                          {"port", std::to_string(*port)},
                          {"manifest", ctx.config.base_url + "/manifest"},
                          {"ui", ctx.config.base_url + "/ui"}});

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer deadline(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    log::Info("shutting down: finishing requests in flight",
              {{"connections", std::to_string(server.ActiveConnections())}});
    server.Stop([&ioc] { asio::post(ioc, [&ioc] { ioc.stop(); }); });
    // A request that never finishes must not hold the process forever.
    deadline.expires_after(std::chrono::seconds(ctx.config.shutdown_grace_seconds));
    deadline.async_wait([&ioc, &server](const boost::system::error_code& e) {
      if (e) return;
      log::Warn("shutdown grace period over: closing the connections left",
                {{"connections", std::to_string(server.ActiveConnections())}});
      ioc.stop();
    });
  });

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  ctx.Shutdown();
  log::Info("stopped");
  return 0;
}

int Migrate() {
  auto config = LoadConfig();
  if (!config) return ConfigError(config.error());
  log::SetLevel(config->log_level);
  store::StoreOptions options;
  options.synchronous_full = config->db_synchronous_full;
  options.pool_size = 1;
  auto store = store::OpenStore(config->database_url, options);
  if (!store) return ConfigError(store.error());
  auto version = (*store)->Migrate();
  if (!version) return ConfigError(version.error());
  std::cout << "schema version " << *version << "\n";
  return 0;
}

int PrintManifest() {
  // The manifest needs no key and no database: read the configuration leniently.
  auto config = LoadConfig();
  if (!config && config.error().field != "UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH") {
    return ConfigError(config.error());
  }
  Config c;
  if (config) {
    c = *config;
  } else {
    std::map<std::string, std::string> vars;
    for (char** e = environ; e && *e; ++e) {
      std::string entry(*e);
      const auto eq = entry.find('=');
      if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    vars["UNIVERSAL_WEBHOOK_VERIFY_SIGNATURES"] = "false";
    auto relaxed = ConfigFromVariables(vars);
    if (!relaxed) return ConfigError(relaxed.error());
    c = *relaxed;
  }
  if (auto ok = clockify::ValidateManifestConfig(c); !ok) return ConfigError(ok.error());
  std::cout << clockify::BuildManifest(c) << "\n";
  return 0;
}

int DevKeygen(const std::string& out_dir) {
  if (auto ok = clockify::WriteDevKeyPair(out_dir); !ok) return ConfigError(ok.error());
  std::cout << "wrote " << out_dir << "/private.pem and " << out_dir << "/public.pem\n"
            << "trust it: UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH=" << out_dir << "/public.pem\n";
  return 0;
}

int DevToken(DevTokenOptions options) {
  if (!options.ttl.empty()) {
    std::chrono::seconds ttl{};
    if (!ParseDuration(options.ttl, &ttl)) {
      std::cerr << "uwh: --ttl must look like 90s, 30m, 2h or -5m, got '" << options.ttl << "'\n";
      return 2;
    }
    options.request.ttl = ttl;
  }
  auto signer = clockify::JwtSigner::FromPemFile(options.key_path);
  if (!signer) {
    std::cerr << "uwh: " << signer.error().message
              << " (create one with `uwh dev keygen`)\n";
    return 2;
  }
  auto claims = clockify::DevTokenClaims(options.request, SystemClock::Instance());
  if (!claims) return ConfigError(claims.error());
  auto token = signer->Sign(*claims);
  if (!token) return ConfigError(token.error());
  std::cout << *token << "\n";
  return 0;
}

int MockClockify(const MockClockifyOptions& o) {
  if (!log::SetLevel(o.log_level)) {
    std::cerr << "uwh: unknown --log-level '" << o.log_level << "'\n";
    return 2;
  }
  mock::MockOptions options;
  options.host = o.host;
  options.port = o.port;
  options.private_key_path = o.key_path;
  options.public_key_path = o.public_key_path;
  options.seed = o.seed;
  options.workspace_ids = o.workspaces;
  options.openapi_path = o.openapi_path;
  if (options.openapi_path.empty()) {
    if (const char* env = std::getenv("UNIVERSAL_WEBHOOK_OPENAPI_PATH")) options.openapi_path = env;
  }
  options.rate_limit_per_second = o.rate_limit;
  options.seed_sizes.users = o.users;
  options.allow_remote_control = o.allow_remote_control;
  auto service = mock::MockService::Create(options, SystemClock::Instance());
  if (!service) return ConfigError(service.error());

  http::Router router;
  (*service)->RegisterRoutes(router);
  const int threads = std::max(1, o.threads);
  asio::io_context ioc(threads);
  http::ServerOptions server_options;
  server_options.host = o.host;
  server_options.port = o.port;
  server_options.max_body_bytes = 8 << 20;
  http::Server server(ioc, server_options, router);
  auto port = server.Listen();
  if (!port) return ConfigError(port.error());
  const std::string url =
      o.public_url.empty() ? "http://" + o.host + ":" + std::to_string(*port) : o.public_url;
  (*service)->SetPublicUrl(url);
  server.Start();
  log::Info("listening", {{"host", o.host},
                          {"port", std::to_string(*port)},
                          {"backend_url", (*service)->BackendUrl()},
                          {"reports_url", (*service)->ReportsUrl()},
                          {"workspace_id", (*service)->FirstWorkspaceId()}});
  if (!o.install_manifest_url.empty()) {
    (*service)->InstallInBackground(o.install_manifest_url, "");
  }

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.Stop([&ioc] { asio::post(ioc, [&ioc] { ioc.stop(); }); });
  });
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  (*service)->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace uwh::app
