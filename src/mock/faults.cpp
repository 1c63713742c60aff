#include "mock/faults.hpp"

namespace uwh::mock {
namespace {

tl::unexpected<Error> Invalid(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "validation_failed", message, field);
}

}  // namespace

Result<FaultConfig> ParseFaultConfig(std::string_view body) {
  FaultConfig c;
  if (body.empty()) return c;
  const Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_json", "the body must be a JSON object");
  }
  auto integer = [&](const char* name, int lo, int hi, int* out) -> Result<void> {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
      return Invalid(name, std::string(name) + " must be an integer from " + std::to_string(lo) +
                               " to " + std::to_string(hi));
    }
    *out = it->get<int>();
    return {};
  };
  if (auto ok = integer("latency_ms", 0, 120000, &c.latency_ms); !ok) return Fail(ok.error());
  if (auto ok = integer("status", 500, 599, &c.status); !ok) return Fail(ok.error());
  if (auto ok = integer("burst_429", 0, 1000000, &c.burst_429); !ok) return Fail(ok.error());
  if (auto ok = integer("retry_after", 0, 3600, &c.retry_after_seconds); !ok) {
    return Fail(ok.error());
  }
  if (auto ok = integer("drop_connections", 0, 1000000, &c.drop_connections); !ok) {
    return Fail(ok.error());
  }
  if (auto it = j.find("error_rate"); it != j.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1) {
      return Invalid("error_rate", "error_rate must be a number from 0 to 1");
    }
    c.error_rate = it->get<double>();
  }
  return c;
}

Json FaultConfigJson(const FaultConfig& c) {
  return Json{{"latency_ms", c.latency_ms},
              {"error_rate", c.error_rate},
              {"status", c.status},
              {"burst_429", c.burst_429},
              {"retry_after", c.retry_after_seconds},
              {"drop_connections", c.drop_connections}};
}

void Faults::Set(const FaultConfig& config) {
  std::lock_guard lock(mutex_);
  config_ = config;
}

FaultConfig Faults::Get() const {
  std::lock_guard lock(mutex_);
  return config_;
}

FaultDecision Faults::Decide() {
  std::lock_guard lock(mutex_);
  FaultDecision d;
  d.latency_ms = config_.latency_ms;
  if (config_.drop_connections > 0) {
    --config_.drop_connections;
    d.action = FaultDecision::Action::kDrop;
  } else if (config_.burst_429 > 0) {
    --config_.burst_429;
    d.action = FaultDecision::Action::kTooManyRequests;
    d.status = 429;
    d.retry_after_seconds = config_.retry_after_seconds;
  } else if (config_.error_rate > 0 &&
             static_cast<double>(random_.Below(1000000)) < config_.error_rate * 1000000.0) {
    d.action = FaultDecision::Action::kError;
    d.status = config_.status;
  }
  return d;
}

}  // namespace uwh::mock
