// Helpers for the schedule tests: UTC instants written as "2026-03-29T01:00Z", and the next n
// runs of an expression in a time zone.
#ifndef XCR_TESTS_JOBS_SCHEDULE_TEST_UTIL_H_
#define XCR_TESTS_JOBS_SCHEDULE_TEST_UTIL_H_

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <date/date.h>
#include <gtest/gtest.h>

#include "jobs/schedule_expression.h"

namespace xcr::jobs::testing {

// "2026-03-29T01:00Z" (or with seconds) -> instant.
inline std::chrono::sys_seconds Utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  const int n = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &sec);
  EXPECT_GE(n, 5) << "bad instant in a test: " << text;
  return std::chrono::sys_seconds(date::sys_days(date::year(y) / mo / d)) + std::chrono::hours(h) +
         std::chrono::minutes(mi) + std::chrono::seconds(sec);
}

inline std::string UtcText(std::chrono::sys_seconds t) { return date::format("%FT%RZ", t); }

// The next n runs after `start` (UTC text), as UTC texts; a failure is returned as its message.
inline std::vector<std::string> NextRuns(const std::string& expression, const std::string& zone,
                                         const std::string& start, int n) {
  std::vector<std::string> out;
  Result<ScheduleExpression> e = ScheduleExpression::Parse(expression);
  if (!e.ok()) return {"parse error: " + e.status().message()};
  Result<const date::time_zone*> tz = FindTimeZone(zone);
  if (!tz.ok()) return {"zone error: " + tz.status().message()};
  std::chrono::sys_seconds t = Utc(start);
  for (int i = 0; i < n; ++i) {
    Result<std::chrono::sys_seconds> next = e->NextAfter(t, **tz);
    if (!next.ok()) {
      out.push_back("error: " + next.status().message());
      break;
    }
    t = *next;
    out.push_back(UtcText(t));
  }
  return out;
}

// The error message of parsing `expression`, or "parsed" if it parsed.
inline std::string ParseError(const std::string& expression) {
  Result<ScheduleExpression> e = ScheduleExpression::Parse(expression);
  return e.ok() ? "parsed" : e.status().message();
}

}  // namespace xcr::jobs::testing

#endif  // XCR_TESTS_JOBS_SCHEDULE_TEST_UTIL_H_
