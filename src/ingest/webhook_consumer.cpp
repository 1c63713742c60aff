#include "ingest/webhook_consumer.hpp"

#include <exception>

namespace uwh::ingest {

std::vector<Result<void>> WebhookConsumer::ConsumeBatch(std::span<const Delivery> batch) {
  std::vector<Result<void>> results;
  results.reserve(batch.size());
  for (const Delivery& d : batch) {
    // A throwing consumer fails this webhook, not the worker.
    try {
      results.push_back(Consume(*d.webhook, *d.payload));
    } catch (const std::exception& e) {
      results.push_back(Fail(ErrorCode::kInternal, "consumer_failed", e.what()));
    }
    if (!results.back() && results.back().error().kind == ErrorCode::kUnavailable) break;
  }
  return results;
}

}  // namespace uwh::ingest
