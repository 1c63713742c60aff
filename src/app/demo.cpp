// `uwh demo`: the simulated Clockify and the add-on server in one process, wired together the way
// Clockify and the add-on are, and a short story told about them: install, bootstrap, two flows,
// webhooks, executions, and what changed in Clockify.
//
// Both servers listen on real ports and everything between them is real HTTP: the mock fetches
// the manifest and sends INSTALLED, the server pages through the mock's API for the bootstrap,
// the mock sends signed webhooks, the flows call the mock's API. The story's steps talk to the
// server over HTTP too, through the UI API with a per-run admin key; only the mock's control
// calls (install, emit, state) are made in-process.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/app_context.hpp"
#include "app/commands.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/logging.hpp"
#include "http/server.hpp"
#include "mock/mock_service.hpp"
#include "mock/outbound.hpp"

namespace uwh::app {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A step of the story that failed: what the user reads, after "uwh demo: ".
struct DemoFailure {
  std::string message;
};

// The server's UI API as an operator's script sees it: admin key and ?workspace_id=. Blocking.
class UiClient {
 public:
  UiClient(std::string base_url, std::string admin_key)
      : base_url_(std::move(base_url)), admin_key_(std::move(admin_key)) {}
  void SetWorkspace(std::string workspace_id) { workspace_id_ = std::move(workspace_id); }

  // The answer's status and parsed body (null when it is not JSON).
  std::pair<int, json> Call(const std::string& method, const std::string& path,
                            const json* body = nullptr) {
    mock::OutboundRequest request;
    request.method = method;
    request.url = base_url_ + path + (path.find('?') == std::string::npos ? "?" : "&") +
                  "workspace_id=" + workspace_id_;
    request.headers = {{"Authorization", "Bearer " + admin_key_}};
    if (body != nullptr) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = body->dump();
    }
    const auto response = client_.Send(request);
    if (response.status == 0) {
      throw DemoFailure{method + " " + path + " did not reach the server: " + response.error};
    }
    return {response.status, json::parse(response.body, nullptr, false, true)};
  }

  json Get(const std::string& path) {
    auto [status, body] = Call("GET", path);
    if (status != 200) throw DemoFailure{"GET " + path + " answered " + std::to_string(status) +
                                         ": " + body.dump()};
    return body;
  }

 private:
  std::string base_url_;
  std::string admin_key_;
  std::string workspace_id_;
  mock::OutboundClient client_;
};

std::atomic<bool> g_interrupted{false};

// Polls `ready` every 100 ms until it returns true; false after `timeout` or on Ctrl-C.
template <typename F>
bool WaitFor(std::chrono::seconds timeout, F&& ready) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!g_interrupted.load()) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw DemoFailure{"interrupted"};
}

std::string Quoted(const json& j) { return j.is_string() ? "\"" + j.get<std::string>() + "\"" : j.dump(); }

double SecondsBetween(const json& from, const json& to) {
  std::chrono::system_clock::time_point a, b;
  if (!from.is_string() || !to.is_string() || !ParseTimestamp(from.get<std::string>(), &a) ||
      !ParseTimestamp(to.get<std::string>(), &b)) {
    return 0;
  }
  return std::chrono::duration<double>(b - a).count();
}

const json* FindById(const json& list, const std::string& id) {
  for (const auto& item : list) {
    if (item.value("id", std::string()) == id) return &item;
  }
  return nullptr;
}

std::string TagNames(const json& state, const json& tag_ids) {
  std::string out;
  for (const auto& id : tag_ids) {
    const json* tag = FindById(state["tags"], id.get<std::string>());
    if (!out.empty()) out += ", ";
    out += tag ? tag->value("name", std::string()) : id.get<std::string>();
  }
  return "[" + out + "]";
}

// The seeded data the story uses: a finished time entry that reads like a meeting, one that does
// not, the tag flow 1 adds, and a project for NEW_PROJECT.
struct Cast {
  json meeting_entry;
  json other_entry;
  json tag;
  json project;
};

// Flow 1's condition, and the seeded descriptions it matches (the seed's list, mock/seed.cpp).
constexpr const char* kMeetingPattern = R"((?i)\b(call|standup|planning|retro)\b)";
bool LooksLikeMeeting(const std::string& description) {
  for (const char* word : {"call", "Standup", "planning", "Retro"}) {
    if (description.find(word) != std::string::npos) return true;
  }
  return false;
}

Cast PickCast(const json& state) {
  Cast cast;
  for (const auto& tag : state["tags"]) {
    if (tag.value("name", std::string()) == "meeting" && !tag.value("archived", false)) cast.tag = tag;
  }
  // Newest first: recent entries are the ones the bootstrap cached (time_entry_days_back).
  const json& entries = state["time_entries"];
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const json& e = *it;
    if (e["timeInterval"]["end"].is_null()) continue;
    const std::string d = e.value("description", std::string());
    if (d.empty()) continue;
    if (LooksLikeMeeting(d)) {
      // One that does not carry the tag yet, so that the change shows.
      bool tagged = false;
      for (const auto& id : e.value("tagIds", json::array())) {
        if (cast.tag.is_object() && id == cast.tag["id"]) tagged = true;
      }
      if (!tagged && cast.meeting_entry.is_null()) cast.meeting_entry = e;
    } else if (cast.other_entry.is_null()) {
      cast.other_entry = e;
    }
  }
  for (const auto& p : state["projects"]) {
    if (!p.value("archived", false)) {
      cast.project = p;
      break;
    }
  }
  if (!cast.tag.is_object() || !cast.meeting_entry.is_object() || !cast.other_entry.is_object() ||
      !cast.project.is_object()) {
    throw DemoFailure{"the simulated Clockify's seed lacks what the demo needs (a 'meeting' tag, "
                      "finished time entries, an open project); try another --seed"};
  }
  return cast;
}

json TagMeetingsFlow(const std::string& tag_id) {
  return json{
      {"name", "Tag meetings"},
      {"description", "A new time entry that reads like a meeting gets the 'meeting' tag"},
      {"enabled", true},
      {"trigger_source", "CLOCKIFY"},
      {"trigger_event_type", "NEW_TIME_ENTRY"},
      {"conditions",
       {{"mode", "ALL"},
        {"rules", json::array({{{"path", "$.description"},
                                {"operator", "matches"},
                                {"value", kMeetingPattern}}})}}},
      {"actions",
       json::array({{{"type", "clockify_api"},
                     {"operation_id", "updateTimeEntry"},
                     // PUT replaces the entry: everything it had is sent back, with the tag.
                     {"parameters",
                      {{"id", "{{webhook.id}}"},
                       {"body",
                        {{"start", "{{webhook.timeInterval.start}}"},
                         {"end", "{{webhook.timeInterval.end}}"},
                         {"description", "{{webhook.description}}"},
                         {"projectId", "{{webhook.projectId}}"},
                         {"taskId", "{{webhook.taskId}}"},
                         {"billable", "{{webhook.billable}}"},
                         {"tagIds", json::array({tag_id})}}}}}}})}};
}

json KickOffFlow() {
  return json{{"name", "Kick-off task for new projects"},
              {"description", "Every new project gets a first task named after it"},
              {"enabled", true},
              {"trigger_source", "CLOCKIFY"},
              {"trigger_event_type", "NEW_PROJECT"},
              {"actions", json::array({{{"type", "clockify_api"},
                                        {"operation_id", "createTask"},
                                        {"parameters",
                                         {{"projectId", "{{webhook.id}}"},
                                          {"body", {{"name", "Kick-off: {{webhook.name}}"}}}}}}})}};
}

int64_t CreateFlow(UiClient& ui, const json& flow) {
  auto [status, body] = ui.Call("POST", "/ui/flows", &flow);
  if (status != 201) {
    throw DemoFailure{"POST /ui/flows refused flow \"" + flow["name"].get<std::string>() +
                      "\" (" + std::to_string(status) + "): " + body.dump()};
  }
  return body.at("id").get<int64_t>();
}

// A flow's finished executions, oldest first.
json FinishedExecutions(UiClient& ui, int64_t flow_id) {
  json items = ui.Get("/ui/flows/" + std::to_string(flow_id) + "/executions")["items"];
  json out = json::array();
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    const std::string status = it->value("status", std::string());
    if (status != "running") out.push_back(*it);
  }
  return out;
}

// "PUT http://…/time-entries/ID → 200 in 4 ms" for each action of an execution.
std::string DescribeActions(const json& execution) {
  std::ostringstream out;
  for (const auto& a : execution.value("actions", json::array())) {
    const json& request = a.contains("request") ? a["request"] : json::object();
    out << "\n        " << a.value("operation_id", a.value("type", std::string("action"))) << ": "
        << request.value("method", a.value("method", std::string())) << " "
        << request.value("url", std::string()) << " -> "
        << (a["status_code"].is_number() ? std::to_string(a["status_code"].get<int>()) : "no answer")
        << " in " << (a["latency_ms"].is_number() ? a["latency_ms"].dump() : "?") << " ms";
    if (a.contains("error") && !a["error"].is_null()) out << " (" << a["error"].dump() << ")";
  }
  return out.str();
}

struct Endpoints {
  std::string mock_url;
  std::string server_url;
  std::string workspace_id;
  std::string data_dir;
  std::string key_path;
};

// The story. Returns normally when every step worked; throws DemoFailure otherwise.
void TellStory(mock::MockService& mock, UiClient& ui, const Endpoints& at) {
  std::cout << "1. Install\n";
  auto installed = mock.Install(at.server_url + "/manifest", "");
  if (!installed) {
    throw DemoFailure{"the simulated Clockify could not install the add-on: " +
                      installed.error().message};
  }
  const std::string ws = installed->value("workspace_id", std::string());
  ui.SetWorkspace(ws);
  std::cout << "   The simulated Clockify read " << at.server_url << "/manifest and installed the "
            << "add-on into workspace " << ws << "\n   (" << (*installed)["webhooks"].size()
            << " webhooks from the manifest, each with its own signed token).\n\n";

  std::cout << "2. Bootstrap (GET every safe list of Clockify's API into the entity cache)\n";
  json bootstrap;
  const bool finished = WaitFor(std::chrono::seconds(120), [&] {
    auto [status, body] = ui.Call("GET", "/ui/bootstrap");
    if (status != 200) return false;
    bootstrap = body;
    const std::string s = body.value("status", std::string());
    return s == "completed" || s == "error";
  });
  if (!finished) throw DemoFailure{"the bootstrap did not finish within 120 s: " + bootstrap.dump()};
  if (bootstrap["status"] != "completed") {
    throw DemoFailure{"the bootstrap failed: " + bootstrap["error_message"].dump()};
  }
  const json dashboard = ui.Get("/ui/dashboard");
  int64_t cached = 0;
  std::ostringstream by_type;
  for (const auto& [type, count] : dashboard["entities"].items()) {
    cached += count.get<int64_t>();
    by_type << (by_type.tellp() > 0 ? ", " : "") << type << " " << count.get<int64_t>();
  }
  std::cout << std::fixed << std::setprecision(1) << "   completed: "
            << bootstrap["completed_endpoints"].get<int>() << " endpoints in "
            << SecondsBetween(bootstrap["started_at"], bootstrap["completed_at"]) << " s, "
            << cached << " entities cached\n   by type: " << by_type.str() << "\n\n";

  auto before_state = mock.StateJson(ws);
  if (!before_state) throw DemoFailure{before_state.error().message};
  // The mock's JSON keeps key order (ordered_json); a plain copy is what the helpers take.
  const json before = *before_state;
  const Cast cast = PickCast(before);
  const std::string tag_id = cast.tag["id"];

  std::cout << "3. Flows, created through POST /ui/flows\n";
  const int64_t tag_flow = CreateFlow(ui, TagMeetingsFlow(tag_id));
  std::cout << "   flow " << tag_flow << " \"Tag meetings\": on NEW_TIME_ENTRY, when $.description "
            << "matches " << kMeetingPattern << ",\n     call updateTimeEntry to give the entry "
            << "the tag \"meeting\"\n";
  const int64_t kickoff_flow = CreateFlow(ui, KickOffFlow());
  std::cout << "   flow " << kickoff_flow << " \"Kick-off task for new projects\": on NEW_PROJECT, "
            << "call createTask with name \"Kick-off: {{webhook.name}}\"\n\n";

  std::cout << "4. Webhooks: the simulated Clockify sends signed webhooks, as Clockify does\n";
  struct Emission {
    const char* event;
    const json* entity;
    const char* expect;
  };
  const Emission emissions[] = {
      {"NEW_TIME_ENTRY", &cast.meeting_entry, "flow \"Tag meetings\" should run"},
      {"NEW_TIME_ENTRY", &cast.other_entry, "no flow should run"},
      {"NEW_PROJECT", &cast.project, "flow \"Kick-off task for new projects\" should run"},
  };
  for (const auto& e : emissions) {
    const std::string id = (*e.entity)["id"];
    auto sent = mock.Emit(ws, e.event, id, nullptr);
    if (!sent) throw DemoFailure{std::string("emitting ") + e.event + ": " + sent.error().message};
    if ((*sent)["deliveries"].get<int>() < 1) {
      throw DemoFailure{std::string("no webhook of the add-on is registered for ") + e.event};
    }
    const std::string label = e.entity->contains("description")
                                  ? "time entry " + id + " " + Quoted((*e.entity)["description"])
                                  : "project " + id + " " + Quoted((*e.entity)["name"]);
    std::cout << "   " << e.event << " for " << label << ": " << e.expect << "\n";
  }

  json tag_runs, kickoff_runs;
  const bool ran = WaitFor(std::chrono::seconds(60), [&] {
    tag_runs = FinishedExecutions(ui, tag_flow);
    kickoff_runs = FinishedExecutions(ui, kickoff_flow);
    return !tag_runs.empty() && !kickoff_runs.empty();
  });
  if (!ran) throw DemoFailure{"the flows did not run within 60 s of the webhooks"};
  // The flows' own API calls make the mock send TIME_ENTRY_UPDATED and NEW_TASK back; wait for
  // every webhook to be handled, so that the counts below are final.
  json webhooks;
  const bool settled = WaitFor(std::chrono::seconds(30), [&] {
    webhooks = ui.Get("/ui/webhooks?limit=100")["items"];
    if (webhooks.size() < 5) return false;
    for (const auto& w : webhooks) {
      const std::string s = w.value("status", std::string());
      if (s == "received" || s == "processing") return false;
    }
    return true;
  });
  if (!settled) {
    throw DemoFailure{"expected 5 webhooks handled by the add-on (3 sent, 2 caused by the flows), "
                      "saw " + std::to_string(webhooks.size())};
  }
  std::map<std::string, std::map<std::string, int>> received;  // event type → status → count
  for (auto it = webhooks.rbegin(); it != webhooks.rend(); ++it) {
    ++received[(*it)["event_type"].get<std::string>()][(*it)["status"].get<std::string>()];
  }
  std::cout << "   The add-on received " << webhooks.size() << " webhooks (every signature "
            << "checked, every one committed to SQLite before the 200):\n";
  for (const auto& [type, statuses] : received) {
    std::cout << "     " << type << ":";
    for (const auto& [status, n] : statuses) std::cout << " " << n << " " << status;
    std::cout << "\n";
  }
  std::cout << "   (TIME_ENTRY_UPDATED and NEW_TASK come from the flows' own API calls; the "
               "cache took them in.)\n\n";

  std::cout << "5. Flow executions\n";
  bool all_ok = true;
  for (const auto* runs : {&tag_runs, &kickoff_runs}) {
    for (const auto& x : *runs) {
      const std::string status = x["status"];
      all_ok = all_ok && status == "success";
      std::cout << "   execution " << x["id"] << " of flow " << x["flow_id"] << " "
                << Quoted(x["flow_name"]) << " for webhook " << x["webhook_id"] << ": " << status
                << DescribeActions(x) << "\n";
      if (!x["error_message"].is_null()) std::cout << "        error: " << x["error_message"] << "\n";
    }
  }
  if (tag_runs.size() != 1) {
    throw DemoFailure{"flow \"Tag meetings\" ran " + std::to_string(tag_runs.size()) +
                      " times; it should have run once (for the meeting entry only)"};
  }
  if (!all_ok) throw DemoFailure{"a flow execution did not succeed (see above)"};
  std::cout << "   time entry " << cast.other_entry["id"].get<std::string>() << " "
            << Quoted(cast.other_entry["description"]) << " matched no flow: no execution.\n\n";

  std::cout << "6. What changed in the simulated Clockify\n";
  auto after_state = mock.StateJson(ws);
  if (!after_state) throw DemoFailure{after_state.error().message};
  const json after = *after_state;
  const std::string entry_id = cast.meeting_entry["id"];
  const json* entry = FindById(after["time_entries"], entry_id);
  if (entry == nullptr) throw DemoFailure{"time entry " + entry_id + " is gone from the mock"};
  std::cout << "   time entry " << entry_id << " " << Quoted((*entry)["description"]) << ": tags "
            << TagNames(before, cast.meeting_entry.value("tagIds", json::array())) << " -> "
            << TagNames(after, entry->value("tagIds", json::array())) << "\n";
  bool tagged = false;
  for (const auto& id : entry->value("tagIds", json::array())) tagged = tagged || id == tag_id;
  if (!tagged) throw DemoFailure{"time entry " + entry_id + " did not get the tag"};
  const std::string project_id = cast.project["id"];
  const std::string task_name = "Kick-off: " + cast.project["name"].get<std::string>();
  size_t tasks_before = 0, tasks_after = 0;
  bool task_found = false;
  for (const auto& t : before["tasks"]) tasks_before += t.value("projectId", "") == project_id;
  for (const auto& t : after["tasks"]) {
    if (t.value("projectId", "") != project_id) continue;
    ++tasks_after;
    task_found = task_found || t.value("name", "") == task_name;
  }
  std::cout << "   project " << project_id << " " << Quoted(cast.project["name"]) << ": "
            << tasks_before << " tasks -> " << tasks_after << ", the new one "
            << Quoted(task_name) << "\n\n";
  if (!task_found) throw DemoFailure{"project " + project_id + " has no task \"" + task_name + "\""};
}

void PrintUiHelp(const Endpoints& at, const std::string& workspace_id) {
  char exe[4096] = {};
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  const std::string uwh = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "uwh";
  // The token is not printed (no secret in any output): the command mints it when run.
  std::cout << "The UI signs in with a Clockify user token, as inside Clockify's sidebar. Mint one "
               "with the\ndemo's development key and open the address it builds:\n\n"
            << "  echo \"" << at.server_url << "/ui?auth_token=$(" << uwh
            << " dev token --kind user --role OWNER --workspace " << workspace_id << " --key "
            << at.key_path << " --ttl 8h --backend-url " << at.mock_url << "/api --reports-url "
            << at.mock_url << "/reports)\"\n\n";
}

std::optional<uint16_t> Listen(http::Server& server) {
  auto port = server.Listen();
  if (!port) return std::nullopt;
  return *port;
}

}  // namespace

int Demo(const DemoOptions& o) {
  if (!log::SetLevel(o.log_level)) {
    std::cerr << "uwh demo: unknown --log-level '" << o.log_level << "'\n";
    return 2;
  }
  std::string openapi = o.openapi_path;
  if (openapi.empty()) {
    if (const char* env = std::getenv("UNIVERSAL_WEBHOOK_OPENAPI_PATH")) openapi = env;
  }
  if (openapi.empty() || !fs::is_regular_file(openapi)) {
    std::cerr << "uwh demo: needs Clockify's openapi.json (for the simulated Clockify and the "
                 "flows' operations): pass --openapi PATH or set UNIVERSAL_WEBHOOK_OPENAPI_PATH"
              << (openapi.empty() ? std::string() : "; '" + openapi + "' is not a file") << "\n";
    return 2;
  }

  // The data directory: given (kept), or a fresh temporary one (removed at the end).
  std::error_code ec;
  std::string dir = o.dir;
  const bool temporary = dir.empty();
  if (temporary) {
    std::string pattern = (fs::temp_directory_path(ec) / "uwh-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "uwh demo: cannot create a temporary directory under " << pattern << "\n";
      return 1;
    }
    dir = pattern;
  } else if (!fs::create_directories(dir, ec) && ec) {
    std::cerr << "uwh demo: cannot create --dir " << dir << ": " << ec.message() << "\n";
    return 2;
  }
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code e;
      if (!path.empty()) fs::remove_all(path, e);
    }
  } remove_dir{temporary ? dir : ""};

  const std::string keys = dir + "/dev-keys";
  if (!fs::exists(keys + "/private.pem")) {
    if (auto ok = clockify::WriteDevKeyPair(keys); !ok) {
      std::cerr << "uwh demo: " << ok.error().message << "\n";
      return 1;
    }
  }

  asio::io_context ioc(4);

  // The simulated Clockify.
  mock::MockOptions mock_options;
  mock_options.host = "127.0.0.1";
  mock_options.port = o.mock_port;
  mock_options.private_key_path = keys + "/private.pem";
  mock_options.seed = o.seed;
  mock_options.openapi_path = openapi;
  auto mock = mock::MockService::Create(mock_options, SystemClock::Instance());
  if (!mock) {
    std::cerr << "uwh demo: simulated Clockify: " << mock.error().message << "\n";
    return 1;
  }
  http::Router mock_router;
  (*mock)->RegisterRoutes(mock_router);
  http::ServerOptions mock_server_options;
  mock_server_options.host = "127.0.0.1";
  mock_server_options.port = o.mock_port;
  mock_server_options.max_body_bytes = 8 << 20;
  http::Server mock_server(ioc, mock_server_options, mock_router);
  auto mock_port = mock_server.Listen();
  if (!mock_port) {
    std::cerr << "uwh demo: simulated Clockify: " << mock_port.error().message << "\n";
    return 1;
  }
  Endpoints at;
  at.mock_url = "http://127.0.0.1:" + std::to_string(*mock_port);
  (*mock)->SetPublicUrl(at.mock_url);

  // The add-on server: its port first (8001 when free), since the manifest carries its URL.
  http::Router router;
  http::ServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.port = o.port;
  auto server = std::make_unique<http::Server>(ioc, server_options, router);
  std::optional<uint16_t> port = Listen(*server);
  if (!port && !o.port_given) {
    server_options.port = 0;
    server = std::make_unique<http::Server>(ioc, server_options, router);
    port = Listen(*server);
  }
  if (!port) {
    std::cerr << "uwh demo: port " << o.port << " is not free (choose another with --port)\n";
    return 1;
  }
  at.server_url = "http://127.0.0.1:" + std::to_string(*port);
  at.data_dir = dir;
  at.key_path = keys + "/private.pem";
  const std::string admin_key = RandomHex(24);
  const std::map<std::string, std::string> vars = {
      {"UNIVERSAL_WEBHOOK_HOST", "127.0.0.1"},
      {"UNIVERSAL_WEBHOOK_PORT", std::to_string(*port)},
      {"UNIVERSAL_WEBHOOK_BASE_URL", at.server_url},
      {"UNIVERSAL_WEBHOOK_DATABASE_URL", "sqlite:///" + dir + "/uwh.db"},
      {"UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE", dir + "/encryption.key"},
      {"UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH", keys + "/public.pem"},
      {"UNIVERSAL_WEBHOOK_ADMIN_API_KEY", admin_key},
      {"UNIVERSAL_WEBHOOK_OPENAPI_PATH", openapi},
      {"UNIVERSAL_WEBHOOK_LOG_LEVEL", o.log_level},
      {"UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL", "true"},
      {"UNIVERSAL_WEBHOOK_THREADS", "2"},
  };
  auto config = ConfigFromVariables(vars);
  if (!config) {
    std::cerr << "uwh demo: " << config.error().message << "\n";
    return 1;
  }
  auto created = api::AppContext::Create(*config, SystemClock::Instance());
  if (!created) {
    std::cerr << "uwh demo: " << created.error().message << "\n";
    return 1;
  }
  api::AppContext& ctx = **created;
  api::RegisterRoutes(router, ctx);

  mock_server.Start();
  server->Start();
  ctx.StartBackgroundWork();

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code& e, int) {
    if (!e) g_interrupted.store(true);
  });
  std::vector<std::thread> pool;
  for (int i = 0; i < 4; ++i) pool.emplace_back([&ioc] { ioc.run(); });

  std::cout << "uwh demo: a simulated Clockify and the add-on server, wired together\n"
            << "   simulated Clockify  " << at.mock_url << "   (seed " << o.seed << ")\n"
            << "   add-on server       " << at.server_url << "   (SQLite " << dir << "/uwh.db"
            << (temporary ? ", removed on exit" : "") << ")\n\n";

  int rc = 0;
  UiClient ui(at.server_url, admin_key);
  try {
    TellStory(**mock, ui, at);
    PrintUiHelp(at, (*mock)->FirstWorkspaceId());
    std::cout << "Everything above went over real HTTP; the add-on's data is in " << dir
              << "/uwh.db" << (temporary ? " (removed on exit; keep it with --dir)" : "")
              << ".\n";
    if (o.once) {
      std::cout << "Done (--once).\n";
    } else {
      std::cout << "Both servers keep running: press Ctrl-C to stop.\n";
      std::cout.flush();
      while (!g_interrupted.load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  } catch (const DemoFailure& failure) {
    std::cout.flush();
    std::cerr << "uwh demo: " << failure.message << "\n";
    rc = g_interrupted.load() ? 130 : 1;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "uwh demo: unexpected failure: " << e.what() << "\n";
    rc = 1;
  }
  std::cout.flush();

  signals.cancel();
  std::atomic<int> drained{0};
  auto on_drained = [&drained, &ioc] {
    if (++drained == 2) asio::post(ioc, [&ioc] { ioc.stop(); });
  };
  asio::post(ioc, [&] {
    server->Stop(on_drained);
    mock_server.Stop(on_drained);
  });
  // A request that never finishes must not hold the process forever.
  asio::steady_timer deadline(ioc);
  deadline.expires_after(std::chrono::seconds(10));
  deadline.async_wait([&ioc](const boost::system::error_code& e) {
    if (!e) ioc.stop();
  });
  for (auto& t : pool) t.join();
  ctx.Shutdown();
  (*mock)->Shutdown();
  return rc;
}

}  // namespace uwh::app
