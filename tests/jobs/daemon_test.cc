// The daemon on a fake clock with a fake launcher: a schedule fires, run records are created
// and finished, VM states and firings are stored, a restart restores the plan and catches a
// missed schedule up once, run now, cancel, and Stop cancelling what runs.
#include "jobs/daemon.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <vector>

#include "tests/jobs/store_test_util.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs::testing {
namespace {

// Records what the scheduler starts; a cancel ends the run at once as cancelled (as the engine
// would, from its worker).
class FakeLauncher : public VmRunLauncher {
 public:
  void StartRun(const VmRun& run) override {
    std::lock_guard<std::mutex> lock(mu);
    started.push_back(run);
  }
  void CancelRun(const VmRun& run) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      cancelled.push_back(run.id);
    }
    VmRunResult r;
    r.outcome = RunOutcome::kCancelled;
    r.message = "cancelled by request";
    sink->OnVmRunEnded(run, r);
  }
  std::vector<VmRun> Started() {
    std::lock_guard<std::mutex> lock(mu);
    return started;
  }

  VmRunSink* sink = nullptr;
  std::mutex mu;
  std::vector<VmRun> started;
  std::vector<uint64_t> cancelled;
};

VmRunResult Result(const VmRun& run, RunOutcome outcome, int64_t now_us) {
  VmRunResult r;
  r.outcome = outcome;
  r.vm_name = "vm-" + run.vm_uuid.substr(0, 4);
  r.message = outcome == RunOutcome::kFailure ? "disk full" : "";
  r.tasks = nlohmann::json::array({{{"name", r.vm_name}}});
  r.log = {{now_us, r.vm_name + " done"}};
  VmTargetState t;
  t.job_id = run.job_id;
  t.vm_uuid = run.vm_uuid;
  t.pool = kPoolA;
  t.sr = "sr-fast";
  t.vm_name = r.vm_name;
  if (outcome == RunOutcome::kSuccess) {
    t.state = VmState::kOk;
    t.last_success_us = now_us;
  } else {
    t.state = VmState::kError;
    t.error = r.message;
    t.consecutive_failures = 1;
  }
  r.targets = {t};
  return r;
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenStore(dir_.path());
    ASSERT_OK(store);
    store_ = std::move(*store);
    ASSERT_OK(store_->PutPool(ValidPool()));
    job_ = ValidJob();
    job_.srs = {{kPoolA, "sr-fast"}};
    job_.schedules[0].cron = "0 * * * *";  // hourly
    job_.schedules[0].timezone = "UTC";
    ASSERT_OK(store_->PutJob(job_));
    env_.SetUnixSeconds(1'795'426'867);  // 2026-11-23T09:41:07Z
  }
  // The daemon goes first: its Stop may still send a report or resolve VMs through the
  // callbacks above, which use members declared after it.
  void TearDown() override { daemon_.reset(); }
  void StartDaemon() {
    launcher_ = std::make_unique<FakeLauncher>();
    DaemonOptions o;
    o.env = &env_;
    o.resolve_vms = [this](const Job&) -> xcr::Result<std::vector<std::string>> {
      std::lock_guard<std::mutex> lock(reports_mu_);
      ++resolutions_;
      if (!resolve_status_.ok()) return resolve_status_;
      return resolved_;
    };
    o.send_report = [this](const Job& job, const RunRecord& run,
                           std::span<const VmTargetState> states) {
      std::lock_guard<std::mutex> lock(reports_mu_);
      reports_.push_back({job.id, run.id, run.result, states.size()});
      return Status::OK();
    };
    daemon_ = std::make_unique<Daemon>(store_.get(), o);
    launcher_->sink = daemon_.get();
    ASSERT_OK(daemon_->Start(launcher_.get()));
    daemon_->Sync();
  }
  void AdvanceTo(int64_t unix_s) {
    env_.SetUnixSeconds(unix_s);
    daemon_->Poke();
    daemon_->Sync();
  }
  void End(const VmRun& run, RunOutcome outcome) {
    daemon_->OnVmRunEnded(run, Result(run, outcome, env_.NowUnixMicros()));
    daemon_->Sync();
  }
  std::vector<RunRecord> Runs() { return *store_->ListRuns({}); }

  xcr::testing::TempDir dir_;
  xcr::testing::FakeClockEnv env_;
  std::unique_ptr<SqliteStore> store_;
  Job job_;
  std::unique_ptr<FakeLauncher> launcher_;
  std::unique_ptr<Daemon> daemon_;
  struct Report {
    std::string job, run;
    RunResult result;
    size_t states;
  };
  std::mutex reports_mu_;
  std::vector<Report> reports_;
  std::vector<std::string> resolved_;  // what the smart-mode resolver answers
  Status resolve_status_;
  int resolutions_ = 0;
};

constexpr int64_t k10h = 1'795'428'000;  // 2026-11-23T10:00:00Z

TEST_F(DaemonTest, AScheduleFiresAndItsRunIsRecorded) {
  StartDaemon();
  EXPECT_TRUE(launcher_->Started().empty());
  EXPECT_TRUE(Runs().empty());
  AdvanceTo(k10h);
  auto started = launcher_->Started();
  ASSERT_EQ(started.size(), 2u);
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].result, RunResult::kRunning);
  EXPECT_EQ(runs[0].job_id, job_.id);
  EXPECT_EQ(runs[0].schedule_id, job_.schedules[0].id);
  auto fires = *store_->ListScheduleFires();
  ASSERT_EQ(fires.size(), 1u);
  EXPECT_EQ(fires[0].last_fire_us, k10h * 1000000);
  auto live = daemon_->GetLiveRun(runs[0].id);
  ASSERT_TRUE(live.has_value());
  EXPECT_FALSE(live->ended);

  daemon_->OnVmRunProgress(started[0], nlohmann::json::array({{{"name", "progress"}}}));
  daemon_->Sync();
  EXPECT_EQ(daemon_->GetLiveRun(runs[0].id)->tasks[0]["name"], "progress");

  End(started[0], RunOutcome::kSuccess);
  EXPECT_EQ(Runs()[0].result, RunResult::kRunning);  // one VM still runs
  End(started[1], RunOutcome::kFailure);
  RunRecord done = *store_->GetRun(runs[0].id);
  EXPECT_EQ(done.result, RunResult::kFailure);
  EXPECT_EQ(done.end_us, k10h * 1000000);
  EXPECT_NE(done.error.find("disk full"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(done.task_tree).size(), 2u);
  EXPECT_EQ(store_->GetRunLog(done.id)->size(), 2u);
  EXPECT_FALSE(daemon_->GetLiveRun(done.id).has_value());

  auto states = *store_->ListVmStates(job_.id);
  ASSERT_EQ(states.size(), 2u);
  for (const VmTargetState& s : states) {
    if (s.vm_uuid == started[0].vm_uuid) {
      EXPECT_EQ(s.state, VmState::kOk);
      EXPECT_EQ(s.next_run_us, (k10h + 3600) * 1000000);  // back on its schedule
    } else {
      EXPECT_EQ(s.state, VmState::kError);
      EXPECT_EQ(s.next_run_us, (k10h + 1800) * 1000000);  // the retry
    }
  }
  auto status = daemon_->StatusSnapshot();
  ASSERT_EQ(status.size(), 2u);

  daemon_->Stop();                 // waits for the reports under way
  ASSERT_EQ(reports_.size(), 1u);  // reportWhen failure, and the run failed
  EXPECT_EQ(reports_[0].run, done.id);
  EXPECT_EQ(reports_[0].result, RunResult::kFailure);
  EXPECT_EQ(reports_[0].states, 2u);
}

TEST_F(DaemonTest, ASuccessfulRunSendsNoReportUnderReportWhenFailure) {
  StartDaemon();
  auto started = daemon_->RunNow(job_.id, "");
  ASSERT_OK(started);
  for (const VmRun& r : launcher_->Started()) End(r, RunOutcome::kSuccess);
  EXPECT_EQ(store_->GetRun(started->run_id)->result, RunResult::kSuccess);
  daemon_->Stop();
  EXPECT_TRUE(reports_.empty());
}

TEST_F(DaemonTest, ARestartRestoresStateAndCatchesAMissedScheduleUpOnce) {
  StartDaemon();
  AdvanceTo(k10h);
  for (const VmRun& r : launcher_->Started()) End(r, RunOutcome::kSuccess);
  daemon_->Stop();
  daemon_.reset();
  env_.SetUnixSeconds(k10h + 3 * 3600 + 120);  // 13:02: the 11:00, 12:00 and 13:00 slots missed
  StartDaemon();
  auto started = launcher_->Started();
  ASSERT_EQ(started.size(), 2u) << "one catch-up run per VM, not one per missed slot";
  EXPECT_EQ(started[0].reason, RunReason::kCatchUp);
  for (const VmRun& r : started) End(r, RunOutcome::kSuccess);
  AdvanceTo(k10h + 3 * 3600 + 600);
  EXPECT_EQ(launcher_->Started().size(), 2u);
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].result, RunResult::kSuccess);
  EXPECT_EQ(runs[1].result, RunResult::kSuccess);
  auto status = daemon_->StatusSnapshot();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].state, VmState::kOk);
  EXPECT_EQ(status[0].last_success_us, (k10h + 3 * 3600 + 120) * 1000000);
}

TEST_F(DaemonTest, RunsLeftRunningByACrashAreMarkedInterrupted) {
  RunRecord left = MakeRun(job_.id, 1'795'000'000'000'000);
  ASSERT_OK(store_->SaveRun(left));
  StartDaemon();
  EXPECT_EQ(store_->GetRun(left.id)->result, RunResult::kInterrupted);
}

TEST_F(DaemonTest, RunNowAnswersItsRecordAndCancelDropsAndStops) {
  job_.concurrency = 1;
  ASSERT_OK(store_->PutJob(job_));
  StartDaemon();
  auto started = daemon_->RunNow(job_.id, "");
  ASSERT_OK(started);
  EXPECT_EQ(started->queued, 2u);
  ASSERT_EQ(launcher_->Started().size(), 1u);  // concurrency 1: the other waits
  EXPECT_EQ(store_->GetRun(started->run_id)->result, RunResult::kRunning);
  EXPECT_STATUS(daemon_->RunNow(job_.id, kVm1), StatusCode::kFailedPrecondition);
  EXPECT_STATUS(daemon_->RunNow("nope", ""), StatusCode::kNotFound);

  auto n = daemon_->Cancel(job_.id, "");
  ASSERT_OK(n);
  EXPECT_EQ(*n, 2u);  // one dropped from the queue, one asked to stop
  daemon_->Sync();
  RunRecord done = *store_->GetRun(started->run_id);
  EXPECT_EQ(done.result, RunResult::kCancelled);
  EXPECT_EQ(launcher_->Started().size(), 1u);
}

TEST_F(DaemonTest, PutAndRemoveJobReplan) {
  StartDaemon();
  Job second = job_;
  second.id = "aaaaaaaa-0000-4000-8000-000000000002";
  second.name = "second";
  second.vms.ids = {kVm2};
  second.schedules[0].id = "bbbbbbbb-0000-4000-8000-000000000002";
  ASSERT_OK(store_->PutJob(second));
  ASSERT_OK(daemon_->PutJob(second));
  EXPECT_EQ(daemon_->StatusSnapshot().size(), 3u);
  EXPECT_EQ(daemon_->NextFires(second.id).at(second.schedules[0].id), k10h * 1000000);
  ASSERT_OK(daemon_->RemoveJob(second.id));
  EXPECT_EQ(daemon_->StatusSnapshot().size(), 2u);
  EXPECT_TRUE(daemon_->NextFires(second.id).empty());
}

TEST_F(DaemonTest, RemoveJobReturnsOnceItsRunsEnded) {
  StartDaemon();
  auto started = daemon_->RunNow(job_.id, "");
  ASSERT_OK(started);
  ASSERT_EQ(launcher_->Started().size(), 2u);
  ASSERT_OK(daemon_->RemoveJob(job_.id));
  EXPECT_EQ(launcher_->cancelled.size(), 2u);
  EXPECT_EQ(store_->GetRun(started->run_id)->result, RunResult::kCancelled);
  EXPECT_TRUE(daemon_->StatusSnapshot().empty());
}

TEST_F(DaemonTest, ASmartJobIsResolvedAgainBeforeItsScheduleFires) {
  job_.vms.ids.clear();
  job_.vms.pattern = VmPattern{};
  job_.vms.pattern->tags = {"prod"};
  ASSERT_OK(store_->PutJob(job_));
  resolved_ = {kVm1};
  StartDaemon();
  EXPECT_EQ(daemon_->StatusSnapshot().size(), 1u);
  resolved_ = {kVm1, kVm2};  // a VM tagged later
  AdvanceTo(k10h);
  std::set<std::string> vms;
  for (const VmRun& r : launcher_->Started()) vms.insert(r.vm_uuid);
  EXPECT_EQ(vms, (std::set<std::string>{kVm1, kVm2}));
  for (const VmRun& r : launcher_->Started()) End(r, RunOutcome::kSuccess);

  // A pool that cannot be reached: the VMs it had are kept, not forgotten.
  resolve_status_ = Status::Unavailable("pool 'dr-site': no URL answered");
  int before = resolutions_;
  AdvanceTo(k10h + 3600);
  EXPECT_GT(resolutions_, before);
  EXPECT_EQ(launcher_->Started().size(), 4u);
}

TEST_F(DaemonTest, StopCancelsRunningRunsAndFinishesTheirRecords) {
  StartDaemon();
  auto started = daemon_->RunNow(job_.id, "");
  ASSERT_OK(started);
  ASSERT_EQ(launcher_->Started().size(), 2u);
  daemon_->Stop();
  EXPECT_EQ(launcher_->cancelled.size(), 2u);
  EXPECT_EQ(store_->GetRun(started->run_id)->result, RunResult::kCancelled);
  EXPECT_STATUS(daemon_->RunNow(job_.id, ""), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace xcr::jobs::testing
