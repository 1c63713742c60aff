#include "mock/mock_service.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "clockify/event_types.hpp"
#include "common/crypto.hpp"
#include "common/logging.hpp"
#include "mock/outbound.hpp"
#include "mock/render.hpp"

namespace uwh::mock {
namespace {

// Thrown by a handler to close the connection without an answer (the drop_connections fault).
// Deliberately not a std::exception: the server turns those into a 500, this one ends the
// session, which closes the socket.
struct DropConnection {};

Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config", "cannot read " + what + " " + path,
                what);
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The PEM public key of a PEM private key.
Result<std::string> PublicPemOf(const std::string& private_pem) {
  BIO* in = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
  EVP_PKEY* key = in ? PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr) : nullptr;
  if (in) BIO_free(in);
  if (key == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config", "the key is not a PEM private key",
                "key");
  }
  BIO* out = BIO_new(BIO_s_mem());
  std::string pem;
  if (out != nullptr && PEM_write_bio_PUBKEY(out, key) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(out, &data);
    if (n > 0 && data != nullptr) pem.assign(data, static_cast<size_t>(n));
  }
  if (out) BIO_free(out);
  EVP_PKEY_free(key);
  if (pem.empty()) {
    return Fail(ErrorCode::kInternal, "key_error", "cannot derive the public key");
  }
  return pem;
}

bool IsLoopback(const std::string& host) {
  return host.starts_with("127.") || host == "::1" || host == "localhost";
}

std::string JoinUrl(const std::string& base, const std::string& path) {
  if (path.starts_with("http://") || path.starts_with("https://")) return path;
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + (path.starts_with("/") ? path : "/" + path);
}

std::string Target(const http::Request& req) {
  std::string out = req.path;
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    out += sep + k + "=" + v;
    sep = '&';
  }
  return out;
}

std::string Excerpt(const std::string& s) { return s.size() > 300 ? s.substr(0, 300) + "…" : s; }

http::Response Problem(const http::Request& req, const Error& e) {
  return http::Response::FromError(e, req.request_id);
}

Result<Json> ParseControlBody(const http::Request& req) {
  if (req.body.empty()) return Json::object();
  Json body = Json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the body must be a JSON object");
  }
  return body;
}

// ?limit= of the control API's lists (default 200).
Result<size_t> LimitQuery(const http::Request& req) {
  const std::string* l = req.Query("limit");
  if (l == nullptr) return size_t{200};
  try {
    return static_cast<size_t>(std::stoul(*l));
  } catch (...) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed", "limit must be a number",
                "limit");
  }
}

std::string Str(const Json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Runs `fn` on `pool`. Capture by reference only: g++ 12 destroys a temporary with a non-trivial
// destructor inside a co_await expression twice, so a lambda owning a std::string here corrupts
// the heap (see Offload in api/app_context.hpp).
template <typename F>
asio::awaitable<std::invoke_result_t<F&>> OffloadTo(asio::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F&>;
  co_return co_await asio::co_spawn(
      pool.get_executor(), [fn = std::move(fn)]() mutable -> asio::awaitable<R> { co_return fn(); },
      asio::use_awaitable);
}

}  // namespace

Result<std::unique_ptr<MockService>> MockService::Create(MockOptions options, const Clock& clock) {
  if (options.private_key_path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config",
                "--key: the private key (PEM) that signs the mock's tokens is required", "key");
  }
  auto private_pem = ReadFile(options.private_key_path, "key");
  if (!private_pem) return Fail(private_pem.error());
  auto signer = clockify::JwtSigner::FromPem(*private_pem);
  if (!signer) return Fail(signer.error());
  std::string public_pem;
  if (!options.public_key_path.empty()) {
    auto read = ReadFile(options.public_key_path, "public-key");
    if (!read) return Fail(read.error());
    public_pem = *read;
  } else {
    auto derived = PublicPemOf(*private_pem);
    if (!derived) return Fail(derived.error());
    public_pem = *derived;
  }
  auto verifier = clockify::JwtVerifier::FromPem(public_pem);
  if (!verifier) return Fail(verifier.error());
  std::shared_ptr<const SchemaExamples> examples;
  if (!options.openapi_path.empty()) {
    auto loaded = SchemaExamples::FromFile(options.openapi_path);
    if (!loaded) return Fail(loaded.error());
    examples = *loaded;
  }
  if (options.rate_limit_per_second == 0) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_config", "the rate limit must be positive",
                "rate-limit");
  }
  std::unique_ptr<MockService> service(
      new MockService(std::move(options), clock, std::move(*signer), std::move(*verifier),
                      std::move(examples)));
  {
    std::lock_guard lock(service->mutex_);
    std::vector<std::string> ids = service->options_.workspace_ids;
    if (ids.empty()) ids.push_back(DefaultWorkspaceId(service->options_.seed));
    for (const auto& id : ids) service->EnsureWorkspaceLocked(id);
  }
  return service;
}

MockService::MockService(MockOptions options, const Clock& clock, clockify::JwtSigner signer,
                         clockify::JwtVerifier verifier,
                         std::shared_ptr<const SchemaExamples> examples)
    : options_(std::move(options)),
      clock_(clock),
      signer_(std::move(signer)),
      verifier_(std::move(verifier)),
      examples_(std::move(examples)),
      rate_(options_.rate_limit_per_second, std::chrono::milliseconds(1000)),
      faults_(MixSeed(options_.seed, "faults")),
      sender_(options_.sender) {}

MockService::~MockService() { Shutdown(); }

void MockService::Shutdown() {
  if (stopping_.exchange(true)) return;
  sender_.Stop();
  blocking_.stop();
  blocking_.join();
}

void MockService::SetPublicUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::lock_guard lock(mutex_);
  public_url_ = std::move(url);
}

std::string MockService::BackendUrl() const {
  std::lock_guard lock(mutex_);
  return public_url_ + "/api";
}

std::string MockService::ReportsUrl() const {
  std::lock_guard lock(mutex_);
  return public_url_ + "/reports";
}

Workspace& MockService::EnsureWorkspaceLocked(const std::string& id) {
  auto it = workspaces_.find(id);
  if (it != workspaces_.end()) return *it->second;
  auto ws = std::make_unique<Workspace>(
      SeedWorkspace(id, options_.seed, clock_.Now(), options_.seed_sizes));
  log::Info("mock: workspace seeded", {{"workspace_id", id},
                                       {"users", std::to_string(ws->users.size())},
                                       {"projects", std::to_string(ws->projects.size())},
                                       {"time_entries", std::to_string(ws->time_entries.size())}});
  workspace_order_.push_back(id);
  return *workspaces_.emplace(id, std::move(ws)).first->second;
}

std::string MockService::FirstWorkspaceId() const {
  std::lock_guard lock(mutex_);
  return workspace_order_.empty() ? std::string() : workspace_order_.front();
}

std::vector<Delivery> MockService::DeliveriesLocked(const Workspace& ws,
                                                    const std::vector<Event>& events) {
  std::vector<Delivery> out;
  for (const auto& e : events) {
    const auto recipients = Recipients(ws, e);
    if (recipients.empty()) continue;
    const std::string body = e.body.dump(2, ' ', false, Json::error_handler_t::replace);
    for (const Webhook* w : recipients) {
      out.push_back(Delivery{ws.id, e.type, w->id, w->url, w->token, body});
    }
  }
  return out;
}

std::string MockService::Sign(const clockify::DevTokenRequest& request) const {
  auto claims = clockify::DevTokenClaims(request, clock_);
  if (!claims) return {};
  auto token = signer_.Sign(*claims);
  return token ? *token : std::string();
}

std::string MockService::MintWebhookToken(const User& owner) const {
  // Like the tokens Clockify returns from createWebhook: an access token of the user.
  Json claims = {{"sub", owner.id},
                 {"multiFactor", false},
                 {"iss", "clockify"},
                 {"name", owner.name},
                 {"type", "access"},
                 {"iat", UnixSeconds(clock_.Now())},
                 {"jti", RandomHex(16)}};
  auto token = signer_.Sign(claims.dump());
  return token ? *token : std::string();
}

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------
void MockService::RegisterRoutes(http::Router& router) {
  for (const auto& route : ApiRoutes()) {
    const std::string prefix = route.reports ? "/reports" : "/api";
    const ApiRoute* r = &route;
    router.Add(route.method, prefix + route.path,
               [this, r](http::Request& req) { return HandleApi(req, r, r->reports); });
  }
  // Everything else under the two servers: an example from the schema, or 404.
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    router.Add(method, "/api/{rest*}",
               [this](http::Request& req) { return HandleApi(req, nullptr, false); });
    router.Add(method, "/reports/{rest*}",
               [this](http::Request& req) { return HandleApi(req, nullptr, true); });
  }
  if (options_.allow_remote_control || IsLoopback(options_.host)) {
    RegisterControlRoutes(router);
  } else {
    log::Warn("mock: the /_mock control API is off on a non-loopback address "
              "(--allow-remote-control turns it on)");
  }
}

asio::awaitable<http::Response> MockService::HandleApi(http::Request& req, const ApiRoute* route,
                                                       bool reports) {
  RequestRecord rec;
  rec.method = req.method == "HEAD" ? "GET" : req.method;
  rec.at = std::chrono::steady_clock::now();
  rec.wall = clock_.Now();
  rec.target = Target(req);
  const std::string relative = req.path.substr(reports ? 8 : 4);  // after "/reports" or "/api"
  const SchemaExamples::Operation* generic = nullptr;
  if (route != nullptr) {
    rec.operation_id = route->operation_id;
    rec.path_template = route->path;
  } else if (examples_ && (generic = examples_->Find(rec.method, reports, relative))) {
    rec.operation_id = generic->operation_id;
    rec.path_template = generic->path;
  } else {
    rec.operation_id = "unknown";
    rec.path_template = relative;
  }
  auto finish = [&](http::Response r) {
    rec.status = r.status;
    stats_.Record(rec);
    return r;
  };

  // Authentication: a token signed by the mock's key, for the path's workspace.
  const std::string_view token = req.Header("x-addon-token");
  if (token.empty()) {
    co_return finish(ClockifyError(401, "Full authentication is required to access this resource"));
  }
  auto claims = verifier_.Verify(token, clock_);
  if (!claims || claims->iss != "clockify" || claims->workspace_id.empty()) {
    co_return finish(ClockifyError(401, "The X-Addon-Token is not valid"));
  }
  const std::string jti = Json::parse(claims->json, nullptr, false).value("jti", std::string());
  {
    std::lock_guard lock(mutex_);
    if (!jti.empty() && revoked_jtis_.count(jti) > 0) {
      co_return finish(ClockifyError(401, "The add-on was uninstalled; its token is revoked"));
    }
  }
  const std::string_view path_workspace = req.Param("workspaceId");
  if (!path_workspace.empty() && path_workspace != claims->workspace_id) {
    co_return finish(ClockifyError(401, "The X-Addon-Token is not valid for workspace " +
                                            std::string(path_workspace)));
  }
  const std::string workspace_id = claims->workspace_id;
  rec.workspace_id = workspace_id;

  const FaultDecision fault = faults_.Decide();
  if (fault.latency_ms > 0) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(fault.latency_ms));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  switch (fault.action) {
    case FaultDecision::Action::kDrop:
      rec.fault = "drop";
      rec.status = 0;
      stats_.Record(rec);
      throw DropConnection{};
    case FaultDecision::Action::kTooManyRequests: {
      rec.fault = "burst_429";
      http::Response r = ClockifyError(429, "Too many requests");
      r.headers.emplace_back("Retry-After", std::to_string(fault.retry_after_seconds));
      co_return finish(std::move(r));
    }
    case FaultDecision::Action::kError:
      rec.fault = "error";
      co_return finish(ClockifyError(fault.status, "Simulated server error"));
    case FaultDecision::Action::kNone:
      break;
  }

  if (!rate_.TryAcquire(workspace_id, std::chrono::steady_clock::now())) {
    rec.fault = "rate_limited";
    http::Response r = ClockifyError(429, "Too many requests");
    r.headers.emplace_back("Retry-After", "1");
    co_return finish(std::move(r));
  }

  if (route == nullptr) {
    if (generic == nullptr) {
      co_return finish(ClockifyError(404, "No such operation: " + rec.method + " " + relative));
    }
    const Json example = examples_->Example(*generic);
    if (example.is_null()) {
      http::Response r;
      r.status = generic->status;
      co_return finish(std::move(r));
    }
    co_return finish(JsonResponse(generic->status, example));
  }

  http::Response response;
  std::vector<Delivery> deliveries;
  {
    std::lock_guard lock(mutex_);
    Workspace& ws = EnsureWorkspaceLocked(workspace_id);
    const User* caller = ws.FindUser(claims->user_id);
    ApiContext ctx{req, ws, caller ? *caller : ws.Owner(), clock_.Now(),
                   [this](const User& owner) { return MintWebhookToken(owner); }, {}};
    response = route->handler(ctx);
    deliveries = DeliveriesLocked(ws, ctx.events);
  }
  for (auto& d : deliveries) sender_.Enqueue(std::move(d));
  co_return finish(std::move(response));
}

// ---------------------------------------------------------------------------------------------
// Installing an add-on
// ---------------------------------------------------------------------------------------------
Result<Json> MockService::Install(const std::string& manifest_url,
                                  const std::string& workspace_id) {
  OutboundClient client;
  OutboundRequest get;
  get.method = "GET";
  get.url = manifest_url;
  get.headers = {{"Accept", "application/json"}};
  const OutboundResponse fetched = client.Send(get);
  if (!fetched.ok()) {
    return Fail(ErrorCode::kUpstream, "manifest_unavailable",
                "GET " + manifest_url + " failed: " +
                    (fetched.status ? "status " + std::to_string(fetched.status) : fetched.error));
  }
  const Json manifest = Json::parse(fetched.body, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return Fail(ErrorCode::kUpstream, "invalid_manifest", "the manifest is not a JSON object");
  }
  const std::string key = Str(manifest, "key");
  const std::string base_url = Str(manifest, "baseUrl");
  if (key.empty() || base_url.empty()) {
    return Fail(ErrorCode::kUpstream, "invalid_manifest", "the manifest has no key or baseUrl",
                key.empty() ? "key" : "baseUrl");
  }
  std::map<std::string, std::string> lifecycle;
  for (const auto& l : manifest.value("lifecycle", Json::array())) {
    if (l.is_object() && !Str(l, "type").empty()) lifecycle[Str(l, "type")] = Str(l, "path");
  }
  std::vector<std::pair<std::string, std::string>> entries;  // event, path
  for (const auto& w : manifest.value("webhooks", Json::array())) {
    if (w.is_object() && !Str(w, "event").empty()) entries.emplace_back(Str(w, "event"), Str(w, "path"));
  }

  Installation inst;
  std::string ws_id;
  std::vector<Webhook> hooks;
  {
    std::lock_guard lock(mutex_);
    const std::string target = workspace_id.empty() ? workspace_order_.front() : workspace_id;
    Workspace& ws = EnsureWorkspaceLocked(target);
    ws_id = ws.id;
    auto existing = ws.installations.find(key);
    inst.addon_key = key;
    inst.addon_id = existing != ws.installations.end() ? existing->second.addon_id : ws.NewId();
    inst.addon_user_id =
        existing != ws.installations.end() ? existing->second.addon_user_id : ws.NewId();
    inst.base_url = base_url;
    inst.as_user = ws.Owner().id;
    inst.lifecycle_paths = lifecycle;
    for (const auto& [event, path] : entries) {
      Webhook w;
      w.id = ws.NewId();
      w.name = key + " " + event;
      w.url = JoinUrl(base_url, path);
      w.event = event;
      w.user_id = inst.addon_user_id;
      w.webhook_type = "ADDON";
      w.addon_id = inst.addon_id;
      w.trigger_source = {ws.id};
      hooks.push_back(std::move(w));
    }
  }

  // Tokens, signed outside the lock.
  clockify::DevTokenRequest base;
  base.addon_key = key;
  base.workspace_id = ws_id;
  base.addon_id = inst.addon_id;
  base.user_id = inst.as_user;
  base.backend_url = BackendUrl();
  base.reports_url = ReportsUrl();
  clockify::DevTokenRequest install_request = base;
  install_request.kind = clockify::TokenKind::kInstall;
  auto install_claims = clockify::DevTokenClaims(install_request, clock_);
  if (!install_claims) return Fail(install_claims.error());
  auto install_token = signer_.Sign(*install_claims);
  if (!install_token) return Fail(install_token.error());
  inst.install_token_jti = Json::parse(*install_claims).value("jti", std::string());
  Json webhooks_body = Json::array();
  for (auto& w : hooks) {
    clockify::DevTokenRequest r = base;
    r.kind = clockify::TokenKind::kWebhook;
    w.token = Sign(r);
    webhooks_body.push_back({{"path", w.url}, {"webhookType", "ADDON"}, {"authToken", w.token}});
  }
  clockify::DevTokenRequest lifecycle_request = base;
  lifecycle_request.kind = clockify::TokenKind::kLifecycle;
  const std::string lifecycle_token = Sign(lifecycle_request);

  // Registered before the call, so that events and API calls made while the add-on handles
  // INSTALLED already work, as with Clockify.
  auto remove_hooks = [&](Workspace& ws, const std::string& addon_id) {
    std::erase_if(ws.webhooks, [&](const Webhook& w) {
      return w.webhook_type == "ADDON" && w.addon_id == addon_id;
    });
  };
  {
    std::lock_guard lock(mutex_);
    Workspace& ws = EnsureWorkspaceLocked(ws_id);
    if (auto old = ws.installations.find(key); old != ws.installations.end()) {
      revoked_jtis_.insert(old->second.install_token_jti);
    }
    remove_hooks(ws, inst.addon_id);
    ws.installations[key] = inst;
    for (const auto& w : hooks) ws.webhooks.push_back(w);
  }

  int lifecycle_status = 0;
  if (auto path = lifecycle.find("INSTALLED"); path != lifecycle.end()) {
    Json body = {{"addonId", inst.addon_id},
                 {"authToken", *install_token},
                 {"workspaceId", ws_id},
                 {"asUser", inst.as_user},
                 {"apiUrl", base.backend_url},
                 {"addonUserId", inst.addon_user_id},
                 {"webhooks", webhooks_body}};
    OutboundRequest post;
    post.url = JoinUrl(base_url, path->second);
    post.headers = {{"Content-Type", "application/json"},
                    {"X-Addon-Lifecycle-Token", lifecycle_token}};
    post.body = body.dump();
    const OutboundResponse answer = client.Send(post);
    lifecycle_status = answer.status;
    if (!answer.ok()) {
      std::lock_guard lock(mutex_);
      Workspace& ws = EnsureWorkspaceLocked(ws_id);
      if (auto cur = ws.installations.find(key);
          cur != ws.installations.end() && cur->second.install_token_jti == inst.install_token_jti) {
        ws.installations.erase(cur);
        remove_hooks(ws, inst.addon_id);
      }
      revoked_jtis_.insert(inst.install_token_jti);
      return Fail(ErrorCode::kUpstream, "install_refused",
                  "POST " + post.url + " " +
                      (answer.status ? "answered " + std::to_string(answer.status) + ": " +
                                           Excerpt(answer.body)
                                     : "failed: " + answer.error));
    }
  }
  log::Info("mock: add-on installed", {{"workspace_id", ws_id},
                                       {"addon_key", key},
                                       {"webhooks", std::to_string(hooks.size())}});
  Json hook_list = Json::array();
  Json issued = {{"installation", *install_token}, {"webhooks", Json::array()}};
  for (const auto& w : hooks) {
    hook_list.push_back({{"event", w.event}, {"url", w.url}, {"id", w.id}});
    issued["webhooks"].push_back(w.token);
  }
  return Json{{"status", "installed"},
              {"workspace_id", ws_id},
              {"addon_key", key},
              {"addon_id", inst.addon_id},
              {"as_user", inst.as_user},
              {"addon_user_id", inst.addon_user_id},
              {"backend_url", base.backend_url},
              {"reports_url", base.reports_url},
              {"lifecycle_status", lifecycle_status},
              {"webhooks", hook_list},
              {"issued_tokens", std::move(issued)}};
}

namespace {

// The installation of `addon_key` (empty: the only one) in `ws`, or an error.
Result<Installation> FindInstallation(const Workspace& ws, const std::string& addon_key) {
  if (!addon_key.empty()) {
    auto it = ws.installations.find(addon_key);
    if (it == ws.installations.end()) {
      return Fail(ErrorCode::kNotFound, "not_installed",
                  "add-on " + addon_key + " is not installed in workspace " + ws.id);
    }
    return it->second;
  }
  if (ws.installations.empty()) {
    return Fail(ErrorCode::kNotFound, "not_installed", "no add-on is installed in workspace " + ws.id);
  }
  if (ws.installations.size() > 1) {
    return Fail(ErrorCode::kInvalidArgument, "validation_failed",
                "several add-ons are installed; name one with addon_key", "addon_key");
  }
  return ws.installations.begin()->second;
}

}  // namespace

Result<Json> MockService::SendLifecycle(const std::string& workspace_id,
                                        const std::string& addon_key, const std::string& type,
                                        const Json& extra) {
  Installation inst;
  std::string ws_id;
  {
    std::lock_guard lock(mutex_);
    ws_id = workspace_id.empty() ? workspace_order_.front() : workspace_id;
    auto it = workspaces_.find(ws_id);
    if (it == workspaces_.end()) {
      return Fail(ErrorCode::kNotFound, "not_found", "no workspace " + ws_id);
    }
    auto found = FindInstallation(*it->second, addon_key);
    if (!found) return Fail(found.error());
    inst = *found;
  }
  auto path = inst.lifecycle_paths.find(type);
  if (path == inst.lifecycle_paths.end() || path->second.empty()) {
    return Fail(ErrorCode::kNotFound, "not_found",
                "the add-on's manifest has no " + type + " lifecycle hook");
  }
  clockify::DevTokenRequest r;
  r.kind = clockify::TokenKind::kLifecycle;
  r.addon_key = inst.addon_key;
  r.workspace_id = ws_id;
  r.addon_id = inst.addon_id;
  Json body = {{"addonId", inst.addon_id}, {"workspaceId", ws_id}};
  if (type == "DELETED") body["asUser"] = inst.as_user;
  if (type == "STATUS_CHANGED") body["status"] = "INACTIVE";
  if (extra.is_object()) body.update(extra);
  OutboundClient client;
  OutboundRequest post;
  post.url = JoinUrl(inst.base_url, path->second);
  post.headers = {{"Content-Type", "application/json"}, {"X-Addon-Lifecycle-Token", Sign(r)}};
  post.body = body.dump();
  const OutboundResponse answer = client.Send(post);
  return Json{{"workspace_id", ws_id},
              {"addon_key", inst.addon_key},
              {"type", type},
              {"url", post.url},
              {"lifecycle_status", answer.status},
              {"response", Excerpt(answer.body)},
              {"error", answer.error}};
}

Result<Json> MockService::Uninstall(const std::string& workspace_id,
                                    const std::string& addon_key) {
  Installation inst;
  std::string ws_id;
  {
    std::lock_guard lock(mutex_);
    ws_id = workspace_id.empty() ? workspace_order_.front() : workspace_id;
    auto it = workspaces_.find(ws_id);
    if (it == workspaces_.end()) {
      return Fail(ErrorCode::kNotFound, "not_found", "no workspace " + ws_id);
    }
    auto found = FindInstallation(*it->second, addon_key);
    if (!found) return Fail(found.error());
    inst = *found;
  }
  Json result = {{"status", "uninstalled"}, {"workspace_id", ws_id}, {"addon_key", inst.addon_key}};
  if (inst.lifecycle_paths.count("DELETED") > 0) {
    auto sent = SendLifecycle(ws_id, inst.addon_key, "DELETED", Json::object());
    if (sent) result["lifecycle_status"] = (*sent)["lifecycle_status"];
  }
  // Whatever the add-on answered: the installation and its tokens are gone.
  {
    std::lock_guard lock(mutex_);
    Workspace& ws = EnsureWorkspaceLocked(ws_id);
    ws.installations.erase(inst.addon_key);
    std::erase_if(ws.webhooks, [&](const Webhook& w) {
      return w.webhook_type == "ADDON" && w.addon_id == inst.addon_id;
    });
    revoked_jtis_.insert(inst.install_token_jti);
  }
  log::Info("mock: add-on uninstalled", {{"workspace_id", ws_id}, {"addon_key", inst.addon_key}});
  return result;
}

void MockService::InstallInBackground(std::string manifest_url, std::string workspace_id) {
  asio::post(blocking_, [this, manifest_url = std::move(manifest_url),
                         workspace_id = std::move(workspace_id)] {
    for (int attempt = 1; attempt <= 60 && !stopping_; ++attempt) {
      auto installed = Install(manifest_url, workspace_id);
      if (installed) return;
      log::Warn("mock: install failed; retrying", {{"manifest", manifest_url},
                                                   {"attempt", std::to_string(attempt)},
                                                   {"error", installed.error().message}});
      for (int i = 0; i < 10 && !stopping_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });
}

Result<Json> MockService::Emit(const std::string& workspace_id, const std::string& event,
                               const std::string& entity_id, const Json* body) {
  if (!clockify::IsKnownEventType(event)) {
    return Fail(ErrorCode::kInvalidArgument, "unknown_event_type",
                "'" + event + "' is not a Clockify webhook event type", "event");
  }
  std::vector<Delivery> deliveries;
  Json result;
  {
    std::lock_guard lock(mutex_);
    const std::string id = workspace_id.empty() ? workspace_order_.front() : workspace_id;
    auto it = workspaces_.find(id);
    if (it == workspaces_.end()) return Fail(ErrorCode::kNotFound, "not_found", "no workspace " + id);
    auto built = BuildEvent(*it->second, event, entity_id);
    if (!built) return Fail(built.error());
    if (body != nullptr) built->body = *body;
    deliveries = DeliveriesLocked(*it->second, {*built});
    Json urls = Json::array();
    for (const auto& d : deliveries) urls.push_back(d.url);
    result = {{"workspace_id", id},
              {"event", event},
              {"entity_id", built->body.is_object() ? built->body.value("id", Json()) : Json()},
              {"deliveries", deliveries.size()},
              {"urls", urls}};
  }
  for (auto& d : deliveries) sender_.Enqueue(std::move(d));
  return result;
}

// ---------------------------------------------------------------------------------------------
// State for tests
// ---------------------------------------------------------------------------------------------
Result<Json> MockService::StateJson(const std::string& workspace_id) const {
  std::lock_guard lock(mutex_);
  const std::string id =
      workspace_id.empty() && !workspace_order_.empty() ? workspace_order_.front() : workspace_id;
  auto it = workspaces_.find(id);
  if (it == workspaces_.end()) return Fail(ErrorCode::kNotFound, "not_found", "no workspace " + id);
  const Workspace& ws = *it->second;
  Json users = Json::array(), clients = Json::array(), projects = Json::array(),
       tasks = Json::array(), tags = Json::array(), groups = Json::array(),
       fields = Json::array(), entries = Json::array(), hooks = Json::array(),
       installs = Json::array();
  for (const auto& u : ws.users) {
    Json j = UserJson(ws, u);
    j["role"] = u.role;
    users.push_back(std::move(j));
  }
  for (const auto& c : ws.clients) clients.push_back(ClientJson(ws, c));
  for (const auto& p : ws.projects) {
    projects.push_back(ProjectJson(ws, p));
    for (const auto& t : p.tasks) tasks.push_back(TaskJson(ws, t));
  }
  for (const auto& t : ws.tags) tags.push_back(TagJson(ws, t));
  for (const auto& g : ws.groups) groups.push_back(GroupJson(ws, g));
  for (const auto& f : ws.custom_fields) fields.push_back(CustomFieldJson(ws, f));
  for (const auto& e : ws.time_entries) entries.push_back(TimeEntryJson(ws, e, true));
  for (const auto& w : ws.webhooks) {
    Json j = WebhookJson(ws, w);
    j.erase("authToken");  // secrets stay out of the control API
    hooks.push_back(std::move(j));
  }
  for (const auto& [key, inst] : ws.installations) {
    installs.push_back({{"addon_key", key},
                        {"addon_id", inst.addon_id},
                        {"base_url", inst.base_url},
                        {"as_user", inst.as_user},
                        {"addon_user_id", inst.addon_user_id},
                        {"lifecycle", inst.lifecycle_paths}});
  }
  return Json{{"workspace", WorkspaceJson(ws)},
              {"owner_id", ws.Owner().id},
              {"users", users},
              {"clients", clients},
              {"projects", projects},
              {"tasks", tasks},
              {"tags", tags},
              {"user_groups", groups},
              {"custom_fields", fields},
              {"time_entries", entries},
              {"webhooks", hooks},
              {"installations", installs}};
}

Json MockService::WorkspacesJson() const {
  std::lock_guard lock(mutex_);
  Json out = Json::array();
  for (const auto& id : workspace_order_) {
    const Workspace& ws = *workspaces_.at(id);
    size_t tasks = 0;
    for (const auto& p : ws.projects) tasks += p.tasks.size();
    out.push_back({{"id", ws.id},
                   {"name", ws.name},
                   {"owner_id", ws.Owner().id},
                   {"users", ws.users.size()},
                   {"clients", ws.clients.size()},
                   {"projects", ws.projects.size()},
                   {"tasks", tasks},
                   {"tags", ws.tags.size()},
                   {"user_groups", ws.groups.size()},
                   {"custom_fields", ws.custom_fields.size()},
                   {"time_entries", ws.time_entries.size()},
                   {"webhooks", ws.webhooks.size()},
                   {"installations", ws.installations.size()}});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The control API
// ---------------------------------------------------------------------------------------------
void MockService::RegisterControlRoutes(http::Router& router) {
  using http::Request;
  using http::Response;
  router.Add("GET", "/_mock/health", [](Request&) -> asio::awaitable<Response> {
    co_return JsonResponse(200, Json{{"status", "ok"}});
  });
  router.Add("GET", "/_mock/workspaces", [this](Request&) -> asio::awaitable<Response> {
    co_return JsonResponse(200, Json{{"workspaces", WorkspacesJson()}});
  });
  router.Add("POST", "/_mock/workspaces", [this](Request& req) -> asio::awaitable<Response> {
    auto body = ParseControlBody(req);
    if (!body) co_return Problem(req, body.error());
    const std::string id = Str(*body, "workspace_id");
    if (id.empty()) {
      co_return Problem(req, Error::Make(ErrorCode::kInvalidArgument, "missing_parameter",
                                         "workspace_id is required", "workspace_id"));
    }
    {
      std::lock_guard lock(mutex_);
      EnsureWorkspaceLocked(id);
    }
    co_return JsonResponse(201, Json{{"workspace_id", id}});
  });
  router.Add("GET", "/_mock/state", [this](Request& req) -> asio::awaitable<Response> {
    const std::string* ws = req.Query("workspace");
    auto state = StateJson(ws ? *ws : std::string());
    if (!state) co_return Problem(req, state.error());
    co_return JsonResponse(200, *state);
  });
  router.Add("GET", "/_mock/faults", [this](Request&) -> asio::awaitable<Response> {
    co_return JsonResponse(200, FaultConfigJson(faults_.Get()));
  });
  router.Add("POST", "/_mock/faults", [this](Request& req) -> asio::awaitable<Response> {
    auto config = ParseFaultConfig(req.body);
    if (!config) co_return Problem(req, config.error());
    faults_.Set(*config);
    log::Info("mock: faults set", {{"faults", FaultConfigJson(*config).dump()}});
    co_return JsonResponse(200, FaultConfigJson(*config));
  });
  router.Add("DELETE", "/_mock/faults", [this](Request&) -> asio::awaitable<Response> {
    faults_.Set(FaultConfig{});
    co_return JsonResponse(200, FaultConfigJson(FaultConfig{}));
  });
  router.Add("GET", "/_mock/stats", [this](Request&) -> asio::awaitable<Response> {
    Json out = stats_.ToJson();
    out["webhooks"] = sender_.StatsJson();
    out["faults"] = FaultConfigJson(faults_.Get());
    out["rate_limit_per_second"] = options_.rate_limit_per_second;
    co_return JsonResponse(200, out);
  });
  router.Add("GET", "/_mock/requests", [this](Request& req) -> asio::awaitable<Response> {
    auto limit = LimitQuery(req);
    if (!limit) co_return Problem(req, limit.error());
    co_return JsonResponse(200, Json{{"requests", stats_.RecentJson(*limit)}});
  });
  router.Add("POST", "/_mock/reset-stats", [this](Request&) -> asio::awaitable<Response> {
    stats_.Reset();
    sender_.ResetStats();
    rate_.Reset();
    co_return JsonResponse(200, Json{{"status", "reset"}});
  });
  router.Add("GET", "/_mock/deliveries", [this](Request& req) -> asio::awaitable<Response> {
    auto limit = LimitQuery(req);
    if (!limit) co_return Problem(req, limit.error());
    co_return JsonResponse(200, Json{{"deliveries", sender_.RecentJson(*limit)},
                                     {"stats", sender_.StatsJson()}});
  });
  router.Add("POST", "/_mock/install", [this](Request& req) -> asio::awaitable<Response> {
    auto body = ParseControlBody(req);
    if (!body) co_return Problem(req, body.error());
    const std::string url = Str(*body, "manifest_url");
    if (url.empty()) {
      co_return Problem(req, Error::Make(ErrorCode::kInvalidArgument, "missing_parameter",
                                         "manifest_url is required", "manifest_url"));
    }
    const std::string ws = Str(*body, "workspace_id");
    auto installed = co_await OffloadTo(blocking_, [&] { return Install(url, ws); });
    if (!installed) co_return Problem(req, installed.error());
    co_return JsonResponse(200, *installed);
  });
  router.Add("POST", "/_mock/uninstall", [this](Request& req) -> asio::awaitable<Response> {
    auto body = ParseControlBody(req);
    if (!body) co_return Problem(req, body.error());
    const std::string ws = Str(*body, "workspace_id");
    const std::string key = Str(*body, "addon_key");
    auto done = co_await OffloadTo(blocking_, [&] { return Uninstall(ws, key); });
    if (!done) co_return Problem(req, done.error());
    co_return JsonResponse(200, *done);
  });
  router.Add("POST", "/_mock/lifecycle", [this](Request& req) -> asio::awaitable<Response> {
    auto body = ParseControlBody(req);
    if (!body) co_return Problem(req, body.error());
    const std::string type = Str(*body, "type");
    if (type != "STATUS_CHANGED" && type != "SETTINGS_UPDATED") {
      co_return Problem(req, Error::Make(ErrorCode::kInvalidArgument, "validation_failed",
                                         "type must be STATUS_CHANGED or SETTINGS_UPDATED "
                                         "(install and uninstall have their own endpoints)",
                                         "type"));
    }
    const std::string ws = Str(*body, "workspace_id");
    const std::string key = Str(*body, "addon_key");
    const Json extra = body->value("body", Json::object());
    auto sent = co_await OffloadTo(blocking_, [&] { return SendLifecycle(ws, key, type, extra); });
    if (!sent) co_return Problem(req, sent.error());
    co_return JsonResponse(200, *sent);
  });
  router.Add("POST", "/_mock/emit", [this](Request& req) -> asio::awaitable<Response> {
    auto body = ParseControlBody(req);
    if (!body) co_return Problem(req, body.error());
    const std::string event = Str(*body, "event");
    const Json* custom = body->contains("body") ? &(*body)["body"] : nullptr;
    auto emitted = Emit(Str(*body, "workspace_id"), event, Str(*body, "entity_id"), custom);
    if (!emitted) co_return Problem(req, emitted.error());
    co_return JsonResponse(202, *emitted);
  });
}

}  // namespace uwh::mock
