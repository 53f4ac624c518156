#include "jobs/cron_parser.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "jobs/schedule_list_parser.h"
#include "jobs/schedule_names.h"

namespace xcr::jobs {
namespace {

constexpr std::array<const char*, 1> kDash = {"-"};

FieldSpec Spec(const char* name, int min, int max) {
  FieldSpec s;
  s.name = name;
  s.min = min;
  s.max = max;
  s.range_separators = kDash;
  return s;
}

Result<ScheduleFields> ParseMacro(const ScheduleWord& t) {
  std::string lower(t.text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const char* equivalent = nullptr;
  if (lower == "@hourly") equivalent = "0 * * * *";
  if (lower == "@daily" || lower == "@midnight") equivalent = "0 0 * * *";
  if (lower == "@weekly") equivalent = "0 0 * * 0";
  if (lower == "@monthly") equivalent = "0 0 1 * *";
  if (lower == "@yearly" || lower == "@annually") equivalent = "0 0 1 1 *";
  if (equivalent == nullptr) {
    return ColumnError(t.column, "unknown macro '" + std::string(t.text) +
                                     "' (expected @hourly, @daily, @weekly, @monthly or @yearly" +
                                     (lower == "@reboot" ? "; @reboot has no time" : "") + ")");
  }
  return ParseCron(equivalent);
}

}  // namespace

Result<ScheduleFields> ParseCron(std::string_view text) {
  std::vector<ScheduleWord> tokens = SplitScheduleWords(text);
  if (tokens.size() == 1 && tokens[0].text.starts_with('@')) return ParseMacro(tokens[0]);
  if (tokens.size() == 6) {
    if (tokens[0].text != "0" && tokens[0].text != "00") {
      return ColumnError(tokens[0].column,
                         "seconds must be 0 (the minimum interval is one minute); write 5 fields: "
                         "minute hour day-of-month month day-of-week");
    }
    tokens.erase(tokens.begin());
  }
  if (tokens.size() != 5) {
    return Status::InvalidArgument(
        "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one "
        "has " +
        std::to_string(tokens.size()));
  }
  ScheduleFields f;
  XCR_ASSIGN_OR_RETURN(uint64_t minutes,
                       ParseFieldList(tokens[0].text, tokens[0].column, Spec("minutes", 0, 59)));
  XCR_ASSIGN_OR_RETURN(uint64_t hours,
                       ParseFieldList(tokens[1].text, tokens[1].column, Spec("hours", 0, 23)));
  FieldSpec dom = Spec("day of month", 1, 31);
  dom.allow_question_mark = true;
  XCR_ASSIGN_OR_RETURN(uint64_t days, ParseFieldList(tokens[2].text, tokens[2].column, dom));
  FieldSpec month = Spec("month", 1, 12);
  month.names = kMonthAbbrevs;
  month.names_base = 1;
  XCR_ASSIGN_OR_RETURN(uint64_t months, ParseFieldList(tokens[3].text, tokens[3].column, month));
  FieldSpec dow = Spec("day of week", 0, 6);
  dow.names = kWeekdayAbbrevs;
  dow.allow_question_mark = true;
  dow.seven_is_sunday = true;
  XCR_ASSIGN_OR_RETURN(uint64_t weekdays, ParseFieldList(tokens[4].text, tokens[4].column, dow));
  f.minutes = std::bitset<60>(minutes);
  f.hours = std::bitset<24>(hours);
  f.days_of_month = std::bitset<32>(days);
  f.months = std::bitset<13>(months);
  f.weekdays = std::bitset<7>(weekdays);
  if (!f.SomeDayExists()) {
    return ColumnError(tokens[2].column,
                       "no selected day of the month exists in the selected months: the schedule "
                       "would never run");
  }
  return f;
}

}  // namespace xcr::jobs
