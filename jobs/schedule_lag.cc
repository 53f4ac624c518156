// Schedule lag (schedule_lag.h): the timetable walks and the ok / late / critical rule.
#include "jobs/schedule_lag.h"

#include <algorithm>
#include <chrono>

namespace xcr::jobs {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;

int64_t FloorSeconds(int64_t us) {
  return us >= 0 ? us / kMicrosPerSecond : -((-us + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

// Windows searched backwards, smallest first, so a frequent schedule is walked over few
// firings and a rare one (a leap day) is still found.
constexpr int64_t kLookBackSeconds[] = {600,        7200,        2 * 86400,      9 * 86400,
                                        32 * 86400, 367 * 86400, 8 * 366 * 86400};

}  // namespace

Result<JobTimetable> JobTimetable::ForJob(const Job& job) {
  JobTimetable t;
  if (!job.enabled) return t;
  for (const Schedule& s : job.schedules) {
    if (!s.enabled) continue;
    XCR_ASSIGN_OR_RETURN(ScheduleExpression e, ScheduleExpression::Parse(s.cron));
    XCR_ASSIGN_OR_RETURN(const date::time_zone* zone, FindTimeZone(s.timezone));
    t.slots_.push_back({std::move(e), zone});
  }
  return t;
}

std::optional<int64_t> JobTimetable::NextAfter(int64_t t_us) const {
  const std::chrono::sys_seconds after{std::chrono::seconds(FloorSeconds(t_us))};
  std::optional<int64_t> best;
  for (const Slot& s : slots_) {
    Result<std::chrono::sys_seconds> next = s.expression.NextAfter(after, *s.zone);
    if (!next.ok()) continue;  // no run within 50 years: nothing to merge
    const int64_t us = next->time_since_epoch().count() * kMicrosPerSecond;
    if (!best || us < *best) best = us;
  }
  return best;
}

std::optional<int64_t> JobTimetable::LatestAtOrBefore(int64_t t_us) const {
  if (slots_.empty()) return std::nullopt;
  const int64_t t = FloorSeconds(t_us) * kMicrosPerSecond;  // firings fall on whole seconds
  for (int64_t window : kLookBackSeconds) {
    std::optional<int64_t> last;
    for (std::optional<int64_t> f = NextAfter(t - window * kMicrosPerSecond); f && *f <= t;
         f = NextAfter(*f)) {
      last = f;
    }
    if (last) return last;
  }
  return std::nullopt;
}

std::string_view LagStateName(LagState state) {
  switch (state) {
    case LagState::kOk:
      return "ok";
    case LagState::kLate:
      return "late";
    case LagState::kCritical:
      return "critical";
    case LagState::kDisabled:
      return "disabled";
  }
  return "ok";
}

ScheduleLag ComputeScheduleLag(const JobTimetable& timetable, const LagInput& in) {
  ScheduleLag out;
  if (timetable.empty()) {
    out.state = LagState::kDisabled;
    return out;
  }
  const int64_t e = in.last_success_us;
  out.grace_us = in.min_grace_us;
  if (e != 0) {
    if (std::optional<int64_t> fired = timetable.LatestAtOrBefore(e)) {
      const std::optional<int64_t> after = timetable.NextAfter(*fired);
      const int64_t cap = std::max(in.min_grace_us, after ? (*after - *fired) / 2 : 0);
      out.grace_us = std::clamp(e - *fired, in.min_grace_us, cap);
    }
  }
  const std::optional<int64_t> due = timetable.LatestAtOrBefore(in.now_us - out.grace_us);
  if (!due) return out;  // nothing expected yet
  out.due_us = *due;
  if (std::optional<int64_t> next = timetable.NextAfter(*due)) out.rpo_us = *next - *due;

  if (e == 0) {
    // Never succeeded: critical once a firing that expected it is due.
    if (in.expected_since_us == 0 || in.expected_since_us > *due) return out;
    out.state = LagState::kCritical;
    out.behind_us = std::max<int64_t>(0, in.now_us - in.expected_since_us);
    return out;
  }
  if (e >= *due) return out;
  const int64_t first_missed = timetable.NextAfter(e).value_or(*due);
  out.state = first_missed < *due ? LagState::kCritical : LagState::kLate;
  out.behind_us = std::max<int64_t>(0, in.now_us - first_missed);
  return out;
}

std::map<std::string, JobLagBasis> JobLagBases(const std::vector<Job>& jobs,
                                               const std::vector<ScheduleFire>& fires) {
  std::map<std::string, JobLagBasis> out;
  std::map<std::string, const Job*> by_id;
  for (const Job& j : jobs) {
    by_id[j.id] = &j;
    Result<JobTimetable> t = JobTimetable::ForJob(j);
    out[j.id].timetable = t.ok() ? std::move(*t) : JobTimetable();
  }
  for (const ScheduleFire& f : fires) {
    auto j = by_id.find(f.job_id);
    if (j == by_id.end() || f.last_fire_us == 0) continue;
    const Schedule* s = j->second->FindSchedule(f.schedule_id);
    if (s == nullptr || !s->enabled) continue;
    int64_t& since = out[f.job_id].expected_since_us;
    if (since == 0 || f.last_fire_us < since) since = f.last_fire_us;
  }
  return out;
}

}  // namespace xcr::jobs
