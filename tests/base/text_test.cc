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

}  // namespace
}  // namespace xcr
