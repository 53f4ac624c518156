#include "web/secret_token.h"

#include <set>

#include <gtest/gtest.h>

namespace xcr::web {
namespace {

TEST(SecretToken, Sha256MatchesTheStandardTestVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SecretToken, RandomTokensAreUrlSafeAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string t = RandomToken(32);
    EXPECT_EQ(t.size(), 43u);
    EXPECT_EQ(
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(RandomHex(4).size(), 8u);
}

TEST(SecretToken, Base64RoundTripsAnyBytes) {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("\0\xff\x10 binary", 10)}) {
    std::string back;
    ASSERT_TRUE(Base64Decode(Base64Encode(s), &back)) << s;
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  std::string out;
  EXPECT_FALSE(Base64Decode("abc", &out));
  EXPECT_FALSE(Base64Decode("ab!=", &out));
}

TEST(SecretToken, SecretEqualsComparesWholeValues) {
  EXPECT_TRUE(SecretEquals("token", "token"));
  EXPECT_FALSE(SecretEquals("token", "tokem"));
  EXPECT_FALSE(SecretEquals("token", "toke"));
  EXPECT_FALSE(SecretEquals("", "x"));
}

}  // namespace
}  // namespace xcr::web
