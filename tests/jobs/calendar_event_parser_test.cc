#include "jobs/calendar_event_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "jobs/cron_parser.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::jobs {
namespace {

ScheduleFields Calendar(const std::string& text) {
  Result<ScheduleFields> f = ParseCalendarEvent(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.status().ToString();
  return f.ok() ? *f : ScheduleFields{};
}

ScheduleFields Cron(const std::string& text) {
  Result<ScheduleFields> f = ParseCron(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.status().ToString();
  return f.ok() ? *f : ScheduleFields{};
}

std::string Error(const std::string& text) {
  Result<ScheduleFields> f = ParseCalendarEvent(text);
  EXPECT_FALSE(f.ok()) << text << " parsed";
  if (!f.ok()) {
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  }
  return f.ok() ? "" : f.status().message();
}

TEST(CalendarEventParser, ProxmoxExamplesMeanTheirCronEquivalents) {
  EXPECT_EQ(Calendar("*/15"), Cron("*/15 * * * *"));  // pvesr: every 15 minutes
  EXPECT_EQ(Calendar("0/15"), Cron("*/15 * * * *"));
  EXPECT_EQ(Calendar("*"), Cron("* * * * *"));
  EXPECT_EQ(Calendar("30/10"), Cron("30-59/10 * * * *"));
  EXPECT_EQ(Calendar("mon..fri 22:30"), Cron("30 22 * * 1-5"));
  EXPECT_EQ(Calendar("sat 02:00"), Cron("0 2 * * 6"));
  EXPECT_EQ(Calendar("22:30"), Cron("30 22 * * *"));
  EXPECT_EQ(Calendar("mon,wed 8:00"), Cron("0 8 * * 1,3"));
  EXPECT_EQ(Calendar("*:0/10"), Cron("*/10 * * * *"));
  EXPECT_EQ(Calendar("mon..fri 8..17,22:0/15"), Cron("*/15 8-17,22 * * mon-fri"));
  EXPECT_EQ(Calendar("fri 12..13:5/20"), Cron("5/20 12-13 * * 5"));
  EXPECT_EQ(Calendar("12,14,16,18,20,22:5"), Cron("5 12-22/2 * * *"));
  EXPECT_EQ(Calendar("8..17/2:00"), Cron("0 8-16/2 * * *"));
  EXPECT_EQ(Calendar("*:*"), Cron("* * * * *"));
  EXPECT_EQ(Calendar("12:5"), Cron("5 12 * * *"));
}

TEST(CalendarEventParser, Keywords) {
  EXPECT_EQ(Calendar("minutely"), Cron("* * * * *"));
  EXPECT_EQ(Calendar("hourly"), Cron("0 * * * *"));
  EXPECT_EQ(Calendar("daily"), Cron("0 0 * * *"));
  EXPECT_EQ(Calendar("weekly"), Cron("0 0 * * mon"));  // systemd's weekly is Monday
  EXPECT_EQ(Calendar("monthly"), Cron("0 0 1 * *"));
  EXPECT_EQ(Calendar("yearly"), Cron("0 0 1 1 *"));
  EXPECT_EQ(Calendar("annually"), Cron("0 0 1 1 *"));
  EXPECT_EQ(Calendar("quarterly"), Cron("0 0 1 1,4,7,10 *"));
  EXPECT_EQ(Calendar("semiannually"), Cron("0 0 1 1,7 *"));
  EXPECT_EQ(Calendar("Daily"), Cron("0 0 * * *"));
}

TEST(CalendarEventParser, Weekdays) {
  EXPECT_EQ(Calendar("sat"), Cron("0 0 * * 6"));  // weekdays alone: midnight
  EXPECT_EQ(Calendar("Monday 8:00"), Cron("0 8 * * 1"));
  EXPECT_EQ(Calendar("mon-fri 8:00"), Cron("0 8 * * 1-5"));  // systemd accepts '-' too
  EXPECT_EQ(Calendar("sat..sun 0/2:00"), Cron("0 */2 * * 0,6"));
  EXPECT_EQ(Calendar("Sun,Sat 1:00"), Cron("0 1 * * 0,6"));
  EXPECT_EQ(Calendar("mon..wed,fri 1:00"), Cron("0 1 * * 1-3,5"));
}

TEST(CalendarEventParser, ZeroSecondsAllowed) {
  EXPECT_EQ(Calendar("22:30:00"), Cron("30 22 * * *"));
  EXPECT_EQ(Calendar("mon 22:30:0"), Cron("30 22 * * 1"));
}

TEST(CalendarEventParser, ErrorsNameColumnAndReason) {
  EXPECT_EQ(Error("22:30:05"),
            "column 7: seconds must be 0 (the minimum interval is one minute), not '05'");
  EXPECT_EQ(Error("25:00"), "column 1: '25' is out of range 0-23 for hours");
  EXPECT_EQ(Error("mon..fri 22:61"), "column 13: '61' is out of range 0-59 for minutes");
  EXPECT_EQ(Error("*/61"), "column 3: step '61' is out of range 1-60 for minutes");
  EXPECT_EQ(Error("fri..mon 8:00"),
            "column 1: range 'fri..mon' is reversed for weekdays (write the smaller value "
            "first)");
  EXPECT_EQ(Error("mo 8:00"),
            "column 1: 'mo' is neither a weekday (mon..sun) nor a keyword (minutely, hourly, "
            "daily, weekly, monthly, quarterly, semiannually, yearly)");
  EXPECT_EQ(Error("dayly"),
            "column 1: 'dayly' is neither a weekday (mon..sun) nor a keyword (minutely, hourly, "
            "daily, weekly, monthly, quarterly, semiannually, yearly)");
  EXPECT_EQ(Error("mon,xyz 8:00"),
            "column 5: 'xyz' is not a number or a name for weekdays (expected 0-6 or sun..sat)");
  EXPECT_EQ(Error("mon tue"),
            "column 5: expected a date or a time after the weekdays, e.g. '22:30', got 'tue'");
  EXPECT_EQ(Error("daily 10:00"), "column 7: 'daily' stands alone: it already fixes the time");
  EXPECT_EQ(Error("8:00 9:00"),
            "column 6: unexpected '9:00': a calendar event here is [weekdays] [date] [time], e.g. "
            "'mon..fri 22:30' or 'sat *-1..7 15:00'");
  EXPECT_EQ(Error("mon/sat 8:00"), "column 4: steps ('/') are not allowed for weekdays");
  EXPECT_EQ(Error("1..5 8:00").substr(0, 32), "column 6: unexpected '8:00': a c");
}

TEST(CalendarEventParser, DatesAsProxmoxWritesThem) {
  EXPECT_EQ(Calendar("*-05"), Cron("0 0 5 * *"));  // the 5th of every month
  EXPECT_EQ(Calendar("*-*-01 02:00"), Cron("0 2 1 * *"));
  EXPECT_EQ(Calendar("*-12-24 18:00"), Cron("0 18 24 12 *"));
  EXPECT_EQ(Calendar("12-24"), Cron("0 0 24 12 *"));
  EXPECT_EQ(Calendar("*-1,7-1..3 4:00"), Cron("0 4 1-3 1,7 *"));
  EXPECT_EQ(Calendar("*-*-1/10"), Cron("0 0 1/10 * *"));
  // Weekdays and a date must both match (systemd's rule): the first Saturday of each month.
  ScheduleFields first_saturday = Calendar("Sat *-1..7 15:00");
  EXPECT_TRUE(first_saturday.all_day_fields_must_match);
  EXPECT_TRUE(first_saturday.MatchesDay(date::year(2026) / 12 / 5));    // Saturday the 5th
  EXPECT_FALSE(first_saturday.MatchesDay(date::year(2026) / 12 / 12));  // a later Saturday
  EXPECT_FALSE(first_saturday.MatchesDay(date::year(2026) / 12 / 1));   // Tuesday the 1st
  EXPECT_FALSE(Cron("0 15 1-7 * sat").all_day_fields_must_match);       // cron: either
}

TEST(CalendarEventParser, DatesRefusedWithTheReason) {
  EXPECT_EQ(Error("2026-12-24"),
            "column 1: a year ('2026') is not supported: schedules repeat; write '*' for the year");
  EXPECT_EQ(Error("mon 2026-12-24").substr(0, 26), "column 5: a year ('2026') ");
  EXPECT_EQ(Error("*-02-30"),
            "column 6: no selected day of the month exists in the selected months: the schedule "
            "would never run");
  EXPECT_EQ(Error("sat *-02-30 8:00").substr(0, 40), "column 10: no selected day of the month ");
  EXPECT_EQ(Error("*-13-01"), "column 3: '13' is out of range 1-12 for month");
  EXPECT_EQ(Error("*-*-32"), "column 5: '32' is out of range 1-31 for day of month");
  EXPECT_EQ(Error("*-02~03"),
            "column 5: last days of the month ('~') are not supported; use a cron expression");
  EXPECT_EQ(Error("*-*-*-01"),
            "column 1: '*-*-*-01' is not a date: write [*-]month-day, e.g. "
            "'*-*-01'");
  EXPECT_EQ(Error("*-*-01 8:00 9:00").substr(0, 32), "column 13: unexpected '9:00': a ");
}

TEST(CalendarEventParser, TimeZonesAndNumberedWeekdaysAreRefused) {
  EXPECT_EQ(Error("mon 8:00 Europe/Paris"),
            "column 10: 'Europe/Paris' looks like a time zone: set it as the schedule's time "
            "zone, not inside the expression");
  EXPECT_EQ(Error("22:30 UTC").substr(0, 26), "column 7: 'UTC' looks like");
  EXPECT_EQ(Error("America/New_York").substr(0, 39), "column 1: 'America/New_York' looks like");
  EXPECT_EQ(Error("mon..5 8:00"),
            "column 6: weekdays are written by name (mon..sun), not by number");
}

}  // namespace
}  // namespace xcr::jobs
