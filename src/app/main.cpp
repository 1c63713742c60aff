// uwh: one binary, subcommands (SPEC §2).
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Universal Webhook for Clockify"};
  app.require_subcommand(1);

  auto* serve = app.add_subcommand("serve", "Run the add-on server (configured by UNIVERSAL_WEBHOOK_* variables and .env)");
  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations and exit");
  auto* manifest = app.add_subcommand("manifest", "Print the add-on manifest (JSON)");
  auto* version = app.add_subcommand("version", "Print the version");

  auto* dev = app.add_subcommand("dev", "Development helpers: a local signing key and tokens");
  dev->require_subcommand(1);
  std::string key_dir = "./data/dev-keys";
  auto* keygen = dev->add_subcommand("keygen", "Write a development RSA key pair (private.pem, public.pem)");
  keygen->add_option("--out", key_dir, "Directory for the key pair")->capture_default_str();

  uwh::app::DevTokenOptions token;
  token.key_path = "./data/dev-keys/private.pem";
  std::string kind = "install";
  std::vector<std::string> claims;
  auto* tok = dev->add_subcommand("token", "Print a token signed by the development key, with Clockify's claims");
  tok->add_option("--kind", kind, "install, user, webhook or lifecycle")
      ->check(CLI::IsMember({"install", "user", "webhook", "lifecycle"}))
      ->capture_default_str();
  tok->add_option("--workspace", token.request.workspace_id, "Workspace id")->required();
  tok->add_option("--role", token.request.role, "workspaceRole of a user token")->capture_default_str();
  tok->add_option("--ttl", token.ttl, "Lifetime: 90s, 30m, 2h; negative for an expired token");
  tok->add_option("--claim", claims, "Extra or overriding claim name=value (repeatable)");
  tok->add_option("--key", token.key_path, "Development private key (PEM)")->capture_default_str();
  tok->add_option("--addon-key", token.request.addon_key, "The add-on key (sub claim)")->capture_default_str();
  tok->add_option("--addon-id", token.request.addon_id, "addonId claim")->capture_default_str();
  tok->add_option("--user", token.request.user_id, "user claim")->capture_default_str();
  tok->add_option("--backend-url", token.request.backend_url, "backendUrl claim")->capture_default_str();
  tok->add_option("--reports-url", token.request.reports_url, "reportsUrl claim")->capture_default_str();

  uwh::app::MockClockifyOptions mock;
  auto* mock_cmd = app.add_subcommand("mock-clockify", "Run the simulated Clockify (API, webhooks, add-on install) for tests and demos");
  mock_cmd->add_option("--host", mock.host, "Address to listen on")->capture_default_str();
  mock_cmd->add_option("--port", mock.port, "Port (0: any free port)")->capture_default_str();
  mock_cmd->add_option("--key", mock.key_path, "Private key (PEM) the mock signs its tokens with")->capture_default_str();
  mock_cmd->add_option("--public-key", mock.public_key_path, "Public key to verify X-Addon-Token (default: derived from --key)");
  mock_cmd->add_option("--seed", mock.seed, "Seed of the generated data")->capture_default_str();
  mock_cmd->add_option("--workspace", mock.workspaces, "Workspace id to seed (repeatable; default: one derived from the seed)");
  mock_cmd->add_option("--install-manifest", mock.install_manifest_url, "Install this add-on (manifest URL) once listening");
  mock_cmd->add_option("--openapi", mock.openapi_path, "Clockify's openapi.json: unmodelled operations answer an example (default: UNIVERSAL_WEBHOOK_OPENAPI_PATH)");
  mock_cmd->add_option("--public-url", mock.public_url, "URL the add-on reaches the mock at (default: http://host:port)");
  mock_cmd->add_option("--rate-limit", mock.rate_limit, "Requests per second per workspace before 429")->capture_default_str();
  mock_cmd->add_option("--users", mock.users, "Users seeded per workspace (owner, admin, then users)")
      ->check(CLI::Range(2, 200))
      ->capture_default_str();
  mock_cmd->add_option("--threads", mock.threads, "HTTP threads")->capture_default_str();
  mock_cmd->add_option("--log-level", mock.log_level, "debug, info, warning or error")->capture_default_str();
  mock_cmd->add_flag("--allow-remote-control", mock.allow_remote_control, "Serve /_mock on a non-loopback address too");

  uwh::app::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "See it work in a minute: a simulated Clockify installs the add-on, which caches the workspace, runs two example flows on real webhooks, and says what happened");
  demo_cmd->add_option("--dir", demo.dir, "Data directory, kept afterwards (default: a temporary one, removed on exit)");
  auto* demo_port = demo_cmd->add_option("--port", demo.port, "The add-on server's port (default 8001, or any free one when 8001 is taken)");
  demo_cmd->add_option("--mock-port", demo.mock_port, "The simulated Clockify's port (0: any free port)")->capture_default_str();
  demo_cmd->add_option("--openapi", demo.openapi_path, "Clockify's openapi.json (default: UNIVERSAL_WEBHOOK_OPENAPI_PATH)");
  demo_cmd->add_option("--seed", demo.seed, "Seed of the simulated Clockify's data")->capture_default_str();
  demo_cmd->add_flag("--once", demo.once, "Exit after the story instead of running until Ctrl-C (tests, CI)");
  demo_cmd->add_option("--log-level", demo.log_level, "Log lines of both servers: debug, info, warning or error")->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  if (*serve) return uwh::app::Serve();
  if (*migrate) return uwh::app::Migrate();
  if (*manifest) return uwh::app::PrintManifest();
  if (*version) {
    std::cout << "uwh " << UWH_VERSION << "\n";
    return 0;
  }
  if (*keygen) return uwh::app::DevKeygen(key_dir);
  if (*mock_cmd) return uwh::app::MockClockify(mock);
  if (*demo_cmd) {
    demo.port_given = demo_port->count() > 0;
    return uwh::app::Demo(demo);
  }
  if (*tok) {
    using uwh::clockify::TokenKind;
    token.request.kind = kind == "user"      ? TokenKind::kUser
                         : kind == "webhook" ? TokenKind::kWebhook
                         : kind == "lifecycle" ? TokenKind::kLifecycle
                                               : TokenKind::kInstall;
    for (const auto& c : claims) {
      const auto eq = c.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "uwh: --claim must be name=value, got '" << c << "'\n";
        return 2;
      }
      token.request.extra_claims.emplace_back(c.substr(0, eq), c.substr(eq + 1));
    }
    return uwh::app::DevToken(std::move(token));
  }
  return 0;
}
