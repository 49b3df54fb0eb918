// Scalar value parsing: BOOL forms, SIZE suffixes and overflow, integers, seconds.
#include <gtest/gtest.h>

#include <cerrno>

#include "config/size_parse.hpp"

namespace mfs::config {
namespace {

TEST(ConfigBool, AcceptsEveryDocumentedForm) {
  for (const char* s : {"true", "t", "1", "on", "yes"}) EXPECT_EQ(parse_bool(s), true) << s;
  for (const char* s : {"false", "f", "0", "off", "no"}) EXPECT_EQ(parse_bool(s), false) << s;
}

TEST(ConfigBool, RejectsEverythingElse) {
  for (const char* s : {"", "TRUE", "True", "y", "n", "2", "enable", " true", "-1"})
    EXPECT_FALSE(parse_bool(s).has_value()) << "'" << s << "'";
}

TEST(ConfigSize, PlainBytesAndEverySuffixBothCases) {
  uint64_t v = 0;
  EXPECT_EQ(parse_size("0", v), 0);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(parse_size("12345", v), 0);
  EXPECT_EQ(v, 12345u);
  struct { const char* s; uint64_t want; } cases[] = {
      {"7B", 7},          {"7b", 7},
      {"3K", 3ull << 10}, {"3k", 3ull << 10},
      {"5M", 5ull << 20}, {"5m", 5ull << 20},
      {"4G", 4ull << 30}, {"4g", 4ull << 30},
      {"2T", 2ull << 40}, {"2t", 2ull << 40},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_size(c.s, v), 0) << c.s;
    EXPECT_EQ(v, c.want) << c.s;
  }
}

TEST(ConfigSize, InvalidForms) {
  uint64_t v = 99;
  for (const char* s : {"", "G", "1.5G", "-1", "+1", "1GB", "1 G", " 1", "1P", "0x10", "abc"}) {
    EXPECT_EQ(parse_size(s, v), -EINVAL) << "'" << s << "'";
    EXPECT_EQ(v, 99u) << "output untouched on error";
  }
}

TEST(ConfigSize, OverflowIsEoverflow) {
  uint64_t v = 99;
  EXPECT_EQ(parse_size("18446744073709551615", v), 0);
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_EQ(parse_size("18446744073709551616", v), -EOVERFLOW);
  EXPECT_EQ(parse_size("16777216T", v), -EOVERFLOW);  // 2^24 T = 2^64
  EXPECT_EQ(parse_size("16777215T", v), 0);
  EXPECT_EQ(v, 16777215ull << 40);
  EXPECT_EQ(parse_size("17179869184G", v), -EOVERFLOW);  // 2^34 G
}

TEST(ConfigSize, HumanizeUsesLargestExactUnit) {
  EXPECT_EQ(humanize_size(0), "0");
  EXPECT_EQ(humanize_size(1000), "1000");
  EXPECT_EQ(humanize_size(1024), "1K");
  EXPECT_EQ(humanize_size(1536), "1536");
  EXPECT_EQ(humanize_size(3ull << 20), "3M");
  EXPECT_EQ(humanize_size(4ull << 30), "4G");
  EXPECT_EQ(humanize_size(4294967295ull), "4294967295");
  EXPECT_EQ(humanize_size(2048ull << 30), "2T");
  EXPECT_EQ(humanize_size((1ull << 30) + (1ull << 20)), "1025M");
}

TEST(ConfigSize, HumanizeRoundTripsThroughParse) {
  for (uint64_t x : std::initializer_list<uint64_t>{0, 1, 1023, 1024, 5ull << 30, 7ull << 40, 4294967295ull,
                     UINT64_MAX}) {
    uint64_t back = 0;
    ASSERT_EQ(parse_size(humanize_size(x), back), 0) << x;
    EXPECT_EQ(back, x);
  }
}

TEST(ConfigInteger, SignedAndUnsignedLimits) {
  int64_t i = 0;
  EXPECT_EQ(parse_int64("-20", i), 0);
  EXPECT_EQ(i, -20);
  EXPECT_EQ(parse_int64("+7", i), 0);
  EXPECT_EQ(i, 7);
  EXPECT_EQ(parse_int64("-9223372036854775808", i), 0);
  EXPECT_EQ(i, INT64_MIN);
  EXPECT_EQ(parse_int64("9223372036854775808", i), -EOVERFLOW);
  EXPECT_EQ(parse_int64("-", i), -EINVAL);
  EXPECT_EQ(parse_int64("1k", i), -EINVAL);
  uint64_t u = 0;
  EXPECT_EQ(parse_uint64("-1", u), -EINVAL);
  EXPECT_EQ(parse_uint64("18446744073709551616", u), -EOVERFLOW);
}

TEST(ConfigSeconds, DecimalsOnlyAndShortestFormat) {
  double d = -1;
  EXPECT_EQ(parse_seconds("1", d), 0);
  EXPECT_EQ(d, 1.0);
  EXPECT_EQ(parse_seconds("0.25", d), 0);
  EXPECT_EQ(d, 0.25);
  EXPECT_EQ(parse_seconds(".5", d), 0);
  EXPECT_EQ(d, 0.5);
  for (const char* s : {"", ".", "-1", "1e3", "inf", "nan", "1.2.3", "1s"})
    EXPECT_EQ(parse_seconds(s, d), -EINVAL) << s;
  EXPECT_EQ(format_seconds(1), "1");
  EXPECT_EQ(format_seconds(0), "0");
  EXPECT_EQ(format_seconds(0.25), "0.25");
  EXPECT_EQ(format_seconds(3600), "3600");
}

}  // namespace
}  // namespace mfs::config
