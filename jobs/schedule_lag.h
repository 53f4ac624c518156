// Schedule lag: whether a VM's recovery point (its last success) is as new as its job's
// schedules promise, for `xcr status`, GET /api/status, /metrics and the dashboard's colours
// (docs/schedules.md "Lag against the schedule").
//
//   JobTimetable      the merged firing times of a job's enabled schedules, each in its zone,
//                     walked forwards (NextAfter) and backwards (LatestAtOrBefore).
//   ComputeScheduleLag  one VM: ok / late / critical against the timetable at `now`.
//
// The rule, with E the last success (the end of the VM's last successful run) and now read
// from the Env clock by the caller:
//   grace   a run's normal duration: E minus the firing at or before E (how long the last
//           successful run took after its firing, its queueing included), at least
//           `min_grace_us` (5 min) and otherwise at most half the period it ran in (so a manual
//           run long after a firing does not stretch it); `min_grace_us` without a success.
//   due     the latest firing at or before now - grace: the recovery point is on schedule when
//           it is at least this new. rpo = the firing after `due` minus `due` (the schedule's
//           period at that point: 23 h or 25 h for a daily run across a DST change).
//   ok        E >= due, or nothing is due yet (no firing before now - grace);
//   late      E < due and `due` is the first firing after E: one expected run missed;
//   critical  two or more expected runs missed (a firing after E before `due`), or the VM never
//             succeeded although a firing that expected it (`expected_since_us`) is due;
//   disabled  the job is disabled or has no enabled schedule: nothing is expected.
//   behind  0 when ok; else now minus the first firing the recovery point missed.
//
// Thread-safety: JobTimetable is immutable after ForJob; the functions are pure.
#ifndef XCR_JOBS_SCHEDULE_LAG_H_
#define XCR_JOBS_SCHEDULE_LAG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "jobs/job.h"
#include "jobs/schedule_expression.h"
#include "jobs/store_records.h"

namespace xcr::jobs {

class JobTimetable {
 public:
  // The job's enabled schedules, none if the job is disabled. InvalidArgument / NotFound as
  // ValidateSchedule for a schedule that does not parse or an unknown time zone.
  static Result<JobTimetable> ForJob(const Job& job);

  // True when nothing fires (a disabled job, or every schedule disabled).
  bool empty() const { return slots_.empty(); }
  // The first firing strictly after t_us (microseconds since the epoch); nullopt if none.
  std::optional<int64_t> NextAfter(int64_t t_us) const;
  // The latest firing at or before t_us; nullopt if none in the 8 years before it.
  std::optional<int64_t> LatestAtOrBefore(int64_t t_us) const;

 private:
  struct Slot {
    ScheduleExpression expression;
    const date::time_zone* zone;
  };
  std::vector<Slot> slots_;
};

enum class LagState { kOk, kLate, kCritical, kDisabled };
// "ok", "late", "critical", "disabled" (the API's `lag_state`).
std::string_view LagStateName(LagState state);

inline constexpr int64_t kDefaultMinLagGraceUs = int64_t{5} * 60 * 1000000;

struct LagInput {
  int64_t now_us = 0;           // the Env's NowUnixMicros()
  int64_t last_success_us = 0;  // 0 = never succeeded
  // For a VM that never succeeded: the earliest firing that expected it (the daemon gives the
  // earliest recorded last firing of the job's schedules); 0 = no firing yet.
  int64_t expected_since_us = 0;
  int64_t min_grace_us = kDefaultMinLagGraceUs;
};

struct ScheduleLag {
  LagState state = LagState::kOk;
  int64_t due_us = 0;     // the latest firing whose grace passed; 0 = none (or disabled)
  int64_t rpo_us = 0;     // the period after `due`: the firing after it minus it; 0 = none
  int64_t grace_us = 0;   // the grace used
  int64_t behind_us = 0;  // late/critical: now minus the first firing missed; else 0
};

ScheduleLag ComputeScheduleLag(const JobTimetable& timetable, const LagInput& input);

// What the lag of a job's VMs is measured against: its timetable, and the earliest recorded
// last firing of its enabled schedules (LagInput::expected_since_us).
struct JobLagBasis {
  JobTimetable timetable;
  int64_t expected_since_us = 0;
};
// One basis per job, by id, from the stored jobs and Store::ListScheduleFires. A job whose
// schedule no longer parses (stored jobs are validated) gets an empty timetable ("disabled").
std::map<std::string, JobLagBasis> JobLagBases(const std::vector<Job>& jobs,
                                               const std::vector<ScheduleFire>& fires);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULE_LAG_H_
