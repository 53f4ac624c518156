// The scheduler under a long random sequence of operations (deterministic seeds): after every
// step, the rules of issue 13 hold —
//   - at most one run per VM at a time, across all jobs;
//   - no job above its concurrency, the scheduler above its limit;
//   - work-conserving: a queued run waits only for its job's slot, a global slot or its VM;
//   - every run started is ended exactly once, and the counts agree with what was started.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/logging.h"
#include "jobs/scheduler.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::jobs {
namespace {

// Checks at each start that the job and the scheduler were below their limits.
class Launcher : public VmRunLauncher {
 public:
  void StartRun(const VmRun& run) override {
    EXPECT_EQ(running.count(run.id), 0u) << "run started twice";
    uint32_t of_job = 0;
    for (const auto& [id, r] : running) of_job += r.job_id == run.job_id;
    EXPECT_LT(of_job, (*concurrency)[run.job_id]) << "job " << run.job_id << " over its limit";
    EXPECT_LT(running.size(), max_runs) << "over the global limit";
    running[run.id] = run;
  }
  void CancelRun(const VmRun& run) override { cancel_asked.insert(run.id); }
  std::map<uint64_t, VmRun> running;
  std::set<uint64_t> cancel_asked;
  std::map<std::string, uint32_t>* concurrency = nullptr;
  size_t max_runs = 0;
};

class SchedulerInvariants : public ::testing::TestWithParam<int> {};

TEST_P(SchedulerInvariants, HoldAfterEveryStep) {
  SetLogLevel(LogLevel::kWARN);  // thousands of logged skips otherwise
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };

  xcr::testing::FakeClockEnv env;
  Launcher launcher;
  SchedulerOptions options;
  options.max_concurrent_runs = 1 + static_cast<size_t>(pick(5));
  options.retry_backoff_us = int64_t{60 + pick(1800)} * 1000000;
  Scheduler scheduler(&env, &launcher, options);
  launcher.max_runs = options.max_concurrent_runs;

  // Six jobs over eight VMs: VMs are shared between jobs.
  const std::vector<std::string> crons = {"*/15",           "0 * * * *", "*/5 * * * *",
                                          "mon..fri 22:30", "*/10",      "hourly"};
  std::map<std::string, uint32_t> concurrency;
  launcher.concurrency = &concurrency;
  std::map<std::string, std::vector<std::string>> vms_of;
  std::vector<std::string> job_ids;
  for (int j = 0; j < 6; ++j) {
    Job job;
    job.id = "j" + std::to_string(j);
    job.name = job.id;
    job.concurrency = 1 + static_cast<uint32_t>(pick(3));
    Schedule s;
    s.id = job.id + "-s";
    s.cron = crons[static_cast<size_t>(j)];
    s.timezone = j % 2 ? "Europe/Paris" : "America/New_York";
    job.schedules.push_back(s);
    std::vector<std::string> vms;
    for (int v = 0; v < 8; ++v) {
      if (pick(2)) vms.push_back("vm" + std::to_string(v));
    }
    concurrency[job.id] = job.concurrency;
    ASSERT_OK(scheduler.PutJob(job, vms));
    vms_of[job.id] = vms;
    job_ids.push_back(job.id);
  }

  size_t ended = 0;
  for (int step = 0; step < 4000; ++step) {
    const int op = pick(100);
    if (op < 35) {
      // Time passes to the next wake-up (or a bit), then the daemon ticks.
      std::optional<int64_t> wake = scheduler.NextWakeupUs();
      const int64_t now = env.NowUnixMicros();
      int64_t to = now + int64_t{pick(600)} * 1000000;
      if (wake && *wake > now && pick(2)) to = *wake;
      env.Advance(static_cast<uint64_t>(to - now));
      scheduler.Tick();
    } else if (op < 75 && !launcher.running.empty()) {
      // A running run ends.
      auto it = launcher.running.begin();
      std::advance(it, pick(static_cast<int>(launcher.running.size())));
      const uint64_t id = it->first;
      const bool asked = launcher.cancel_asked.count(id) != 0;
      launcher.running.erase(it);
      const RunOutcome outcome = asked
                                     ? RunOutcome::kCancelled
                                     : (pick(4) == 0 ? RunOutcome::kFailure : RunOutcome::kSuccess);
      ASSERT_OK(scheduler.OnRunEnded(id, outcome, "boom"));
      ++ended;
    } else if (op < 85) {
      const std::string& job = job_ids[static_cast<size_t>(pick(6))];
      const std::vector<std::string>& vms = vms_of[job];
      std::string vm;
      if (!vms.empty() && pick(2)) {
        vm = vms[static_cast<size_t>(pick(static_cast<int>(vms.size())))];
      }
      Result<size_t> r = scheduler.RunNow(job, vm);
      if (!r.ok()) {
        ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
      }
    } else if (op < 90) {
      ASSERT_OK(scheduler.Cancel(job_ids[static_cast<size_t>(pick(6))]));
    } else {
      // An edit: the job's VMs and concurrency change.
      const std::string& id = job_ids[static_cast<size_t>(pick(6))];
      Job job;
      job.id = id;
      job.name = id;
      job.concurrency = 1 + static_cast<uint32_t>(pick(3));
      Schedule s;
      s.id = id + "-s";
      s.cron = crons[static_cast<size_t>(pick(6))];
      s.timezone = "UTC";
      job.schedules.push_back(s);
      std::vector<std::string> vms;
      for (int v = 0; v < 8; ++v) {
        if (pick(2)) vms.push_back("vm" + std::to_string(v));
      }
      concurrency[id] = job.concurrency;
      ASSERT_OK(scheduler.PutJob(job, vms));
      vms_of[id] = vms;
    }

    // One run per VM; job and global limits.
    std::map<std::string, int> per_vm;
    std::map<std::string, uint32_t> per_job;
    for (const auto& [id, run] : launcher.running) {
      ASSERT_EQ(++per_vm[run.vm_uuid], 1) << "VM " << run.vm_uuid << " runs twice, step " << step;
      ++per_job[run.job_id];
    }
    ASSERT_EQ(scheduler.running_count(), launcher.running.size()) << "step " << step;
    ASSERT_LE(launcher.running.size(), options.max_concurrent_runs) << "step " << step;
    // Work-conserving: each queued VM waits for a reason.
    for (const VmPlanStatus& s : scheduler.AllVmStatus()) {
      if (!s.queued) continue;
      const bool job_full = per_job[s.job_id] >= concurrency[s.job_id];
      const bool global_full = launcher.running.size() >= options.max_concurrent_runs;
      const bool vm_busy = per_vm.count(s.vm_uuid) != 0;
      ASSERT_TRUE(job_full || global_full || vm_busy)
          << "VM " << s.vm_uuid << " of job " << s.job_id << " waits for nothing, step " << step;
    }
  }
  EXPECT_GT(ended, 100u) << "the sequence should have run and ended many runs";
}

INSTANTIATE_TEST_SUITE_P(Seeds, SchedulerInvariants, ::testing::Values(1, 2, 3, 4, 5, 6, 7, 8));

}  // namespace
}  // namespace xcr::jobs
