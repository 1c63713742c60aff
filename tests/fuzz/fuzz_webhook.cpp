// Webhook deliveries up to the store (src/ingest/): the Clockify receiver's header checks,
// signature and body validation, header redaction; the custom receiver's source, content type,
// form and JSON bodies, workspace resolution and Standard Webhooks signatures.
// Input: header lines "name: value" (names in lower case, as the server hands them over), an
// empty line, then the body. Pseudo-headers ":event" (the
// path's event of /webhooks/clockify/{EVENT}) and ":source" (of /webhooks/custom/{source}). The
// store is an in-memory SQLite database with workspace "w1", an open source "open" and a source
// "signed" whose secret is kSecret; the clock stands at kNow.
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/crypto.hpp"
#include "fuzz_input.hpp"
#include "fuzz_keys.hpp"
#include "ingest/clockify_receiver.hpp"
#include "ingest/custom_receiver.hpp"
#include "lifecycle/token_directory.hpp"
#include "store/store.hpp"

namespace {

using namespace uwh;

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr int64_t kNow = 1'700'000'000;
constexpr size_t kMaxHeaders = 64;

struct World {
  World()
      : clock(std::chrono::system_clock::time_point(std::chrono::seconds(kNow))),
        store(Open()),
        secrets(*SecretBox::FromKeyText(std::string(64, 'a'))),
        directory(*store, clock),
        verified(config, &fuzz::TheDevKeys().verifier, directory, clock),
        unverified(config, nullptr, directory, clock),
        custom(config, *store, secrets, clock) {
    store::Installation installation;
    installation.workspace_id = "w1";
    installation.addon_token_ciphertext = secrets.Seal("token");
    if (!store->UpsertInstallation(installation)) std::abort();
    store::CustomSource open_source{"w1", "open", "", true, clock.Now()};
    store::CustomSource signed_source{"w1", "signed", secrets.Seal(kSecret), false, clock.Now()};
    if (!store->CreateCustomSource(open_source) || !store->CreateCustomSource(signed_source)) {
      std::abort();
    }
  }

  static std::unique_ptr<store::Store> Open() {
    auto opened = store::OpenStore("sqlite:///:memory:", false);
    if (!opened || !(*opened)->Migrate()) std::abort();
    return std::move(*opened);
  }

  Config config;
  ManualClock clock;
  std::unique_ptr<store::Store> store;
  SecretBox secrets;
  lifecycle::TokenDirectory directory;
  ingest::ClockifyReceiver verified;
  ingest::ClockifyReceiver unverified;
  ingest::CustomReceiver custom;
};

World& TheWorld() {
  static World* world = new World();
  return *world;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view Find(const std::vector<std::pair<std::string, std::string>>& headers,
                      std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)TheWorld();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = TheWorld();
  std::string_view input = fuzz::AsText(data, size);
  std::vector<std::pair<std::string, std::string>> headers;
  std::string path_event;
  std::string source = "open";
  while (!input.empty() && headers.size() < kMaxHeaders) {
    const size_t eol = input.find('\n');
    const std::string_view line = Trim(input.substr(0, eol));
    input.remove_prefix(eol == std::string_view::npos ? input.size() : eol + 1);
    if (line.empty()) break;
    const size_t colon = line.find(':', 1);
    if (colon == std::string_view::npos) continue;
    const std::string name(Trim(line.substr(0, colon)));
    const std::string value(Trim(line.substr(colon + 1)));
    if (name == ":event") {
      path_event = value;
    } else if (name == ":source") {
      source = value;
    } else {
      headers.emplace_back(name, value);
    }
  }
  const std::string_view body = input;

  const ingest::ClockifyDelivery delivery{path_event, body, &headers};
  lifecycle::TokenBinding binding{"w1", "*", true, body.size() % 2 == 0};
  for (const auto* receiver : {&w.verified, &w.unverified}) {
    if (auto checked = receiver->Check(delivery)) {
      (void)receiver->Build(delivery, *checked, binding);
    }
  }
  // The body checks after the signature, whatever the signature: a fuzzer cannot forge RS256.
  ingest::CheckedDelivery assumed;
  assumed.event_type = std::string(Find(headers, "clockify-webhook-event-type"));
  (void)w.verified.Build(delivery, assumed, binding);
  const Result<lifecycle::TokenBinding> unknown =
      Fail(ErrorCode::kNotFound, "not_found", "unknown token");
  (void)w.verified.Build(delivery, assumed, unknown);

  const ingest::CustomDelivery custom{source, body, &headers};
  (void)w.custom.Prepare(custom);
  (void)ingest::VerifyStandardWebhook(kSecret, Find(headers, "webhook-id"),
                                      Find(headers, "webhook-timestamp"),
                                      Find(headers, "webhook-signature"), body, w.clock,
                                      std::chrono::minutes(5));
  (void)ingest::FormToJson(body);
  (void)ingest::IsValidSourceName(source);
  return 0;
}
