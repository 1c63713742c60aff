// ScanJson against nlohmann::json, the parser everything after ingestion uses: on every input
// both must accept or refuse alike, and the top-level "workspaceId" must be what a SAX pass of
// nlohmann notes. Inputs: hand-written cases with their expected answers, the RFC 9535 CTS
// documents, Clockify's sample webhooks, their truncations and byte mutations, and random token
// soup (fixed seeds, so a failure repeats).
#include "common/json_parse.hpp"
#include "common/json_scan.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace uwh {
namespace {

using nlohmann::json;

// The reference: nlohmann's SAX parser noting the last top-level string member "workspaceId".
class TopLevelWorkspace : public json::json_sax_t {
 public:
  explicit TopLevelWorkspace(std::string* out) : out_(out) {}
  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t& s) override {
    if (capture_) *out_ = s;
    return Value();
  }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override {
    Value();
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    Value();
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    capture_ = depth_ == 1 && k == "workspaceId";
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool Value() {
    capture_ = false;
    return true;
  }
  std::string* out_;
  int depth_ = 0;
  bool capture_ = false;
};

struct Outcome {
  bool valid = false;
  std::string workspace;
  bool operator==(const Outcome&) const = default;
};

Outcome Reference(const std::string& text) {
  Outcome o;
  TopLevelWorkspace sax(&o.workspace);
  o.valid = json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true);
  EXPECT_EQ(o.valid, json::accept(text)) << "the two nlohmann answers differ on: " << text;
  // nlohmann stops reading at a NUL byte, so it accepts "{}\0anything". RFC 8259 allows no NUL
  // outside a string and none raw inside one: JSON never holds one, and ScanJson refuses it.
  if (text.find('\0') != std::string::npos) o.valid = false;
  if (!o.valid) o.workspace.clear();
  return o;
}

Outcome Ours(const std::string& text) {
  Outcome o;
  o.valid = ScanJson(text, "workspaceId", &o.workspace);
  EXPECT_EQ(o.valid, ScanJson(text)) << "with and without a key the answers differ on: " << text;
  if (!o.valid) o.workspace.clear();
  return o;
}

// Returns the number of disagreements, reporting the first few.
int Compare(const std::vector<std::string>& inputs, const std::string& what) {
  int mismatches = 0;
  for (const std::string& text : inputs) {
    const Outcome expected = Reference(text);
    const Outcome got = Ours(text);
    if (expected == got) continue;
    if (++mismatches <= 5) {
      ADD_FAILURE() << what << ": nlohmann says valid=" << expected.valid << " workspace='"
                    << expected.workspace << "', ScanJson says valid=" << got.valid
                    << " workspace='" << got.workspace << "' on (" << text.size()
                    << " bytes): " << text.substr(0, 300);
    }
  }
  return mismatches;
}

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Samples() {
  std::vector<std::string> out;
  const std::filesystem::path dir = std::string(UWH_SHARED_DIR) + "/clockify/webhook-samples";
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    if (auto text = ReadFile(entry.path())) out.push_back(*text);
  }
  return out;
}

TEST(JsonScanTest, HandWrittenCases) {
  struct Case {
    std::string text;
    bool valid;
    std::string workspace;
  };
  const std::vector<Case> cases = {
      {"{}", true, ""},
      {" [ ] ", true, ""},
      {"0", true, ""},
      {"-0.5e+3", true, ""},
      {"\"x\"", true, ""},
      {"true", true, ""},
      {"null", true, ""},
      {"", false, ""},
      {" ", false, ""},
      {"{} {}", false, ""},
      {"01", false, ""},
      {"1.", false, ""},
      {".5", false, ""},
      {"+1", false, ""},
      {"1e", false, ""},
      {"-", false, ""},
      {"1e400", false, ""},     // overflows a double: nlohmann refuses it
      {"1e-400", true, ""},     // underflows to 0: accepted
      {"[1,]", false, ""},
      {"{\"a\":1,}", false, ""},
      {"{\"a\" 1}", false, ""},
      {"{1:1}", false, ""},
      {"tru", false, ""},
      {"nul", false, ""},
      {"\"\\u00e9\"", true, ""},
      {"\"\\uD83D\\uDE00\"", true, ""},
      {"\"\\uD83D\"", false, ""},          // a high surrogate alone
      {"\"\\uDE00\"", false, ""},          // a low surrogate alone
      {"\"\\uD83D\\u0041\"", false, ""},   // a high surrogate followed by no low one
      {"\"\\x\"", false, ""},
      {"\"\\u12G4\"", false, ""},
      {std::string("\"a\tb\""), false, ""},     // a raw control character
      {std::string("\"a\x7f" "b\""), true, ""},  // DEL is not a control character in JSON
      {"\"\xC3\xA9\"", true, ""},
      {"\"\xC0\xAF\"", false, ""},         // overlong
      {"\"\xED\xA0\x80\"", false, ""},     // an encoded surrogate
      {"\"\xF4\x90\x80\x80\"", false, ""}, // above U+10FFFF
      {"\"\xF0\x9F\x98\x80\"", true, ""},
      {"\"\xE2\x82\"", false, ""},         // truncated
      {"\xEF\xBB\xBF{}", true, ""},        // a byte order mark is skipped
      {"\xEF\xBB{}", false, ""},
      {std::string("{}\0", 3), false, ""},  // nlohmann would stop at the NUL and accept
      {std::string("\"a\0\"", 4), false, ""},
      {R"({"workspaceId":"w1"})", true, "w1"},
      {R"({"a":{"workspaceId":"nested"}})", true, ""},
      {R"([{"workspaceId":"in an array"}])", true, ""},
      {R"({"workspaceId":"a","workspaceId":"b"})", true, "b"},
      {R"({"workspaceId":"a","workspaceId":1})", true, "a"},
      {R"({"workspaceId":{"workspaceId":"x"}})", true, ""},
      {R"({"workspace\u0049d":"escaped \"name\""})", true, "escaped \"name\""},
      {R"({"workspaceId":"\u00e9\n\/"})", true, "\xC3\xA9\n/"},
      {R"({"workspaceIdx":"no"})", true, ""},
      {R"({"workspaceId":"w1")", false, ""},
  };
  for (const Case& c : cases) {
    std::string workspace;
    EXPECT_EQ(ScanJson(c.text, "workspaceId", &workspace), c.valid) << c.text;
    if (c.valid) {
      EXPECT_EQ(workspace, c.workspace) << c.text;
    }
  }
  // Each case agrees with nlohmann too (the expectations above are written from RFC 8259).
  std::vector<std::string> texts;
  for (const Case& c : cases) texts.push_back(c.text);
  EXPECT_EQ(Compare(texts, "hand-written"), 0);
}

TEST(JsonScanTest, DeepNestingNeedsNoRecursion) {
  const int depth = 200000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_TRUE(ScanJson(deep));
  EXPECT_FALSE(ScanJson(deep.substr(0, deep.size() - 1)));
  std::string objects;
  for (int i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  EXPECT_TRUE(ScanJson(objects, "a", nullptr));
}

// The nesting bound: arrays and objects count, brackets in strings (escaped quotes included) do
// not, and ParseJson treats a deeper document like one that is not JSON.
TEST(JsonScanTest, JsonDepthAtMostCountsArraysAndObjectsOutsideStrings) {
  auto nested = [](int depth) {
    std::string text;
    for (int i = 0; i < depth; ++i) text += (i % 2 == 0) ? "[" : "{\"k\":";
    text += "1";
    for (int i = depth - 1; i >= 0; --i) text += (i % 2 == 0) ? "]" : "}";
    return text;
  };
  EXPECT_TRUE(JsonDepthAtMost(nested(kMaxJsonDepth)));
  EXPECT_FALSE(JsonDepthAtMost(nested(kMaxJsonDepth + 1)));
  EXPECT_TRUE(JsonDepthAtMost(nested(3), 3));
  EXPECT_FALSE(JsonDepthAtMost(nested(4), 3));
  EXPECT_TRUE(JsonDepthAtMost("[1,[2],[3],{\"a\":[4]}]", 3));  // siblings do not add up
  EXPECT_TRUE(JsonDepthAtMost(R"(["[[[[", "\"[[[[", {"{{{{": "}}}}"}])", 2));
  EXPECT_TRUE(JsonDepthAtMost(""));
  // ScanJson measures the same in its one pass, with the kind of value at the top.
  for (const auto& [text, top, depth] : {std::tuple<std::string, char, size_t>{nested(5), '[', 5},
                                         {"\xEF\xBB\xBF {\"a\":[[]]}", '{', 3},
                                         {" 42", '4', 0},
                                         {R"(["[[[["])", '[', 1}}) {
    JsonShape shape;
    ASSERT_TRUE(ScanJson(text, {}, nullptr, &shape)) << text;
    EXPECT_EQ(shape.top, top) << text;
    EXPECT_EQ(shape.depth, depth) << text;
  }
  EXPECT_TRUE(ParseJson(nested(kMaxJsonDepth)).is_array());
  EXPECT_TRUE(ParseJson(nested(100000)).is_discarded());
  EXPECT_TRUE(ParseJson("{not json").is_discarded());
  EXPECT_EQ(ParseJson(R"({"a":[1,2]})"), nlohmann::json::parse(R"({"a":[1,2]})"));
}

TEST(JsonScanTest, AgreesWithNlohmannOnTheJsonPathCtsDocuments) {
  const auto cts = ReadFile(std::string(UWH_SHARED_DIR) + "/jsonpath-cts/cts.json");
  if (!cts) GTEST_SKIP() << "no jsonpath-cts/cts.json in the shared directory";
  std::vector<std::string> inputs = {*cts};
  const json suite = json::parse(*cts);
  for (const json& test : suite["tests"]) {
    if (test.contains("document")) {
      inputs.push_back(test["document"].dump());
      inputs.push_back(test["document"].dump(2));
      inputs.push_back(test["document"].dump(-1, ' ', true));  // \u escapes for non-ASCII
    }
    inputs.push_back(test["selector"].dump());
    // The selector's text itself: mostly not JSON, often close to it.
    inputs.push_back(test["selector"].get<std::string>());
  }
  ASSERT_GT(inputs.size(), 1000u);
  EXPECT_EQ(Compare(inputs, "cts"), 0);
}

TEST(JsonScanTest, AgreesWithNlohmannOnTheSampleWebhooksAndTheirMutations) {
  const std::vector<std::string> samples = Samples();
  if (samples.empty()) GTEST_SKIP() << "no clockify/webhook-samples in the shared directory";
  std::vector<std::string> inputs;
  std::mt19937 rng(20261204);
  const std::string interesting = std::string("\"\\{}[]:,0-.eE+u/ \t\nnt", 22) +
                                  std::string("\x00\x1f\x7f\x80\xbf\xc0\xc2\xe0\xed\xef\xf0\xf4\xff", 13);
  for (const std::string& sample : samples) {
    inputs.push_back(sample);
    // With a top-level workspaceId in front (most samples carry one; the first must not win).
    if (sample.size() > 2 && sample[0] == '{') {
      inputs.push_back("{\"workspaceId\":\"first\"," + sample.substr(1));
    }
    for (size_t cut = 0; cut < sample.size(); cut += 7) inputs.push_back(sample.substr(0, cut));
    std::uniform_int_distribution<size_t> pos(0, sample.size() - 1);
    std::uniform_int_distribution<size_t> pick(0, interesting.size() - 1);
    for (int i = 0; i < 300; ++i) {
      std::string m = sample;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const size_t at = pos(rng) % m.size();
        switch (rng() % 3) {
          case 0:
            m[at] = interesting[pick(rng)];
            break;
          case 1:
            m.insert(at, 1, interesting[pick(rng)]);
            break;
          default:
            m.erase(at, 1 + rng() % 4);
            if (m.empty()) m = "{";
            break;
        }
      }
      inputs.push_back(m);
    }
  }
  EXPECT_EQ(Compare(inputs, "samples"), 0);
}

TEST(JsonScanTest, AgreesWithNlohmannOnRandomTokenSoup) {
  const std::vector<std::string> tokens = {
      "{", "}", "[", "]", ":", ",", " ", "\n", "\"", "\"workspaceId\"", "\"w\"", "\"a\"",
      "\"\\u00e9\"", "\"\\uD83D\\uDE00\"", "\"\\uD83D\"", "\\", "0", "-1", "1.5", "2e10",
      "1e999", "01", "true", "false", "null", "nul", "\xC3\xA9", "\xFF", "\x01", "\"\xE2\x82\xAC\"",
      "123456789012345678901234567890"};
  std::mt19937 rng(9535);
  std::vector<std::string> inputs;
  for (int i = 0; i < 50000; ++i) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) s += tokens[rng() % tokens.size()];
    inputs.push_back(s);
  }
  // Random well-formed documents too (from nlohmann's own serialiser), so that "valid" is common.
  for (int i = 0; i < 5000; ++i) {
    json doc = json::object();
    const int n = static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      const std::string key = (rng() % 3 == 0) ? "workspaceId" : "k" + std::to_string(rng() % 5);
      switch (rng() % 5) {
        case 0:
          doc[key] = "v" + std::to_string(rng());
          break;
        case 1:
          doc[key] = static_cast<double>(rng()) / 7.0;
          break;
        case 2:
          doc[key] = json::array({rng() % 100, "x", nullptr, true});
          break;
        case 3:
          doc[key] = json{{"workspaceId", "inner"}};
          break;
        default:
          doc[key] = -static_cast<int64_t>(rng());
          break;
      }
    }
    inputs.push_back(doc.dump(rng() % 2 ? -1 : 1));
  }
  EXPECT_EQ(Compare(inputs, "random"), 0);
}

}  // namespace
}  // namespace uwh
