#include "jobs/cron_parser.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "tests/testutil/status_matchers.h"

namespace xcr::jobs {
namespace {

template <size_t N>
std::bitset<N> Bits(std::initializer_list<int> values) {
  std::bitset<N> b;
  for (int v : values) b.set(v);
  return b;
}

ScheduleFields MustParse(const std::string& text) {
  Result<ScheduleFields> f = ParseCron(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.status().ToString();
  return f.ok() ? *f : ScheduleFields{};
}

std::string Error(const std::string& text) {
  Result<ScheduleFields> f = ParseCron(text);
  EXPECT_FALSE(f.ok()) << text << " parsed";
  if (!f.ok()) {
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  }
  return f.ok() ? "" : f.status().message();
}

TEST(CronParser, StarsSelectEveryValue) {
  ScheduleFields f = MustParse("* * * * *");
  EXPECT_TRUE(f.minutes.all());
  EXPECT_TRUE(f.hours.all());
  EXPECT_EQ(f.days_of_month.count(), 31u);
  EXPECT_FALSE(f.days_of_month.test(0));
  EXPECT_EQ(f.months.count(), 12u);
  EXPECT_FALSE(f.months.test(0));
  EXPECT_TRUE(f.weekdays.all());
  EXPECT_FALSE(f.DayOfMonthRestricted());
  EXPECT_FALSE(f.WeekdayRestricted());
}

TEST(CronParser, ListsRangesAndSteps) {
  ScheduleFields f = MustParse("*/15 1,5,20-22 1-3,15 * *");
  EXPECT_EQ(f.minutes, (Bits<60>({0, 15, 30, 45})));
  EXPECT_EQ(f.hours, (Bits<24>({1, 5, 20, 21, 22})));
  EXPECT_EQ(f.days_of_month, (Bits<32>({1, 2, 3, 15})));
  EXPECT_EQ(MustParse("10-50/20 0 * * *").minutes, (Bits<60>({10, 30, 50})));
  // "a/s" runs from a to the field's maximum, as cron-parser reads it.
  EXPECT_EQ(MustParse("5/15 0 * * *").minutes, (Bits<60>({5, 20, 35, 50})));
  EXPECT_EQ(MustParse("0 */6 * * *").hours, (Bits<24>({0, 6, 12, 18})));
  EXPECT_EQ(MustParse("0 0 */10 * *").days_of_month, (Bits<32>({1, 11, 21, 31})));
}

TEST(CronParser, MonthAndWeekdayNamesAnySize) {
  ScheduleFields f = MustParse("30 2 * JAN,mar-May sun");
  EXPECT_EQ(f.months, (Bits<13>({1, 3, 4, 5})));
  EXPECT_EQ(f.weekdays, (Bits<7>({0})));
  EXPECT_EQ(MustParse("0 0 * * Mon-Fri").weekdays, (Bits<7>({1, 2, 3, 4, 5})));
}

TEST(CronParser, SevenIsSunday) {
  EXPECT_EQ(MustParse("0 0 * * 7").weekdays, (Bits<7>({0})));
  EXPECT_EQ(MustParse("0 0 * * 5-7").weekdays, (Bits<7>({5, 6, 0})));
  EXPECT_EQ(MustParse("0 0 * * fri-sun").weekdays, (Bits<7>({5, 6, 0})));
  EXPECT_EQ(MustParse("0 0 * * 0,7").weekdays, (Bits<7>({0})));
  // Found by the fuzzer: a step from 7 selected nothing, so the schedule never ran.
  EXPECT_EQ(MustParse("0 3 * * 7/2").weekdays, (Bits<7>({0})));
  EXPECT_EQ(MustParse("0 3 * * 6/2").weekdays, (Bits<7>({6})));
}

TEST(CronParser, QuestionMarkIsStarInDayFields) {
  ScheduleFields f = MustParse("0 0 ? * mon");
  EXPECT_FALSE(f.DayOfMonthRestricted());
  EXPECT_EQ(f.weekdays, (Bits<7>({1})));
  EXPECT_NE(Error("? 0 * * *"), "");
}

TEST(CronParser, MacrosEqualTheirFiveFields) {
  EXPECT_EQ(MustParse("@hourly"), MustParse("0 * * * *"));
  EXPECT_EQ(MustParse("@daily"), MustParse("0 0 * * *"));
  EXPECT_EQ(MustParse("@midnight"), MustParse("0 0 * * *"));
  EXPECT_EQ(MustParse("@weekly"), MustParse("0 0 * * 0"));
  EXPECT_EQ(MustParse("@monthly"), MustParse("0 0 1 * *"));
  EXPECT_EQ(MustParse("@YEARLY"), MustParse("0 0 1 1 *"));
  EXPECT_EQ(MustParse("@annually"), MustParse("0 0 1 1 *"));
}

TEST(CronParser, SixFieldsOnlyWithZeroSeconds) {
  EXPECT_EQ(MustParse("0 */5 * * * *"), MustParse("*/5 * * * *"));
  EXPECT_EQ(Error("30 */5 * * * *"),
            "column 1: seconds must be 0 (the minimum interval is one minute); write 5 fields: "
            "minute hour day-of-month month day-of-week");
  EXPECT_EQ(Error("*/10 * * * * *").substr(0, 34), "column 1: seconds must be 0 (the m");
}

TEST(CronParser, ExtraSpacesAreIgnored) {
  EXPECT_EQ(MustParse("  30\t22  * *   mon-fri "), MustParse("30 22 * * 1-5"));
}

TEST(CronParser, OutOfRangeNamesColumnValueAndField) {
  EXPECT_EQ(Error("61 * * * *"), "column 1: '61' is out of range 0-59 for minutes");
  EXPECT_EQ(Error("0 0,24 * * *"), "column 5: '24' is out of range 0-23 for hours");
  EXPECT_EQ(Error("0 0 32 * *"), "column 5: '32' is out of range 1-31 for day of month");
  EXPECT_EQ(Error("0 0 0 * *"), "column 5: '0' is out of range 1-31 for day of month");
  EXPECT_EQ(Error("0 0 * 13 *"), "column 7: '13' is out of range 1-12 for month");
  EXPECT_EQ(Error("0 0 * * 8"), "column 9: '8' is out of range 0-7 for day of week");
  EXPECT_EQ(Error("0 0 * * 1-9"), "column 11: '9' is out of range 0-7 for day of week");
  EXPECT_EQ(Error("99999999999 * * * *"),
            "column 1: '99999999999' is out of range 0-59 for minutes");
}

TEST(CronParser, MalformedElements) {
  EXPECT_EQ(Error("x * * * *"), "column 1: 'x' is not a number for minutes (expected 0-59)");
  EXPECT_EQ(Error("0 0 * foo *"),
            "column 7: 'foo' is not a number or a name for month (expected 1-12 or jan..dec)");
  EXPECT_EQ(Error("1,,2 * * * *"), "column 3: empty element in the list of minutes");
  EXPECT_EQ(Error("*/0 * * * *"), "column 3: step '0' is out of range 1-60 for minutes");
  EXPECT_EQ(Error("*/x * * * *"), "column 3: step 'x' is not a positive number for minutes");
  EXPECT_EQ(Error("0 20-10 * * *"),
            "column 3: range '20-10' is reversed for hours (write the smaller value first)");
  EXPECT_EQ(Error("0 0 L * *"),
            "column 5: 'L' is not a number for day of month (expected 1-31); 'L', 'W' and '#' "
            "are not supported");
  EXPECT_EQ(Error("0 0 * * 5#3").substr(0, 22), "column 9: '5#3' is not");
}

TEST(CronParser, FieldCount) {
  EXPECT_EQ(Error("* * * *"),
            "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this "
            "one has 4");
  EXPECT_EQ(Error("* * * * * * *").substr(0, 30), "a cron expression has 5 fields");
  EXPECT_EQ(Error("@reboot"),
            "column 1: unknown macro '@reboot' (expected @hourly, @daily, @weekly, @monthly or "
            "@yearly; @reboot has no time)");
}

TEST(CronParser, DaysThatNeverOccurAreRefused) {
  EXPECT_EQ(Error("0 0 30 2 *"),
            "column 5: no selected day of the month exists in the selected months: the schedule "
            "would never run");
  EXPECT_NE(Error("0 0 31 2,4,6 *"), "");
  // Feb 29 exists (in leap years), and a weekday makes any day possible (either matches).
  EXPECT_TRUE(ParseCron("0 0 29 2 *").ok());
  EXPECT_TRUE(ParseCron("0 0 31 2 mon").ok());
}

TEST(ScheduleFieldsDayRule, EitherDayFieldMatchesWhenBothAreRestricted) {
  ScheduleFields f = MustParse("0 0 13 * fri");
  using date::day;
  using date::month;
  using date::year;
  EXPECT_TRUE(f.MatchesDay(year(2026) / 11 / 13));   // Friday 13th
  EXPECT_TRUE(f.MatchesDay(year(2026) / 11 / 6));    // a Friday
  EXPECT_TRUE(f.MatchesDay(year(2026) / 12 / 13));   // a Sunday the 13th
  EXPECT_FALSE(f.MatchesDay(year(2026) / 11 / 14));  // neither
  ScheduleFields only_dow = MustParse("0 0 * * fri");
  EXPECT_FALSE(only_dow.MatchesDay(year(2026) / 12 / 13));
  ScheduleFields only_dom = MustParse("0 0 13 * *");
  EXPECT_FALSE(only_dom.MatchesDay(year(2026) / 11 / 6));
  ScheduleFields feb = MustParse("0 0 * 2 *");
  EXPECT_FALSE(feb.MatchesDay(year(2026) / 3 / 1));
}

}  // namespace
}  // namespace xcr::jobs
