// ParseXapiDateTime / FormatXapiDateTime: every form XAPI and its clients write.
#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi {
namespace {

constexpr int64_t k2024 = 1704067200;  // 2024-01-01T00:00:00Z

int64_t Parse(std::string_view s) {
  Result<int64_t> r = ParseXapiDateTime(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? *r : -1;
}

TEST(XapiDateTimeTest, AllForms) {
  EXPECT_EQ(Parse("19700101T00:00:00Z"), 0);
  EXPECT_EQ(Parse("20240101T00:00:00Z"), k2024);
  EXPECT_EQ(Parse("20240101T00:00:00"), k2024);  // no zone = UTC
  EXPECT_EQ(Parse("2024-01-01T00:00:00Z"), k2024);
  EXPECT_EQ(Parse("2024-01-01T00:00:00"), k2024);
  EXPECT_EQ(Parse("20240101T000000Z"), k2024);
  EXPECT_EQ(Parse("20240101t00:00:00z"), k2024);
  EXPECT_EQ(Parse("2024-01-01 00:00:00Z"), k2024);
  EXPECT_EQ(Parse("20240101T00:00:00.999Z"), k2024);
  EXPECT_EQ(Parse("2024-01-01T00:00:00,5"), k2024);
  EXPECT_EQ(Parse("2024-01-01T01:00:00+01:00"), k2024);
  EXPECT_EQ(Parse("2024-01-01T01:30:00+0130"), k2024);
  EXPECT_EQ(Parse("2023-12-31T19:00:00-05"), k2024);
  EXPECT_EQ(Parse("2023-12-31T19:00:00.25-05:00"), k2024);
  EXPECT_EQ(Parse("20240101T00:01"), k2024 + 60);  // seconds omitted
}

TEST(XapiDateTimeTest, CalendarEdges) {
  EXPECT_EQ(Parse("20240229T12:00:00Z"), 1709208000);  // leap day
  EXPECT_EQ(Parse("20000301T00:00:00Z"), 951868800);   // 2000 is a leap year
  EXPECT_EQ(Parse("21000301T00:00:00Z"), 4107542400);  // 2100 is not
  EXPECT_EQ(Parse("19691231T23:59:59Z"), -1);
  EXPECT_EQ(Parse("99991231T23:59:59Z"), 253402300799);
  EXPECT_EQ(Parse("20161231T23:59:60Z"), 1483228800);  // a leap second rolls over
}

TEST(XapiDateTimeTest, RefusesGarbage) {
  for (std::string_view bad :
       {"", "2024", "20241301T00:00:00Z", "20230229T00:00:00Z", "20240100T00:00:00Z",
        "20240101T24:00:00Z", "20240101T00:60:00Z", "20240101 00:00:00Zjunk", "2024-0101T00:00:00",
        "20240101X00:00:00Z", "20240101T00:00:00+25:00", "20240101T00:00:00.Z",
        "00000101T00:00:00Z", "OpaqueRef:NULL", "20240101T00:00:00 Z"}) {
    Result<int64_t> r = ParseXapiDateTime(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "input: '" << bad << "'";
  }
  Result<int64_t> r = ParseXapiDateTime("yesterday");
  EXPECT_NE(r.status().message().find("'yesterday'"), std::string::npos) << r.status().ToString();
}

TEST(XapiDateTimeTest, Format) {
  EXPECT_EQ(FormatXapiDateTime(0), "19700101T00:00:00Z");
  EXPECT_EQ(FormatXapiDateTime(k2024), "20240101T00:00:00Z");
  EXPECT_EQ(FormatXapiDateTime(1709208000 + 3661), "20240229T13:01:01Z");
  EXPECT_EQ(FormatXapiDateTime(-1), "19691231T23:59:59Z");
  EXPECT_EQ(FormatXapiDateTime(253402300799), "99991231T23:59:59Z");
}

TEST(XapiDateTimeTest, FormatParseRoundTrip) {
  // Every day across several leap cycles and both sides of the epoch, at varied times of day.
  for (int64_t t = -40LL * 365 * 86400; t < 140LL * 365 * 86400; t += 86400 + 3607) {
    std::string s = FormatXapiDateTime(t);
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseXapiDateTime(s));
    ASSERT_EQ(back, t) << s;
  }
}

}  // namespace
}  // namespace xcr::xapi
