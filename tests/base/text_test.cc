#include "base/text.h"

#include <gtest/gtest.h>

namespace xcr {
namespace {

TEST(TextTest, HexDigitValue) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  for (char c : {'g', 'G', ' ', ':', '/', '@', '`', '\0'}) EXPECT_EQ(HexDigitValue(c), -1) << c;
}

TEST(TextTest, TrimBlanks) {
  EXPECT_EQ(TrimBlanks(" \t value with  inner blanks \t\r"), "value with  inner blanks");
  EXPECT_EQ(TrimBlanks("\r leading CR stays"), "\r leading CR stays");
  EXPECT_EQ(TrimBlanks("line\n"), "line\n");  // only blanks and a trailing CR go
  EXPECT_EQ(TrimBlanks(" \t\r"), "");
  EXPECT_EQ(TrimBlanks(""), "");
}

TEST(TextTest, AsciiLower) {
  EXPECT_EQ(AsciiLower("Mon..FRI 22:30 Europe/Paris"), "mon..fri 22:30 europe/paris");
  EXPECT_EQ(AsciiLower("9A1F-ZZ@[]`{"), "9a1f-zz@[]`{");            // only A-Z change
  EXPECT_EQ(AsciiLower("\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");  // UTF-8 bytes untouched
  EXPECT_EQ(AsciiLower(""), "");
}

}  // namespace
}  // namespace xcr
