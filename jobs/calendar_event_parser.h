// The calendar-event shorthand Proxmox users type (pvesr, vzdump), a subset of systemd's calendar
// events (systemd.time(7)) without dates, seconds or time zones:
//
//   event    := keyword | weekdays | [weekdays] time
//   keyword  := minutely | hourly | daily | weekly | monthly | yearly | annually | quarterly |
//               semiannually                                  (as systemd defines them)
//   weekdays := day ((',' day) | ('..' day))*                 "mon..fri", "sat,sun", "Monday"
//   time     := hours ':' minutes [':' '0' | ':' '00']        "22:30", "8..17,22:0/15", "*:0/10"
//             | minutes                                       "*/15", "0/15", "30/10", "*"
//
// hours and minutes are lists of "*", values, ranges "a..b" and steps "a/s", "a..b/s", "*/s".
// A time without ':' is minutes of every hour (Proxmox's reading: "*/15" is every 15 minutes;
// systemd itself does not accept it). Weekdays alone mean 00:00 on those days. Weekday ranges
// may not wrap ("fri..mon" is refused, as systemd does). Dates ("*-*-01", "2026-12-24"), seconds
// other than 0 and a time zone inside the expression are refused with the reason: the time zone
// is the schedule's own setting.
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
