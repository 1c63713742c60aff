#pragma once
// Delivers the simulated Clockify's webhooks on its own thread, never inside an API request:
// POST url with clockify-webhook-event-type and clockify-signature, retried (connection errors,
// 429, 5xx) a couple of times with a growing delay.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "mock/model.hpp"

namespace uwh::mock {

struct Delivery {
  std::string workspace_id;
  std::string event;
  std::string webhook_id;
  std::string url;
  std::string token;  // the clockify-signature header
  std::string body;
};

struct SenderOptions {
  int max_attempts = 3;
  std::chrono::milliseconds retry_delay{500};  // times the attempt number
  std::chrono::milliseconds timeout{10000};
};

// Thread-safe. The destructor stops the thread; deliveries still queued are dropped.
class WebhookSender {
 public:
  explicit WebhookSender(SenderOptions options = {});
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void Enqueue(Delivery delivery);
  // Counters, and the last deliveries (newest last), without tokens.
  Json StatsJson() const;
  Json RecentJson(size_t max) const;
  void ResetStats();
  void Stop();

 private:
  struct Item {
    Delivery delivery;
    int attempts = 0;
  };
  struct Outcome {
    std::string workspace_id, event, webhook_id, url, error;
    int status = 0;
    int attempts = 0;
    bool delivered = false;
    std::string at;
  };
  void Run();

  const SenderOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, Item> queue_;
  bool stopping_ = false;
  bool in_flight_ = false;
  uint64_t delivered_ = 0;
  uint64_t failed_ = 0;
  uint64_t retries_ = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_event_;  // delivered, failed
  std::deque<Outcome> recent_;
  std::thread thread_;
};

}  // namespace uwh::mock
