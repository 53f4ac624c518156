#include "base/uuid.h"

#include <set>

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr {
namespace {

TEST(UuidTest, RoundTrip) {
  ASSERT_OK_AND_ASSIGN(Uuid u, Uuid::Parse("4A21C1CD-e8bd-4466-910a-f7524ecc07b1"));
  EXPECT_EQ(u.ToString(), "4a21c1cd-e8bd-4466-910a-f7524ecc07b1");
  EXPECT_EQ(u.bytes[0], 0x4a);
  EXPECT_EQ(u.bytes[15], 0xb1);
}

TEST(UuidTest, RejectsMalformed) {
  EXPECT_STATUS(Uuid::Parse(""), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Uuid::Parse("4a21c1cd-e8bd-4466-910a-f7524ecc07b"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Uuid::Parse("4a21c1cd+e8bd-4466-910a-f7524ecc07b1"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Uuid::Parse("4a21c1cd-e8bd-4466-910a-f7524ecc07bg"), StatusCode::kInvalidArgument);
}

TEST(UuidTest, RandomIsV4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    Uuid u = Uuid::Random();
    EXPECT_EQ(u.bytes[6] >> 4, 4);
    EXPECT_EQ(u.bytes[8] >> 6, 2);
    EXPECT_FALSE(u.IsNil());
    seen.insert(u.ToString());
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_TRUE(Uuid().IsNil());
}

}  // namespace
}  // namespace xcr
