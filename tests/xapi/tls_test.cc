#include "xapi/tls.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

constexpr char kCanonical[] =
    "SHA256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

TEST(TlsTest, FingerprintRoundTrips) {
  ASSERT_OK_AND_ASSIGN(Fingerprint fp, ParseFingerprint(kCanonical));
  EXPECT_EQ(fp[0], 0x00);
  EXPECT_EQ(fp[1], 0x11);
  EXPECT_EQ(fp[15], 0xFF);
  EXPECT_EQ(FormatFingerprint(fp), kCanonical);
}

TEST(TlsTest, FingerprintAcceptsLowerCaseNoColonsNoPrefix) {
  ASSERT_OK_AND_ASSIGN(Fingerprint a, ParseFingerprint(kCanonical));
  ASSERT_OK_AND_ASSIGN(Fingerprint b, ParseFingerprint("00112233445566778899aabbccddeeff"
                                                       "00112233445566778899aabbccddeeff"));
  ASSERT_OK_AND_ASSIGN(Fingerprint c, ParseFingerprint(std::string(kCanonical).substr(7)));
  ASSERT_OK_AND_ASSIGN(Fingerprint d, ParseFingerprint("sha256:" + std::string(kCanonical + 7)));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a, d);
}

TEST(TlsTest, FingerprintRejectsBadInput) {
  EXPECT_STATUS(ParseFingerprint(""), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ParseFingerprint("SHA256:00:11"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ParseFingerprint(std::string(kCanonical) + ":00"), StatusCode::kInvalidArgument);
  std::string bad = kCanonical;
  bad[8] = 'G';
  EXPECT_STATUS(ParseFingerprint(bad), StatusCode::kInvalidArgument);
}

TEST(TlsTest, FingerprintOfDerIsSha256) {
  // SHA-256("abc")
  EXPECT_EQ(FormatFingerprint(FingerprintOfDer("abc")),
            "SHA256:BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:"
            "B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD");
}

TEST(TlsTest, PinnedTrustAcceptsAnyOfItsPins) {
  ASSERT_OK_AND_ASSIGN(Fingerprint a, ParseFingerprint(kCanonical));
  Fingerprint b = a;
  b[31] ^= 1;
  Fingerprint c = a;
  c[0] ^= 1;
  TlsTrust t = TlsTrust::Pinned(a);
  EXPECT_TRUE(t.Accepts(a));
  EXPECT_FALSE(t.Accepts(b));
  t.extra_pins.push_back(b);
  EXPECT_TRUE(t.Accepts(b));
  EXPECT_FALSE(t.Accepts(c));
  EXPECT_NE(t.Describe().find(FormatFingerprint(b)), std::string::npos);
}

TEST(TlsTest, DescribeNamesTheMode) {
  EXPECT_EQ(TlsTrust::SystemCa().Describe(), "system-ca");
  EXPECT_EQ(TlsTrust::Insecure().Describe(), "insecure");
  ASSERT_OK_AND_ASSIGN(Fingerprint fp, ParseFingerprint(kCanonical));
  EXPECT_EQ(TlsTrust::Pinned(fp).Describe(), std::string("pinned ") + kCanonical);
}

}  // namespace
}  // namespace xcr::xapi
