#include "jobs/schedule_expression.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/jobs/schedule_test_util.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::jobs {
namespace {

using testing::NextRuns;
using testing::ParseError;
using testing::Utc;
using Runs = std::vector<std::string>;

std::string Describe(const std::string& text) {
  Result<ScheduleExpression> e = ScheduleExpression::Parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status().ToString();
  return e.ok() ? e->Describe() : "";
}

TEST(ScheduleExpression, SyntaxIsChosenByTheShapeOfTheText) {
  ASSERT_OK_AND_ASSIGN(ScheduleExpression cron, ScheduleExpression::Parse(" 30 22 * * 1-5 "));
  EXPECT_EQ(cron.syntax(), ScheduleSyntax::kCron);
  EXPECT_EQ(cron.text(), "30 22 * * 1-5");
  ASSERT_OK_AND_ASSIGN(ScheduleExpression macro, ScheduleExpression::Parse("@daily"));
  EXPECT_EQ(macro.syntax(), ScheduleSyntax::kCron);
  ASSERT_OK_AND_ASSIGN(ScheduleExpression cal, ScheduleExpression::Parse("mon..fri 22:30"));
  EXPECT_EQ(cal.syntax(), ScheduleSyntax::kCalendarEvent);
  EXPECT_EQ(cal.fields(), cron.fields());
  EXPECT_EQ(ParseError(""),
            "the schedule is empty: write a cron expression such as '30 22 * * mon-fri' or a "
            "calendar event such as 'mon..fri 22:30'");
  EXPECT_EQ(ParseError("61 * * * *"), "column 1: '61' is out of range 0-59 for minutes");
  EXPECT_EQ(ParseError("0 0 * *").substr(0, 30), "a cron expression has 5 fields");
  // Two or three fields without a ':' read as a cron expression cut short.
  EXPECT_EQ(ParseError("0 0 *"),
            "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this "
            "one has 3");
  EXPECT_EQ(ParseError("*/5 *").substr(0, 30), "a cron expression has 5 fields");
  EXPECT_EQ(ParseError("mon 8:00 9:00").substr(0, 33), "column 10: unexpected '9:00': a c");
  EXPECT_EQ(ParseError(std::string(2000, '*')), "the schedule is longer than 1024 bytes");
}

TEST(ScheduleExpression, DstRuleFollowsTheHours) {
  ASSERT_OK_AND_ASSIGN(ScheduleExpression every, ScheduleExpression::Parse("*/15"));
  EXPECT_EQ(every.dst_rule(), DstRule::kWallClock);
  ASSERT_OK_AND_ASSIGN(ScheduleExpression fixed, ScheduleExpression::Parse("30 2 * * *"));
  EXPECT_EQ(fixed.dst_rule(), DstRule::kFixedTime);
}

TEST(ScheduleExpression, DescribesWhatItMeans) {
  EXPECT_EQ(Describe("*/15"), "every 15 minutes");
  EXPECT_EQ(Describe("*/15 * * * *"), "every 15 minutes");
  EXPECT_EQ(Describe("mon..fri 22:30"), "at 22:30 on Monday through Friday");
  EXPECT_EQ(Describe("30 22 * * mon-fri"), "at 22:30 on Monday through Friday");
  EXPECT_EQ(Describe("sat 02:00"), "at 02:00 on Saturday");
  EXPECT_EQ(Describe("0 0 29 2 *"), "at 00:00 on day 29 of the month in February");
  EXPECT_EQ(Describe("0 8 1,15 * mon"), "at 08:00 on days 1 and 15 of the month or on Monday");
  EXPECT_EQ(Describe("* * * * *"), "every minute");
  EXPECT_EQ(Describe("hourly"), "every hour");
  EXPECT_EQ(Describe("30 * * * *"), "every hour at minute 30");
  EXPECT_EQ(Describe("5,35 * * * *"), "every hour at minutes 5 and 35");
  EXPECT_EQ(Describe("*/7 * * * *"), "every hour at minutes 0, 7, 14, 21, 28, 35, 42, 49 and 56");
  EXPECT_EQ(Describe("mon..fri 8..17,22:0/15"),
            "every 15 minutes during hours 8 through 17 and 22 on Monday through Friday");
  EXPECT_EQ(Describe("0 8,12,17 * * sat,sun"), "at 08:00, 12:00 and 17:00 on Saturday and Sunday");
  EXPECT_EQ(Describe("0 0 * * 5-7"), "at 00:00 on Friday through Sunday");
  EXPECT_EQ(Describe("0 0 1 1-3 *"), "at 00:00 on day 1 of the month in January through March");
  EXPECT_EQ(Describe("weekly"), "at 00:00 on Monday");
  EXPECT_EQ(Describe("daily"), "at 00:00");
  EXPECT_EQ(Describe("Sat *-1..7 15:00"),
            "at 15:00 on days 1 through 7 of the month that are a Saturday");
  EXPECT_EQ(Describe("*-12-24 18:00"), "at 18:00 on day 24 of the month in December");
  EXPECT_EQ(Describe("* 3 * * *"), "every minute during hour 3");
  EXPECT_EQ(Describe("5,25 12-13 * * *"), "at 12:05, 12:25, 13:05 and 13:25");
  EXPECT_EQ(Describe("5,25,45 9-17 * * *"), "at minutes 5, 25 and 45 during hours 9 through 17");
}

TEST(ScheduleTimeZone, KnownAndUnknownZones) {
  ASSERT_OK_AND_ASSIGN(const date::time_zone* paris, FindTimeZone("Europe/Paris"));
  EXPECT_EQ(paris->name(), "Europe/Paris");
  ASSERT_OK(FindTimeZone("UTC"));
  EXPECT_STATUS(FindTimeZone("Mars/Olympus"), StatusCode::kNotFound);
  EXPECT_EQ(FindTimeZone("Mars/Olympus").status().message(),
            "unknown time zone 'Mars/Olympus' (an IANA name such as Europe/Paris or UTC)");
  EXPECT_STATUS(FindTimeZone(""), StatusCode::kInvalidArgument);
}

TEST(ScheduleTimeZone, ValidateScheduleNamesWhatIsWrong) {
  EXPECT_OK(ValidateSchedule("*/15", "Europe/Paris"));
  EXPECT_EQ(ValidateSchedule("61 * * * *", "UTC").message(),
            "schedule '61 * * * *': column 1: '61' is out of range 0-59 for minutes");
  EXPECT_EQ(ValidateSchedule("daily", "Europe/Pariss").message(),
            "unknown time zone 'Europe/Pariss' (an IANA name such as Europe/Paris or UTC)");
}

TEST(ScheduleNextRun, StrictlyAfterTheGivenInstant) {
  EXPECT_EQ(NextRuns("*/15", "UTC", "2026-12-07T10:00Z", 3),
            (Runs{"2026-12-07T10:15Z", "2026-12-07T10:30Z", "2026-12-07T10:45Z"}));
  EXPECT_EQ(NextRuns("*/15", "UTC", "2026-12-07T10:14:59Z", 1), (Runs{"2026-12-07T10:15Z"}));
  EXPECT_EQ(NextRuns("* * * * *", "UTC", "2026-12-31T23:59Z", 2),
            (Runs{"2027-01-01T00:00Z", "2027-01-01T00:01Z"}));
}

TEST(ScheduleNextRun, WeekdaysInTheLocalZone) {
  // 2026-12-04 is a Friday. 22:30 in Paris is 21:30 UTC in winter.
  EXPECT_EQ(NextRuns("mon..fri 22:30", "Europe/Paris", "2026-12-04T12:00Z", 3),
            (Runs{"2026-12-04T21:30Z", "2026-12-07T21:30Z", "2026-12-08T21:30Z"}));
  // Saturday 00:30 in Tokyo is Friday 15:30 UTC.
  EXPECT_EQ(NextRuns("30 0 * * sat", "Asia/Tokyo", "2026-12-01T00:00Z", 2),
            (Runs{"2026-12-04T15:30Z", "2026-12-11T15:30Z"}));
}

TEST(ScheduleNextRun, FebruaryTwentyNinthOnlyInLeapYears) {
  EXPECT_EQ(NextRuns("0 0 29 2 *", "UTC", "2026-01-01T00:00Z", 3),
            (Runs{"2028-02-29T00:00Z", "2032-02-29T00:00Z", "2036-02-29T00:00Z"}));
  // 2100 is not a leap year: eight years from 2096 to 2104.
  EXPECT_EQ(NextRuns("0 0 29 2 *", "UTC", "2096-03-01T00:00Z", 1), (Runs{"2104-02-29T00:00Z"}));
  EXPECT_EQ(NextRuns("0 12 29 feb *", "Europe/Paris", "2028-02-28T12:00Z", 1),
            (Runs{"2028-02-29T11:00Z"}));
}

TEST(ScheduleNextRun, FirstSaturdayOfTheMonth) {
  EXPECT_EQ(
      NextRuns("Sat *-1..7 15:00", "Europe/Paris", "2026-10-01T00:00Z", 4),
      (Runs{"2026-10-03T13:00Z", "2026-11-07T14:00Z", "2026-12-05T14:00Z", "2027-01-02T14:00Z"}));
  // A weekday on a leap day: Monday, February 29 comes in 2044.
  EXPECT_EQ(NextRuns("mon *-02-29 12:00", "UTC", "2026-01-01T00:00Z", 1),
            (Runs{"2044-02-29T12:00Z"}));
}

TEST(ScheduleNextRun, MonthEnds) {
  EXPECT_EQ(NextRuns("0 12 31 * *", "UTC", "2026-01-31T12:00Z", 6),
            (Runs{"2026-03-31T12:00Z", "2026-05-31T12:00Z", "2026-07-31T12:00Z",
                  "2026-08-31T12:00Z", "2026-10-31T12:00Z", "2026-12-31T12:00Z"}));
  EXPECT_EQ(NextRuns("0 0 30 * *", "UTC", "2026-01-30T00:00Z", 2),
            (Runs{"2026-03-30T00:00Z", "2026-04-30T00:00Z"}));
  EXPECT_EQ(NextRuns("monthly", "America/New_York", "2026-12-01T05:00Z", 2),
            (Runs{"2027-01-01T05:00Z", "2027-02-01T05:00Z"}));
}

TEST(ScheduleNextRun, EitherDayRuleWhenBothDayFieldsAreRestricted) {
  // The 13th or any Friday; 2026-11-01 is a Sunday.
  EXPECT_EQ(
      NextRuns("0 0 13 * 5", "UTC", "2026-11-01T00:00Z", 7),
      (Runs{"2026-11-06T00:00Z", "2026-11-13T00:00Z", "2026-11-20T00:00Z", "2026-11-27T00:00Z",
            "2026-12-04T00:00Z", "2026-12-11T00:00Z", "2026-12-13T00:00Z"}));
}

// Europe/Paris 2026: spring forward on March 29 at 01:00 UTC (02:00 CET -> 03:00 CEST), fall
// back on October 25 at 01:00 UTC (03:00 CEST -> 02:00 CET).
TEST(ScheduleNextRunDst, ParisFixedTimeInTheGapRunsOnceAtTheEndOfTheGap) {
  EXPECT_EQ(NextRuns("30 2 * * *", "Europe/Paris", "2026-03-28T12:00Z", 3),
            (Runs{"2026-03-29T01:00Z", "2026-03-30T00:30Z", "2026-03-31T00:30Z"}));
  EXPECT_EQ(NextRuns("*/20 2 * * *", "Europe/Paris", "2026-03-28T12:00Z", 2),
            (Runs{"2026-03-29T01:00Z", "2026-03-30T00:00Z"}));
  // A time just before the gap and one just after are not affected.
  EXPECT_EQ(NextRuns("59 1 * * *", "Europe/Paris", "2026-03-28T12:00Z", 1),
            (Runs{"2026-03-29T00:59Z"}));
  EXPECT_EQ(NextRuns("0 3 * * *", "Europe/Paris", "2026-03-28T12:00Z", 1),
            (Runs{"2026-03-29T01:00Z"}));
}

TEST(ScheduleNextRunDst, ParisFixedTimeThatHappensTwiceRunsOnceAtTheFirst) {
  EXPECT_EQ(NextRuns("30 2 * * *", "Europe/Paris", "2026-10-24T12:00Z", 2),
            (Runs{"2026-10-25T00:30Z", "2026-10-26T01:30Z"}));
  // Asked from inside the second pass of 02:xx, the first occurrence is over: next day.
  EXPECT_EQ(NextRuns("45 2 * * *", "Europe/Paris", "2026-10-25T01:10Z", 1),
            (Runs{"2026-10-26T01:45Z"}));
}

TEST(ScheduleNextRunDst, ParisEveryFifteenMinutesFollowsTheWallClock) {
  // Fall back: 02:00-02:45 occur twice and run twice (every 15 real minutes throughout).
  EXPECT_EQ(NextRuns("*/15", "Europe/Paris", "2026-10-24T23:50Z", 9),
            (Runs{"2026-10-25T00:00Z", "2026-10-25T00:15Z", "2026-10-25T00:30Z",
                  "2026-10-25T00:45Z", "2026-10-25T01:00Z", "2026-10-25T01:15Z",
                  "2026-10-25T01:30Z", "2026-10-25T01:45Z", "2026-10-25T02:00Z"}));
  // Spring forward: 01:45 CET, then 03:00 CEST 15 real minutes later.
  EXPECT_EQ(NextRuns("*/15", "Europe/Paris", "2026-03-29T00:40Z", 3),
            (Runs{"2026-03-29T00:45Z", "2026-03-29T01:00Z", "2026-03-29T01:15Z"}));
  // Hourly at :30: 01:30 CET, then 03:30 CEST (02:30 does not occur), one real hour later.
  EXPECT_EQ(NextRuns("30 * * * *", "Europe/Paris", "2026-03-29T00:00Z", 2),
            (Runs{"2026-03-29T00:30Z", "2026-03-29T01:30Z"}));
}

// America/New_York 2026: spring forward on March 8 at 07:00 UTC (02:00 EST -> 03:00 EDT), fall
// back on November 1 at 06:00 UTC (02:00 EDT -> 01:00 EST).
TEST(ScheduleNextRunDst, NewYorkBothDirections) {
  EXPECT_EQ(NextRuns("30 2 * * *", "America/New_York", "2026-03-07T12:00Z", 2),
            (Runs{"2026-03-08T07:00Z", "2026-03-09T06:30Z"}));
  EXPECT_EQ(NextRuns("0 2 * * sun", "America/New_York", "2026-03-07T12:00Z", 2),
            (Runs{"2026-03-08T07:00Z", "2026-03-15T06:00Z"}));
  EXPECT_EQ(NextRuns("30 1 * * *", "America/New_York", "2026-10-31T12:00Z", 2),
            (Runs{"2026-11-01T05:30Z", "2026-11-02T06:30Z"}));
  EXPECT_EQ(
      NextRuns("0 * * * *", "America/New_York", "2026-11-01T04:30Z", 4),
      (Runs{"2026-11-01T05:00Z", "2026-11-01T06:00Z", "2026-11-01T07:00Z", "2026-11-01T08:00Z"}));
}

// Over a year in each zone, a daily schedule runs exactly once per local day (none skipped, none
// doubled), and an every-15-minutes one runs 92 times on the short day and 100 on the long one.
TEST(ScheduleNextRunDst, OneRunPerLocalDayAllYear) {
  for (const char* zone : {"Europe/Paris", "America/New_York", "Australia/Lord_Howe"}) {
    for (const char* text : {"30 2 * * *", "0 2 * * *", "59 1 * * *", "0 3 * * *"}) {
      ASSERT_OK_AND_ASSIGN(ScheduleExpression e, ScheduleExpression::Parse(text));
      ASSERT_OK_AND_ASSIGN(const date::time_zone* tz, FindTimeZone(zone));
      std::chrono::sys_seconds t = Utc("2026-01-01T00:00Z");
      date::local_days previous_day{};
      int runs = 0;
      while (true) {
        ASSERT_OK_AND_ASSIGN(t, e.NextAfter(t, *tz));
        if (t >= Utc("2027-01-01T00:00Z")) break;
        const date::local_days day = std::chrono::floor<date::days>(tz->to_local(t));
        if (runs > 0) {
          EXPECT_EQ(day, previous_day + date::days(1))
              << zone << " " << text << " at " << testing::UtcText(t);
        }
        previous_day = day;
        ++runs;
      }
      EXPECT_GE(runs, 364) << zone << " " << text;
    }
  }
}

TEST(ScheduleNextRunDst, EveryFifteenMinutesCountsOnTransitionDays) {
  auto count = [](const std::string& zone, const std::string& from, const std::string& to) {
    ScheduleExpression e = *ScheduleExpression::Parse("*/15");
    const date::time_zone* tz = *FindTimeZone(zone);
    std::chrono::sys_seconds t = Utc(from) - std::chrono::seconds(1);
    int n = 0;
    while ((t = *e.NextAfter(t, *tz)) < Utc(to)) ++n;
    return n;
  };
  // Local midnight to midnight.
  EXPECT_EQ(count("Europe/Paris", "2026-03-28T23:00Z", "2026-03-29T22:00Z"), 92);
  EXPECT_EQ(count("Europe/Paris", "2026-10-24T22:00Z", "2026-10-25T23:00Z"), 100);
  EXPECT_EQ(count("America/New_York", "2026-03-08T05:00Z", "2026-03-09T04:00Z"), 92);
  EXPECT_EQ(count("America/New_York", "2026-11-01T04:00Z", "2026-11-02T05:00Z"), 100);
}

}  // namespace
}  // namespace xcr::jobs
