#include "bootstrap/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "bootstrap/entity_data.hpp"
#include "bootstrap/plan.hpp"
#include "common/json_parse.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"
#include "lifecycle/settings.hpp"

namespace uwh::bootstrap {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

enum class StopReason : int { kNone = 0, kRestart, kShutdown, kUninstalled, kLeaseLost };

// "host:pid:random": unique among the instances that share a database.
std::string MakeOwnerId() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 8; ++i) suffix += kHex[random() % 16];
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string EscapeSegment(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The path with every {name} replaced; nullopt when a value is missing.
std::optional<std::string> FillPath(std::string_view path,
                                    const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t open = path.find('{', i);
    if (open == std::string_view::npos) {
      out += path.substr(i);
      break;
    }
    const size_t close = path.find('}', open);
    if (close == std::string_view::npos) return std::nullopt;
    out += path.substr(i, open - i);
    auto it = values.find(std::string(path.substr(open + 1, close - open - 1)));
    if (it == values.end() || it->second.empty()) return std::nullopt;
    out += EscapeSegment(it->second);
    i = close + 1;
  }
  return out;
}

// Clockify's time filter format, yyyy-MM-ddThh:mm:ssZ.
std::string FormatQueryTime(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// "getTasks answered 403: Feature not available" — Clockify's {"message"} when it sent one.
std::string DescribeFailure(const std::string& operation_id, const clockify::ApiResponse& r) {
  if (r.status_code == 0) {
    return operation_id +
           " got no answer from Clockify: " + (r.error.empty() ? "no response" : r.error);
  }
  std::string text = operation_id + " answered " + std::to_string(r.status_code);
  const json body = ParseJson(r.body);
  if (body.is_object()) {
    if (auto m = body.find("message"); m != body.end() && m->is_string()) {
      std::string message = m->get<std::string>();
      if (message.size() > 200) message = message.substr(0, 200) + "…";
      text += ": " + message;
    }
  }
  return text;
}

bool Retryable(int status) { return status == 429 || status == 0 || status >= 500; }

std::string CheckpointKey(const PlannedEndpoint& e, const std::string& parent_id) {
  return parent_id.empty() ? e.operation_id
                           : e.operation_id + "/" + e.parent_param + "=" + parent_id;
}

// A run's stop request, and sleeps that end early when one comes. Thread-safe.
class StopSignal {
 public:
  // A restart may be overtaken by a stronger reason (shutdown, uninstall); nothing else is.
  void Request(StopReason reason) {
    {
      std::lock_guard lock(mutex_);
      if (reason_ == StopReason::kNone || reason_ == StopReason::kRestart) reason_ = reason;
    }
    cv_.notify_all();
  }
  // Ends the current execution's work (a fatal error in one worker stops the others).
  void Abort() {
    {
      std::lock_guard lock(mutex_);
      aborted_ = true;
    }
    cv_.notify_all();
  }
  void Reset() {
    std::lock_guard lock(mutex_);
    reason_ = StopReason::kNone;
    aborted_ = false;
  }
  StopReason Reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }
  bool Interrupted() const {
    std::lock_guard lock(mutex_);
    return reason_ != StopReason::kNone || aborted_;
  }
  // false when interrupted before `d` passed.
  bool SleepFor(milliseconds d) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [&] { return reason_ != StopReason::kNone || aborted_; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  StopReason reason_ = StopReason::kNone;
  bool aborted_ = false;
};

// What one execution of a run needs from its runner.
struct RunContext {
  const RunnerOptions& options;
  store::Store& store;
  const clockify::OpenApiCatalog* catalog;
  const WorkspaceSettings& defaults;
  const BootstrapRunner::TargetFn& target;
  const BootstrapRunner::CallFn& call;
  const Clock& clock;
  const std::string& owner;
};

struct Outcome {
  enum Kind { kCompleted, kFailed, kStopped, kLeaseLost };
  Kind kind = kCompleted;
  std::string error;  // kFailed
};

// One attempt at a workspace's run, from its checkpoints to the end (or a stop).
class Execution {
 public:
  Execution(const RunContext& ctx, std::string workspace_id, StopSignal& signal)
      : ctx_(ctx), ws_(std::move(workspace_id)), signal_(signal) {}

  Outcome Execute() {
    const auto began = std::chrono::steady_clock::now();
    if (ctx_.catalog == nullptr) {
      return Failed(
          "no OpenAPI document is configured (UNIVERSAL_WEBHOOK_OPENAPI_PATH or "
          "UNIVERSAL_WEBHOOK_OPENAPI_URL): the bootstrap cannot plan its calls");
    }
    auto state = ctx_.store.GetBootstrapState(ws_);
    if (!state) return Failed("cannot read the bootstrap state: " + state.error().message);
    started_at_ = state->started_at.value_or(ctx_.clock.Now());
    auto installation = ctx_.store.GetInstallation(ws_);
    if (!installation || !installation->is_active) {
      return Failed("the workspace has no active installation");
    }
    const WorkspaceSettings settings =
        lifecycle::EffectiveSettings(ctx_.defaults, installation->settings_json);
    plan_ = BuildBootstrapPlan(*ctx_.catalog, {settings.bootstrap_include_heavy_endpoints,
                                               settings.bootstrap_include_time_entries});
    auto target = ctx_.target(ws_);
    if (!target) return Failed("cannot call Clockify: " + target.error().message);
    target_ = std::move(*target);
    path_values_ = {{"workspaceId", ws_}, {"addonId", installation->addon_id}};
    window_start_ = FormatQueryTime(started_at_ - std::chrono::hours(24) *
                                                      settings.bootstrap_time_entry_days_back);

    auto rows = ctx_.store.ListBootstrapCheckpoints(ws_);
    if (!rows) return Failed("cannot read the checkpoints: " + rows.error().message);
    for (auto& row : *rows) checkpoints_[row.endpoint] = std::move(row);
    for (const auto& e : plan_.endpoints) {
      auto it = checkpoints_.find(e.operation_id);
      if (it != checkpoints_.end() && Finished(it->second)) ++completed_;
    }
    const bool resumed = !checkpoints_.empty();
    log::Info(resumed ? "bootstrap resumed" : "bootstrap started",
              {{"workspace_id", ws_},
               {"endpoints", std::to_string(plan_.endpoints.size())},
               {"completed_endpoints", std::to_string(completed_)},
               {"max_rps", std::to_string(target_.max_rps)}});
    if (auto r = WriteProgress()) return *r;

    const int stages = plan_.endpoints.empty() ? 0 : plan_.endpoints.back().stage + 1;
    for (int stage = 0; stage < stages; ++stage) {
      if (auto stopped = Interruption()) return *stopped;
      std::vector<Item> items;
      if (auto r = PrepareStage(stage, &items)) return *r;
      RunItems(items);
      if (auto stopped = Interruption()) return *stopped;
    }
    if (auto r = Sweep()) return *r;
    auto progress = ctx_.store.UpdateBootstrapProgress(ws_, ctx_.owner, Total(), Total(), 100);
    auto finished = ctx_.store.FinishBootstrap(ws_, ctx_.owner, "completed", "", ctx_.clock.Now());
    if (!finished) return Failed("cannot record the end: " + finished.error().message);
    if (!*finished || (progress && !*progress)) return Outcome{Outcome::kLeaseLost, {}};
    const auto ms =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - began).count();
    metrics::BootstrapDuration(static_cast<double>(ms) / 1000.0);
    const std::string seconds = std::to_string(static_cast<double>(ms) / 1000.0);
    const std::string rps = std::to_string(
        ms > 0 ? static_cast<double>(requests_) * 1000.0 / static_cast<double>(ms) : 0.0);
    log::Info("bootstrap completed", {{"workspace_id", ws_},
                                      {"duration_seconds", seconds},
                                      {"requests", std::to_string(requests_.load())},
                                      {"requests_per_second", rps},
                                      {"entities", std::to_string(entities_.load())},
                                      {"endpoints", std::to_string(plan_.endpoints.size())},
                                      {"skipped", std::to_string(skipped_.load())}});
    return Outcome{Outcome::kCompleted, {}};
  }

 private:
  // One series of pages: an operation, or one parent's share of it.
  struct Item {
    const PlannedEndpoint* endpoint = nullptr;
    store::BootstrapCheckpoint checkpoint;
  };
  // Per operation of the current stage: how many of its items are still to finish.
  struct Tracker {
    int total = 0;
    int remaining = 0;
    int skipped = 0;
    int64_t items = 0;
  };

  static bool Finished(const store::BootstrapCheckpoint& c) {
    return c.status == "done" || c.status == "skipped";
  }

  int Total() const { return static_cast<int>(plan_.endpoints.size()); }

  Outcome Failed(std::string message) {
    signal_.Abort();
    return Outcome{Outcome::kFailed, std::move(message)};
  }

  // Records the first fatal error and stops the other workers.
  void Abort(std::string message, Outcome::Kind kind = Outcome::kFailed) {
    {
      std::lock_guard lock(mutex_);
      if (!fatal_) fatal_ = Outcome{kind, std::move(message)};
    }
    signal_.Abort();
  }

  // Why the execution must end now, if it must.
  std::optional<Outcome> Interruption() {
    {
      std::lock_guard lock(mutex_);
      if (fatal_) return *fatal_;
    }
    if (signal_.Reason() != StopReason::kNone) return Outcome{Outcome::kStopped, {}};
    return std::nullopt;
  }

  store::BootstrapLease Lease() const {
    const auto now = ctx_.clock.Now();
    return store::BootstrapLease{ctx_.owner, now, now + ctx_.options.lease};
  }

  // Commits checkpoints (and entities); false (and the execution aborted) when that failed.
  bool Commit(std::vector<store::BootstrapCheckpoint> rows,
              const std::vector<store::CachedEntity>& entities = {}) {
    auto r = ctx_.store.CommitBootstrapProgress(ws_, Lease(), rows, entities);
    if (!r) {
      if (r.error().kind == ErrorCode::kConflict) {
        Abort("", Outcome::kLeaseLost);
      } else {
        Abort("cannot write the bootstrap's progress: " + r.error().message);
      }
      return false;
    }
    std::lock_guard lock(mutex_);
    for (auto& row : rows) checkpoints_[row.endpoint] = std::move(row);
    return true;
  }

  std::optional<Outcome> WriteProgress() {
    std::lock_guard lock(progress_mutex_);
    double done = completed_;
    {
      std::lock_guard inner(mutex_);
      for (const auto& [id, t] : trackers_) {
        if (t.total > 0 && t.remaining > 0)
          done += static_cast<double>(t.total - t.remaining) / t.total;
      }
    }
    const int total = Total();
    const int progress =
        total == 0 ? 99 : std::min(99, static_cast<int>(100.0 * done / static_cast<double>(total)));
    auto r = ctx_.store.UpdateBootstrapProgress(ws_, ctx_.owner, total, completed_, progress);
    if (!r) return Failed("cannot write the bootstrap's progress: " + r.error().message);
    if (!*r) return Outcome{Outcome::kLeaseLost, {}};
    return std::nullopt;
  }

  // The stage's items to fetch; per-parent rows are written first (once per run) so that a
  // resumed run lists the same parents.
  std::optional<Outcome> PrepareStage(int stage, std::vector<Item>* items) {
    for (const auto& e : plan_.endpoints) {
      if (e.stage != stage) continue;
      store::BootstrapCheckpoint row;
      {
        std::lock_guard lock(mutex_);
        auto it = checkpoints_.find(e.operation_id);
        if (it != checkpoints_.end()) row = it->second;
      }
      if (row.endpoint.empty()) {
        row.endpoint = e.operation_id;
        row.operation_id = e.operation_id;
        row.entity_type = e.shape.entity_type;
      }
      if (Finished(row)) continue;
      Tracker tracker;
      if (e.parent_param.empty()) {
        tracker.total = tracker.remaining = 1;
        items->push_back(Item{&e, row});
      } else {
        if (row.status != "expanded") {
          auto parents = ctx_.store.ListEntityIds(ws_, e.parent_type, started_at_);
          if (!parents)
            return Failed("cannot list cached " + e.parent_type + ": " + parents.error().message);
          std::vector<store::BootstrapCheckpoint> rows;
          row.status = "expanded";
          rows.push_back(row);
          for (const auto& id : *parents) {
            store::BootstrapCheckpoint child;
            child.endpoint = CheckpointKey(e, id);
            child.operation_id = e.operation_id;
            child.parent_id = id;
            child.entity_type = e.shape.entity_type;
            rows.push_back(std::move(child));
          }
          if (!Commit(std::move(rows))) return Interruption();
        }
        std::lock_guard lock(mutex_);
        for (const auto& [key, c] : checkpoints_) {
          if (c.operation_id != e.operation_id || c.parent_id.empty()) continue;
          ++tracker.total;
          tracker.items += c.items;
          if (c.status == "skipped") ++tracker.skipped;
          if (!Finished(c)) {
            ++tracker.remaining;
            items->push_back(Item{&e, c});
          }
        }
      }
      {
        std::lock_guard lock(mutex_);
        trackers_[e.operation_id] = tracker;
      }
      if (tracker.remaining == 0 && !FinishOperation(e)) return Interruption();
    }
    return std::nullopt;
  }

  // Marks a per-parent operation done once its last parent is; counts it complete.
  bool FinishOperation(const PlannedEndpoint& e) {
    if (!e.parent_param.empty()) {
      store::BootstrapCheckpoint row;
      {
        std::lock_guard lock(mutex_);
        row = checkpoints_[e.operation_id];
        const Tracker& t = trackers_[e.operation_id];
        row.items = t.items;
        row.status = "done";
        row.error_message = t.skipped > 0 ? std::to_string(t.skipped) + " of " +
                                                std::to_string(t.total) + " parents skipped"
                                          : "";
      }
      if (!Commit({row})) return false;
    }
    {
      std::lock_guard lock(progress_mutex_);
      ++completed_;
    }
    return !WriteProgress().has_value();
  }

  void ItemFinished(const Item& item, bool skipped, int64_t items) {
    bool last = false;
    {
      std::lock_guard lock(mutex_);
      Tracker& t = trackers_[item.endpoint->operation_id];
      --t.remaining;
      t.items += items;
      if (skipped) ++t.skipped;
      last = t.remaining == 0;
    }
    if (skipped) ++skipped_;
    if (last) {
      FinishOperation(*item.endpoint);
    } else {
      WriteProgress();
    }
  }

  void RunItems(const std::vector<Item>& items) {
    if (items.empty()) return;
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < items.size() && !signal_.Interrupted(); i = next++) {
        Fetch(items[i]);
      }
    };
    const size_t workers =
        std::min(items.size(), static_cast<size_t>(std::max(1, ctx_.options.parallel)));
    std::vector<std::thread> threads;
    for (size_t i = 1; i < workers; ++i) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
  }

  // The call, tried again (after Retry-After or a growing pause) while it is answered 429, 5xx
  // or not at all. nullopt when the execution was interrupted meanwhile.
  std::optional<Result<clockify::ApiResponse>> CallWithRounds(const clockify::ApiRequest& request) {
    for (int round = 0;; ++round) {
      if (signal_.Interrupted()) return std::nullopt;
      Result<clockify::ApiResponse> r = ctx_.call(target_, request);
      if (r) requests_ += std::max(1, r->attempts);
      if (!r || !Retryable(r->status_code) || round >= ctx_.options.page_rounds) return r;
      milliseconds pause = ctx_.options.round_pause * (int64_t{1} << std::min(round, 5));
      if (auto it = r->headers.find("retry-after"); it != r->headers.end()) {
        if (auto after = clockify::ParseRetryAfter(it->second, ctx_.clock.Now())) {
          pause = std::max(pause, *after);
        }
      }
      log::Warn("bootstrap: page tried again", {{"workspace_id", ws_},
                                                {"operation_id", request.operation_id},
                                                {"status", std::to_string(r->status_code)}});
      if (!signal_.SleepFor(pause)) return std::nullopt;
    }
  }

  // The page's entities; `count` gets how many items it had (with or without an id).
  std::vector<store::CachedEntity> EntitiesOf(const PlannedEndpoint& e, const std::string& parent,
                                              json& body, size_t* count) {
    std::vector<json*> items;
    if (!e.shape.is_list) {
      if (body.is_object()) items.push_back(&body);
    } else {
      json* list = &body;
      if (!e.shape.list_pointer.empty()) {
        const json::json_pointer pointer(e.shape.list_pointer);
        list = body.contains(pointer) ? &body.at(pointer) : nullptr;
      }
      if (list != nullptr && list->is_array()) {
        for (auto& item : *list) items.push_back(&item);
      }
    }
    *count = items.size();
    std::vector<store::CachedEntity> out;
    const auto now = ctx_.clock.Now();
    for (json* item : items) {
      std::string id = EntityIdOf(*item, e.shape.base_type);
      if (id.empty()) continue;
      if (e.shape.prefixed) id = parent + ":" + id;
      RemoveSecrets(*item);
      out.push_back(store::CachedEntity{e.shape.entity_type, std::move(id),
                                        item->dump(-1, ' ', false, json::error_handler_t::replace),
                                        now});
    }
    return out;
  }

  void Fetch(const Item& item) {
    const PlannedEndpoint& e = *item.endpoint;
    store::BootstrapCheckpoint cp = item.checkpoint;
    auto values = path_values_;
    if (!e.parent_param.empty()) values[e.parent_param] = cp.parent_id;
    const auto path = FillPath(e.operation->path, values);
    if (!path) {
      // Only addonId can be missing: an installation without an add-on id.
      cp.status = "skipped";
      cp.error_message = "no value for a path parameter of " + e.operation->path;
      if (Commit({cp})) ItemFinished(item, true, 0);
      return;
    }
    clockify::ApiRequest request;
    request.method = "GET";
    request.server = e.operation->server;
    request.path = *path;
    request.priority = clockify::Priority::kBackground;
    request.operation_id = e.operation_id;
    const bool paged = !e.page_param.empty();
    std::vector<std::string> previous_ids;
    for (int page = std::max(1, cp.next_page);; ++page) {
      request.query = e.fixed_query;
      if (e.time_window) request.query.emplace_back("start", window_start_);
      if (paged) {
        request.query.emplace_back(e.page_param, std::to_string(page));
        request.query.emplace_back(e.page_size_param, std::to_string(ctx_.options.page_size));
      }
      auto called = CallWithRounds(request);
      if (!called) return;  // interrupted
      if (!*called) {
        Abort(e.operation_id + ": " + called->error().message);
        return;
      }
      const clockify::ApiResponse& r = **called;
      // An empty 2xx body lists nothing.
      json body = r.ok() && !r.body.empty() ? ParseJson(r.body) : json();
      if (!r.ok() || body.is_discarded()) {
        const std::string why = r.ok() ? e.operation_id + " answered something that is not JSON"
                                       : DescribeFailure(e.operation_id, r);
        if (r.status_code == 0 || r.status_code == 401 || e.core) {
          Abort(why);
          return;
        }
        cp.status = "skipped";
        cp.status_code = r.status_code;
        cp.error_message = why;
        log::Warn("bootstrap: endpoint skipped",
                  {{"workspace_id", ws_}, {"operation_id", e.operation_id}, {"error", why}});
        if (Commit({cp})) ItemFinished(item, true, 0);
        return;
      }
      size_t count = 0;
      const auto entities = EntitiesOf(e, cp.parent_id, body, &count);
      std::vector<std::string> ids;
      for (const auto& entity : entities) ids.push_back(entity.entity_id);
      // A list that ignores `page` would repeat its first page forever.
      const bool repeated = !ids.empty() && ids == previous_ids;
      const bool last = !paged || count < static_cast<size_t>(ctx_.options.page_size) || repeated ||
                        page >= ctx_.options.max_pages;
      cp.next_page = page + 1;
      cp.pages += 1;
      cp.items += static_cast<int64_t>(entities.size());
      cp.status = last ? "done" : "pending";
      if (!Commit({cp}, entities)) return;
      entities_ += static_cast<int64_t>(entities.size());
      if (last) {
        ItemFinished(item, false, cp.items - item.checkpoint.items);
        return;
      }
      previous_ids = std::move(ids);
    }
  }

  // Deletes what this run did not see again, for each type every producer of which it fetched
  // in full.
  std::optional<Outcome> Sweep() {
    auto rows = ctx_.store.ListBootstrapCheckpoints(ws_);
    if (!rows) return Failed("cannot read the checkpoints: " + rows.error().message);
    std::set<std::string> incomplete_ops;
    for (const auto& c : *rows) {
      if (c.status != "done") incomplete_ops.insert(c.operation_id);
    }
    std::map<std::string, bool> complete_types;
    for (const auto& e : plan_.endpoints) {
      auto [it, inserted] = complete_types.emplace(e.shape.entity_type, true);
      if (incomplete_ops.count(e.operation_id) > 0) it->second = false;
    }
    for (const auto& [type, complete] : complete_types) {
      if (!complete) continue;
      auto deleted = ctx_.store.DeleteEntitiesFetchedBefore(ws_, type, started_at_);
      if (!deleted) return Failed("cannot remove stale entities: " + deleted.error().message);
      if (*deleted > 0) {
        log::Info(
            "bootstrap: stale entities removed",
            {{"workspace_id", ws_}, {"entity_type", type}, {"count", std::to_string(*deleted)}});
      }
    }
    return std::nullopt;
  }

  const RunContext& ctx_;
  const std::string ws_;
  StopSignal& signal_;
  BootstrapPlan plan_;
  clockify::ApiTarget target_;
  std::map<std::string, std::string> path_values_;
  std::string window_start_;
  store::TimePoint started_at_{};

  std::mutex mutex_;  // guards checkpoints_, trackers_ and fatal_
  std::map<std::string, store::BootstrapCheckpoint> checkpoints_;
  std::map<std::string, Tracker> trackers_;
  std::optional<Outcome> fatal_;

  std::mutex progress_mutex_;  // orders progress writes; guards completed_
  int completed_ = 0;

  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> entities_{0};
  std::atomic<int> skipped_{0};
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// A workspace's run on its own thread: executions until it completes, fails or is stopped (a
// restart request starts a fresh one).
// ---------------------------------------------------------------------------------------------
class BootstrapRunner::Run {
 public:
  Run(BootstrapRunner& runner, std::string workspace_id)
      : runner_(runner), ws_(std::move(workspace_id)) {}
  ~Run() { Join(); }

  void Launch() {
    thread_ = std::thread([this] { Main(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // Both under the runner's mutex.
  bool Active() const { return !finished_; }
  void RequestStop(StopReason reason) { signal_.Request(reason); }

 private:
  void Main() {
    const RunContext ctx{runner_.options_,  runner_.store_,  runner_.catalog_.get(),
                         runner_.defaults_, runner_.target_, runner_.call_,
                         runner_.clock_,    runner_.owner_};
    for (;;) {
      Execution execution(ctx, ws_, signal_);
      const Outcome outcome = execution.Execute();
      // A stop that was asked for is why the run ended, whatever it caused meanwhile (an
      // uninstall revokes the token: the request in flight then fails with 401).
      const StopReason reason = signal_.Reason();
      if (outcome.kind == Outcome::kLeaseLost || reason == StopReason::kLeaseLost) {
        log::Warn("bootstrap: another instance took the run over", {{"workspace_id", ws_}});
        break;
      }
      if (reason == StopReason::kNone && outcome.kind == Outcome::kFailed) {
        log::Error("bootstrap failed", {{"workspace_id", ws_}, {"error", outcome.error}});
        (void)runner_.store_.FinishBootstrap(ws_, runner_.owner_, "error", outcome.error,
                                             runner_.clock_.Now());
      }
      if (outcome.kind != Outcome::kCompleted && reason == StopReason::kShutdown) {
        (void)runner_.store_.ReleaseBootstrapLease(ws_, runner_.owner_, runner_.clock_.Now());
      }
      if (outcome.kind != Outcome::kCompleted && reason == StopReason::kUninstalled) {
        log::Info("bootstrap stopped: the add-on was uninstalled", {{"workspace_id", ws_}});
        (void)runner_.store_.FinishBootstrap(ws_, runner_.owner_, "error",
                                             "stopped: the add-on was uninstalled",
                                             runner_.clock_.Now());
      }
      if (reason != StopReason::kRestart) break;
      // Start over with what is current now (new settings, a new installation token).
      std::lock_guard lock(runner_.mutex_);
      if (runner_.stopping_ || signal_.Reason() != StopReason::kRestart) break;
      signal_.Reset();
      auto claimed = runner_.store_.StartBootstrap(ws_, runner_.LeaseNow());
      if (!claimed || !*claimed) {
        log::Warn("bootstrap: cannot start over", {{"workspace_id", ws_}});
        break;
      }
    }
    std::lock_guard lock(runner_.mutex_);
    finished_ = true;
    runner_.changed_.notify_all();
  }

  BootstrapRunner& runner_;
  const std::string ws_;
  StopSignal signal_;
  std::thread thread_;
  bool finished_ = false;  // under the runner's mutex
};

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------
BootstrapRunner::BootstrapRunner(RunnerOptions options, store::Store& store,
                                 std::shared_ptr<const clockify::OpenApiCatalog> catalog,
                                 const WorkspaceSettings& defaults, TargetFn target, CallFn call,
                                 const Clock& clock)
    : options_(options),
      store_(store),
      catalog_(std::move(catalog)),
      defaults_(defaults),
      target_(std::move(target)),
      call_(std::move(call)),
      clock_(clock),
      owner_(MakeOwnerId()) {}

BootstrapRunner::~BootstrapRunner() { Stop(); }

store::BootstrapLease BootstrapRunner::LeaseNow() const {
  const auto now = clock_.Now();
  return store::BootstrapLease{owner_, now, now + options_.lease};
}

void BootstrapRunner::Start() {
  std::lock_guard lock(mutex_);
  if (supervisor_.joinable() || stopping_) return;
  supervisor_ = std::thread([this] { Supervise(); });
}

void BootstrapRunner::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [ws, run] : runs_) run->RequestStop(StopReason::kShutdown);
  }
  changed_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  // No run starts any more (stopping_); join them without the lock, which they take to finish.
  for (auto& [ws, run] : runs_) run->Join();
  std::lock_guard lock(mutex_);
  runs_.clear();
}

void BootstrapRunner::ReapLocked() {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second->Active()) {
      ++it;
      continue;
    }
    it->second->Join();
    it = runs_.erase(it);
  }
}

Result<void> BootstrapRunner::LaunchLocked(const std::string& workspace_id, Claim claim) {
  if (stopping_) return Fail(ErrorCode::kUnavailable, "not_ready", "the server is shutting down");
  if (auto it = runs_.find(workspace_id); it != runs_.end()) {
    if (it->second->Active()) {
      return Fail(ErrorCode::kConflict, "conflict", "a bootstrap of this workspace is running");
    }
    it->second->Join();
    runs_.erase(it);
  }
  const auto lease = LeaseNow();
  auto claimed = claim == Claim::kFresh ? store_.StartBootstrap(workspace_id, lease)
                                        : store_.ResumeBootstrap(workspace_id, lease);
  if (!claimed) return Fail(claimed.error());
  if (!*claimed) {
    return Fail(ErrorCode::kConflict, "conflict",
                "a bootstrap of this workspace is running in another instance");
  }
  auto run = std::make_unique<Run>(*this, workspace_id);
  run->Launch();
  runs_[workspace_id] = std::move(run);
  return {};
}

Result<store::BootstrapState> BootstrapRunner::Trigger(const std::string& workspace_id) {
  if (!catalog_) {
    return Fail(ErrorCode::kUnavailable, "spec_unavailable",
                "no OpenAPI document: set UNIVERSAL_WEBHOOK_OPENAPI_PATH or "
                "UNIVERSAL_WEBHOOK_OPENAPI_URL so that the bootstrap can plan its calls");
  }
  {
    std::lock_guard lock(mutex_);
    if (auto r = LaunchLocked(workspace_id, Claim::kFresh); !r) return Fail(r.error());
  }
  log::Info("bootstrap triggered", {{"workspace_id", workspace_id}});
  return store_.GetBootstrapState(workspace_id);
}

void BootstrapRunner::Restart(const std::string& workspace_id, const char* why) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (auto it = runs_.find(workspace_id); it != runs_.end() && it->second->Active()) {
    it->second->RequestStop(StopReason::kRestart);
    log::Info("bootstrap: starting over", {{"workspace_id", workspace_id}, {"reason", why}});
    return;
  }
  if (auto r = LaunchLocked(workspace_id, Claim::kFresh); !r) {
    log::Warn("bootstrap: not started",
              {{"workspace_id", workspace_id}, {"reason", why}, {"error", r.error().message}});
    return;
  }
  log::Info("bootstrap: starting", {{"workspace_id", workspace_id}, {"reason", why}});
}

void BootstrapRunner::OnInstalled(const store::Installation& installation,
                                  const WorkspaceSettings& settings) {
  if (settings.bootstrap_run_on_install) Restart(installation.workspace_id, "installed");
}

void BootstrapRunner::OnSettingsUpdated(const std::string& workspace_id,
                                        const WorkspaceSettings& before,
                                        const WorkspaceSettings& after) {
  if (after.bootstrap_run_on_install && lifecycle::BootstrapSettingsDiffer(before, after)) {
    Restart(workspace_id, "bootstrap settings changed");
  }
}

void BootstrapRunner::OnUninstalled(const std::string& workspace_id) {
  std::lock_guard lock(mutex_);
  if (auto it = runs_.find(workspace_id); it != runs_.end() && it->second->Active()) {
    it->second->RequestStop(StopReason::kUninstalled);
  }
}

void BootstrapRunner::Supervise() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    ReapLocked();
    std::vector<std::string> active;
    for (const auto& [ws, run] : runs_) active.push_back(ws);
    lock.unlock();
    std::vector<std::string> lost;
    for (const auto& ws : active) {
      auto renewed = store_.RenewBootstrapLease(ws, LeaseNow());
      if (renewed && !*renewed) lost.push_back(ws);
    }
    auto resumable = store_.ListResumableBootstraps(clock_.Now());
    lock.lock();
    for (const auto& ws : lost) {
      if (auto it = runs_.find(ws); it != runs_.end())
        it->second->RequestStop(StopReason::kLeaseLost);
    }
    if (resumable) {
      for (const auto& ws : *resumable) {
        if (stopping_) break;
        if (auto it = runs_.find(ws); it != runs_.end() && it->second->Active()) continue;
        if (auto r = LaunchLocked(ws, Claim::kResume); r) {
          log::Info("bootstrap: taking up an interrupted run", {{"workspace_id", ws}});
        }
      }
    }
    changed_.wait_for(lock, options_.heartbeat, [&] { return stopping_; });
  }
}

bool BootstrapRunner::WaitUntilIdleForTest(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return std::none_of(runs_.begin(), runs_.end(),
                        [](const auto& entry) { return entry.second->Active(); });
  });
}

}  // namespace uwh::bootstrap
