// scheduler_bench: the scheduler's planning for issue 13's inventory — 10,000 VMs across 1,000
// jobs — on a fake clock, against a baseline run side by side: the same schedules' next-run
// times computed with ScheduleExpression::NextAfter alone (the irreducible time-zone math),
// without the scheduler's queues and state.
//
//   scheduler_bench [--jobs 1000] [--vms-per-job 10] [--hours 24]
//
// Reports CPU time (CLOCK_PROCESS_CPUTIME_ID) of: putting every job (parse + first planning),
// and driving the scheduler through `--hours` of its wake-ups with every run ending at once;
// the peak RSS of the process; the number of wake-ups (no polling: one per distinct time).
// Targets (issue 13): planning under 1 s of CPU, memory under 100 MiB.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "bench/jobs/process_usage.h"
#include "cli/command_line.h"
#include "jobs/job.h"
#include "jobs/schedule_expression.h"
#include "jobs/scheduler.h"

namespace xcr::jobs {
namespace {

using bench::CpuSeconds;
using bench::PeakRssMiB;

class BenchClock : public EnvWrapper {
 public:
  BenchClock() : EnvWrapper(Env::Default()) {}
  uint64_t NowMicros() override { return static_cast<uint64_t>(now_us_); }
  int64_t NowUnixMicros() override { return now_us_; }
  void SleepForMicros(uint64_t m) override { now_us_ += static_cast<int64_t>(m); }
  void Set(int64_t us) { now_us_ = us; }

 private:
  int64_t now_us_ = int64_t{1796638020} * 1000000;  // 2026-12-07T10:07Z
};

// Ends every run at once, successfully (a real launcher hands them to the engine).
class InstantLauncher : public VmRunLauncher {
 public:
  void StartRun(const VmRun& run) override {
    pending.push_back(run.id);
    ++started;
  }
  void CancelRun(const VmRun&) override {}
  std::vector<uint64_t> pending;  // started, end not yet reported
  size_t started = 0;
};

struct Mix {
  const char* cron;
  const char* zone;
};
// A realistic spread: frequent, hourly, nightly in several zones, weekly, monthly.
constexpr Mix kMix[] = {
    {"*/15", "UTC"},
    {"0 * * * *", "Europe/Paris"},
    {"30 2 * * *", "Europe/Paris"},
    {"mon..fri 22:30", "America/New_York"},
    {"0 */6 * * *", "Asia/Tokyo"},
    {"sat 02:00", "Europe/Berlin"},
    {"15 3 1 * *", "America/Los_Angeles"},
    {"*:0/30", "Australia/Sydney"},
};

std::vector<Job> MakeJobs(int jobs, int vms_per_job, std::vector<std::vector<std::string>>* vms) {
  std::vector<Job> out;
  for (int j = 0; j < jobs; ++j) {
    Job job;
    job.id = "job-" + std::to_string(j);
    job.name = job.id;
    job.concurrency = 2;
    // One or two schedules per job.
    for (int s = 0; s < 1 + (j % 2); ++s) {
      const Mix& m = kMix[(j + s * 3) % (sizeof kMix / sizeof kMix[0])];
      Schedule sched;
      sched.id = job.id + "-s" + std::to_string(s);
      sched.cron = m.cron;
      sched.timezone = m.zone;
      job.schedules.push_back(sched);
    }
    std::vector<std::string> ids;
    for (int v = 0; v < vms_per_job; ++v) {
      char uuid[40];
      std::snprintf(uuid, sizeof uuid, "%08x-0000-4000-8000-%012d", j, v);
      ids.emplace_back(uuid);
    }
    vms->push_back(std::move(ids));
    out.push_back(std::move(job));
  }
  return out;
}

int Main(int argc, char** argv) {
  int jobs = 1000;
  int vms_per_job = 10;
  int hours = 24;
  CLI::App app("scheduler_bench");
  cli::SetUsage(&app, "usage: scheduler_bench [--jobs N] [--vms-per-job N] [--hours H]\n");
  app.add_option("--jobs", jobs)->check(CLI::PositiveNumber);
  app.add_option("--vms-per-job", vms_per_job)->check(CLI::PositiveNumber);
  app.add_option("--hours", hours)->check(CLI::PositiveNumber);
  if (auto rc = cli::Parse(&app, "scheduler_bench", {argv + 1, argv + argc})) return *rc;
  // Planning is measured, not the log: the skips it logs (a job's two schedules firing in the
  // same minute queue its VMs once) would be stderr writes.
  SetLogLevel(LogLevel::kWARN);
  const double rss_start = PeakRssMiB();
  std::vector<std::vector<std::string>> vms;
  const std::vector<Job> all = MakeJobs(jobs, vms_per_job, &vms);

  BenchClock clock;
  const int64_t start_us = clock.NowUnixMicros();
  const int64_t end_us = start_us + int64_t{hours} * 3600 * 1000000;

  // Baseline: every schedule's next-run times over the same span, NextAfter alone.
  double t0 = CpuSeconds();
  size_t baseline_fires = 0;
  for (const Job& job : all) {
    for (const Schedule& s : job.schedules) {
      Result<ScheduleExpression> e = ScheduleExpression::Parse(s.cron);
      Result<const date::time_zone*> tz = FindTimeZone(s.timezone);
      if (!e.ok() || !tz.ok()) return 1;
      std::chrono::sys_seconds t(std::chrono::seconds(start_us / 1000000));
      while (true) {
        Result<std::chrono::sys_seconds> next = e->NextAfter(t, **tz);
        if (!next.ok() || next->time_since_epoch().count() * 1000000 > end_us) break;
        t = *next;
        ++baseline_fires;
      }
    }
  }
  const double baseline_cpu = CpuSeconds() - t0;

  InstantLauncher launcher;
  SchedulerOptions options;
  options.max_concurrent_runs = 16;
  Scheduler scheduler(&clock, &launcher, options);
  t0 = CpuSeconds();
  for (size_t j = 0; j < all.size(); ++j) {
    if (Status s = scheduler.PutJob(all[j], vms[j]); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  const double put_cpu = CpuSeconds() - t0;

  t0 = CpuSeconds();
  size_t wakeups = 0;
  while (auto wake = scheduler.NextWakeupUs()) {
    if (*wake > end_us) break;
    clock.Set(*wake);
    scheduler.Tick();
    ++wakeups;
    // Each started run ends at once; its end starts the next queued one.
    while (!launcher.pending.empty()) {
      const uint64_t id = launcher.pending.back();
      launcher.pending.pop_back();
      if (!scheduler.OnRunEnded(id, RunOutcome::kSuccess).ok()) return 1;
    }
  }
  const double drive_cpu = CpuSeconds() - t0;
  const double rss_peak = PeakRssMiB();

  std::printf("inventory: %d jobs, %d VMs, %zu schedule firings in %d h\n", jobs,
              jobs * vms_per_job, baseline_fires, hours);
  std::printf("baseline NextAfter alone over %d h:        %8.3f s CPU\n", hours, baseline_cpu);
  std::printf("scheduler: put every job (parse + plan):  %8.3f s CPU\n", put_cpu);
  const double runs = static_cast<double>(launcher.started);
  std::printf("scheduler: %d h of wake-ups, %zu runs:  %8.3f s CPU (%.2f us per run)\n", hours,
              launcher.started, drive_cpu, runs > 0 ? drive_cpu / runs * 1e6 : 0.0);
  std::printf(
      "scheduler / baseline CPU: %.1fx (the baseline computes %zu firings, the scheduler "
      "also queues, starts and ends %zu runs)\n",
      baseline_cpu > 0 ? drive_cpu / baseline_cpu : 0.0, baseline_fires, launcher.started);
  std::printf("wake-ups: %zu (no polling: one per distinct schedule time)\n", wakeups);
  std::printf("peak RSS: %.1f MiB (%.1f MiB at start)\n", rss_peak, rss_start);
  return 0;
}

}  // namespace
}  // namespace xcr::jobs

int main(int argc, char** argv) { return xcr::jobs::Main(argc, argv); }
