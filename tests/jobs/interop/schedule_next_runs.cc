// schedule_next_runs: prints the next runs of a schedule, for the interop tests that compare them
// with references written elsewhere (npm cron-parser, systemd-analyze calendar).
//
//   schedule_next_runs EXPRESSION TIME_ZONE FROM N
//
// FROM is a UTC instant "2026-03-28T12:00Z"; prints N instants "YYYY-MM-DDTHH:MMZ", one a line.
// A schedule or zone that does not parse: its message on stderr, exit 1. Bad usage: exit 2.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <date/date.h>

#include "jobs/schedule_expression.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: schedule_next_runs EXPRESSION TIME_ZONE FROM N\n");
    return 2;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (std::sscanf(argv[3], "%d-%d-%dT%d:%dZ", &y, &mo, &d, &h, &mi) != 5) {
    std::fprintf(stderr, "FROM must look like 2026-03-28T12:00Z\n");
    return 2;
  }
  const int n = std::atoi(argv[4]);
  xcr::Result<xcr::jobs::ScheduleExpression> e = xcr::jobs::ScheduleExpression::Parse(argv[1]);
  if (!e.ok()) {
    std::fprintf(stderr, "%s\n", e.status().message().c_str());
    return 1;
  }
  xcr::Result<const date::time_zone*> tz = xcr::jobs::FindTimeZone(argv[2]);
  if (!tz.ok()) {
    std::fprintf(stderr, "%s\n", tz.status().message().c_str());
    return 1;
  }
  std::chrono::sys_seconds t = std::chrono::sys_seconds(date::sys_days(date::year(y) / mo / d)) +
                               std::chrono::hours(h) + std::chrono::minutes(mi);
  for (int i = 0; i < n; ++i) {
    xcr::Result<std::chrono::sys_seconds> next = e->NextAfter(t, **tz);
    if (!next.ok()) {
      std::fprintf(stderr, "%s\n", next.status().message().c_str());
      return 1;
    }
    t = *next;
    std::printf("%s\n", date::format("%FT%RZ", t).c_str());
  }
  return 0;
}
