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
  EXPECT_EQ(
      a.message(),
      "source pool 'prod' refused the user name or password (SESSION_AUTHENTICATION_FAILED): check "
      "the line for this pool in the credentials file");
}

TEST(ErrorAdviceTest, UnreachablePool) {
  Status a = Advise(Status::Unavailable("connect to https://10.0.0.1 failed"), {.pool = "dr"});
  EXPECT_EQ(a.code(), StatusCode::kUnavailable);
  EXPECT_NE(a.message().find("cannot reach source pool 'dr'"), std::string::npos);
}

TEST(ErrorAdviceTest, UnknownErrorsGetContextAndOkStaysOk) {
  Status a = Advise(Status::Remote("INTERNAL_ERROR", {"boom"}),
                    {.pool = "prod", .vm = "web", .operation = "snapshot"});
  EXPECT_EQ(a.message(), "VM 'web', snapshot on source pool 'prod': INTERNAL_ERROR [boom]");
  EXPECT_TRUE(Advise(Status::OK(), {.pool = "x"}).ok());
}

// Issue 15 item 6: a full source SR was "source the SR on pool ... is full", naming no SR.
TEST(ErrorAdviceTest, FullSourceSrNamesTheSrsAndTheStep) {
  Status a = Advise(Status::Remote("SR_BACKEND_FAILURE_44", {"", "There is insufficient space"}),
                    {.pool = "http://10.0.0.1:80", .sr = "local', 'nfs", .operation = "snapshot"});
  EXPECT_EQ(a.message(),
            "source SR 'local', 'nfs' on pool '10.0.0.1:80' is full (snapshot) "
            "(SR_BACKEND_FAILURE_44): free space or lower snapshotRetention");
  Status unknown = Advise(Status::Remote("SR_BACKEND_FAILURE_44", {}), {.pool = "prod"});
  EXPECT_EQ(unknown.message().find("the SR"), std::string::npos) << unknown.message();
  EXPECT_EQ(unknown.message().rfind("source SR on pool 'prod' is full", 0), 0u)
      << unknown.message();
}

// Issue 15 item 6: every message names the side, the pool's host, the step and the object.
TEST(ErrorAdviceTest, ContextNamesSideHostStepAndObject) {
  Status task = Status::Remote("INTERNAL_ERROR", {}, "task.create");
  EXPECT_EQ(Advise(task, {.pool = "https://10.0.0.1", .vm = "web", .operation = "export of disk 0"})
                .message(),
            "VM 'web', export of disk 0 on source pool '10.0.0.1': task.create: INTERNAL_ERROR");
  EXPECT_EQ(Advise(task, {.pool = "https://10.0.0.2/",
                          .sr = "dr",
                          .vm = "web",
                          .operation = "import of disk 0 to SR 'dr'",
                          .target = true})
                .message(),
            "VM 'web', import of disk 0 to SR 'dr' on target pool '10.0.0.2': task.create: "
            "INTERNAL_ERROR");
  Status record = Status::Remote("INTERNAL_ERROR", {}, "VM.get_record");
  EXPECT_EQ(
      Advise(record, {.pool = "http://h:1", .vm = "web", .operation = "reading the VM's record"})
          .message(),
      "VM 'web', reading the VM's record on source pool 'h:1': VM.get_record: INTERNAL_ERROR");
}

TEST(ErrorAdviceTest, UnreachableTargetNamesTheStepAndRedactsTheUrl) {
  Status a = Advise(
      Status::Unavailable("connection refused"),
      {.pool = "https://root:SECRET@10.0.0.9", .operation = "import of disk 0", .target = true});
  EXPECT_EQ(a.message().find("SECRET"), std::string::npos) << a.message();
  EXPECT_EQ(
      a.message().rfind("cannot reach target pool '<user info>@10.0.0.9' (import of disk 0)", 0),
      0u)
      << a.message();
}

// Issue 15 item 6: an export failing on the source was reported against the target; a target
// fed by a failed export says the source failed, and is no longer advised as unreachable.
TEST(ErrorAdviceTest, SourceFailureForATargetIsNotTheTargets) {
  Status source = Advise(Status::Unavailable("connection reset"),
                         {.pool = "src", .vm = "web", .operation = "export of disk 0"});
  Status t = SourceFailedForTarget(source);
  EXPECT_EQ(t.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(t.message(), "nothing written, the source failed: " + source.message());
  Status advised = Advise(t, {.pool = "dst", .vm = "web", .target = true});
  EXPECT_EQ(advised.message().find("cannot reach target"), std::string::npos) << advised.message();
  EXPECT_NE(advised.message().find("cannot reach source pool 'src'"), std::string::npos)
      << advised.message();
  EXPECT_EQ(SourceFailedForTarget(Status::Cancelled("cancelled")).code(), StatusCode::kCancelled);
  EXPECT_EQ(SourceFailedForTarget(Status::Timeout("late")).code(), StatusCode::kTimeout);
  EXPECT_TRUE(SourceFailedForTarget(Status::OK()).ok());
}

}  // namespace
}  // namespace xcr::engine
