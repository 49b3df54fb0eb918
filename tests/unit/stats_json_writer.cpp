// The one byte-to-JSON-string rule (actors/stats/json_writer): valid UTF-8 kept, any other
// byte as U+00XX, and the text always parses back.
#include <gtest/gtest.h>

#include "actors/stats/json_writer.hpp"

namespace mfs::stats {
namespace {

std::string text_of(std::string_view bytes) { return json_text(json_string(bytes)); }

TEST(StatsJsonWriter, KeepsValidUtf8AndEscapesQuotes) {
  EXPECT_EQ(text_of("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(text_of("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(text_of("tab\t nl\n"), "\"tab\\t nl\\n\"");
}

TEST(StatsJsonWriter, InvalidBytesBecomeLatin1CodePoints) {
  // Lone continuation, overlong '/', a surrogate, a byte past U+10FFFF, a cut sequence.
  EXPECT_EQ(json_string("\xff").get<std::string>(), "\xc3\xbf");
  EXPECT_EQ(json_string("\xc0\xaf").get<std::string>(), "\xc3\x80\xc2\xaf");
  EXPECT_EQ(json_string("\xed\xa0\x80").get<std::string>(), "\xc3\xad\xc2\xa0\xc2\x80");
  EXPECT_EQ(json_string("\xf5").get<std::string>(), "\xc3\xb5");
  EXPECT_EQ(json_string("x\xe2\x82").get<std::string>(), "x\xc3\xa2\xc2\x82");
}

TEST(StatsJsonWriter, AnyBytesParseBack) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  Json doc = {{"path", json_string(all)}, {"n", 18446744073709551615ull}};
  Json back = Json::parse(json_text(doc));
  EXPECT_EQ(back["path"], doc["path"]);
  EXPECT_EQ(back["n"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(json_text(back), json_text(doc));
}

TEST(StatsJsonWriter, MembersKeepTheirOrder) {
  Json doc;
  doc["id"] = "branch-0";
  doc["kind"] = "branch";
  doc["answering"] = true;
  EXPECT_EQ(json_text(doc), "{\"id\":\"branch-0\",\"kind\":\"branch\",\"answering\":true}");
}

}  // namespace
}  // namespace mfs::stats
