// The calendar-event shorthand Proxmox users type (pvesr, vzdump), a subset of systemd's calendar
// events (systemd.time(7)) without years, seconds or time zones:
//
//   event    := keyword | [weekdays] [date] [time]                 (at least one of the three)
//   keyword  := minutely | hourly | daily | weekly | monthly | yearly | annually | quarterly |
//               semiannually                                  (as systemd defines them)
//   weekdays := day ((',' day) | ('..' day))*                 "mon..fri", "sat,sun", "Monday"
//   date     := ['*-'] month '-' day                          "*-05", "*-*-01", "12-24", "*-1..7"
//   time     := hours ':' minutes [':' '0' | ':' '00']        "22:30", "8..17,22:0/15", "*:0/10"
//             | minutes                                       "*/15", "0/15", "30/10", "*"
//
// hours, minutes, months and days are lists of "*", values, ranges "a..b" and steps "a/s",
// "a..b/s", "*/s". A time without ':' is minutes of every hour (Proxmox's reading: "*/15" is
// every 15 minutes; systemd itself does not accept it). No time means 00:00. Weekdays and a date
// together must both match (systemd's rule: "Sat *-1..7 15:00" is the first Saturday of the
// month). Weekday ranges may not wrap ("fri..mon" is refused, as systemd does). A year other
// than '*', last days ('~'), dates that never occur, seconds other than 0 and a time zone inside
// the expression are refused with the reason: the time zone is the schedule's own setting.
//
// Thread-safety: pure functions.
#ifndef XCR_JOBS_CALENDAR_EVENT_PARSER_H_
#define XCR_JOBS_CALENDAR_EVENT_PARSER_H_

#include <string_view>

#include "base/result.h"
#include "jobs/schedule_fields.h"

namespace xcr::jobs {

// Parses a calendar event. Errors are InvalidArgument "column N: <reason>".
Result<ScheduleFields> ParseCalendarEvent(std::string_view text);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_CALENDAR_EVENT_PARSER_H_
