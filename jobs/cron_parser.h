// The 5-field cron syntax, as Vixie cron and npm cron-parser read it:
//
//   minute hour day-of-month month day-of-week        e.g. "*/15 * * * *", "30 22 * * mon-fri"
//
// Fields are lists of values, ranges ("1-5"), steps ("*/15", "10-50/20", "5/15" = 5-59/15) and
// "*"; months and weekdays also by name ("jan", "mon", case-insensitive); weekdays 0-7 with 0 and
// 7 both Sunday; "?" is "*" in the two day fields. A sixth leading field (seconds, as cron-parser
// accepts) is allowed only as "0": the minimum interval is one minute. The macros @hourly,
// @daily (= @midnight), @weekly, @monthly and @yearly (= @annually) are accepted.
// Not supported (refused with the reason): "L", "W", "#", @reboot, seconds other than 0.
//
// Thread-safety: pure functions.
#ifndef XCR_JOBS_CRON_PARSER_H_
#define XCR_JOBS_CRON_PARSER_H_

#include <string_view>

#include "base/result.h"
#include "jobs/schedule_fields.h"

namespace xcr::jobs {

// Parses a cron expression. Errors are InvalidArgument "column N: <reason>", e.g.
// "column 1: '61' is out of range 0-59 for minutes".
Result<ScheduleFields> ParseCron(std::string_view text);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_CRON_PARSER_H_
