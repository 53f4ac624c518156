#include "xapi/base64.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

TEST(Base64Test, DecodesPaddedText) {
  EXPECT_EQ(DecodeBase64("aGVsbG8gd29ybGQ=").value(), "hello world");
  EXPECT_EQ(DecodeBase64("aGVsbG8=").value(), "hello");
  EXPECT_EQ(DecodeBase64("aGVsbA==").value(), "hell");
  EXPECT_EQ(DecodeBase64("aGVs").value(), "hel");
  EXPECT_EQ(DecodeBase64("").value(), "");
  EXPECT_EQ(DecodeBase64("cm9vdDp4YXBpLXNpbQ==").value(), "root:xapi-sim");  // Basic auth
}

TEST(Base64Test, PaddingIsOptional) {
  EXPECT_EQ(DecodeBase64("aGVsbG8").value(), "hello");
  EXPECT_EQ(DecodeBase64("aGVsbA").value(), "hell");
  EXPECT_EQ(DecodeBase64("aGVsbA=").value(), "hell");  // half the padding
}

TEST(Base64Test, WhitespaceAnywhereIsIgnored) {
  EXPECT_EQ(DecodeBase64("\n  aGVs\n  bG8=\n").value(), "hello");
  EXPECT_EQ(DecodeBase64("a G\tV s b\r\nG 8 =").value(), "hello");
  EXPECT_EQ(DecodeBase64("  \n ").value(), "");
}

TEST(Base64Test, UrlSafeAlphabetIsAccepted) {
  // 0xfb 0xff 0xbf: "+/+/" in the standard alphabet, "-_-_" in the URL-safe one.
  EXPECT_EQ(DecodeBase64("-_-_").value(), "\xfb\xff\xbf");
  EXPECT_EQ(DecodeBase64("+/+/").value(), "\xfb\xff\xbf");
}

TEST(Base64Test, BinaryBytesSurvive) {
  EXPECT_EQ(DecodeBase64("AAEC/w==").value(), std::string("\x00\x01\x02\xff", 4));
}

TEST(Base64Test, RefusesBadText) {
  EXPECT_STATUS(DecodeBase64("a*b="), StatusCode::kCorruption);
  EXPECT_STATUS(DecodeBase64("aGVs=bG8"), StatusCode::kCorruption);    // '=' inside
  EXPECT_STATUS(DecodeBase64("aGVsbG8==="), StatusCode::kCorruption);  // too much padding
  EXPECT_STATUS(DecodeBase64("aGVsb"), StatusCode::kCorruption);       // 6 bits left over
  EXPECT_STATUS(DecodeBase64("===="), StatusCode::kCorruption);
  EXPECT_STATUS(DecodeBase64(std::string("aGVs\0bG8=", 9)), StatusCode::kCorruption);
}

}  // namespace
}  // namespace xcr::xapi
