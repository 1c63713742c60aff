// The JSONPath Compliance Test Suite (RFC 9535), run as data: one test per case of
// ../shared/jsonpath-cts/cts.json, named after the case. Running the binary prints the pass count.
#include <cctype>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flows/jsonpath/jsonpath.hpp"

namespace uwh::flows::jsonpath {
namespace {

using nlohmann::json;

constexpr char kCtsPath[] = UWH_SHARED_DIR "/jsonpath-cts/cts.json";
constexpr char kSuite[] = "Cts/JsonPathCtsTest";

struct CtsCase {
  std::string name;       // As in cts.json.
  std::string test_name;  // `name` made a valid, unique gtest name.
  json data;
};

void PrintTo(const CtsCase& c, std::ostream* os) { *os << c.name; }

std::string TestName(const std::string& name, std::set<std::string>& used) {
  std::string out;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) out = "case";
  std::string unique = out;
  for (int i = 2; !used.insert(unique).second; ++i) unique = out + "_" + std::to_string(i);
  return unique;
}

const json& CtsFile() {
  static const json file = [] {
    std::ifstream in(kCtsPath);
    if (!in) return json();
    return json::parse(in, nullptr, /*allow_exceptions=*/false);
  }();
  return file;
}

std::vector<CtsCase> LoadCases() {
  std::vector<CtsCase> cases;
  const json& file = CtsFile();
  if (!file.is_object() || !file.contains("tests")) return cases;
  std::set<std::string> used;
  for (const json& test : file["tests"]) {
    const std::string name = test.value("name", "");
    cases.push_back(CtsCase{name, TestName(name, used), test});
  }
  return cases;
}

class JsonPathCtsTest : public ::testing::TestWithParam<CtsCase> {};

TEST_P(JsonPathCtsTest, Conforms) {
  const json& test = GetParam().data;
  const std::string selector = test.at("selector").get<std::string>();
  const auto query = Query::Parse(selector);
  if (test.value("invalid_selector", false)) {
    EXPECT_FALSE(query.has_value()) << "accepted invalid selector " << selector;
    return;
  }
  ASSERT_TRUE(query.has_value()) << "rejected " << selector << " at position "
                                 << query.error().position << ": " << query.error().message;
  const std::vector<Node> nodes = query->EvaluateWithPaths(test.at("document"));
  json values = json::array();
  json paths = json::array();
  for (const Node& node : nodes) {
    values.push_back(*node.value);
    paths.push_back(node.normalized_path);
  }
  if (test.contains("result")) {
    EXPECT_EQ(values, test["result"]) << selector;
    if (test.contains("result_paths")) {
      EXPECT_EQ(paths, test["result_paths"]) << selector;
    }
    return;
  }
  const json& results = test.at("results");
  bool matched = false;
  for (std::size_t i = 0; i < results.size() && !matched; ++i) {
    matched = values == results[i] &&
              (!test.contains("results_paths") || paths == test["results_paths"][i]);
  }
  EXPECT_TRUE(matched) << selector << " gave " << values.dump() << " at " << paths.dump()
                       << ", expected one of " << results.dump();
}

INSTANTIATE_TEST_SUITE_P(Cts, JsonPathCtsTest, ::testing::ValuesIn(LoadCases()),
                         [](const ::testing::TestParamInfo<CtsCase>& case_info) {
                           return case_info.param.test_name;
                         });

TEST(JsonPathCtsFileTest, HasAllCases) {
  ASSERT_TRUE(CtsFile().is_object()) << "cannot read " << kCtsPath;
  EXPECT_EQ(CtsFile()["tests"].size(), 703U);
}

// Prints "JSONPath CTS: passed N of M" after the run.
class CtsReport : public ::testing::Environment {
 public:
  void TearDown() override {
    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    int ran = 0;
    int passed = 0;
    for (int i = 0; i < unit.total_test_suite_count(); ++i) {
      const ::testing::TestSuite& suite = *unit.GetTestSuite(i);
      if (std::string(suite.name()) != kSuite) continue;
      for (int j = 0; j < suite.total_test_count(); ++j) {
        const ::testing::TestInfo& info = *suite.GetTestInfo(j);
        if (!info.should_run()) continue;
        ++ran;
        if (info.result()->Passed()) ++passed;
      }
    }
    if (ran > 0) std::cout << "JSONPath CTS: passed " << passed << " of " << ran << "\n";
  }
};

const auto* const kCtsReport = ::testing::AddGlobalTestEnvironment(new CtsReport);

}  // namespace
}  // namespace uwh::flows::jsonpath
