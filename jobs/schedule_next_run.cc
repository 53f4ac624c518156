// ScheduleExpression::NextAfter: next runs on the wall clock of an IANA time zone.
//
// The time zone's history is a sequence of segments [begin, end) of constant UTC offset
// (date::sys_info). Within a segment, local time is UTC + offset, so the next run in it is the
// first matching local minute between the segment's local start and end. Segments are walked in
// order, which gives the DST rule of schedule_expression.h:
//   - wall clock: a segment shows every local time in its range, including a repeated hour a
//     second time; a gap is simply not shown;
//   - fixed time: local times already shown by the previous segment (a repeated hour) are
//     skipped, and local times that fell in the gap at the segment's start run at its begin.
#include <algorithm>
#include <optional>

#include "jobs/schedule_expression.h"

namespace xcr::jobs {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_seconds;

// The first matching local minute L with from <= L < limit.
std::optional<date::local_seconds> NextLocalSlot(const ScheduleFields& f, date::local_seconds from,
                                                 date::local_seconds limit) {
  const date::local_seconds start = std::chrono::ceil<minutes>(from);
  date::local_days day = std::chrono::floor<days>(start);
  int first_minute = static_cast<int>((start - day) / minutes(1));  // of the day
  while (date::local_seconds(day) < limit) {
    const date::year_month_day ymd(day);
    if (!f.months.test(static_cast<unsigned>(ymd.month()))) {
      const date::year_month next = date::year_month(ymd.year(), ymd.month()) + date::months(1);
      day = date::local_days(next / 1);
      first_minute = 0;
      continue;
    }
    if (f.MatchesDay(ymd)) {
      for (int h = first_minute / 60; h < 24; ++h) {
        if (!f.hours.test(h)) continue;
        for (int m = (h == first_minute / 60 ? first_minute % 60 : 0); m < 60; ++m) {
          if (!f.minutes.test(m)) continue;
          const date::local_seconds slot = day + hours(h) + minutes(m);
          if (slot >= limit) return std::nullopt;
          return slot;
        }
      }
    }
    day += days(1);
    first_minute = 0;
  }
  return std::nullopt;
}

date::local_seconds ToLocal(sys_seconds t, seconds offset) {
  return date::local_seconds((t + offset).time_since_epoch());
}

// 50 years: a weekday on a given date (Monday, February 29) can be 40 years apart.
constexpr int kHorizonDays = 18263;

}  // namespace

Result<sys_seconds> ScheduleExpression::NextAfter(sys_seconds after,
                                                  const date::time_zone& tz) const {
  const sys_seconds horizon = after + days(kHorizonDays);
  // Time zones have no transitions this early; below it "the previous segment" is meaningless.
  const sys_seconds history_start = date::sys_days(date::year(1800) / 1 / 1);
  const bool fixed_time = dst_rule() == DstRule::kFixedTime;
  sys_seconds u = after + seconds(1);
  while (u < horizon) {
    const date::sys_info info = tz.get_info(u);
    const seconds off = info.offset;
    const sys_seconds seg_end = std::min(info.end, horizon);
    date::local_seconds lo = ToLocal(u, off);
    if (fixed_time && info.begin > history_start) {
      const seconds prev_off = tz.get_info(info.begin - seconds(1)).offset;
      if (prev_off > off) {
        // A repeated hour: its first occurrence belonged to the previous segment.
        lo = std::max(lo, ToLocal(info.begin, prev_off));
      } else if (prev_off < off && u == info.begin &&
                 NextLocalSlot(fields_, ToLocal(info.begin, prev_off), ToLocal(info.begin, off))) {
        // A local time that did not exist runs at the first instant after the gap.
        return info.begin;
      }
    }
    if (std::optional<date::local_seconds> slot =
            NextLocalSlot(fields_, lo, ToLocal(seg_end, off))) {
      return sys_seconds(slot->time_since_epoch() - off);
    }
    u = seg_end;
  }
  return Status::FailedPrecondition("schedule '" + text_ + "' has no run in the 50 years after " +
                                    date::format("%FT%TZ", after));
}

}  // namespace xcr::jobs
