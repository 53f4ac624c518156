#include "jobs/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/jobs/schedule_test_util.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::jobs {
namespace {

using testing::Utc;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;

int64_t UtcUs(const std::string& text) { return Utc(text).time_since_epoch().count() * kSecond; }

// Records what the scheduler starts and cancels; runs end only when the test says so.
class FakeLauncher : public VmRunLauncher {
 public:
  void StartRun(const VmRun& run) override {
    started.push_back(run);
    running.push_back(run);
  }
  void CancelRun(const VmRun& run) override { cancelled.push_back(run.id); }

  // The running run of a VM (fails the test if none).
  VmRun Running(const std::string& vm) const {
    for (const VmRun& r : running) {
      if (r.vm_uuid == vm) return r;
    }
    ADD_FAILURE() << "VM " << vm << " is not running";
    return {};
  }
  void Ended(uint64_t id) {
    running.erase(
        std::remove_if(running.begin(), running.end(), [&](const VmRun& r) { return r.id == id; }),
        running.end());
  }

  std::vector<VmRun> started;
  std::vector<VmRun> running;
  std::vector<uint64_t> cancelled;
};

class EventLog : public SchedulerObserver {
 public:
  void OnSchedulerEvent(const SchedulerEvent& e) override { events.push_back(e); }
  std::vector<SchedulerEvent> Of(SchedulerEventKind kind) const {
    std::vector<SchedulerEvent> out;
    for (const SchedulerEvent& e : events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  std::vector<SchedulerEvent> events;
};

Job MakeJob(const std::string& id, const std::string& cron, const std::string& zone = "UTC",
            uint32_t concurrency = 2) {
  Job job;
  job.id = id;
  job.name = "job-" + id;
  job.concurrency = concurrency;
  Schedule s;
  s.id = id + "-s1";
  s.name = "main";
  s.cron = cron;
  s.timezone = zone;
  job.schedules.push_back(s);
  return job;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() { SetNow("2026-12-07T10:07Z"); }

  void SetNow(const std::string& text) { SetNowUs(UtcUs(text)); }
  void SetNowUs(int64_t us) {
    const int64_t now = env_.NowUnixMicros();
    ASSERT_GE(us, now) << "the fake clock only goes forward";
    env_.Advance(static_cast<uint64_t>(us - now));
  }
  int64_t Now() { return env_.NowUnixMicros(); }

  // Sleeps as the daemon would: to each wake-up up to `until`, ticking there; ends at `until`.
  void RunUntil(const std::string& until) {
    const int64_t end = UtcUs(until);
    while (auto wake = scheduler_.NextWakeupUs()) {
      if (*wake > end) break;
      if (*wake > Now()) SetNowUs(*wake);
      scheduler_.Tick();
    }
    SetNowUs(end);
  }

  void End(const std::string& vm, RunOutcome outcome, const std::string& message = {}) {
    const VmRun run = launcher_.Running(vm);
    launcher_.Ended(run.id);
    ASSERT_OK(scheduler_.OnRunEnded(run.id, outcome, message));
  }

  size_t StartedCount(const std::string& vm) const {
    return std::count_if(launcher_.started.begin(), launcher_.started.end(),
                         [&](const VmRun& r) { return r.vm_uuid == vm; });
  }

  xcr::testing::FakeClockEnv env_;
  FakeLauncher launcher_;
  EventLog log_;
  SchedulerOptions options_;
  Scheduler scheduler_{&env_, &launcher_, options_, &log_};
};

TEST_F(SchedulerTest, FiresOnScheduleAndSleepsUntilTheNextTime) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15"), {"vm1", "vm2"}));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T10:15Z"));
  scheduler_.Tick();  // nothing is due at 10:07
  EXPECT_TRUE(launcher_.started.empty());

  SetNow("2026-12-07T10:15Z");
  scheduler_.Tick();
  ASSERT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(launcher_.started[0].vm_uuid, "vm1");
  EXPECT_EQ(launcher_.started[1].vm_uuid, "vm2");
  EXPECT_EQ(launcher_.started[0].reason, RunReason::kSchedule);
  EXPECT_EQ(launcher_.started[0].schedule_id, "a-s1");
  EXPECT_EQ(launcher_.started[0].trigger_id, launcher_.started[1].trigger_id);
  EXPECT_EQ(launcher_.started[0].started_us, UtcUs("2026-12-07T10:15Z"));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T10:30Z"));
  ASSERT_OK_AND_ASSIGN(VmPlanStatus s, scheduler_.VmStatus("a", "vm1"));
  EXPECT_TRUE(s.running);
  EXPECT_EQ(s.next_run_us, UtcUs("2026-12-07T10:30Z"));
}

TEST_F(SchedulerTest, AWeekOfSchedulesOnTheFakeClock) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("often", "*/15"), {"vm1"}));
  // A daily run across the week of Paris's spring-forward day (Sunday 2026-03-29).
  ASSERT_OK(scheduler_.PutJob(MakeJob("nightly", "30 2 * * *", "Europe/Paris"), {"vm2"}));
  int wakeups = 0;
  const int64_t end = UtcUs("2026-12-14T10:07Z");
  while (auto wake = scheduler_.NextWakeupUs()) {
    if (*wake > end) break;
    SetNowUs(*wake);
    scheduler_.Tick();
    ++wakeups;
    for (const VmRun& r : std::vector<VmRun>(launcher_.running)) {
      env_.Advance(2 * kSecond);  // each run takes two seconds
      launcher_.Ended(r.id);
      ASSERT_OK(scheduler_.OnRunEnded(r.id, RunOutcome::kSuccess));
    }
  }
  EXPECT_EQ(StartedCount("vm1"), 7u * 24 * 4);
  EXPECT_EQ(StartedCount("vm2"), 7u);
  // Woken only for schedule times: one per quarter hour (the nightly 02:30 in Paris is 01:30
  // UTC, itself a quarter hour).
  EXPECT_EQ(wakeups, 7 * 24 * 4);
}

TEST_F(SchedulerTest, DstDayRunsTheNightlyOnceAtTheEndOfTheGap) {
  env_.SetUnixSeconds(UtcUs("2026-03-28T12:00Z") / kSecond);
  ASSERT_OK(scheduler_.PutJob(MakeJob("nightly", "30 2 * * *", "Europe/Paris"), {"vm1"}));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-03-29T01:00Z"));
  RunUntil("2026-03-29T02:00Z");
  ASSERT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(launcher_.started[0].started_us, UtcUs("2026-03-29T01:00Z"));
  End("vm1", RunOutcome::kSuccess);
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-03-30T00:30Z"));
}

TEST_F(SchedulerTest, TriggerWhileTheVmRunsIsSkippedAndLogged) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15"), {"vm1"}));
  ASSERT_OK(scheduler_.PutJob(MakeJob("b", "*/30"), {"vm1", "vm2"}));
  RunUntil("2026-12-07T10:15Z");
  ASSERT_EQ(launcher_.started.size(), 1u);  // a's run of vm1, which goes on and on
  RunUntil("2026-12-07T10:30Z");
  // At 10:30 both a (again) and b trigger vm1 while it runs: both skipped; b's vm2 runs.
  ASSERT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(launcher_.started[1].vm_uuid, "vm2");
  const std::vector<SchedulerEvent> skips = log_.Of(SchedulerEventKind::kSkippedBusy);
  ASSERT_EQ(skips.size(), 2u);
  EXPECT_EQ(skips[0].vm_uuid, "vm1");
  EXPECT_EQ(skips[0].time_us, UtcUs("2026-12-07T10:30Z"));
  std::vector<std::string> messages = {skips[0].message, skips[1].message};
  std::sort(messages.begin(), messages.end());
  EXPECT_EQ(messages[0],
            "VM vm1 is being replicated by job 'job-a': this schedule trigger is skipped");
  EXPECT_EQ(messages[1], messages[0]);
  // Once it ends, the next trigger runs it again.
  End("vm1", RunOutcome::kSuccess);
  RunUntil("2026-12-07T10:45Z");
  EXPECT_EQ(StartedCount("vm1"), 2u);
}

TEST_F(SchedulerTest, TwoSchedulesOfAJobAtTheSameMinuteQueueItsVmsOnce) {
  Job job = MakeJob("a", "0 * * * *", "UTC", 1);
  Schedule every_quarter = job.schedules[0];
  every_quarter.id = "a-s2";
  every_quarter.cron = "*/15";
  job.schedules.push_back(every_quarter);
  SetNow("2026-12-07T10:50Z");
  ASSERT_OK(scheduler_.PutJob(job, {"vm1", "vm2"}));
  SetNow("2026-12-07T11:00Z");
  scheduler_.Tick();
  // The first listed schedule queues both VMs; the second finds them queued (runs start after
  // every firing of the tick): one run each, with the first schedule's retention.
  ASSERT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(launcher_.started[0].schedule_id, "a-s1");
  EXPECT_EQ(scheduler_.queued_count(), 1u);
  EXPECT_EQ(log_.Of(SchedulerEventKind::kFired).size(), 2u);
  EXPECT_EQ(log_.Of(SchedulerEventKind::kSkippedQueued).size(), 2u);
  EXPECT_TRUE(log_.Of(SchedulerEventKind::kSkippedBusy).empty());
  End("vm1", RunOutcome::kSuccess);
  ASSERT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(launcher_.started[1].vm_uuid, "vm2");
  EXPECT_EQ(launcher_.started[1].schedule_id, "a-s1");
}

TEST_F(SchedulerTest, RunQueuedBeforeItsVmBecameBusyWaitsForIt) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "0 * * * *", "UTC", 1), {"vm1"}));
  ASSERT_OK(scheduler_.PutJob(MakeJob("b", "0 * * * *", "UTC", 1), {"vm1", "vm2"}));
  SetNow("2026-12-07T11:00Z");
  scheduler_.Tick();  // both jobs queue vm1 at once: a's starts, b's waits; b's vm2 goes ahead
  ASSERT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(launcher_.started[0].job_id, "a");
  EXPECT_EQ(launcher_.started[1].job_id + "/" + launcher_.started[1].vm_uuid, "b/vm2");
  EXPECT_EQ(scheduler_.queued_count(), 1u);
  End("vm2", RunOutcome::kSuccess);
  EXPECT_EQ(launcher_.started.size(), 2u) << "vm1 still runs for a";
  End("vm1", RunOutcome::kSuccess);
  ASSERT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(launcher_.started[2].job_id + "/" + launcher_.started[2].vm_uuid, "b/vm1");
  EXPECT_EQ(scheduler_.queued_count(), 0u);
  EXPECT_TRUE(log_.Of(SchedulerEventKind::kSkippedBusy).empty());
}

TEST_F(SchedulerTest, FailedVmIsRetriedOnBackoffThenBackOnItsSchedule) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "0 * * * *"), {"vm1"}));
  RunUntil("2026-12-07T11:00Z");
  env_.Advance(5 * kSecond);
  End("vm1", RunOutcome::kFailure, "target SR 'fast' is full");
  ASSERT_OK_AND_ASSIGN(VmPlanStatus s, scheduler_.VmStatus("a", "vm1"));
  EXPECT_EQ(s.state, VmState::kError);
  EXPECT_EQ(s.consecutive_failures, 1u);
  EXPECT_EQ(s.error, "target SR 'fast' is full");
  EXPECT_EQ(s.next_run_us, UtcUs("2026-12-07T11:30:05Z"));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T11:30:05Z"));
  EXPECT_EQ(log_.Of(SchedulerEventKind::kFailed).back().message,
            "target SR 'fast' is full (failure 1 in a row; retried at 2026-12-07T11:30:05Z)");

  RunUntil("2026-12-07T11:30:05Z");
  ASSERT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(launcher_.started[1].reason, RunReason::kRetry);
  EXPECT_EQ(launcher_.started[1].schedule_id, "a-s1");
  End("vm1", RunOutcome::kFailure, "still full");
  EXPECT_EQ(scheduler_.VmStatus("a", "vm1")->consecutive_failures, 2u);

  // 12:00: the hourly schedule skips it (it waits for its retry at 12:00:05).
  RunUntil("2026-12-07T12:00Z");
  EXPECT_EQ(launcher_.started.size(), 2u);
  ASSERT_EQ(log_.Of(SchedulerEventKind::kSkippedInError).size(), 1u);
  EXPECT_EQ(log_.Of(SchedulerEventKind::kSkippedInError)[0].message,
            "VM vm1 is in error (still full): retried at 2026-12-07T12:00:05Z, not on its "
            "schedule");
  RunUntil("2026-12-07T12:00:05Z");
  ASSERT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(launcher_.started[2].reason, RunReason::kRetry);
  End("vm1", RunOutcome::kSuccess);
  ASSERT_OK_AND_ASSIGN(s, scheduler_.VmStatus("a", "vm1"));
  EXPECT_EQ(s.state, VmState::kOk);
  EXPECT_EQ(s.consecutive_failures, 0u);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.last_success_us, UtcUs("2026-12-07T12:00:05Z"));
  EXPECT_EQ(s.next_run_us, UtcUs("2026-12-07T13:00Z"));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T13:00Z"));
  RunUntil("2026-12-07T13:00Z");
  ASSERT_EQ(launcher_.started.size(), 4u);
  EXPECT_EQ(launcher_.started[3].reason, RunReason::kSchedule);
}

TEST_F(SchedulerTest, BackoffIsAnOption) {
  SchedulerOptions fast;
  fast.retry_backoff_us = 5 * kMinute;
  Scheduler scheduler(&env_, &launcher_, fast, &log_);
  ASSERT_OK(scheduler.PutJob(MakeJob("a", "daily"), {"vm1"}));
  ASSERT_OK_AND_ASSIGN(size_t queued, scheduler.RunNow("a"));
  EXPECT_EQ(queued, 1u);
  const VmRun run = launcher_.Running("vm1");
  launcher_.Ended(run.id);
  ASSERT_OK(scheduler.OnRunEnded(run.id, RunOutcome::kFailure, "boom"));
  EXPECT_EQ(scheduler.NextWakeupUs(), Now() + 5 * kMinute);
}

TEST_F(SchedulerTest, MissedSchedulesAfterDowntimeRunOnce) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15"), {"vm1", "vm2"}));
  // The daemon was down: the schedule last fired at 07:00, it is now 10:07.
  ASSERT_OK(scheduler_.RestoreScheduleFire("a", "a-s1", UtcUs("2026-12-07T07:00Z")));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T07:15Z"));  // past: now
  scheduler_.Tick();
  ASSERT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(launcher_.started[0].reason, RunReason::kCatchUp);
  EXPECT_EQ(launcher_.started[1].reason, RunReason::kCatchUp);
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T10:15Z"));
  scheduler_.Tick();
  EXPECT_EQ(launcher_.started.size(), 2u) << "12 missed slots, one run";
}

TEST_F(SchedulerTest, FiredEventsGiveTheTimeToStoreSoARestartDoesNotRefire) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15"), {"vm1"}));
  ASSERT_OK(scheduler_.RestoreScheduleFire("a", "a-s1", UtcUs("2026-12-07T07:00Z")));
  env_.Advance(3 * kSecond);  // the tick comes a little late
  scheduler_.Tick();
  std::vector<SchedulerEvent> fired = log_.Of(SchedulerEventKind::kFired);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].schedule_id, "a-s1");
  EXPECT_EQ(fired[0].time_us, UtcUs("2026-12-07T10:07:03Z"));
  EXPECT_EQ(fired[0].message, "catch-up of 2026-12-07T07:15:00Z");
  EXPECT_EQ(log_.Of(SchedulerEventKind::kQueued)[0].schedule_id, "a-s1");
  EXPECT_EQ(log_.Of(SchedulerEventKind::kStarted)[0].schedule_id, "a-s1");

  // A restarted daemon restores what the event said: no second catch-up.
  Scheduler restarted(&env_, &launcher_, options_, &log_);
  ASSERT_OK(restarted.PutJob(MakeJob("a", "*/15"), {"vm1"}));
  ASSERT_OK(restarted.RestoreScheduleFire("a", "a-s1", fired[0].time_us));
  EXPECT_EQ(restarted.NextWakeupUs(), UtcUs("2026-12-07T10:15Z"));

  // On time, the event's time is the slot's (plus the tick's lateness).
  RunUntil("2026-12-07T10:15Z");
  fired = log_.Of(SchedulerEventKind::kFired);
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[1].time_us, UtcUs("2026-12-07T10:15Z"));
  EXPECT_EQ(fired[1].message, "on time");
}

TEST_F(SchedulerTest, NothingMissedNoCatchUp) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15"), {"vm1"}));
  ASSERT_OK(scheduler_.RestoreScheduleFire("a", "a-s1", UtcUs("2026-12-07T10:00Z")));
  scheduler_.Tick();
  EXPECT_TRUE(launcher_.started.empty());
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T10:15Z"));
  EXPECT_STATUS(scheduler_.RestoreScheduleFire("a", "nope", 0), StatusCode::kNotFound);
}

TEST_F(SchedulerTest, RestoredErrorStateIsRetried) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "daily"), {"vm1", "vm2"}));
  VmRestore r;
  r.job_id = "a";
  r.vm_uuid = "vm1";
  r.state = VmState::kError;
  r.consecutive_failures = 3;
  r.error = "host unreachable";
  r.retry_at_us = UtcUs("2026-12-07T10:20Z");
  ASSERT_OK(scheduler_.RestoreVm(r));
  EXPECT_EQ(scheduler_.VmStatus("a", "vm1")->next_run_us, UtcUs("2026-12-07T10:20Z"));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T10:20Z"));
  RunUntil("2026-12-07T10:20Z");
  ASSERT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(launcher_.started[0].vm_uuid, "vm1");
  EXPECT_EQ(launcher_.started[0].reason, RunReason::kRetry);
  r.vm_uuid = "vm9";
  EXPECT_STATUS(scheduler_.RestoreVm(r), StatusCode::kNotFound);
}

TEST_F(SchedulerTest, JobAndGlobalConcurrencyQueueAndNeverDrop) {
  SchedulerOptions three;
  three.max_concurrent_runs = 3;
  Scheduler scheduler(&env_, &launcher_, three, &log_);
  ASSERT_OK(scheduler.PutJob(MakeJob("a", "0 11 * * *", "UTC", 2), {"a1", "a2", "a3", "a4", "a5"}));
  ASSERT_OK(scheduler.PutJob(MakeJob("b", "0 11 * * *", "UTC", 2), {"b1", "b2"}));
  SetNow("2026-12-07T11:00Z");
  scheduler.Tick();
  // Job a may run 2, the scheduler 3: a1, a2 and b1 (a3 waits for a's slot, b2 for a global one).
  ASSERT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(launcher_.started[0].vm_uuid, "a1");
  EXPECT_EQ(launcher_.started[1].vm_uuid, "a2");
  EXPECT_EQ(launcher_.started[2].vm_uuid, "b1");
  EXPECT_EQ(scheduler.running_count(), 3u);
  EXPECT_EQ(scheduler.queued_count(), 4u);
  EXPECT_FALSE(scheduler.NextWakeupUs() <= Now()) << "queued runs need no wake-up";

  auto end = [&](const std::string& vm) {
    const VmRun run = launcher_.Running(vm);
    launcher_.Ended(run.id);
    ASSERT_OK(scheduler.OnRunEnded(run.id, RunOutcome::kSuccess));
  };
  end("b1");  // frees a global slot; a is at its limit, so b2 (queued after a3..a5) starts
  ASSERT_EQ(launcher_.started.size(), 4u);
  EXPECT_EQ(launcher_.started[3].vm_uuid, "b2");
  end("a1");  // a's slot: a3
  ASSERT_EQ(launcher_.started.size(), 5u);
  EXPECT_EQ(launcher_.started[4].vm_uuid, "a3");
  end("a2");
  end("b2");  // a at its limit (a3, a4): nothing more
  ASSERT_EQ(launcher_.started.size(), 6u);
  EXPECT_EQ(launcher_.started[5].vm_uuid, "a4");
  EXPECT_EQ(scheduler.running_count(), 2u);
  end("a3");
  end("a4");
  end("a5");
  EXPECT_EQ(launcher_.started.size(), 7u) << "every VM ran once";
  EXPECT_EQ(scheduler.queued_count(), 0u);
  EXPECT_EQ(scheduler.running_count(), 0u);
  for (const VmRun& r : launcher_.started) {
    EXPECT_EQ(std::count_if(launcher_.started.begin(), launcher_.started.end(),
                            [&](const VmRun& o) { return o.vm_uuid == r.vm_uuid; }),
              1);
  }
}

TEST_F(SchedulerTest, CancelDropsQueuedRunsAndStopsRunningOnes) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "0 11 * * *", "UTC", 1), {"vm1", "vm2", "vm3"}));
  ASSERT_OK_AND_ASSIGN(size_t queued, scheduler_.RunNow("a"));
  EXPECT_EQ(queued, 3u);
  ASSERT_EQ(launcher_.started.size(), 1u);  // concurrency 1
  ASSERT_OK_AND_ASSIGN(size_t cancelled, scheduler_.Cancel("a"));
  EXPECT_EQ(cancelled, 3u);
  EXPECT_EQ(scheduler_.queued_count(), 0u);
  ASSERT_EQ(launcher_.cancelled.size(), 1u);
  EXPECT_EQ(launcher_.cancelled[0], launcher_.started[0].id);
  EXPECT_EQ(log_.Of(SchedulerEventKind::kCancelled).size(), 2u);  // the two queued
  // The engine stops the run and reports it: the VM's state is unchanged, nothing else starts.
  End("vm1", RunOutcome::kCancelled);
  EXPECT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(scheduler_.VmStatus("a", "vm1")->state, VmState::kNew);
  EXPECT_EQ(log_.Of(SchedulerEventKind::kCancelled).size(), 3u);
  EXPECT_STATUS(scheduler_.Cancel("zz"), StatusCode::kNotFound);
}

TEST_F(SchedulerTest, CancelOneVm) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "0 11 * * *", "UTC", 1), {"vm1", "vm2", "vm3"}));
  ASSERT_OK(scheduler_.RunNow("a"));
  ASSERT_OK_AND_ASSIGN(size_t cancelled, scheduler_.Cancel("a", "vm2"));
  EXPECT_EQ(cancelled, 1u);
  EXPECT_TRUE(launcher_.cancelled.empty());
  End("vm1", RunOutcome::kSuccess);
  ASSERT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(launcher_.started[1].vm_uuid, "vm3");
}

TEST_F(SchedulerTest, RunNowAJobOrOneVm) {
  Job job = MakeJob("a", "daily");
  job.enabled = false;  // run now works on a disabled job
  ASSERT_OK(scheduler_.PutJob(job, {"vm1", "vm2"}));
  EXPECT_EQ(scheduler_.NextWakeupUs(), std::nullopt);
  ASSERT_OK_AND_ASSIGN(size_t queued, scheduler_.RunNow("a", "vm2"));
  EXPECT_EQ(queued, 1u);
  ASSERT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(launcher_.started[0].vm_uuid, "vm2");
  EXPECT_EQ(launcher_.started[0].reason, RunReason::kManual);
  EXPECT_EQ(launcher_.started[0].schedule_id, "a-s1");
  Result<size_t> busy = scheduler_.RunNow("a", "vm2");
  EXPECT_STATUS(busy, StatusCode::kFailedPrecondition);
  EXPECT_EQ(busy.status().message(),
            "VM vm2 is being replicated already (job 'job-a'): wait for that run to end");
  // The whole job: vm2 is busy (skipped, with an event), vm1 runs.
  ASSERT_OK_AND_ASSIGN(queued, scheduler_.RunNow("a"));
  EXPECT_EQ(queued, 1u);
  EXPECT_EQ(launcher_.started.back().vm_uuid, "vm1");
  EXPECT_EQ(log_.Of(SchedulerEventKind::kSkippedBusy).size(), 1u);
  EXPECT_STATUS(scheduler_.RunNow("nope"), StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.RunNow("a", "vm9").status().message(), "VM vm9 is not in job 'job-a'");
}

TEST_F(SchedulerTest, RunNowBypassesTheBackoffOfAVmInError) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "daily"), {"vm1"}));
  ASSERT_OK(scheduler_.RunNow("a"));
  End("vm1", RunOutcome::kFailure, "boom");
  ASSERT_OK_AND_ASSIGN(size_t queued, scheduler_.RunNow("a", "vm1"));
  EXPECT_EQ(queued, 1u);
  EXPECT_EQ(launcher_.started.size(), 2u);
  End("vm1", RunOutcome::kSuccess);
  EXPECT_EQ(scheduler_.VmStatus("a", "vm1")->state, VmState::kOk);
  // The retry planned by the failure is void now: the next wake-up is the daily schedule.
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-08T00:00Z"));
}

TEST_F(SchedulerTest, DisabledJobsAndSchedulesDoNotFire) {
  Job job = MakeJob("a", "*/15");
  job.schedules[0].enabled = false;
  ASSERT_OK(scheduler_.PutJob(job, {"vm1"}));
  EXPECT_EQ(scheduler_.NextWakeupUs(), std::nullopt);
  EXPECT_EQ(scheduler_.VmStatus("a", "vm1")->next_run_us, 0);
  RunUntil("2026-12-08T10:00Z");
  EXPECT_TRUE(launcher_.started.empty());
  job.schedules[0].enabled = true;
  ASSERT_OK(scheduler_.PutJob(job, {"vm1"}));
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-08T10:15Z"));
}

TEST_F(SchedulerTest, EditKeepsUnchangedSchedulesAndForgetsRemovedVms) {
  Job job = MakeJob("a", "0 */6 * * *");
  Schedule second = job.schedules[0];
  second.id = "a-s2";
  second.cron = "mon..fri 22:30";
  second.timezone = "Europe/Paris";
  job.schedules.push_back(second);
  ASSERT_OK(scheduler_.PutJob(job, {"vm1", "vm2"}));
  ASSERT_OK_AND_ASSIGN(auto fires, scheduler_.NextFires("a"));
  EXPECT_EQ(fires["a-s1"], UtcUs("2026-12-07T12:00Z"));
  EXPECT_EQ(fires["a-s2"], UtcUs("2026-12-07T21:30Z"));
  ASSERT_OK(scheduler_.RestoreScheduleFire("a", "a-s1", UtcUs("2026-12-07T09:59Z")));
  // Now edited later: s1's planned time (a catch-up) is kept, s2's text changed: replanned.
  SetNow("2026-12-07T10:30Z");
  job.schedules[1].cron = "sat 02:00";
  ASSERT_OK(scheduler_.PutJob(job, {"vm2"}));
  ASSERT_OK_AND_ASSIGN(fires, scheduler_.NextFires("a"));
  EXPECT_EQ(fires["a-s1"], UtcUs("2026-12-07T12:00Z"));
  EXPECT_EQ(fires["a-s2"], UtcUs("2026-12-12T01:00Z"));
  EXPECT_STATUS(scheduler_.VmStatus("a", "vm1"), StatusCode::kNotFound);
  ASSERT_OK(scheduler_.VmStatus("a", "vm2"));
}

TEST_F(SchedulerTest, BadScheduleIsRefusedAndThePreviousJobStays) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15"), {"vm1"}));
  Status s = scheduler_.PutJob(MakeJob("a", "61 * * * *"), {"vm1"});
  EXPECT_STATUS(s, StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "job 'job-a': schedule 'main': column 1: '61' is out of range 0-59 for minutes");
  EXPECT_STATUS(scheduler_.PutJob(MakeJob("a", "daily", "Mars/Base"), {"vm1"}),
                StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.NextWakeupUs(), UtcUs("2026-12-07T10:15Z"));
}

TEST_F(SchedulerTest, RemovedJobCancelsItsRunsAndStopsFiring) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15", "UTC", 1), {"vm1", "vm2"}));
  RunUntil("2026-12-07T10:15Z");
  ASSERT_EQ(launcher_.started.size(), 1u);
  ASSERT_OK(scheduler_.RemoveJob("a"));
  EXPECT_EQ(launcher_.cancelled.size(), 1u);
  EXPECT_EQ(scheduler_.queued_count(), 0u);
  EXPECT_EQ(scheduler_.NextWakeupUs(), std::nullopt);
  End("vm1", RunOutcome::kCancelled);  // its end still arrives, and is accepted
  EXPECT_EQ(scheduler_.running_count(), 0u);
  EXPECT_STATUS(scheduler_.RemoveJob("a"), StatusCode::kNotFound);
}

TEST_F(SchedulerTest, AnEndReportedTwiceIsRefused) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "daily"), {"vm1"}));
  ASSERT_OK(scheduler_.RunNow("a"));
  const uint64_t id = launcher_.started[0].id;
  ASSERT_OK(scheduler_.OnRunEnded(id, RunOutcome::kSuccess));
  EXPECT_STATUS(scheduler_.OnRunEnded(id, RunOutcome::kSuccess), StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.running_count(), 0u);
}

TEST_F(SchedulerTest, StatusListsEveryVmWithItsNextRun) {
  ASSERT_OK(scheduler_.PutJob(MakeJob("b", "mon..fri 22:30", "Europe/Paris"), {"vm3"}));
  ASSERT_OK(scheduler_.PutJob(MakeJob("a", "*/15"), {"vm2", "vm1"}));
  const std::vector<VmPlanStatus> all = scheduler_.AllVmStatus();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].job_id + "/" + all[0].vm_uuid, "a/vm1");
  EXPECT_EQ(all[1].job_id + "/" + all[1].vm_uuid, "a/vm2");
  EXPECT_EQ(all[2].job_id + "/" + all[2].vm_uuid, "b/vm3");
  EXPECT_EQ(all[0].next_run_us, UtcUs("2026-12-07T10:15Z"));
  EXPECT_EQ(all[2].next_run_us, UtcUs("2026-12-07T21:30Z"));
  EXPECT_EQ(all[2].state, VmState::kNew);
  EXPECT_EQ(all[2].last_success_us, 0);
}

}  // namespace
}  // namespace xcr::jobs
