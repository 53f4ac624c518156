#include "base/status.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "base/result.h"
#include "tests/testutil/status_matchers.h"

namespace xcr {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CodeAndMessage) {
  Status s = Status::Corruption("bad cookie at offset 0");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.ToString(), "corruption: bad cookie at offset 0");
}

TEST(StatusTest, RemoteKeepsNameAndParams) {
  Status s = Status::Remote("SESSION_INVALID", {"OpaqueRef:1"}, "VM.get_all_records");
  EXPECT_EQ(s.code(), StatusCode::kRemoteError);
  EXPECT_EQ(s.error_name(), "SESSION_INVALID");
  ASSERT_EQ(s.params().size(), 1u);
  EXPECT_EQ(s.params()[0], "OpaqueRef:1");
  EXPECT_EQ(s.message(), "VM.get_all_records: SESSION_INVALID [OpaqueRef:1]");
}

TEST(StatusTest, WithContextPrefixesAndKeepsCode) {
  Status s = Status::Remote("SR_BACKEND_FAILURE_44", {"", "no space", ""});
  Status c = s.WithContext("import to SR 'fast'");
  EXPECT_EQ(c.code(), StatusCode::kRemoteError);
  EXPECT_EQ(c.error_name(), "SR_BACKEND_FAILURE_44");
  EXPECT_EQ(c.message().rfind("import to SR 'fast': ", 0), 0u);
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(StatusTest, FromErrnoMapsCodes) {
  EXPECT_EQ(Status::FromErrno(ENOENT, "open x").code(), StatusCode::kNotFound);
  EXPECT_EQ(Status::FromErrno(ENOSPC, "write x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Status::FromErrno(EACCES, "open x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Status::FromErrno(EIO, "read x").code(), StatusCode::kIOError);
  EXPECT_NE(Status::FromErrno(ENOENT, "open x").message().find("open x: "), std::string::npos);
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  XCR_ASSIGN_OR_RETURN(int h, Half(x));
  XCR_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, ValueAndErrorPropagation) {
  ASSERT_OK_AND_ASSIGN(int q, Quarter(8));
  EXPECT_EQ(q, 2);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace xcr

namespace xcr {
namespace {

TEST(StatusTest, WithMessageKeepsRemoteFields) {
  Status s = Status::Remote("SR_BACKEND_FAILURE_44", {"", "no space", ""});
  Status m = s.WithMessage("target SR 'x' is full");
  EXPECT_EQ(m.code(), StatusCode::kRemoteError);
  EXPECT_EQ(m.error_name(), "SR_BACKEND_FAILURE_44");
  EXPECT_EQ(m.params(), s.params());
  EXPECT_EQ(m.message(), "target SR 'x' is full");
  EXPECT_TRUE(Status::OK().WithMessage("x").ok());
}

}  // namespace
}  // namespace xcr
