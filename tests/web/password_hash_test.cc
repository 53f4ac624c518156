#include "web/password_hash.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::web {
namespace {

// The cheapest accepted parameters keep the suite fast; the defaults are checked once.
constexpr ScryptParams kFast{10, 8, 1};

TEST(PasswordHash, DefaultParametersAreInTheEncodingAndVerify) {
  ASSERT_OK_AND_ASSIGN(std::string h, HashPassword("correct horse"));
  EXPECT_EQ(h.rfind("$scrypt$ln=15,r=8,p=1$", 0), 0u) << h;
  ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword("correct horse", h));
  EXPECT_TRUE(ok);
}

TEST(PasswordHash, WrongPasswordsDoNotVerify) {
  ASSERT_OK_AND_ASSIGN(std::string h, HashPassword("s3cret", kFast));
  for (const char* wrong : {"s3creT", "s3cret ", "", "s3cre"}) {
    ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword(wrong, h));
    EXPECT_FALSE(ok) << wrong;
  }
}

TEST(PasswordHash, SaltMakesEachHashDifferent) {
  ASSERT_OK_AND_ASSIGN(std::string a, HashPassword("same", kFast));
  ASSERT_OK_AND_ASSIGN(std::string b, HashPassword("same", kFast));
  EXPECT_NE(a, b);
  ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword("same", b));
  EXPECT_TRUE(ok);
}

TEST(PasswordHash, TheHashIsNotThePassword) {
  ASSERT_OK_AND_ASSIGN(std::string h, HashPassword("visible-password", kFast));
  EXPECT_EQ(h.find("visible-password"), std::string::npos);
}

TEST(PasswordHash, RefusesEmptyTooLongAndBadParameters) {
  EXPECT_EQ(HashPassword("", kFast).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword(std::string(kMaxPasswordBytes + 1, 'x'), kFast).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword("x", ScryptParams{9, 8, 1}).status().code(), StatusCode::kInvalidArgument);
}

TEST(PasswordHash, MalformedEncodingsAreErrorsNotMatches) {
  ASSERT_OK_AND_ASSIGN(std::string h, HashPassword("pw", kFast));
  std::string tampered = h;
  tampered.replace(h.find("ln=10"), 5, "ln=40");
  for (const std::string& bad :
       {std::string(""), std::string("pw"), std::string("$scrypt$ln=10,r=8,p=1$AAAA"),
        std::string("$bcrypt$ln=10,r=8,p=1$AAAA$AAAA"), tampered}) {
    EXPECT_EQ(VerifyPassword("pw", bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace xcr::web
