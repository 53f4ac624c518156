#include "engine/error_advice.h"

#include <gtest/gtest.h>

namespace xcr::engine {
namespace {

TEST(ErrorAdviceTest, FullTargetSrNamesSrPoolAndRemedy) {
  Status s = Status::Remote("SR_BACKEND_FAILURE_44", {"", "There is insufficient space", ""});
  Status a = Advise(s, {.pool = "dr-site", .sr = "fast-nvme", .target = true});
  EXPECT_EQ(a.message(),
            "target SR 'fast-nvme' on pool 'dr-site' is full (SR_BACKEND_FAILURE_44): free space "
            "or lower copyRetention");
  EXPECT_EQ(a.code(), StatusCode::kRemoteError);
  EXPECT_EQ(a.error_name(), "SR_BACKEND_FAILURE_44");
  EXPECT_EQ(a.params(), s.params());
}

TEST(ErrorAdviceTest, FullSourceSrSuggestsSnapshotRetention) {
  Status a = Advise(Status::Remote("SR_BACKEND_FAILURE_44", {}), {.pool = "prod", .sr = "local"});
  EXPECT_NE(a.message().find("source SR 'local' on pool 'prod' is full"), std::string::npos);
  EXPECT_NE(a.message().find("snapshotRetention"), std::string::npos);
}

TEST(ErrorAdviceTest, AuthenticationPointsAtCredentialsFile) {
  Status a =
      Advise(Status::Remote("SESSION_AUTHENTICATION_FAILED", {"root", "bad"}), {.pool = "prod"});
  EXPECT_EQ(a.message(),
            "pool 'prod' refused the user name or password (SESSION_AUTHENTICATION_FAILED): check "
            "the line for this pool in the credentials file");
}

TEST(ErrorAdviceTest, UnreachablePool) {
  Status a = Advise(Status::Unavailable("connect to https://10.0.0.1 failed"), {.pool = "dr"});
  EXPECT_EQ(a.code(), StatusCode::kUnavailable);
  EXPECT_NE(a.message().find("cannot reach pool 'dr'"), std::string::npos);
}

TEST(ErrorAdviceTest, UnknownErrorsGetContextAndOkStaysOk) {
  Status a = Advise(Status::Remote("INTERNAL_ERROR", {"boom"}),
                    {.pool = "prod", .vm = "web", .operation = "snapshot"});
  EXPECT_EQ(a.message(), "VM 'web', snapshot on pool 'prod': INTERNAL_ERROR [boom]");
  EXPECT_TRUE(Advise(Status::OK(), {.pool = "x"}).ok());
}

}  // namespace
}  // namespace xcr::engine
