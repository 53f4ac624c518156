// Health check against the simulator: a clone of the replica boots and its guest agent reports
// (pass), a silent guest fails on the Env deadline with a message naming the timeout, a failing
// step fails the check; in every case the clone and its disks are gone afterwards and the
// replica is untouched.
#include "engine/health_check.h"

#include <atomic>
#include <set>

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "tests/engine/integration/replication_fixture.h"

namespace xcr::engine {
namespace {

using xapi::Value;

// A clock that moves one second each time it is read: a deadline passes after a known number
// of looks, without the test sleeping.
class TickingEnv : public EnvWrapper {
 public:
  TickingEnv() : EnvWrapper(Env::Default()) {}
  uint64_t NowMicros() override { return now_ += 1'000'000; }

 private:
  std::atomic<uint64_t> now_{1'000'000};
};

class HealthCheckTest : public testing::ReplicationFixture {
 protected:
  void SetUp() override {
    ReplicationFixture::SetUp();
    if (HasFatalFailure()) return;
    testing::RunResult r = Run(One());
    ASSERT_OK(r.out.status) << r.log;
    replica_ = r.out.targets.at(0).replica_uuid;
    before_ = Objects();
  }

  // Every VM and VDI uuid on the target.
  std::set<std::string> Objects() {
    std::set<std::string> out;
    auto cat = dst_->Catalog();
    EXPECT_TRUE(cat.ok());
    if (!cat.ok()) return out;
    for (const VmView& v : cat->vms) out.insert("VM " + v.uuid);
    for (const VdiView& v : cat->vdis) out.insert("VDI " + v.uuid);
    return out;
  }

  // The clone is gone with its disks, and the replica is as it was.
  void ExpectCloneGone() {
    EXPECT_EQ(Objects(), before_);
    VmView r = Find(*dst_, replica_);
    EXPECT_EQ(r.blocked_operations.count("start"), 1u) << "the replica stays protected";
    EXPECT_EQ(ConfigValue(r.other_config, keys::kJob), options_.job_id);
  }

  static TaskRecord Named(const TaskLog& log, const std::string& label) {
    for (const TaskRecord& t : log.Snapshot()) {
      if (t.label == label) return t;
    }
    ADD_FAILURE() << "no task '" << label << "' in\n" << log.ToText();
    return {};
  }

  std::string replica_;
  std::set<std::string> before_;
};

TEST_F(HealthCheckTest, HealthyGuestPasses) {
  TaskLog log(Env::Default());
  TaskId run = log.Begin(kNoParent, "run");
  ASSERT_OK(RunHealthCheck(&dst_->conn(), replica_, 60'000'000, &log, run, nullptr));
  TaskRecord t = Named(log, "health check");
  EXPECT_EQ(t.status, TaskStatus::kSuccess) << log.ToText();
  EXPECT_EQ(t.parent, run);
  EXPECT_EQ(t.data["replica"], replica_);
  EXPECT_EQ(t.data["os"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(t.data["pv_drivers"], "8.2.1");
  EXPECT_FALSE(t.data["clone"].empty());
  EXPECT_EQ(before_.count("VM " + t.data["clone"]), 0u);
  for (const char* step : {"clone", "start", "wait for the guest agent", "destroy the clone"}) {
    EXPECT_EQ(Named(log, step).status, TaskStatus::kSuccess) << step << "\n" << log.ToText();
  }
  ExpectCloneGone();
}

TEST_F(HealthCheckTest, SilentGuestFailsOnTheTimeoutAndTheCloneIsDestroyed) {
  ASSERT_OK(dst_->Fault("sim.fault_guest_silent", {Value(true)}));
  TickingEnv clock;
  TaskLog log(Env::Default());
  Status s = RunHealthCheck(&dst_->conn(), replica_, 30'000'000, &log, kNoParent, nullptr,
                            {.env = &clock, .wait_step_micros = 20'000});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kTimeout) << s.ToString();
  EXPECT_NE(s.message().find("no report from its guest agent (VM_guest_metrics) within 30 s"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(Named(log, "health check").status, TaskStatus::kFailure);
  EXPECT_EQ(Named(log, "wait for the guest agent").status, TaskStatus::kFailure);
  EXPECT_EQ(Named(log, "destroy the clone").status, TaskStatus::kSuccess);
  ExpectCloneGone();
}

TEST_F(HealthCheckTest, FailedStartFailsTheCheckAndTheCloneIsDestroyed) {
  ASSERT_OK(dst_->Fault("sim.fault_fail_method",
                        {Value("VM.start"), Value("NO_HOSTS_AVAILABLE"), Value(1)}));
  TaskLog log(Env::Default());
  Status s = RunHealthCheck(&dst_->conn(), replica_, 60'000'000, &log, kNoParent, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("NO_HOSTS_AVAILABLE"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("start the clone of replica"), std::string::npos) << s.ToString();
  ExpectCloneGone();
}

TEST_F(HealthCheckTest, CancelledCheckDestroysTheClone) {
  std::atomic<bool> cancel{true};
  TaskLog log(Env::Default());
  Status s = RunHealthCheck(&dst_->conn(), replica_, 60'000'000, &log, kNoParent, &cancel);
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  ExpectCloneGone();
}

TEST_F(HealthCheckTest, CloneThatCannotBeDestroyedIsNamed) {
  ASSERT_OK(dst_->Fault("sim.fault_fail_method",
                        {Value("VM.destroy"), Value("INTERNAL_ERROR"), Value(1)}));
  TaskLog log(Env::Default());
  Status s = RunHealthCheck(&dst_->conn(), replica_, 60'000'000, &log, kNoParent, nullptr);
  ASSERT_FALSE(s.ok());
  std::string clone = Named(log, "health check").data["clone"];
  EXPECT_NE(s.message().find("destroy the health check's clone " + clone + " (remove it by hand)"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(Find(*dst_, clone).other_config.count(std::string(keys::kHealthCheckClone)), 1u)
      << "the left clone is marked as the health check's";
}

TEST_F(HealthCheckTest, UnknownReplicaIsNotFound) {
  TaskLog log(Env::Default());
  Status s = RunHealthCheck(&dst_->conn(), "no-such-replica", 1'000'000, &log, kNoParent, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  ExpectCloneGone();
}

}  // namespace
}  // namespace xcr::engine
