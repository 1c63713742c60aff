#include "mock/webhook_sender.hpp"

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "mock/outbound.hpp"

namespace uwh::mock {
namespace {

constexpr size_t kRecent = 1000;

bool Retryable(int status) { return status == 0 || status == 429 || status >= 500; }

}  // namespace

WebhookSender::WebhookSender(SenderOptions options) : options_(options) {
  thread_ = std::thread([this] { Run(); });
}

WebhookSender::~WebhookSender() { Stop(); }

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookSender::Enqueue(Delivery delivery) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.emplace(std::chrono::steady_clock::now(), Item{std::move(delivery), 0});
  }
  cv_.notify_one();
}

void WebhookSender::Run() {
  OutboundClient client;
  std::unique_lock lock(mutex_);
  while (true) {
    if (stopping_) break;
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto ready = queue_.begin()->first;
    if (ready > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, ready);
      continue;
    }
    Item item = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    in_flight_ = true;
    lock.unlock();

    ++item.attempts;
    OutboundRequest request;
    request.method = "POST";
    request.url = item.delivery.url;
    request.timeout = options_.timeout;
    request.headers = {{"Content-Type", "application/json"},
                       {"clockify-webhook-event-type", item.delivery.event},
                       {"clockify-signature", item.delivery.token}};
    request.body = item.delivery.body;
    const OutboundResponse response = client.Send(request);

    lock.lock();
    in_flight_ = false;
    const bool give_up = !Retryable(response.status) || item.attempts >= options_.max_attempts;
    if (!response.ok() && !give_up) {
      ++retries_;
      const auto delay = options_.retry_delay * item.attempts;
      queue_.emplace(std::chrono::steady_clock::now() + delay, std::move(item));
      continue;
    }
    Outcome o{item.delivery.workspace_id, item.delivery.event, item.delivery.webhook_id,
              item.delivery.url, response.error, response.status, item.attempts, response.ok(),
              FormatTimestamp(std::chrono::system_clock::now())};
    if (o.delivered) {
      ++delivered_;
      ++by_event_[o.event].first;
    } else {
      ++failed_;
      ++by_event_[o.event].second;
      lock.unlock();
      log::Warn("mock: webhook not delivered",
                {{"event_type", o.event},
                 {"url", o.url},
                 {"workspace_id", o.workspace_id},
                 {"status", std::to_string(o.status)},
                 {"error", o.error}});
      lock.lock();
    }
    recent_.push_back(std::move(o));
    if (recent_.size() > kRecent) recent_.pop_front();
  }
}

Json WebhookSender::StatsJson() const {
  std::lock_guard lock(mutex_);
  Json by_event = Json::object();
  for (const auto& [event, counts] : by_event_) {
    by_event[event] = {{"delivered", counts.first}, {"failed", counts.second}};
  }
  return Json{{"delivered", delivered_},
              {"failed", failed_},
              {"retries", retries_},
              {"pending", queue_.size() + (in_flight_ ? 1 : 0)},
              {"by_event", by_event}};
}

Json WebhookSender::RecentJson(size_t max) const {
  std::lock_guard lock(mutex_);
  Json out = Json::array();
  const size_t skip = recent_.size() > max ? recent_.size() - max : 0;
  for (size_t i = skip; i < recent_.size(); ++i) {
    const Outcome& o = recent_[i];
    out.push_back({{"workspace_id", o.workspace_id},
                   {"event", o.event},
                   {"webhook_id", o.webhook_id},
                   {"url", o.url},
                   {"status", o.status},
                   {"attempts", o.attempts},
                   {"delivered", o.delivered},
                   {"error", o.error},
                   {"at", o.at}});
  }
  return out;
}

void WebhookSender::ResetStats() {
  std::lock_guard lock(mutex_);
  delivered_ = failed_ = retries_ = 0;
  by_event_.clear();
  recent_.clear();
}

}  // namespace uwh::mock
