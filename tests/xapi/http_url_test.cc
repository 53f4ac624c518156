#include "xapi/http_url.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

TEST(UrlTest, ParsesSchemeHostPort) {
  ASSERT_OK_AND_ASSIGN(Url u, Url::Parse("http://127.0.0.1:8080/"));
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.Base(), "http://127.0.0.1:8080");
  ASSERT_OK_AND_ASSIGN(Url bare, Url::Parse("xen1.example"));
  EXPECT_EQ(bare.Base(), "https://xen1.example");
  ASSERT_OK_AND_ASSIGN(Url v6, Url::Parse("https://[fe80::1]:443"));
  EXPECT_EQ(v6.host, "fe80::1");
  EXPECT_EQ(v6.Base(), "https://[fe80::1]:443");
}

TEST(UrlTest, RefusesBadUrls) {
  EXPECT_STATUS(Url::Parse("ftp://host"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Url::Parse("https://"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Url::Parse("https://host:99999"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Url::Parse("https://host:x"), StatusCode::kInvalidArgument);
}

TEST(UrlTest, RefusesUserInfoAndSaysWhyWithoutEchoingIt) {
  auto r = Url::Parse("https://root:hunter2@xen1");
  EXPECT_STATUS(r, StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(r.status().message().find("--credentials"), std::string::npos);
  EXPECT_NE(r.status().message().find("XCR_PASSWORD"), std::string::npos);
}

TEST(UrlTest, WithAddressKeepsSchemeAndPortUnlessGiven) {
  ASSERT_OK_AND_ASSIGN(Url u, Url::Parse("https://10.0.0.1:8443"));
  ASSERT_OK_AND_ASSIGN(Url a, u.WithAddress("10.0.0.2"));
  EXPECT_EQ(a.Base(), "https://10.0.0.2:8443");
  ASSERT_OK_AND_ASSIGN(Url b, u.WithAddress("127.0.0.1:9000"));
  EXPECT_EQ(b.Base(), "https://127.0.0.1:9000");
}

TEST(UrlTest, ParsesWhatLibcurlParses) {
  ASSERT_OK_AND_ASSIGN(Url upper, Url::Parse("HTTPS://xen1.example:8443/some/path?q=1"));
  EXPECT_EQ(upper.Base(), "https://xen1.example:8443");
  EXPECT_STATUS(Url::Parse("https://host:0"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Url::Parse("https://[fe80::1"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Url::Parse("https://bad host"), StatusCode::kInvalidArgument);
  // Only a password, or user info that is not valid URL text: refused without echoing it.
  auto r = Url::Parse("https://:hunter2@xen1");
  EXPECT_STATUS(r, StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos);
}

TEST(UrlTest, WithAddressBracketsABareIpv6Address) {
  ASSERT_OK_AND_ASSIGN(Url u, Url::Parse("https://10.0.0.1"));
  ASSERT_OK_AND_ASSIGN(Url a, u.WithAddress("fe80::2"));
  EXPECT_EQ(a.host, "fe80::2");
  EXPECT_EQ(a.Base(), "https://[fe80::2]");
  ASSERT_OK_AND_ASSIGN(Url b, u.WithAddress("[fe80::2]:8443"));
  EXPECT_EQ(b.Base(), "https://[fe80::2]:8443");
  EXPECT_STATUS(u.WithAddress(""), StatusCode::kInvalidArgument);
}

TEST(UrlTest, EncodesQueryValues) {
  EXPECT_EQ(UrlEncode("OpaqueRef:ab-12"), "OpaqueRef:ab-12");
  EXPECT_EQ(UrlEncode("a b&c=d"), "a%20b%26c%3Dd");
}

}  // namespace
}  // namespace xcr::xapi
