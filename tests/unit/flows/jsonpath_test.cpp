// JSONPath beyond the compliance suite: error positions, reuse, threads, deep documents, and the
// queries the flows of this project run on real Clockify payloads.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flows/jsonpath/jsonpath.hpp"

namespace uwh::flows::jsonpath {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

Query MustCompile(std::string_view expression) {
  auto query = Query::Compile(expression);
  EXPECT_TRUE(query.has_value()) << expression << ": "
                                 << (query ? std::string() : query.error().message);
  return std::move(*query);
}

std::vector<json> Values(const Query& query, const json& document) {
  std::vector<json> values;
  for (const Node& node : query.Evaluate(document)) values.push_back(*node.value);
  return values;
}

std::vector<std::string> Paths(const Query& query, const json& document) {
  std::vector<std::string> paths;
  for (const Node& node : query.EvaluateWithPaths(document)) paths.push_back(node.normalized_path);
  return paths;
}

json LoadSample(const std::string& name) {
  std::ifstream in(std::string(UWH_SHARED_DIR) + "/clockify/webhook-samples/" + name);
  EXPECT_TRUE(in.good()) << "cannot read sample " << name;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// --- Errors -------------------------------------------------------------------------------------

struct ErrorCase {
  std::string expression;
  std::size_t position;
  std::string expected;  // A part of the message.
};

TEST(JsonPathErrorTest, ReportsPositionAndWhatWasExpected) {
  const std::vector<ErrorCase> cases = {
      {" $", 0, "expected '$'"},
      {"$.a[", 4, "expected a selector"},
      {"$[0 2]", 4, "expected ',' or ']'"},
      {"$[?@.a==]", 8, "expected a literal"},
      {"$[?length(@.*)>1]", 10, "singular query"},
      {"$[?length(@)]", 3, "length() returns a value"},
      {"$[?match(@, 'a')==true]", 3, "match() returns a logical value"},
      {"$[?foo(@)]", 3, "unknown function 'foo'"},
      {"$[?count(1)>0]", 9, "expected a query"},
      {"$[?true]", 3, "literal cannot stand alone"},
      {"$[9007199254740992]", 2, "between -(2^53-1) and 2^53-1"},
      {"$['a\\x']", 4, "expected an escape"},
      {"$ ", 1, "trailing whitespace"},
      {"$. a", 2, "member name after '.'"},
      // Positions count characters, not bytes: ☺ is three bytes in UTF-8.
      {"$.☺[0", 5, "expected ',' or ']'"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.expression);
    const auto parsed = Query::Parse(c.expression);
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().position, c.position) << parsed.error().message;
    EXPECT_THAT(parsed.error().message, HasSubstr(c.expected));
  }
}

TEST(JsonPathErrorTest, CompileGivesInvalidArgumentWithPositionInMessage) {
  const auto query = Query::Compile("$.a[?@.b==]");
  ASSERT_FALSE(query.has_value());
  EXPECT_EQ(query.error().kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(query.error().code, "invalid_jsonpath");
  EXPECT_THAT(query.error().message, HasSubstr("at position 10:"));
}

TEST(JsonPathErrorTest, RefusesExcessiveNesting) {
  const std::string deep = "$[?" + std::string(200, '(') + "@" + std::string(200, ')') + "]";
  const auto parsed = Query::Parse(deep);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(parsed.error().message, HasSubstr("nested too deeply"));
}

// --- Compile once, evaluate many ----------------------------------------------------------------

TEST(JsonPathQueryTest, CompilesOnceAndEvaluatesManyDocuments) {
  const Query query = MustCompile("$.items[?@.price > 10 && search(@.name, 'pro')].name");
  EXPECT_EQ(query.Text(), "$.items[?@.price > 10 && search(@.name, 'pro')].name");
  for (int i = 0; i < 50; ++i) {
    const json document = {{"items",
                            {{{"name", "pro plan"}, {"price", 10 + i}},
                             {{"name", "basic"}, {"price", 100}},
                             {{"name", "pro tools"}, {"price", 5}}}}};
    const std::vector<json> values = Values(query, document);
    if (i == 0) {
      EXPECT_TRUE(values.empty());
    } else {
      EXPECT_THAT(values, ElementsAre("pro plan"));
    }
  }
}

TEST(JsonPathQueryTest, CopiesShareTheCompiledForm) {
  const Query original = MustCompile("$.a");
  const Query copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.Text(), "$.a");
  EXPECT_THAT(Values(copy, json{{"a", 1}}), ElementsAre(1));
}

TEST(JsonPathQueryTest, KnowsWhetherItIsSingular) {
  EXPECT_TRUE(MustCompile("$").IsSingular());
  EXPECT_TRUE(MustCompile("$.a['b'][0][-1]").IsSingular());
  EXPECT_FALSE(MustCompile("$.a[*]").IsSingular());
  EXPECT_FALSE(MustCompile("$..a").IsSingular());
  EXPECT_FALSE(MustCompile("$[0,1]").IsSingular());
  EXPECT_FALSE(MustCompile("$[0:1]").IsSingular());
}

TEST(JsonPathQueryTest, WritesNormalizedPathsWithEscapes) {
  const json document = {{"it's", 1}, {"tab\there", 2}, {std::string("\x01", 1), 3}, {"\\", 4}};
  EXPECT_THAT(Paths(MustCompile("$[\"it's\"]"), document), ElementsAre("$['it\\'s']"));
  EXPECT_THAT(Paths(MustCompile("$['tab\\there']"), document), ElementsAre("$['tab\\there']"));
  EXPECT_THAT(Paths(MustCompile("$['\\u0001']"), document), ElementsAre("$['\\u0001']"));
  EXPECT_THAT(Paths(MustCompile("$['\\\\']"), document), ElementsAre("$['\\\\']"));
  EXPECT_THAT(Paths(MustCompile("$.x[-1]"), json{{"x", {1, 2, 3}}}), ElementsAre("$['x'][2]"));
}

TEST(JsonPathQueryTest, EvaluateLeavesPathsEmpty) {
  const std::vector<Node> nodes = MustCompile("$.a").Evaluate(json{{"a", 1}});
  ASSERT_EQ(nodes.size(), 1U);
  EXPECT_TRUE(nodes[0].normalized_path.empty());
}

// --- I-Regexp -----------------------------------------------------------------------------------

TEST(JsonPathRegexTest, MatchIsWholeStringAndSearchIsAnywhere) {
  const json document = {"abc", "xabcx", "ab"};
  EXPECT_THAT(Values(MustCompile("$[?match(@, 'a.c')]"), document), ElementsAre("abc"));
  EXPECT_THAT(Values(MustCompile("$[?search(@, 'a.c')]"), document),
              ElementsAre("abc", "xabcx"));
}

TEST(JsonPathRegexTest, DotMatchesNeitherLineFeedNorCarriageReturn) {
  const json document = {"a\nb", "a\rb", "a\u2028b", "a\xF0\x9F\x98\x80" "b"};
  EXPECT_THAT(Values(MustCompile("$[?match(@, 'a.b')]"), document),
              ElementsAre("a\u2028b", "a\xF0\x9F\x98\x80" "b"));
}

TEST(JsonPathRegexTest, InvalidPatternIsFalseNotAnError) {
  const json document = {{"values", {"a", "b"}}, {"regex", "(unclosed"}};
  EXPECT_TRUE(Values(MustCompile("$.values[?match(@, '(unclosed')]"), document).empty());
  EXPECT_TRUE(Values(MustCompile("$.values[?search(@, $.regex)]"), document).empty());
  EXPECT_THAT(Values(MustCompile("$.values[?!search(@, '\\\\d')]"), document),
              ElementsAre("a", "b"));  // \d is not I-Regexp.
}

TEST(JsonPathRegexTest, UnicodeCategoriesIncludingUnassigned) {
  // U+0378 is unassigned (Cn), which RE2 has no class for.
  const json document = {"A", "a", "\u0378", "1"};
  EXPECT_THAT(Values(MustCompile("$[?match(@, '\\\\p{Lu}')]"), document), ElementsAre("A"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, '\\\\p{Cn}')]"), document),
              ElementsAre("\u0378"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, '\\\\p{C}')]"), document), ElementsAre("\u0378"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, '[\\\\P{Cn}]')]"), document),
              ElementsAre("A", "a", "1"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, '[\\\\p{Nd}\\\\p{Cn}]')]"), document),
              ElementsAre("\u0378", "1"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, '[^\\\\p{C}]')]"), document),
              ElementsAre("A", "a", "1"));
}

TEST(JsonPathRegexTest, CharacterClassesAndQuantifiers) {
  const json document = {"a-b", "abb", "a]b", "ab{2}"};
  EXPECT_THAT(Values(MustCompile("$[?match(@, 'a[-x]b')]"), document), ElementsAre("a-b"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, 'ab{2}')]"), document), ElementsAre("abb"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, 'a[\\\\]]b')]"), document), ElementsAre("a]b"));
  EXPECT_THAT(Values(MustCompile("$[?match(@, 'ab\\\\{2\\\\}')]"), document),
              ElementsAre("ab{2}"));
  // Not I-Regexp: empty class, reversed range, reversed quantifier bounds.
  EXPECT_TRUE(Values(MustCompile("$[?search(@, '[]')]"), document).empty());
  EXPECT_TRUE(Values(MustCompile("$[?search(@, '[b-a]')]"), document).empty());
  EXPECT_TRUE(Values(MustCompile("$[?search(@, 'b{2,1}')]"), document).empty());
}

// --- Evaluation is bounded and thread-safe ------------------------------------------------------

TEST(JsonPathQueryTest, HandlesVeryDeepDocumentsWithoutRecursion) {
  constexpr int kDepth = 100000;
  const json document =
      json::parse(std::string(kDepth, '[') + "1" + std::string(kDepth, ']'), nullptr, false);
  ASSERT_FALSE(document.is_discarded());
  EXPECT_EQ(MustCompile("$..*").Evaluate(document).size(), static_cast<std::size_t>(kDepth));
  const std::vector<Node> ones = MustCompile("$..[?@ == 1]").Evaluate(document);
  ASSERT_EQ(ones.size(), 1U);
  EXPECT_EQ(*ones[0].value, 1);
  // Deep structural equality, between two deep arrays that differ only at the bottom.
  const auto nested = [](const std::string& leaf) {
    return std::string(kDepth, '[') + leaf + std::string(kDepth, ']');
  };
  const json pair = json::parse("[" + nested("1") + "," + nested("2") + "]");
  EXPECT_EQ(MustCompile("$[?@ == $[1]]").Evaluate(pair).size(), 1U);
  const json twins = json::parse("[" + nested("1") + "," + nested("1") + "]");
  EXPECT_EQ(MustCompile("$[?@ == $[1]]").Evaluate(twins).size(), 2U);
}

TEST(JsonPathQueryTest, PathsOfDeepNodes) {
  constexpr int kDepth = 2000;
  const json document = json::parse(std::string(kDepth, '[') + "1" + std::string(kDepth, ']'));
  const std::vector<Node> nodes = MustCompile("$..[?@ == 1]").EvaluateWithPaths(document);
  ASSERT_EQ(nodes.size(), 1U);
  std::string expected = "$";
  for (int i = 0; i < kDepth; ++i) expected += "[0]";
  EXPECT_EQ(nodes[0].normalized_path, expected);
}

TEST(JsonPathQueryTest, ConcurrentEvaluationOfOneQuery) {
  const Query query = MustCompile(
      "$..[?match(@.name, 'item-[0-9]+') && search(@.name, $.pattern) && @.n >= 0].n");
  json document = {{"pattern", "[13579]$"}, {"list", json::array()}};
  for (int i = 0; i < 200; ++i) {
    document["list"].push_back({{"name", "item-" + std::to_string(i)}, {"n", i}});
  }
  const std::vector<json> expected = Values(query, document);
  ASSERT_EQ(expected.size(), 100U);
  std::vector<int> mismatches(8, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        if (Values(query, document) != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const int count : mismatches) EXPECT_EQ(count, 0);
}

// --- The queries this project's flows run on Clockify payloads ----------------------------------

class ClockifyPayloadTest : public ::testing::Test {
 protected:
  json entry_ = LoadSample("NEW_TIME_ENTRY.json");
};

TEST_F(ClockifyPayloadTest, ProjectName) {
  const Query query = MustCompile("$.project.name");
  EXPECT_THAT(Values(query, entry_), ElementsAre("Project"));
  EXPECT_THAT(Paths(query, entry_), ElementsAre("$['project']['name']"));
}

TEST_F(ClockifyPayloadTest, Duration) {
  EXPECT_THAT(Values(MustCompile("$.timeInterval.duration"), entry_), ElementsAre("PT1H"));
}

TEST_F(ClockifyPayloadTest, TagNames) {
  const Query query = MustCompile("$.tags[*].name");
  EXPECT_THAT(Values(query, entry_), ElementsAre("Tag"));
  EXPECT_THAT(Paths(query, entry_), ElementsAre("$['tags'][0]['name']"));
}

TEST_F(ClockifyPayloadTest, EveryId) {
  EXPECT_THAT(Values(MustCompile("$..id"), entry_),
              UnorderedElementsAre("5f118c837db7a8637ffcaf36", "5f11849d4e759e12c40733d5",
                                   "5f1189847db7a8637ffcaf25", "5ef1cf219f130f232cc34ddc",
                                   "5f118b747db7a8637ffcaf33"));
}

TEST_F(ClockifyPayloadTest, CustomFieldByName) {
  const Query query = MustCompile("$.customFieldValues[?@.name=='Invoice ref'].value");
  EXPECT_TRUE(Values(query, entry_).empty());  // The sample has only "Custom field".
  entry_["customFieldValues"].push_back({{"customFieldId", "cf2"},
                                         {"timeEntryId", entry_["id"]},
                                         {"value", "INV-2024-017"},
                                         {"name", "Invoice ref"}});
  EXPECT_THAT(Values(query, entry_), ElementsAre("INV-2024-017"));
  EXPECT_THAT(Paths(query, entry_), ElementsAre("$['customFieldValues'][1]['value']"));
}

TEST_F(ClockifyPayloadTest, EvaluationSpeedOfProjectName) {
  const Query query = MustCompile("$.project.name");
  constexpr int kRounds = 200000;
  std::size_t found = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) found += query.Evaluate(entry_).size();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(found, static_cast<std::size_t>(kRounds));
  const double ns =
      std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(kRounds);
  std::cout << "$.project.name on NEW_TIME_ENTRY: " << ns << " ns per evaluation\n";
}

}  // namespace
}  // namespace uwh::flows::jsonpath
