// ScheduleFields: the one model every schedule text parses to — the set of minutes, hours, days
// of the month, months and weekdays at which a schedule runs, in local (wall-clock) time.
//
// Both syntaxes (5-field cron and the calendar-event shorthand) fill these sets; the next-run
// computation and the description read only this model, never the text.
//
// Day rule: when both the day of the month and the weekday are restricted (neither selects every
// value), a day matches if EITHER matches (Vixie cron's rule, for cron), or if BOTH match when
// `all_day_fields_must_match` is set (systemd's rule, for a calendar event with weekdays and a
// date: "Sat *-1..7" is the first Saturday of the month). When one of them selects every value,
// only the other one counts.
//
// Thread-safety: a value type.
#ifndef XCR_JOBS_SCHEDULE_FIELDS_H_
#define XCR_JOBS_SCHEDULE_FIELDS_H_

#include <bitset>

#include <date/date.h>

namespace xcr::jobs {

struct ScheduleFields {
  std::bitset<60> minutes;                 // bit m: minute m (0-59)
  std::bitset<24> hours;                   // bit h: hour h (0-23)
  std::bitset<32> days_of_month;           // bit d: day d (1-31); bit 0 is never set
  std::bitset<13> months;                  // bit m: month m (1-12); bit 0 is never set
  std::bitset<7> weekdays;                 // bit w: weekday w, 0 = Sunday ... 6 = Saturday
  bool all_day_fields_must_match = false;  // see "Day rule" above

  // True unless every day 1-31 is selected.
  bool DayOfMonthRestricted() const { return days_of_month.count() != 31; }
  // True unless every weekday is selected.
  bool WeekdayRestricted() const { return weekdays.count() != 7; }
  bool EveryHour() const { return hours.all(); }

  // Whether the local date `ymd` is a day the schedule runs on (month and the day rule above).
  bool MatchesDay(const date::year_month_day& ymd) const;
  // False if no selected day of the month exists in any selected month while the day of the
  // month decides (e.g. February 30): such a schedule would never run.
  bool SomeDayExists() const;

  bool operator==(const ScheduleFields&) const = default;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULE_FIELDS_H_
