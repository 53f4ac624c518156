#include "jobs/schedule_fields.h"

namespace xcr::jobs {

bool ScheduleFields::MatchesDay(const date::year_month_day& ymd) const {
  if (!months.test(static_cast<unsigned>(ymd.month()))) return false;
  const bool dom = days_of_month.test(static_cast<unsigned>(ymd.day()));
  const bool dow = weekdays.test(date::weekday(date::sys_days(ymd)).c_encoding());
  const bool dom_restricted = DayOfMonthRestricted();
  const bool dow_restricted = WeekdayRestricted();
  if (dom_restricted && dow_restricted) {
    return all_day_fields_must_match ? (dom && dow) : (dom || dow);
  }
  if (dom_restricted) return dom;
  if (dow_restricted) return dow;
  return true;
}

bool ScheduleFields::SomeDayExists() const {
  if (!DayOfMonthRestricted()) return true;
  // With either rule, a weekday alone can make the day.
  if (WeekdayRestricted() && !all_day_fields_must_match) return true;
  // Every (month, day) pair falls on every weekday within a few decades, Feb 29 included.
  constexpr int kMaxDays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    if (!months.test(m)) continue;
    for (int d = 1; d <= kMaxDays[m]; ++d) {
      if (days_of_month.test(d)) return true;
    }
  }
  return false;
}

}  // namespace xcr::jobs
