// EngineLauncher without a pool: what happens before the engine runs (a job gone, a cancel that
// comes while the worker is still looking for the VM's pool, a run started twice, the pools
// unreachable). The runs against simulated pools are in tests/jobs/launcher/.
#include "jobs/engine_launcher.h"

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "tests/jobs/store_test_util.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs {
namespace {

using testing::kPoolA;
using testing::kPoolB;
using testing::kVm1;

// Lists the stored pools once `open` is set (so a test can act while a worker waits); every
// connection is refused as unreachable.
class GatedConnector : public PoolConnector {
 public:
  explicit GatedConnector(Store* store) : store_(store) {}
  Result<std::unique_ptr<xapi::Connection>> Connect(const std::string& id) override {
    return Status::Unavailable("pool " + id + ": connection refused");
  }
  Result<std::vector<PoolConfig>> ListPools() override {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    return store_->ListPools();
  }
  void WaitForWorker() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return waiting_ > 0; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  Store* store_;
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

class Ends : public VmRunSink {
 public:
  void OnVmRunProgress(const VmRun&, const nlohmann::json&) override {}
  void OnVmRunEnded(const VmRun& run, VmRunResult result) override {
    std::lock_guard<std::mutex> lock(mu_);
    ends.emplace_back(run.id, std::move(result));
  }
  std::mutex mu_;
  std::vector<std::pair<uint64_t, VmRunResult>> ends;
};

class EngineLauncherUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, testing::OpenStore(dir_.File("state")));
    ASSERT_OK(store_->PutPool(testing::ValidPool(kPoolA, "dr-site")));
    ASSERT_OK(store_->PutPool(testing::ValidPool(kPoolB, "prod")));
    job_ = testing::ValidJob();
    ASSERT_OK(store_->PutJob(job_));
  }
  VmRun Run(uint64_t id) {
    VmRun r;
    r.id = id;
    r.job_id = job_.id;
    r.vm_uuid = kVm1;
    r.schedule_id = job_.schedules[0].id;
    return r;
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  Job job_;
  Ends sink_;
};

TEST_F(EngineLauncherUnitTest, AJobGoneEndsAsAFailureNamingIt) {
  GatedConnector pools(store_.get());
  pools.Open();
  {
    EngineLauncher launcher(store_.get(), &pools, &sink_);
    VmRun run = Run(7);
    run.job_id = "no-such-job";
    launcher.StartRun(run);
    launcher.WaitIdle();
  }
  ASSERT_EQ(sink_.ends.size(), 1u);
  const VmRunResult& r = sink_.ends[0].second;
  EXPECT_EQ(r.outcome, RunOutcome::kFailure);
  EXPECT_EQ(r.message, "job no-such-job no longer exists");
  EXPECT_TRUE(r.targets.empty());
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0]["status"], "failure");
}

TEST_F(EngineLauncherUnitTest, UnreachablePoolsFailTheRunAndCountAFailurePerTarget) {
  GatedConnector pools(store_.get());
  pools.Open();
  EngineLauncher launcher(store_.get(), &pools, &sink_);
  launcher.StartRun(Run(1));
  launcher.WaitIdle();
  ASSERT_EQ(sink_.ends.size(), 1u);
  const VmRunResult& r = sink_.ends[0].second;
  EXPECT_EQ(r.outcome, RunOutcome::kFailure);
  EXPECT_NE(r.message.find("is on no stored pool (not searched: pool "), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("connection refused"), std::string::npos) << r.message;
  ASSERT_EQ(r.targets.size(), job_.srs.size());
  for (const VmTargetState& s : r.targets) {
    EXPECT_EQ(s.state, VmState::kError);
    EXPECT_EQ(s.consecutive_failures, 1u);
    EXPECT_EQ(s.vm_uuid, kVm1);
  }
  // The run's own log has the failure line.
  bool logged = false;
  for (const RunLogLine& l : r.log) logged |= l.text.find("no stored pool") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(EngineLauncherUnitTest, ACancelBeforeTheEngineEndsTheRunOnceAsCancelled) {
  GatedConnector pools(store_.get());
  EngineLauncher launcher(store_.get(), &pools, &sink_);
  launcher.StartRun(Run(1));
  launcher.StartRun(Run(1));  // the same run again: ignored
  pools.WaitForWorker();
  EXPECT_EQ(launcher.active(), 1u);
  launcher.CancelRun(1, "operator stop");
  pools.Open();
  launcher.WaitIdle();
  EXPECT_EQ(launcher.active(), 0u);
  ASSERT_EQ(sink_.ends.size(), 1u);
  const VmRunResult& r = sink_.ends[0].second;
  EXPECT_EQ(r.outcome, RunOutcome::kCancelled);
  EXPECT_EQ(r.message, "operator stop");
  EXPECT_TRUE(r.targets.empty());  // the VM's state is unchanged
  EXPECT_NE(r.tasks.dump().find("operator stop"), std::string::npos);
}

}  // namespace
}  // namespace xcr::jobs
