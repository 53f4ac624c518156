// libFuzzer target for both schedule parsers (jobs/cron_parser.h, jobs/calendar_event_parser.h)
// and the next-run computation behind them (jobs/schedule_expression.h).
//
// Beyond "no crash, no sanitizer report", for any input:
//  - a refusal is InvalidArgument with a message;
//  - a schedule that parses selects at least one minute, hour, day and month, describes itself
//    in a non-empty text, and has next runs in UTC and in Europe/Paris that are strictly
//    increasing, on a whole minute, and within the 50-year horizon (Parse refuses schedules
//    that would never run).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jobs/calendar_event_parser.h"
#include "jobs/cron_parser.h"
#include "jobs/schedule_expression.h"

namespace xcr::jobs {
namespace {

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "schedule_fuzz: %s for '%.*s': %s\n", what, static_cast<int>(input.size()),
               input.data(), detail.c_str());
  std::abort();
}

void CheckRefusal(const Status& s, std::string_view input) {
  if (s.ok() || s.code() != StatusCode::kInvalidArgument || s.message().empty()) {
    Fail("refusal is not InvalidArgument with a message", input, s.ToString());
  }
}

void CheckRuns(const ScheduleExpression& e, const date::time_zone& tz, std::string_view input) {
  // A leap day (Feb 29 schedules) just behind, and a DST transition in Paris ahead.
  std::chrono::sys_seconds t = date::sys_days(date::year(2028) / 3 / 1);
  for (int i = 0; i < 4; ++i) {
    Result<std::chrono::sys_seconds> next = e.NextAfter(t, tz);
    if (!next.ok()) Fail("no next run", input, next.status().ToString());
    if (*next <= t) Fail("next run not after the previous one", input, tz.name());
    if (next->time_since_epoch().count() % 60 != 0) Fail("run not on a minute", input, tz.name());
    t = *next;
  }
}

void FuzzOne(std::string_view input) {
  for (auto parse : {&ParseCron, &ParseCalendarEvent}) {
    Result<ScheduleFields> f = parse(input);
    if (!f.ok()) {
      CheckRefusal(f.status(), input);
    } else if (f->minutes.none() || f->hours.none() || f->months.none() ||
               (f->days_of_month.none() && f->weekdays.none())) {
      Fail("a parsed schedule selects nothing", input, "");
    }
  }
  Result<ScheduleExpression> e = ScheduleExpression::Parse(input);
  if (!e.ok()) {
    CheckRefusal(e.status(), input);
    return;
  }
  if (e->Describe().empty()) Fail("empty description", input, "");
  static const date::time_zone* utc = *FindTimeZone("UTC");
  static const date::time_zone* paris = *FindTimeZone("Europe/Paris");
  CheckRuns(*e, *utc, input);
  CheckRuns(*e, *paris, input);
}

}  // namespace
}  // namespace xcr::jobs

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;
  xcr::jobs::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
