// RedactedHeadersJson writes the usual (printable ASCII) headers itself: its text must be what
// nlohmann's dump of the same object gives, for any names, values, order and repetition.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ingest/clockify_receiver.hpp"

namespace uwh::ingest {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string Reference(const Headers& headers) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : headers) {
    out[name] = IsSecretHeader(name) ? std::string("[redacted]") : value;
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(RedactedHeadersJsonTest, WritesSortedEscapedAndRedacted) {
  EXPECT_EQ(RedactedHeadersJson({}), "{}");
  EXPECT_EQ(RedactedHeadersJson({{"x-b", "2"},
                                 {"clockify-signature", "eyJ.secret"},
                                 {"x-a", "say \"hi\" \\ bye"},
                                 {"x-b", "3"}}),
            R"({"clockify-signature":"[redacted]","x-a":"say \"hi\" \\ bye","x-b":"3"})");
  // Not printable ASCII: the same text as before, through nlohmann.
  EXPECT_EQ(RedactedHeadersJson({{"x-t", "a\tb"}, {"x-u", "\xC3\xA9"}, {"x-bad", "\xFF"}}),
            "{\"x-bad\":\"\xEF\xBF\xBD\",\"x-t\":\"a\\tb\",\"x-u\":\"\xC3\xA9\"}");
}

TEST(RedactedHeadersJsonTest, AgreesWithNlohmannOnRandomHeaders) {
  const std::vector<std::string> names = {"content-type", "x-a",           "x-b",
                                          "authorization", "cookie",        "x-quote\"",
                                          "x-back\\slash", "user-agent",    "x-",
                                          "clockify-signature", "x-webhook-id", "a"};
  const std::string alphabet = std::string("abcXYZ019 \"\\/{}:,-_.=;") + "\t\x01\x7f\xc3\xa9\xff";
  std::mt19937 rng(4242);
  for (int i = 0; i < 20000; ++i) {
    Headers headers;
    const int n = static_cast<int>(rng() % 8);
    const bool plain = rng() % 4 != 0;  // mostly printable ASCII, as real requests are
    const size_t letters = plain ? alphabet.size() - 7 : alphabet.size();
    for (int k = 0; k < n; ++k) {
      std::string value;
      const int len = static_cast<int>(rng() % 12);
      for (int c = 0; c < len; ++c) value += alphabet[rng() % letters];
      headers.emplace_back(names[rng() % names.size()], value);
    }
    ASSERT_EQ(RedactedHeadersJson(headers), Reference(headers)) << i;
  }
}

}  // namespace
}  // namespace uwh::ingest
