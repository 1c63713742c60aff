#include "common/config.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace uwh {
namespace {

constexpr std::string_view kPrefix = "UNIVERSAL_WEBHOOK_";

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads the typed values; every failure names the variable.
class Reader {
 public:
  explicit Reader(const std::map<std::string, std::string>& vars) : vars_(vars) {}

  const std::string* Find(std::string_view name) const {
    auto it = vars_.find(std::string(kPrefix) + std::string(name));
    return it == vars_.end() ? nullptr : &it->second;
  }

  Result<void> String(std::string_view name, std::string* out) const {
    if (const auto* v = Find(name)) *out = *v;
    return {};
  }

  Result<void> Bool(std::string_view name, bool* out) const {
    const auto* v = Find(name);
    if (!v) return {};
    const std::string s = Lower(Trim(*v));
    if (s == "true" || s == "1" || s == "yes" || s == "on") {
      *out = true;
    } else if (s == "false" || s == "0" || s == "no" || s == "off") {
      *out = false;
    } else {
      return Invalid(name, "must be true or false, got '" + *v + "'");
    }
    return {};
  }

  template <typename Int>
  Result<void> Integer(std::string_view name, Int* out, long long min, long long max) const {
    const auto* v = Find(name);
    if (!v) return {};
    const std::string s = Trim(*v);
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno == ERANGE) {
      return Invalid(name, "must be a whole number, got '" + *v + "'");
    }
    if (n < min || n > max) {
      return Invalid(name, "must be between " + std::to_string(min) + " and " +
                               std::to_string(max) + ", got " + s);
    }
    *out = static_cast<Int>(n);
    return {};
  }

  Result<void> List(std::string_view name, std::vector<std::string>* out) const {
    const auto* v = Find(name);
    if (!v) return {};
    out->clear();
    std::stringstream ss(*v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = Trim(item);
      if (!item.empty()) out->push_back(item);
    }
    return {};
  }

  static tl::unexpected<Error> Invalid(std::string_view name, const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                std::string(kPrefix) + std::string(name) + " " + why,
                std::string(kPrefix) + std::string(name));
  }

 private:
  const std::map<std::string, std::string>& vars_;
};

// The backend and, for SQLite, the file (common/database_url.hpp reads every accepted form).
Result<void> CheckDatabaseUrl(Config& config) {
  auto url = ParseDatabaseUrl(config.database_url);
  if (!url) {
    Error error = url.error();
    error.code = "invalid_config";
    return tl::unexpected(std::move(error));
  }
  config.database_kind = url->kind;
  if (url->kind == DatabaseKind::kSqlite) config.sqlite_path = url->sqlite_path;
  return {};
}

Result<void> Load(const Reader& r, Config& c) {
  auto all = {
      r.String("HOST", &c.host),
      r.Integer("PORT", &c.port, 0, 65535),
      r.String("BASE_URL", &c.base_url),
      r.Integer("THREADS", &c.threads, 1, 64),
      r.String("DATABASE_URL", &c.database_url),
      r.Integer("DB_POOL_SIZE", &c.db_pool_size, 1, 100),
      r.String("ENCRYPTION_KEY", &c.encryption_key),
      r.String("ENCRYPTION_KEY_FILE", &c.encryption_key_file),
      r.String("CLOCKIFY_PUBLIC_KEY_PATH", &c.clockify_public_key_path),
      r.Bool("VERIFY_SIGNATURES", &c.verify_signatures),
      r.String("ADMIN_API_KEY", &c.admin_api_key),
      r.String("ADDON_KEY", &c.addon_key),
      r.String("ADDON_NAME", &c.addon_name),
      r.String("SIDEBAR_ACCESS", &c.sidebar_access),
      r.List("MANIFEST_EVENTS", &c.manifest_events),
      r.List("EXTRA_EVENTS", &c.extra_events),
      r.Integer("MAX_BODY_BYTES", &c.max_body_bytes, 1024, 64LL << 20),
      r.Integer("MAX_CONNECTIONS", &c.max_connections, 16, 1'000'000),
      r.Integer("HEADER_TIMEOUT_SECONDS", &c.header_timeout_seconds, 1, 300),
      r.Integer("BODY_TIMEOUT_SECONDS", &c.body_timeout_seconds, 1, 3600),
      r.Integer("MIN_BODY_BYTES_PER_SECOND", &c.min_body_bytes_per_second, 1, 1LL << 30),
      r.Integer("KEEP_ALIVE_TIMEOUT_SECONDS", &c.keep_alive_timeout_seconds, 1, 3600),
      r.Integer("SHUTDOWN_GRACE_SECONDS", &c.shutdown_grace_seconds, 1, 600),
      r.Integer("DEDUP_WINDOW_SECONDS", &c.dedup_window_seconds, 0, 7 * 24 * 3600),
      r.String("LOG_LEVEL", &c.log_level),
      r.String("OPENAPI_PATH", &c.openapi_path),
      r.String("OPENAPI_URL", &c.openapi_url),
      r.String("OPENAPI_CACHE_PATH", &c.openapi_cache_path),
      r.Bool("WEBHOOK_ENABLE_CUSTOM", &c.webhook_enable_custom),
      r.Bool("FLOW_ENABLE_FLOWS", &c.flow_enable_flows),
      r.Bool("FLOW_ENABLE_GENERIC_HTTP_ACTIONS", &c.flow_enable_generic_http_actions),
      r.Bool("HTTP_ACTION_ALLOW_PRIVATE", &c.http_action_allow_private),
      r.Integer("QUEUE_WORKERS", &c.queue_workers, 1, 64),
      r.Integer("QUEUE_LEASE_SECONDS", &c.queue_lease_seconds, 2, 3600),
  };
  for (const auto& result : all) {
    if (!result) return result;
  }
  WorkspaceSettings& d = c.workspace_defaults;
  auto defaults = {
      r.Bool("BOOTSTRAP_RUN_ON_INSTALL", &d.bootstrap_run_on_install),
      r.Bool("BOOTSTRAP_INCLUDE_HEAVY_ENDPOINTS", &d.bootstrap_include_heavy_endpoints),
      r.Integer("BOOTSTRAP_MAX_RPS", &d.bootstrap_max_rps, 1, 50),
      r.Bool("BOOTSTRAP_INCLUDE_TIME_ENTRIES", &d.bootstrap_include_time_entries),
      r.Integer("BOOTSTRAP_TIME_ENTRY_DAYS_BACK", &d.bootstrap_time_entry_days_back, 1, 365),
      r.Integer("WEBHOOK_LOG_RETENTION_DAYS", &d.webhooks_webhook_log_retention_days, 1, 365),
      r.Integer("FLOW_EXECUTION_RETENTION_DAYS", &d.flows_flow_execution_retention_days, 1, 365),
      r.Integer("LOOP_GUARD_LIMIT", &d.flows_loop_guard_limit, 2, 1000),
      r.Integer("CACHE_TTL_DAYS", &d.data_cache_ttl_days, 1, 30),
  };
  for (const auto& result : defaults) {
    if (!result) return result;
  }
  if (const auto* sync = r.Find("DB_SYNCHRONOUS")) {
    const std::string v = Lower(Trim(*sync));
    if (v != "full" && v != "normal") return Reader::Invalid("DB_SYNCHRONOUS", "must be full or normal");
    c.db_synchronous_full = v == "full";
  }
  d.webhooks_enable_custom_webhooks = c.webhook_enable_custom;
  d.flows_enable_flows = c.flow_enable_flows;
  d.flows_enable_generic_http_actions = c.flow_enable_generic_http_actions;

  const std::string level = Lower(c.log_level);
  if (level != "debug" && level != "info" && level != "warning" && level != "warn" &&
      level != "error") {
    return Reader::Invalid("LOG_LEVEL", "must be debug, info, warning or error, got '" +
                                            c.log_level + "'");
  }
  c.log_level = level;
  if (c.sidebar_access != "ADMINS" && c.sidebar_access != "EVERYONE") {
    return Reader::Invalid("SIDEBAR_ACCESS",
                           "must be ADMINS or EVERYONE, got '" + c.sidebar_access + "'");
  }
  if (c.base_url.rfind("http://", 0) != 0 && c.base_url.rfind("https://", 0) != 0) {
    return Reader::Invalid("BASE_URL", "must start with http:// or https://");
  }
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  if (c.addon_key.empty()) return Reader::Invalid("ADDON_KEY", "must not be empty");
  if (c.manifest_events.empty()) c.manifest_events = DefaultManifestEvents();
  if (!r.Find("EXTRA_EVENTS")) c.extra_events = DefaultExtraEvents();
  if (auto ok = CheckDatabaseUrl(c); !ok) return ok;
  if (c.verify_signatures && c.clockify_public_key_path.empty()) {
    return Reader::Invalid(
        "CLOCKIFY_PUBLIC_KEY_PATH",
        "is required while signature verification is on: point it at Clockify's public key "
        "(PEM), or at a development key from `uwh dev keygen`");
  }
  return {};
}

}  // namespace

std::map<std::string, std::string> ParseEnvFile(const std::string& text) {
  std::map<std::string, std::string> vars;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t.rfind("export ", 0) == 0) t = Trim(t.substr(7));
    const auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    std::string key = Trim(t.substr(0, eq));
    std::string value = Trim(t.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = Trim(value.substr(0, hash));
    }
    vars[key] = value;
  }
  return vars;
}

Result<Config> ConfigFromVariables(const std::map<std::string, std::string>& vars) {
  Config config;
  if (auto ok = Load(Reader(vars), config); !ok) return Fail(ok.error());
  return config;
}

Result<Config> LoadConfig(const std::string& env_file) {
  std::map<std::string, std::string> vars;
  if (std::ifstream in(env_file); in) {
    std::stringstream text;
    text << in.rdbuf();
    vars = ParseEnvFile(text.str());
  }
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.substr(0, kPrefix.size()) != kPrefix) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    vars[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  return ConfigFromVariables(vars);
}

const std::vector<std::string>& DefaultManifestEvents() {
  static const std::vector<std::string> events = {
      "NEW_TIME_ENTRY", "TIME_ENTRY_UPDATED", "TIME_ENTRY_DELETED", "NEW_TIMER_STARTED",
      "TIMER_STOPPED",  "NEW_PROJECT",        "NEW_CLIENT",         "NEW_TASK",
      "NEW_TAG",        "USER_JOINED_WORKSPACE"};
  return events;
}

const std::vector<std::string>& DefaultExtraEvents() {
  static const std::vector<std::string> events = {
      "PROJECT_UPDATED", "PROJECT_DELETED", "TASK_UPDATED", "TASK_DELETED",
      "CLIENT_UPDATED",  "CLIENT_DELETED",  "TAG_UPDATED",  "TAG_DELETED",
      "TIME_ENTRY_RESTORED", "TIME_ENTRY_SPLIT"};
  return events;
}

}  // namespace uwh
