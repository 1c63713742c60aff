// Conditions (SPEC §6.2) and the ISO-8601 conversions they rely on. Expected values are worked
// out by hand from the spec, not taken from the implementation.
#include "flows/conditions.hpp"

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flows/iso8601.hpp"

namespace uwh::flows {
namespace {

using nlohmann::json;

json LoadSample(const std::string& name) {
  std::ifstream in(std::string(UWH_SHARED_DIR) + "/clockify/webhook-samples/" + name);
  EXPECT_TRUE(in.good()) << name;
  return json::parse(in);
}

Conditions MustCompile(const json& spec) {
  auto compiled = Conditions::Compile(spec);
  EXPECT_TRUE(compiled.has_value()) << spec.dump() << " -> " << compiled.error().message;
  return compiled ? *compiled : Conditions();
}

// One rule `path op value` against `payload`.
bool Check(const json& payload, const std::string& path, const std::string& op,
           const json& value) {
  return MustCompile({{"rules", {{{"path", path}, {"operator", op}, {"value", value}}}}})
      .Evaluate(payload);
}

bool CheckNoValue(const json& payload, const std::string& path, const std::string& op) {
  return MustCompile({{"rules", {{{"path", path}, {"operator", op}}}}}).Evaluate(payload);
}

Error CompileError(const json& spec, const std::string& prefix = "conditions") {
  auto compiled = Conditions::Compile(spec, prefix);
  EXPECT_FALSE(compiled.has_value()) << spec.dump();
  return compiled ? Error{} : compiled.error();
}

// ---- The seed's example on a real sample ---------------------------------------------------

json SeedSpec() {
  return json::parse(R"({"mode":"ALL","rules":[
      {"path":"$.project.name","operator":"==","value":"Internal"},
      {"path":"$.timeInterval.duration","operator":">","value":3600}]})");
}

TEST(ConditionsSeedExample, FiresForInternalTwoHourEntry) {
  json entry = LoadSample("NEW_TIME_ENTRY.json");
  entry["project"]["name"] = "Internal";
  entry["timeInterval"]["duration"] = "PT2H";
  EXPECT_TRUE(MustCompile(SeedSpec()).Evaluate(entry));
}

TEST(ConditionsSeedExample, DoesNotFireForThirtyMinutes) {
  json entry = LoadSample("NEW_TIME_ENTRY.json");
  entry["project"]["name"] = "Internal";
  entry["timeInterval"]["duration"] = "PT30M";
  EXPECT_FALSE(MustCompile(SeedSpec()).Evaluate(entry));
}

TEST(ConditionsSeedExample, DoesNotFireForTheSampleAsIs) {
  // The sample's project is "Project" and its duration PT1H, which is not > 3600.
  const json entry = LoadSample("NEW_TIME_ENTRY.json");
  EXPECT_FALSE(MustCompile(SeedSpec()).Evaluate(entry));
  EXPECT_TRUE(Check(entry, "$.timeInterval.duration", ">=", 3600));
  EXPECT_FALSE(Check(entry, "$.timeInterval.duration", ">", 3600));
}

TEST(ConditionsSeedExample, ExplainReportsEveryRule) {
  json entry = LoadSample("NEW_TIME_ENTRY.json");
  entry["timeInterval"]["duration"] = "PT2H";
  const json explained = MustCompile(SeedSpec()).Explain(entry);
  EXPECT_EQ(explained["mode"], "ALL");
  EXPECT_EQ(explained["passed"], false);
  ASSERT_EQ(explained["rules"].size(), 2u);
  const json& first = explained["rules"][0];
  EXPECT_EQ(first["path"], "$.project.name");
  EXPECT_EQ(first["operator"], "==");
  EXPECT_EQ(first["expected"], "Internal");
  EXPECT_EQ(first["selected"], json::array({"Project"}));
  EXPECT_EQ(first["selected_paths"], json::array({"$['project']['name']"}));
  EXPECT_EQ(first["passed"], false);
  // No short circuit: the second rule is still evaluated and reported.
  const json& second = explained["rules"][1];
  EXPECT_EQ(second["selected"], json::array({"PT2H"}));
  EXPECT_EQ(second["expected"], 3600);
  EXPECT_EQ(second["passed"], true);
}

// ---- Equality and typing --------------------------------------------------------------------

TEST(ConditionsEquality, IsJsonTyped) {
  const json payload = {{"s", "5"}, {"n", 5}, {"b", true}, {"z", nullptr}};
  EXPECT_FALSE(Check(payload, "$.s", "==", 5));
  EXPECT_FALSE(Check(payload, "$.n", "==", "5"));
  EXPECT_TRUE(Check(payload, "$.s", "==", "5"));
  EXPECT_TRUE(Check(payload, "$.n", "==", 5));
  EXPECT_FALSE(Check(payload, "$.b", "==", "true"));
  EXPECT_FALSE(Check(payload, "$.b", "==", 1));
  EXPECT_TRUE(Check(payload, "$.b", "==", true));
  EXPECT_TRUE(Check(payload, "$.z", "==", nullptr));
  EXPECT_FALSE(Check(payload, "$.z", "==", false));
  EXPECT_FALSE(Check(payload, "$.z", "==", ""));
}

TEST(ConditionsEquality, NumbersCompareNumerically) {
  const json payload = json::parse(R"({"i":1,"f":1.0,"neg":-3,"big":18446744073709551615})");
  EXPECT_TRUE(Check(payload, "$.i", "==", 1.0));
  EXPECT_TRUE(Check(payload, "$.f", "==", 1));
  EXPECT_TRUE(Check(payload, "$.neg", "==", -3));
  EXPECT_TRUE(Check(payload, "$.neg", "<", 0u));
  EXPECT_TRUE(Check(payload, "$.big", ">", -1));
  EXPECT_TRUE(Check(payload, "$.big", "==", 18446744073709551615ull));
  EXPECT_FALSE(Check(payload, "$.big", "==", 18446744073709551614ull));
}

TEST(ConditionsEquality, ObjectsAndArraysByDeepEquality) {
  const json payload = json::parse(R"({"o":{"a":1,"b":[1,2,{"c":"x"}]},"arr":[1,"two",null]})");
  EXPECT_TRUE(Check(payload, "$.o", "==", json::parse(R"({"b":[1,2,{"c":"x"}],"a":1})")));
  EXPECT_TRUE(Check(payload, "$.o", "==", json::parse(R"({"a":1.0,"b":[1,2.0,{"c":"x"}]})")));
  EXPECT_FALSE(Check(payload, "$.o", "==", json::parse(R"({"a":1,"b":[2,1,{"c":"x"}]})")));
  EXPECT_FALSE(Check(payload, "$.o", "==", json::parse(R"({"a":1})")));
  EXPECT_TRUE(Check(payload, "$.arr", "==", json::parse(R"([1,"two",null])")));
  EXPECT_FALSE(Check(payload, "$.arr", "==", json::parse(R"([1,"two"])")));
  EXPECT_FALSE(Check(payload, "$.arr", "==", json::object()));
}

TEST(ConditionsEquality, NotEqualIsExactlyTheNegationOfEqual) {
  const json payload = json::parse(R"({"one":"a","many":["a","b"],"mixed":[5,"5"],
      "nums":[1,2,3],"none":[],"dur":"PT1H","ts":"2020-07-17T11:35:01Z","o":{"k":1}})");
  const std::vector<std::string> paths = {"$.one",    "$.many[*]", "$.mixed[*]", "$.nums[*]",
                                          "$.none[*]", "$.absent",  "$.dur",      "$.ts",
                                          "$.o",       "$.*"};
  const std::vector<json> values = {"a",  "b", "c",   5,    "5",
                                    3600, 1,   2.0,   true, nullptr,
                                    "2020-07-17T13:35:01+02:00", json::parse(R"({"k":1.0})")};
  for (const auto& path : paths) {
    for (const auto& value : values) {
      EXPECT_NE(Check(payload, path, "==", value), Check(payload, path, "!=", value))
          << path << " vs " << value.dump();
    }
  }
}

TEST(ConditionsEquality, NotEqualOverSeveralNodesPassesOnlyIfNoneEquals) {
  const json payload = json::parse(R"({"tags":[{"name":"a"},{"name":"b"}]})");
  EXPECT_FALSE(Check(payload, "$.tags[*].name", "!=", "a"));
  EXPECT_FALSE(Check(payload, "$.tags[*].name", "!=", "b"));
  EXPECT_TRUE(Check(payload, "$.tags[*].name", "!=", "c"));
  EXPECT_TRUE(Check(payload, "$.tags[*].name", "==", "b"));
  EXPECT_FALSE(Check(payload, "$.tags[*].name", "==", "c"));
}

// ---- Ordering -------------------------------------------------------------------------------

TEST(ConditionsOrdering, Numbers) {
  const json payload = json::parse(R"({"n":10,"f":2.5,"neg":-1})");
  EXPECT_TRUE(Check(payload, "$.n", ">", 9));
  EXPECT_FALSE(Check(payload, "$.n", ">", 10));
  EXPECT_TRUE(Check(payload, "$.n", ">=", 10));
  EXPECT_TRUE(Check(payload, "$.n", "<=", 10.0));
  EXPECT_TRUE(Check(payload, "$.n", "<", 10.5));
  EXPECT_FALSE(Check(payload, "$.n", "<", 10));
  EXPECT_TRUE(Check(payload, "$.f", ">", 2));
  EXPECT_TRUE(Check(payload, "$.f", "<", 3));
  EXPECT_TRUE(Check(payload, "$.neg", "<", 0));
  EXPECT_FALSE(Check(payload, "$.neg", ">=", 0));
}

TEST(ConditionsOrdering, StringsByCodePoint) {
  const json payload = {{"s", "banana"}, {"u", "é"}};
  EXPECT_TRUE(Check(payload, "$.s", ">", "apple"));
  EXPECT_TRUE(Check(payload, "$.s", "<", "bananas"));
  EXPECT_TRUE(Check(payload, "$.s", ">", "Banana"));  // 'b' (0x62) > 'B' (0x42)
  EXPECT_TRUE(Check(payload, "$.s", "<=", "banana"));
  EXPECT_TRUE(Check(payload, "$.u", ">", "z"));  // U+00E9 > U+007A
}

TEST(ConditionsOrdering, IncomparableTypesAreFalse) {
  const json payload = json::parse(R"({"s":"10","n":10,"b":true,"z":null,"o":{"a":1},"a":[1]})");
  for (const std::string op : {">", "<", ">=", "<="}) {
    EXPECT_FALSE(Check(payload, "$.s", op, 10)) << op;  // "10" is no duration.
    EXPECT_FALSE(Check(payload, "$.n", op, "10")) << op;
    EXPECT_FALSE(Check(payload, "$.b", op, 1)) << op;
    EXPECT_FALSE(Check(payload, "$.z", op, 0)) << op;
    EXPECT_FALSE(Check(payload, "$.o", op, 1)) << op;
    EXPECT_FALSE(Check(payload, "$.a", op, json::array({2}))) << op;
  }
  // Same-typed booleans, nulls, objects: never < or >, but <= / >= hold when equal (RFC 9535).
  EXPECT_FALSE(Check(payload, "$.b", "<", true));
  EXPECT_FALSE(Check(payload, "$.b", ">", false));
  EXPECT_TRUE(Check(payload, "$.b", "<=", true));
  EXPECT_TRUE(Check(payload, "$.b", ">=", true));
  EXPECT_FALSE(Check(payload, "$.b", ">=", false));
  EXPECT_TRUE(Check(payload, "$.z", "<=", nullptr));
  EXPECT_TRUE(Check(payload, "$.o", ">=", json::parse(R"({"a":1})")));
}

TEST(ConditionsOrdering, AnyOfSeveralNodes) {
  const json payload = json::parse(R"({"items":[{"q":1},{"q":7},{"q":3}]})");
  EXPECT_TRUE(Check(payload, "$.items[*].q", ">", 5));
  EXPECT_FALSE(Check(payload, "$.items[*].q", ">", 7));
  EXPECT_TRUE(Check(payload, "$.items[*].q", "<", 2));
  EXPECT_TRUE(Check(payload, "$..q", ">=", 7));
  EXPECT_TRUE(Check(payload, "$.items[?@.q > 2].q", "<", 4));
}

// ---- ISO-8601 conversions ---------------------------------------------------------------------

TEST(ConditionsDurations, DurationAgainstNumberComparesSeconds) {
  const json payload = {{"d", "PT1H30M"}, {"n", 5400}, {"frac", "PT0.5S"}, {"zero", "PT0S"}};
  EXPECT_TRUE(Check(payload, "$.d", ">", 3600));
  EXPECT_TRUE(Check(payload, "$.d", "==", 5400));
  EXPECT_TRUE(Check(payload, "$.d", "==", 5400.0));
  EXPECT_FALSE(Check(payload, "$.d", "!=", 5400));
  EXPECT_TRUE(Check(payload, "$.d", "<", 5401));
  EXPECT_TRUE(Check(payload, "$.d", "<=", 5400));
  EXPECT_FALSE(Check(payload, "$.d", "<", 5400));
  // The number on the node side, the duration as the value.
  EXPECT_TRUE(Check(payload, "$.n", "==", "PT1H30M"));
  EXPECT_TRUE(Check(payload, "$.n", ">", "PT1H"));
  EXPECT_TRUE(Check(payload, "$.n", "<", "P1D"));
  EXPECT_TRUE(Check(payload, "$.frac", "<", 1));
  EXPECT_TRUE(Check(payload, "$.frac", ">", 0.4));
  EXPECT_TRUE(Check(payload, "$.zero", "==", 0));
  // A duration string is still a string against a string.
  EXPECT_FALSE(Check(payload, "$.d", "==", "5400"));
}

TEST(ConditionsDurations, TwoDurationsCompareInSeconds) {
  const json payload = {{"d", "PT1H"}};
  // By code point "PT1H" < "PT30M"; in seconds 3600 > 1800.
  EXPECT_TRUE(Check(payload, "$.d", ">", "PT30M"));
  EXPECT_TRUE(Check(payload, "$.d", "==", "PT60M"));
  EXPECT_TRUE(Check(payload, "$.d", "<", "P1D"));
}

TEST(ConditionsDurations, YearsAndMonthsAreNotConverted) {
  const json payload = {{"d", "P1Y"}, {"m", "P1M"}};
  EXPECT_FALSE(Check(payload, "$.d", ">", 0));
  EXPECT_FALSE(Check(payload, "$.d", "<", 0));
  EXPECT_FALSE(Check(payload, "$.m", ">", 0));
  EXPECT_TRUE(Check(payload, "$.d", "==", "P1Y"));
}

TEST(ConditionsTimestamps, CompareInTime) {
  const json payload = {{"start", "2020-07-17T11:35:01Z"},
                        {"frac", "2020-07-17T11:35:01.5Z"},
                        {"local", "2020-07-17T12:00:00+02:00"}};
  // Same instant written with another offset.
  EXPECT_TRUE(Check(payload, "$.start", "==", "2020-07-17T13:35:01+02:00"));
  EXPECT_TRUE(Check(payload, "$.start", "==", "2020-07-17T11:35:01.000Z"));
  EXPECT_FALSE(Check(payload, "$.start", "!=", "2020-07-17T06:35:01-05:00"));
  // 13:35:00+02:00 is 11:35:00Z, a second earlier.
  EXPECT_TRUE(Check(payload, "$.start", ">", "2020-07-17T13:35:00+02:00"));
  // By code point "…01.5Z" < "…01Z" ('.' < 'Z'); in time it is half a second later.
  EXPECT_TRUE(Check(payload, "$.frac", ">", "2020-07-17T11:35:01Z"));
  EXPECT_TRUE(Check(payload, "$.frac", "<", "2020-07-17T11:35:01.75Z"));
  // 12:00+02:00 is 10:00Z: earlier than 11:00Z although its text sorts later.
  EXPECT_TRUE(Check(payload, "$.local", "<", "2020-07-17T11:00:00Z"));
  EXPECT_TRUE(Check(payload, "$.local", ">", "2020-07-17T09:59:59.999Z"));
  // Across a day boundary: 2020-07-18T00:30+12:00 is 2020-07-17T12:30Z, +14:00 is 10:30Z.
  EXPECT_TRUE(Check(payload, "$.start", "<", "2020-07-18T00:30:00+12:00"));
  EXPECT_TRUE(Check(payload, "$.start", ">", "2020-07-18T00:30:00+14:00"));
  // A bare date is midnight UTC.
  EXPECT_TRUE(Check(payload, "$.start", ">=", "2020-07-17"));
  EXPECT_TRUE(Check(payload, "$.start", "<", "2020-07-18"));
  // A timestamp is not comparable with a number.
  EXPECT_FALSE(Check(payload, "$.start", ">", 0));
}

TEST(Iso8601Duration, Parses) {
  struct Case {
    const char* text;
    double seconds;
  };
  const Case cases[] = {
      {"PT1H", 3600},        {"PT30M", 1800},      {"PT1H30M", 5400},    {"PT0S", 0},
      {"PT2H", 7200},        {"P1D", 86400},       {"P1DT1H", 90000},    {"P2W", 1209600},
      {"P1W2D", 777600},     {"PT1.5S", 1.5},      {"PT1,5S", 1.5},      {"PT0.5H", 1800},
      {"P1DT2H3M4S", 93784}, {"PT36H", 129600},    {"P0.5D", 43200},     {"PT1M0.25S", 60.25},
  };
  for (const auto& c : cases) {
    const auto parsed = ParseIsoDurationSeconds(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_DOUBLE_EQ(*parsed, c.seconds) << c.text;
  }
}

TEST(Iso8601Duration, Rejects) {
  for (const char* text : {"", "P", "PT", "1H", "PT1", "PTH", "P1H", "PT1D", "PT1M1H", "PT1S1M",
                           "P1D1W", "PT1.5M30S", "PT1.S", "P1Y", "P1M", "P1Y2M", "-PT1H", "pt1h",
                           "PT1H ", " PT1H", "PT1HT1M", "P1DT", "PT1H1H", "5", "PT+1H"}) {
    EXPECT_FALSE(ParseIsoDurationSeconds(text).has_value()) << text;
  }
}

TEST(Iso8601Timestamp, Parses) {
  struct Case {
    const char* text;
    std::int64_t seconds;
    std::int32_t nanos;
  };
  // Seconds since the epoch worked out by hand: 2020-07-17 is day 18460 (50 years of 365 days,
  // 12 leap days, then 198 days into 2020).
  const Case cases[] = {
      {"1970-01-01T00:00:00Z", 0, 0},
      {"1970-01-01", 0, 0},
      {"2020-07-17T11:35:01Z", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17T13:35:01+02:00", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17T13:35:01+0200", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17T13:35:01+02", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17T06:35:01-05:00", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17t11:35:01z", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17 11:35:01Z", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17T11:35Z", 18460LL * 86400 + 11 * 3600 + 35 * 60, 0},
      {"2020-07-17T11:35:01", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 0},
      {"2020-07-17T11:35:01.5Z", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 500000000},
      {"2020-07-17T11:35:01.123456789Z", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 123456789},
      {"2020-07-17T11:35:01.1234567891Z", 18460LL * 86400 + 11 * 3600 + 35 * 60 + 1, 123456789},
      {"2000-02-29T00:00:00Z", 11016LL * 86400, 0},
      {"1969-12-31T23:59:59Z", -1, 0},
      {"2016-12-31T23:59:60Z", 17166LL * 86400 + 86400, 0},  // Leap second: next minute's 00.
  };
  for (const auto& c : cases) {
    const auto parsed = ParseIsoTimestamp(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed->seconds, c.seconds) << c.text;
    EXPECT_EQ(parsed->nanos, c.nanos) << c.text;
  }
}

TEST(Iso8601Timestamp, Rejects) {
  for (const char* text : {"", "2020", "2020-07", "2020-7-17", "20200717T113501Z", "2020-13-01",
                           "2020-00-10", "2020-02-30", "2019-02-29", "2020-07-32",
                           "2020-07-17T24:00:00Z", "2020-07-17T11:60:00Z", "2020-07-17T11:35:61Z",
                           "2020-07-17T11", "2020-07-17T11:35:01.Z", "2020-07-17T11:35:01+2",
                           "2020-07-17T11:35:01+24:00", "2020-07-17T11:35:01Zx",
                           "2020-07-17T11:35:01 Z", "2020-07-17X11:35:01Z", "PT1H", "hello"}) {
    EXPECT_FALSE(ParseIsoTimestamp(text).has_value()) << text;
  }
}

// ---- contains, in, matches, exists ------------------------------------------------------------

TEST(ConditionsContains, SubstringElementOrKey) {
  const json payload = json::parse(R"({"s":"Webhook Test Description","tags":["a","b",3],
      "objs":[{"id":1},{"id":2}],"o":{"key":1},"n":123})");
  EXPECT_TRUE(Check(payload, "$.s", "contains", "Test"));
  EXPECT_FALSE(Check(payload, "$.s", "contains", "test"));  // Case-sensitive.
  EXPECT_TRUE(Check(payload, "$.s", "contains", ""));
  EXPECT_FALSE(Check(payload, "$.s", "contains", 1));
  EXPECT_TRUE(Check(payload, "$.tags", "contains", "b"));
  EXPECT_TRUE(Check(payload, "$.tags", "contains", 3.0));
  EXPECT_FALSE(Check(payload, "$.tags", "contains", "3"));
  EXPECT_FALSE(Check(payload, "$.tags", "contains", "c"));
  EXPECT_TRUE(Check(payload, "$.objs", "contains", json::parse(R"({"id":2})")));
  EXPECT_FALSE(Check(payload, "$.objs", "contains", json::parse(R"({"id":3})")));
  EXPECT_TRUE(Check(payload, "$.o", "contains", "key"));
  EXPECT_FALSE(Check(payload, "$.o", "contains", "Key"));
  EXPECT_FALSE(Check(payload, "$.o", "contains", 1));
  EXPECT_FALSE(Check(payload, "$.n", "contains", "12"));
  EXPECT_FALSE(Check(payload, "$.n", "contains", 123));
}

TEST(ConditionsContains, AnyOfSeveralNodes) {
  const json entry = LoadSample("NEW_TIME_ENTRY.json");
  EXPECT_TRUE(Check(entry, "$.tags[*].name", "contains", "Ta"));
  EXPECT_TRUE(Check(entry, "$..name", "contains", "Custom"));
  EXPECT_FALSE(Check(entry, "$..name", "contains", "Nobody"));
}

TEST(ConditionsIn, NodeEqualsAnElement) {
  const json payload = json::parse(R"({"status":"ACTIVE","n":5,"tags":["x","y"]})");
  EXPECT_TRUE(Check(payload, "$.status", "in", json::array({"DONE", "ACTIVE"})));
  EXPECT_FALSE(Check(payload, "$.status", "in", json::array({"DONE", "active"})));
  EXPECT_FALSE(Check(payload, "$.status", "in", json::array()));
  EXPECT_TRUE(Check(payload, "$.n", "in", json::array({1, 5.0})));
  EXPECT_FALSE(Check(payload, "$.n", "in", json::array({"5"})));
  EXPECT_TRUE(Check(payload, "$.tags[*]", "in", json::array({"y", "z"})));
  EXPECT_FALSE(Check(payload, "$.tags[*]", "in", json::array({"z"})));
  // The whole array as one node equals an element that is the same array.
  EXPECT_TRUE(Check(payload, "$.tags", "in", json::array({json::array({"x", "y"})})));
}

TEST(ConditionsMatches, Re2Search) {
  const json payload = json::parse(R"({"d":"Webhook Test Description","n":42,"list":["abc","x1"]})");
  EXPECT_TRUE(Check(payload, "$.d", "matches", "Test"));  // Anywhere in the string.
  EXPECT_TRUE(Check(payload, "$.d", "matches", "^Webhook"));
  EXPECT_FALSE(Check(payload, "$.d", "matches", "^Test"));
  EXPECT_FALSE(Check(payload, "$.d", "matches", "^Test$"));
  EXPECT_TRUE(Check(payload, "$.d", "matches", "^Webhook .* Description$"));
  EXPECT_TRUE(Check(payload, "$.d", "matches", "(?i)test description"));
  EXPECT_FALSE(Check(payload, "$.n", "matches", "42"));  // Strings only.
  EXPECT_TRUE(Check(payload, "$.list[*]", "matches", "^x[0-9]$"));
  EXPECT_FALSE(Check(payload, "$.list[*]", "matches", "^[0-9]"));
}

TEST(ConditionsExists, PresentNullAndAbsent) {
  const json entry = LoadSample("NEW_TIME_ENTRY.json");
  EXPECT_TRUE(CheckNoValue(entry, "$.taskId", "exists"));
  EXPECT_FALSE(CheckNoValue(entry, "$.taskId", "not_exists"));
  EXPECT_TRUE(CheckNoValue(entry, "$.hourlyRate", "exists"));  // null is a value.
  EXPECT_FALSE(CheckNoValue(entry, "$.missing", "exists"));
  EXPECT_TRUE(CheckNoValue(entry, "$.missing", "not_exists"));
  EXPECT_TRUE(CheckNoValue(entry, "$.tags[*]", "exists"));
  EXPECT_FALSE(CheckNoValue(entry, "$.task.userGroupIds[*]", "exists"));
  EXPECT_TRUE(CheckNoValue(entry, "$.task.userGroupIds[*]", "not_exists"));
  // A value given with exists is ignored.
  EXPECT_TRUE(Check(entry, "$.taskId", "exists", false));
}

TEST(ConditionsEmptyNodeList, FailsEveryOperatorButNotExistsAndNotEqual) {
  const json payload = json::parse(R"({"a":[]})");
  const std::vector<std::pair<std::string, json>> rules = {
      {"==", nullptr},      {"==", 1},      {">", 0},    {"<", 0},
      {">=", nullptr},      {"<=", nullptr}, {"contains", ""}, {"in", json::array({nullptr})},
      {"matches", ".*"},
  };
  for (const std::string path : {"$.absent", "$.a[*]", "$.a[0]"}) {
    for (const auto& [op, value] : rules) {
      EXPECT_FALSE(Check(payload, path, op, value)) << path << " " << op;
    }
    EXPECT_FALSE(CheckNoValue(payload, path, "exists")) << path;
    EXPECT_TRUE(CheckNoValue(payload, path, "not_exists")) << path;
    EXPECT_TRUE(Check(payload, path, "!=", nullptr)) << path;
    EXPECT_TRUE(Check(payload, path, "!=", 1)) << path;
  }
}

// ---- Groups ----------------------------------------------------------------------------------

TEST(ConditionsGroups, AllAnyAndNesting) {
  const json payload = {{"a", 1}, {"b", 2}};
  const json yes = {{"path", "$.a"}, {"operator", "=="}, {"value", 1}};
  const json no = {{"path", "$.b"}, {"operator", "=="}, {"value", 1}};
  EXPECT_TRUE(MustCompile({{"mode", "ALL"}, {"rules", {yes, yes}}}).Evaluate(payload));
  EXPECT_FALSE(MustCompile({{"mode", "ALL"}, {"rules", {yes, no}}}).Evaluate(payload));
  EXPECT_TRUE(MustCompile({{"mode", "ANY"}, {"rules", {no, yes}}}).Evaluate(payload));
  EXPECT_FALSE(MustCompile({{"mode", "ANY"}, {"rules", {no, no}}}).Evaluate(payload));
  EXPECT_TRUE(MustCompile({{"mode", "any"}, {"rules", {no, yes}}}).Evaluate(payload));
  EXPECT_FALSE(MustCompile({{"rules", {yes, no}}}).Evaluate(payload));  // Mode defaults to ALL.
  // ALL(yes, ANY(no, yes)) and ALL(yes, ANY(no, no)).
  const json any_yes = {{"mode", "ANY"}, {"rules", {no, yes}}};
  const json any_no = {{"mode", "ANY"}, {"rules", {no, no}}};
  EXPECT_TRUE(MustCompile({{"mode", "ALL"}, {"rules", {yes, any_yes}}}).Evaluate(payload));
  EXPECT_FALSE(MustCompile({{"mode", "ALL"}, {"rules", {yes, any_no}}}).Evaluate(payload));
  EXPECT_TRUE(MustCompile({{"mode", "ANY"}, {"rules", {any_no, any_yes}}}).Evaluate(payload));
  const json explained =
      MustCompile({{"mode", "ANY"}, {"rules", {any_no, any_yes}}}).Explain(payload);
  EXPECT_EQ(explained["passed"], true);
  EXPECT_EQ(explained["rules"][0]["mode"], "ANY");
  EXPECT_EQ(explained["rules"][0]["passed"], false);
  EXPECT_EQ(explained["rules"][1]["passed"], true);
  EXPECT_EQ(explained["rules"][1]["rules"][1]["passed"], true);
}

TEST(ConditionsGroups, EmptyConditionsAlwaysPass) {
  const json payload = {{"a", 1}};
  EXPECT_TRUE(Conditions().Evaluate(payload));
  EXPECT_TRUE(Conditions().Empty());
  EXPECT_TRUE(MustCompile(nullptr).Evaluate(payload));
  EXPECT_TRUE(MustCompile(json::object()).Evaluate(payload));
  EXPECT_TRUE(MustCompile({{"mode", "ALL"}, {"rules", json::array()}}).Evaluate(payload));
  EXPECT_TRUE(MustCompile({{"mode", "ANY"}, {"rules", json::array()}}).Evaluate(payload));
  EXPECT_TRUE(MustCompile({{"mode", "ANY"}, {"rules", json::array()}}).Empty());
  EXPECT_EQ(MustCompile(nullptr).Explain(payload)["passed"], true);
}

TEST(ConditionsGroups, BareRuleIsAGroupOfOne) {
  const Conditions conditions = MustCompile({{"path", "$.a"}, {"operator", ">"}, {"value", 0}});
  EXPECT_FALSE(conditions.Empty());
  EXPECT_TRUE(conditions.Evaluate({{"a", 1}}));
  EXPECT_FALSE(conditions.Evaluate({{"a", 0}}));
}

TEST(ConditionsGroups, EvaluateIsSafeFromManyThreads) {
  const Conditions conditions = MustCompile(json::parse(R"({"mode":"ALL","rules":[
      {"path":"$.d","operator":">","value":3600},
      {"path":"$.name","operator":"matches","value":"^In"}]})"));
  const json yes = {{"d", "PT2H"}, {"name", "Internal"}};
  const json no = {{"d", "PT2H"}, {"name", "External"}};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!conditions.Evaluate(yes) || conditions.Evaluate(no)) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---- Compile errors name the field ---------------------------------------------------------

TEST(ConditionsCompileErrors, InvalidJsonPathNamesTheField) {
  // "$.a!": the '!' at position 3 cannot follow a member name.
  const Error error = CompileError(json::parse(R"({"rules":[
      {"path":"$.a","operator":"exists"},
      {"path":"$.a!","operator":"==","value":1}]})"));
  EXPECT_EQ(error.field, "conditions.rules[1].path");
  EXPECT_EQ(error.code, "invalid_jsonpath");
  EXPECT_EQ(error.kind, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message.rfind("conditions.rules[1].path: invalid JSONPath at position 3: ", 0),
            0u)
      << error.message;
}

TEST(ConditionsCompileErrors, PathMustBeAStringAndStartWithRoot) {
  EXPECT_EQ(CompileError(json::parse(R"({"rules":[{"path":5,"operator":"exists"}]})")).field,
            "conditions.rules[0].path");
  const Error error =
      CompileError(json::parse(R"({"rules":[{"path":"project.name","operator":"exists"}]})"));
  EXPECT_EQ(error.field, "conditions.rules[0].path");
  EXPECT_EQ(error.message.rfind("conditions.rules[0].path: invalid JSONPath at position 0: ", 0),
            0u)
      << error.message;
}

TEST(ConditionsCompileErrors, OperatorsAndValues) {
  struct Case {
    const char* spec;
    const char* field;
  };
  const Case cases[] = {
      {R"({"rules":[{"path":"$.a","operator":"eq","value":1}]})", "conditions.rules[0].operator"},
      {R"({"rules":[{"path":"$.a","operator":"=","value":1}]})", "conditions.rules[0].operator"},
      {R"({"rules":[{"path":"$.a","value":1}]})", "conditions.rules[0].operator"},
      {R"({"rules":[{"path":"$.a","operator":5,"value":1}]})", "conditions.rules[0].operator"},
      {R"({"rules":[{"path":"$.a","operator":"=="}]})", "conditions.rules[0].value"},
      {R"({"rules":[{"path":"$.a","operator":"in","value":"x"}]})", "conditions.rules[0].value"},
      {R"({"rules":[{"path":"$.a","operator":"in"}]})", "conditions.rules[0].value"},
      {R"({"rules":[{"path":"$.a","operator":"matches","value":"(unclosed"}]})",
       "conditions.rules[0].value"},
      {R"j({"rules":[{"path":"$.a","operator":"matches","value":"(?<name>x)"}]})j",
       "conditions.rules[0].value"},  // Perl named groups are not RE2 syntax.
      {R"({"rules":[{"path":"$.a","operator":"matches","value":7}]})",
       "conditions.rules[0].value"},
      {R"({"mode":"SOME","rules":[]})", "conditions.mode"},
      {R"({"mode":1,"rules":[]})", "conditions.mode"},
      {R"({"rules":{"path":"$.a"}})", "conditions.rules"},
      {R"({"rules":[1]})", "conditions.rules[0]"},
      {R"({"rules":[{"path":"$.a","operator":"exists","rules":[]}]})", "conditions.rules[0]"},
      {R"({"rules":[{"foo":1}]})", "conditions.rules[0].path"},
      {R"([1,2])", "conditions"},
      {R"("ALL")", "conditions"},
      {R"({"rules":[{"path":"$.a","operator":"exists"},{"mode":"ANY","rules":[
           {"path":"$.b","operator":"exists"},{"path":"$.c","operator":"like","value":1}]}]})",
       "conditions.rules[1].rules[1].operator"},
      {R"({"rules":[{"mode":"ALL","rules":[{"path":"$[","operator":"exists"}]}]})",
       "conditions.rules[0].rules[0].path"},
  };
  for (const auto& c : cases) {
    const Error error = CompileError(json::parse(c.spec));
    EXPECT_EQ(error.field, c.field) << c.spec << " -> " << error.message;
    EXPECT_EQ(error.message.rfind(std::string(c.field) + ": ", 0), 0u) << error.message;
    EXPECT_EQ(error.kind, ErrorCode::kInvalidArgument);
  }
}

TEST(ConditionsCompileErrors, UnknownOperatorMessageListsTheKnownOnes) {
  const Error error =
      CompileError(json::parse(R"({"rules":[{"path":"$.a","operator":"eq","value":1}]})"));
  EXPECT_EQ(error.code, "invalid_condition");
  EXPECT_NE(error.message.find("'eq'"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("not_exists"), std::string::npos) << error.message;
}

TEST(ConditionsCompileErrors, UsesTheGivenPrefix) {
  const Error error = CompileError(
      json::parse(R"({"rules":[{"path":"$.a","operator":"nope","value":1}]})"), "flow.conditions");
  EXPECT_EQ(error.field, "flow.conditions.rules[0].operator");
}

TEST(ConditionsCompileErrors, NestingIsBounded) {
  json spec = {{"path", "$.a"}, {"operator", "exists"}};
  for (int i = 0; i < Conditions::kMaxDepth - 1; ++i) spec = {{"rules", {spec}}};
  EXPECT_TRUE(Conditions::Compile(spec).has_value());
  for (int i = 0; i < 100; ++i) spec = {{"rules", {spec}}};
  const Error error = CompileError(spec);
  EXPECT_EQ(error.code, "invalid_condition");
  EXPECT_NE(error.field.find(".rules"), std::string::npos);
}

}  // namespace
}  // namespace uwh::flows
