#include "base/redact.h"

#include <gtest/gtest.h>

namespace xcr {
namespace {

TEST(RedactUrlTest, UserInfoIsReplacedAndTheRestKept) {
  EXPECT_EQ(RedactUrl("https://root:SECRET@host:443/x"), "https://<user info>@host:443/x");
  EXPECT_EQ(RedactUrl("root:SECRET@host"), "<user info>@host");
  EXPECT_EQ(RedactUrl("https://a:b@c@host"), "https://<user info>@host");
  EXPECT_EQ(RedactUrl("https://host/p@th"), "https://host/p@th");
  EXPECT_EQ(RedactUrl("https://host"), "https://host");
  EXPECT_EQ(RedactUrl(""), "");
}

}  // namespace
}  // namespace xcr
