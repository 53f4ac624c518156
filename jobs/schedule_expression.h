// ScheduleExpression: a job's schedule text parsed into one model (ScheduleFields), shown back as
// what it means, and asked for its next run time in an IANA time zone.
//
// Two syntaxes are accepted and parse to the same model (docs/schedules.md):
//   - 5-field cron: "*/15 * * * *", "30 22 * * mon-fri", "0 0 29 2 *"   (cron_parser.h)
//   - the calendar-event shorthand: "*/15", "mon..fri 22:30", "sat 02:00", "daily"
//                                                                       (calendar_event_parser.h)
// A text of 4 or more whitespace-separated fields, or starting with '@', is cron; anything else
// is a calendar event (2 or 3 fields without ':' that are no calendar event get cron's message).
//
// Next runs (NextAfter) are computed on the wall clock of the time zone, with this DST rule:
//   - fixed-time schedules (those that do not run in every hour of the day, e.g. "30 2 * * *"):
//     a local time that does not exist (02:30 on a spring-forward day) runs once, at the first
//     instant after the gap (03:00 new time); a local time that happens twice (02:30 on a
//     fall-back day) runs once, at its first occurrence.
//   - hourly-or-more-often schedules (every hour selected, e.g. "*/15", "0 * * * *"): run on the
//     wall-clock slots as they occur: slots inside a gap do not occur (the next slot after it
//     does), and slots in a repeated hour occur, and run, in both passes.
// So no run is skipped or doubled across a transition: a daily 02:30 runs exactly once each day.
//
// Thread-safety: immutable after Parse; const methods may be called concurrently.
#ifndef XCR_JOBS_SCHEDULE_EXPRESSION_H_
#define XCR_JOBS_SCHEDULE_EXPRESSION_H_

#include <chrono>
#include <string>
#include <string_view>

#include <date/tz.h>

#include "base/result.h"
#include "base/status.h"
#include "jobs/schedule_fields.h"

namespace xcr::jobs {

enum class ScheduleSyntax { kCron, kCalendarEvent };

// How a schedule behaves across a DST transition (see the header comment).
enum class DstRule { kFixedTime, kWallClock };

class ScheduleExpression {
 public:
  // Parses `text` (cron or calendar event). Errors are InvalidArgument naming the column and the
  // reason, e.g. "column 1: '61' is out of range 0-59 for minutes".
  static Result<ScheduleExpression> Parse(std::string_view text);

  const std::string& text() const { return text_; }
  ScheduleSyntax syntax() const { return syntax_; }
  const ScheduleFields& fields() const { return fields_; }
  DstRule dst_rule() const {
    return fields_.EveryHour() ? DstRule::kWallClock : DstRule::kFixedTime;
  }

  // What the schedule means in English, e.g. "every 15 minutes", "at 22:30 on Monday through
  // Friday", "at 00:00 on day 29 of the month in February".
  std::string Describe() const;

  // The first run strictly after `after`, in time zone `tz`, following the DST rule above.
  // Fails (kFailedPrecondition) only if there is no run within 50 years, which Parse prevents.
  Result<std::chrono::sys_seconds> NextAfter(std::chrono::sys_seconds after,
                                             const date::time_zone& tz) const;

 private:
  ScheduleExpression(std::string text, ScheduleSyntax syntax, ScheduleFields fields)
      : text_(std::move(text)), syntax_(syntax), fields_(fields) {}

  std::string text_;
  ScheduleSyntax syntax_;
  ScheduleFields fields_;
};

// The IANA time zone named `name` (e.g. "Europe/Paris", "UTC") from the system's tz database.
// NotFound "unknown time zone 'X' (an IANA name such as Europe/Paris)" if there is none.
Result<const date::time_zone*> FindTimeZone(std::string_view name);

// Checks a schedule and its time zone together, as a job's validation does. The message names
// what is wrong: "schedule '61 * * * *': column 1: ...", "unknown time zone 'Mars/Base'".
Status ValidateSchedule(std::string_view text, std::string_view time_zone);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULE_EXPRESSION_H_
