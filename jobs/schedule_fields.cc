#include "jobs/schedule_fields.h"

namespace xcr::jobs {

bool ScheduleFields::MatchesDay(const date::year_month_day& ymd) const {
  if (!months.test(static_cast<unsigned>(ymd.month()))) return false;
  const bool dom = days_of_month.test(static_cast<unsigned>(ymd.day()));
  const bool dow = weekdays.test(date::weekday(date::sys_days(ymd)).c_encoding());
  const bool dom_restricted = DayOfMonthRestricted();
  const bool dow_restricted = WeekdayRestricted();
  if (dom_restricted && dow_restricted) return dom || dow;
  if (dom_restricted) return dom;
  if (dow_restricted) return dow;
  return true;
}

}  // namespace xcr::jobs
