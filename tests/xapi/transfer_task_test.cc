// The task a disk transfer is judged by, against a fake pool on a fake clock: a task that never
// ends after the stream is a timeout on the Env's clock (no real waiting), a stream error cancels
// the task, the task is always destroyed, and a dropped stream takes the task's reason.
#include "xapi/transfer_task.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/xapi/session_fake_xapi.h"

namespace xcr::xapi {
namespace {

class TransferTaskTest : public testing::FakePoolTest {
 protected:
  void SetUp() override {
    FakePoolTest::SetUp();
    pool_.On("task.create", [](const Array& p) -> Result<Value> {
      EXPECT_EQ(p.at(0).string(), "xcr export OpaqueRef:vdi");
      return Value("OpaqueRef:task");
    });
    pool_.On("task.cancel", [](const Array&) -> Result<Value> { return Value(); });
    pool_.On("task.destroy", [](const Array&) -> Result<Value> { return Value(); });
    options_.env = &env_;
    options_.task_timeout_micros = 30'000'000;
  }
  int Count(const std::string& method) { return static_cast<int>(pool_.params_of(method).size()); }
  Status Run(Status stream) {
    return WithTransferTask(*conn_, "xcr export OpaqueRef:vdi", options_,
                            [&](const std::string& task) {
                              EXPECT_EQ(task, "OpaqueRef:task");
                              return stream;
                            });
  }

  xcr::testing::FakeClockEnv env_;
  TransferOptions options_;
};

TEST_F(TransferTaskTest, TaskStillPendingAfterTheStreamTimesOutOnTheEnvClock) {
  pool_.On("task.get_record", [](const Array&) -> Result<Value> {
    return Value(Struct{{"status", "pending"}, {"name_label", "xcr export OpaqueRef:vdi"}});
  });
  uint64_t start = env_.NowMicros();
  Status s = Run(Status::OK());
  EXPECT_STATUS(s, StatusCode::kTimeout);
  EXPECT_NE(s.message().find("xcr export OpaqueRef:vdi"), std::string::npos) << s.ToString();
  // The whole wait passed on the fake clock: at least the timeout, and not much more.
  EXPECT_GE(env_.NowMicros() - start, options_.task_timeout_micros);
  EXPECT_LE(env_.NowMicros() - start, options_.task_timeout_micros + 200'000);
  EXPECT_EQ(Count("task.cancel"), 0);
  EXPECT_EQ(Count("task.destroy"), 1);
}

TEST_F(TransferTaskTest, SuccessIsTheTasksNotTheStreams) {
  int polls = 0;
  pool_.On("task.get_record", [&](const Array&) -> Result<Value> {
    if (++polls < 4) return Value(Struct{{"status", "pending"}});
    return Value(Struct{{"status", "failure"},
                        {"error_info", Value(Array{"SR_BACKEND_FAILURE_44", "", "SR full"})}});
  });
  Status s = Run(Status::OK());
  EXPECT_EQ(s.error_name(), "SR_BACKEND_FAILURE_44") << s.ToString();
  EXPECT_EQ(polls, 4);
  EXPECT_EQ(Count("task.destroy"), 1);

  pool_.On("task.get_record", [](const Array&) -> Result<Value> {
    return Value(Struct{{"status", "success"}});
  });
  EXPECT_OK(Run(Status::OK()));
  EXPECT_EQ(Count("task.destroy"), 2);
}

TEST_F(TransferTaskTest, StreamErrorCancelsTheTaskWithoutWaitingForIt) {
  pool_.On("task.get_record", [](const Array&) -> Result<Value> {
    ADD_FAILURE() << "the task is not waited for after a stream error";
    return Value(Struct{{"status", "pending"}});
  });
  uint64_t start = env_.NowMicros();
  EXPECT_STATUS(Run(Status::IOError("cut")), StatusCode::kIOError);
  EXPECT_EQ(env_.NowMicros(), start);
  EXPECT_EQ(Count("task.cancel"), 1);
  EXPECT_EQ(Count("task.destroy"), 1);
}

TEST_F(TransferTaskTest, CancelFlagEndsTheWait) {
  std::atomic<bool> cancel{false};
  options_.cancel = &cancel;
  int polls = 0;
  pool_.On("task.get_record", [&](const Array&) -> Result<Value> {
    if (++polls == 3) cancel.store(true);
    return Value(Struct{{"status", "pending"}});
  });
  EXPECT_STATUS(Run(Status::OK()), StatusCode::kCancelled);
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(Count("task.destroy"), 1);
}

TEST_F(TransferTaskTest, TaskCreateFailureRunsNothing) {
  pool_.On("task.create", [](const Array&) -> Result<Value> {
    return Status::Remote("PERMISSION_DENIED", {}, "");
  });
  bool ran = false;
  Status s = WithTransferTask(*conn_, "x", options_, [&](const std::string&) {
    ran = true;
    return Status::OK();
  });
  EXPECT_EQ(s.error_name(), "PERMISSION_DENIED");
  EXPECT_FALSE(ran);
  EXPECT_EQ(Count("task.destroy"), 0);
}

TEST_F(TransferTaskTest, DroppedStreamTakesTheTasksReasonWithinTwoSecondsOfTheEnvClock) {
  int polls = 0;
  pool_.On("task.get_record", [&](const Array&) -> Result<Value> {
    if (++polls < 3) return Value(Struct{{"status", "pending"}});
    return Value(Struct{{"status", "failure"},
                        {"error_info", Value(Array{"SR_BACKEND_FAILURE_44", "", "SR full"})}});
  });
  Status s = HostReason(*conn_, "OpaqueRef:task", options_,
                        Status::IOError("the export stream broke after 42 bytes"));
  EXPECT_EQ(s.error_name(), "SR_BACKEND_FAILURE_44");
  EXPECT_NE(s.message().find("the export stream broke after 42 bytes"), std::string::npos)
      << s.ToString();

  // A task that says nothing within 2 s (fake): the break itself.
  pool_.On("task.get_record", [](const Array&) -> Result<Value> {
    return Value(Struct{{"status", "pending"}});
  });
  uint64_t start = env_.NowMicros();
  s = HostReason(*conn_, "OpaqueRef:task", options_, Status::IOError("broke"));
  EXPECT_STATUS(s, StatusCode::kIOError);
  EXPECT_EQ(s.message(), "broke");
  EXPECT_GE(env_.NowMicros() - start, 2'000'000u);

  // Cancelled and remote errors are final: the task is not asked.
  int before = Count("task.get_record");
  EXPECT_STATUS(HostReason(*conn_, "t", options_, Status::Cancelled("c")), StatusCode::kCancelled);
  EXPECT_EQ(Count("task.get_record"), before);
}

}  // namespace
}  // namespace xcr::xapi
