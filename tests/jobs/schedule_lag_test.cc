// Schedule lag (jobs/schedule_lag.h) on a fake clock: every 5 minutes, hourly, daily in
// Europe/Paris across both DST changes, two schedules merged, a disabled job, a VM that never
// succeeded.
#include "jobs/schedule_lag.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/jobs/schedule_test_util.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::jobs {
namespace {

using testing::Utc;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

int64_t Us(const std::string& utc) { return Utc(utc).time_since_epoch().count() * kSecond; }

Job JobWith(std::vector<std::pair<std::string, std::string>> schedules) {
  Job j;
  j.id = "aaaaaaaa-0000-4000-8000-000000000001";
  j.name = "lag";
  for (const auto& [cron, zone] : schedules) {
    Schedule s;
    s.cron = cron;
    s.timezone = zone;
    j.schedules.push_back(s);
  }
  return j;
}

JobTimetable Timetable(const Job& job) {
  Result<JobTimetable> t = JobTimetable::ForJob(job);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : JobTimetable();
}

// The lag at the fake clock's time.
class ScheduleLagTest : public ::testing::Test {
 protected:
  ScheduleLag At(const JobTimetable& t, const std::string& now, int64_t last_success_us,
                 int64_t expected_since_us = 0) {
    env_.SetUnixSeconds(Utc(now).time_since_epoch().count());
    LagInput in;
    in.now_us = env_.NowUnixMicros();
    in.last_success_us = last_success_us;
    in.expected_since_us = expected_since_us;
    return ComputeScheduleLag(t, in);
  }
  xcr::testing::FakeClockEnv env_;
};

TEST_F(ScheduleLagTest, EveryFiveMinutesLateAfterOneMissedRunCriticalAfterTwo) {
  const JobTimetable t = Timetable(JobWith({{"*/5 * * * *", "UTC"}}));
  const int64_t e = Us("2026-12-07T12:00:40Z");  // the 12:00 run took 40 s

  ScheduleLag lag = At(t, "2026-12-07T12:09:59Z", e);
  EXPECT_EQ(lag.state, LagState::kOk);
  EXPECT_EQ(lag.grace_us, 5 * kMinute);  // 40 s, raised to the 5 min floor
  EXPECT_EQ(lag.due_us, Us("2026-12-07T12:00Z"));
  EXPECT_EQ(lag.rpo_us, 5 * kMinute);
  EXPECT_EQ(lag.behind_us, 0);

  lag = At(t, "2026-12-07T12:10:00Z", e);  // the 12:05 run's grace passed, no success
  EXPECT_EQ(lag.state, LagState::kLate);
  EXPECT_EQ(lag.due_us, Us("2026-12-07T12:05Z"));
  EXPECT_EQ(lag.behind_us, 5 * kMinute);

  lag = At(t, "2026-12-07T12:15:00Z", e);  // 12:05 and 12:10 missed
  EXPECT_EQ(lag.state, LagState::kCritical);
  EXPECT_EQ(lag.behind_us, 10 * kMinute);

  // The 12:10 run succeeded at 12:11: on schedule again.
  lag = At(t, "2026-12-07T12:15:00Z", Us("2026-12-07T12:11:00Z"));
  EXPECT_EQ(lag.state, LagState::kOk);
}

TEST_F(ScheduleLagTest, HourlyGraceIsTheLastRunsDurationCappedAtHalfThePeriod) {
  const JobTimetable t = Timetable(JobWith({{"0 * * * *", "UTC"}}));
  const int64_t e = Us("2026-12-07T10:20Z");  // the 10:00 run took 20 minutes

  ScheduleLag lag = At(t, "2026-12-07T11:19Z", e);
  EXPECT_EQ(lag.grace_us, 20 * kMinute);
  EXPECT_EQ(lag.state, LagState::kOk);
  EXPECT_EQ(lag.due_us, Us("2026-12-07T10:00Z"));
  EXPECT_EQ(lag.rpo_us, kHour);

  lag = At(t, "2026-12-07T11:20Z", e);
  EXPECT_EQ(lag.state, LagState::kLate);
  EXPECT_EQ(lag.behind_us, 20 * kMinute);

  lag = At(t, "2026-12-07T12:20Z", e);
  EXPECT_EQ(lag.state, LagState::kCritical);

  // A manual run at 10:50 does not make the grace 50 minutes: half the period at most.
  lag = At(t, "2026-12-07T11:31Z", Us("2026-12-07T10:50Z"));
  EXPECT_EQ(lag.grace_us, 30 * kMinute);
  EXPECT_EQ(lag.state, LagState::kLate);
}

TEST_F(ScheduleLagTest, DailyInParisSpringForwardPeriodIs23Hours) {
  // 03:00 Paris: 02:00Z in winter time, 01:00Z from 2026-03-29 (summer time).
  const JobTimetable t = Timetable(JobWith({{"0 3 * * *", "Europe/Paris"}}));
  const int64_t e = Us("2026-03-28T02:10Z");  // 10 minutes after the firing

  ScheduleLag lag = At(t, "2026-03-29T01:09Z", e);
  EXPECT_EQ(lag.state, LagState::kOk);
  EXPECT_EQ(lag.grace_us, 10 * kMinute);
  EXPECT_EQ(lag.due_us, Us("2026-03-28T02:00Z"));
  EXPECT_EQ(lag.rpo_us, 23 * kHour);

  lag = At(t, "2026-03-29T01:10Z", e);
  EXPECT_EQ(lag.state, LagState::kLate);
  EXPECT_EQ(lag.due_us, Us("2026-03-29T01:00Z"));
  EXPECT_EQ(lag.behind_us, 10 * kMinute);

  lag = At(t, "2026-03-30T01:10Z", e);
  EXPECT_EQ(lag.state, LagState::kCritical);
  EXPECT_EQ(lag.behind_us, 24 * kHour + 10 * kMinute);
}

TEST_F(ScheduleLagTest, DailyInParisFallBackPeriodIs25Hours) {
  // 03:00 Paris: 01:00Z on 2026-10-24 (summer time), 02:00Z on 2026-10-25 (winter time).
  const JobTimetable t = Timetable(JobWith({{"0 3 * * *", "Europe/Paris"}}));
  const int64_t e = Us("2026-10-24T01:10Z");

  // 24 h 20 min after the last success: a fixed 24 h period would call this late.
  ScheduleLag lag = At(t, "2026-10-25T01:30Z", e);
  EXPECT_EQ(lag.state, LagState::kOk);
  EXPECT_EQ(lag.due_us, Us("2026-10-24T01:00Z"));
  EXPECT_EQ(lag.rpo_us, 25 * kHour);

  lag = At(t, "2026-10-25T02:10Z", e);
  EXPECT_EQ(lag.state, LagState::kLate);
  EXPECT_EQ(lag.due_us, Us("2026-10-25T02:00Z"));
}

TEST_F(ScheduleLagTest, SchedulesOfAJobAreMerged) {
  const JobTimetable t = Timetable(JobWith({{"0 2 * * *", "UTC"}, {"0 14 * * *", "UTC"}}));
  ScheduleLag lag = At(t, "2026-12-07T15:00Z", Us("2026-12-07T02:30Z"));
  EXPECT_EQ(lag.state, LagState::kLate);  // the 14:00 run is missing
  EXPECT_EQ(lag.due_us, Us("2026-12-07T14:00Z"));
  EXPECT_EQ(lag.rpo_us, 12 * kHour);
}

TEST_F(ScheduleLagTest, DisabledJobOrScheduleExpectsNothing) {
  Job job = JobWith({{"*/5 * * * *", "UTC"}});
  job.enabled = false;
  ScheduleLag lag = At(Timetable(job), "2026-12-07T12:00Z", Us("2026-12-01T00:00Z"));
  EXPECT_EQ(lag.state, LagState::kDisabled);
  EXPECT_EQ(LagStateName(lag.state), "disabled");
  EXPECT_EQ(lag.due_us, 0);

  job.enabled = true;
  job.schedules[0].enabled = false;
  EXPECT_TRUE(Timetable(job).empty());
  EXPECT_EQ(At(Timetable(job), "2026-12-07T12:00Z", 0).state, LagState::kDisabled);
}

TEST_F(ScheduleLagTest, NeverSucceededIsCriticalOnceItsFirstExpectedFiringIsDue) {
  const JobTimetable t = Timetable(JobWith({{"0 * * * *", "UTC"}}));
  // No firing yet: waiting for its first run.
  ScheduleLag lag = At(t, "2026-12-07T12:30Z", 0, 0);
  EXPECT_EQ(lag.state, LagState::kOk);
  EXPECT_EQ(lag.behind_us, 0);

  const int64_t fired = Us("2026-12-07T13:00Z");
  EXPECT_EQ(At(t, "2026-12-07T13:04Z", 0, fired).state, LagState::kOk);  // within the grace
  lag = At(t, "2026-12-07T13:05Z", 0, fired);
  EXPECT_EQ(lag.state, LagState::kCritical);
  EXPECT_EQ(lag.behind_us, 5 * kMinute);
  EXPECT_EQ(LagStateName(lag.state), "critical");
}

TEST_F(ScheduleLagTest, RareScheduleIsFoundBackwards) {
  const JobTimetable t = Timetable(JobWith({{"0 0 29 2 *", "UTC"}}));
  EXPECT_EQ(t.LatestAtOrBefore(Us("2026-12-07T12:00Z")), Us("2024-02-29T00:00Z"));
  EXPECT_EQ(t.LatestAtOrBefore(Us("2024-02-29T00:00Z")), Us("2024-02-29T00:00Z"));
  EXPECT_EQ(t.NextAfter(Us("2024-02-29T00:00Z")), Us("2028-02-29T00:00Z"));
}

TEST_F(ScheduleLagTest, InvalidScheduleIsRefused) {
  EXPECT_FALSE(JobTimetable::ForJob(JobWith({{"61 * * * *", "UTC"}})).ok());
  EXPECT_FALSE(JobTimetable::ForJob(JobWith({{"* * * * *", "Mars/Base"}})).ok());
}

}  // namespace
}  // namespace xcr::jobs
