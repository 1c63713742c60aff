// page (1-based) and page-size (default 50, at most 5000); a short page is the last.
#include "mock/pagination.hpp"

#include <gtest/gtest.h>

namespace uwh::mock {
namespace {

TEST(PaginationTest, DefaultsToTheFirstPageOfFifty) {
  auto p = ParsePageRequest({});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->page, 1u);
  EXPECT_EQ(p->page_size, 50u);
  auto ten = ParsePageRequest({}, 10);
  ASSERT_TRUE(ten);
  EXPECT_EQ(ten->page_size, 10u);
}

TEST(PaginationTest, ReadsAndCapsTheParameters) {
  auto p = ParsePageRequest({{"page", "3"}, {"page-size", "20"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->page, 3u);
  EXPECT_EQ(p->page_size, 20u);
  auto big = ParsePageRequest({{"page-size", "100000"}});
  ASSERT_TRUE(big);
  EXPECT_EQ(big->page_size, 5000u);
}

TEST(PaginationTest, RefusesWhatIsNotAPositiveInteger) {
  for (const char* bad : {"0", "-1", "abc", "1.5", "", "2x"}) {
    auto p = ParsePageRequest({{"page", bad}});
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().field, "page");
    auto s = ParsePageRequest({{"page-size", bad}});
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().field, "page-size");
  }
}

TEST(PaginationTest, SlicesPagesUntilAShortOne) {
  const size_t total = 120;
  PageRequest r{1, 50};
  EXPECT_EQ(SliceFor(total, r).begin, 0u);
  EXPECT_EQ(SliceFor(total, r).end, 50u);
  r.page = 2;
  EXPECT_EQ(SliceFor(total, r).begin, 50u);
  EXPECT_EQ(SliceFor(total, r).end, 100u);
  r.page = 3;  // the short, last page
  EXPECT_EQ(SliceFor(total, r).begin, 100u);
  EXPECT_EQ(SliceFor(total, r).end, 120u);
  r.page = 4;  // past the end: empty
  EXPECT_EQ(SliceFor(total, r).begin, SliceFor(total, r).end);
}

TEST(PaginationTest, AnExactMultipleEndsWithAnEmptyPage) {
  PageRequest r{2, 50};
  const auto full = SliceFor(100, r);
  EXPECT_EQ(full.end - full.begin, 50u);
  r.page = 3;
  const auto empty = SliceFor(100, r);
  EXPECT_EQ(empty.end - empty.begin, 0u);
}

TEST(PaginationTest, HugePageNumbersDoNotOverflow) {
  PageRequest r{size_t{1} << 40, 5000};
  const auto s = SliceFor(10, r);
  EXPECT_EQ(s.begin, 10u);
  EXPECT_EQ(s.end, 10u);
}

}  // namespace
}  // namespace uwh::mock
