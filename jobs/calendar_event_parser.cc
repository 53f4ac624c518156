#include "jobs/calendar_event_parser.h"
#include "base/text.h"

#include <array>
#include <cctype>
#include <exception>
#include <string>
#include <vector>

#include <date/tz.h>

#include "jobs/schedule_list_parser.h"
#include "jobs/schedule_names.h"

namespace xcr::jobs {
namespace {

constexpr std::array<const char*, 1> kDots = {".."};
constexpr std::array<const char*, 2> kDotsOrDash = {"..", "-"};

// Fills every field except minutes and hours with "every".
ScheduleFields EveryDay() {
  ScheduleFields f;
  for (int d = 1; d <= 31; ++d) f.days_of_month.set(d);
  for (int m = 1; m <= 12; ++m) f.months.set(m);
  f.weekdays.set();
  return f;
}

bool Keyword(std::string_view word, ScheduleFields* f) {
  const std::string w = AsciiLower(word);
  *f = EveryDay();
  f->minutes.set(0);
  f->hours.set(0);
  if (w == "minutely") {
    f->minutes.set();
    f->hours.set();
  } else if (w == "hourly") {
    f->hours.set();
  } else if (w == "daily") {
  } else if (w == "weekly") {
    f->weekdays.reset();
    f->weekdays.set(1);
  } else if (w == "monthly") {
    f->days_of_month.reset();
    f->days_of_month.set(1);
  } else if (w == "yearly" || w == "annually") {
    f->days_of_month.reset();
    f->days_of_month.set(1);
    f->months.reset();
    f->months.set(1);
  } else if (w == "quarterly" || w == "semiannually") {
    f->days_of_month.reset();
    f->days_of_month.set(1);
    f->months.reset();
    for (int m = 1; m <= 12; m += (w == "quarterly" ? 3 : 6)) f->months.set(m);
  } else {
    return false;
  }
  return true;
}

// A name of the tz database ("Europe/Paris", "UTC").
bool LooksLikeTimeZone(std::string_view word) {
  if (word.empty() || !std::isalpha(static_cast<unsigned char>(word[0]))) return false;
  try {
    return date::locate_zone(word) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

// "*-*-01", "*-05", "12-24", "*-1..7": a date has a '-' and no ':', and starts like a number.
bool IsDate(std::string_view word) {
  return word.find('-') != std::string_view::npos && word.find(':') == std::string_view::npos &&
         (std::isdigit(static_cast<unsigned char>(word[0])) || word[0] == '*');
}

// [year-]month-day with year '*' only; month and day are lists like the time's.
Status ParseDate(const ScheduleWord& t, ScheduleFields* f) {
  std::vector<std::pair<std::string_view, size_t>> parts;  // text, column
  size_t start = 0;
  while (true) {
    const size_t dash = t.text.find('-', start);
    parts.push_back({t.text.substr(start, dash == std::string_view::npos ? dash : dash - start),
                     t.column + start});
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() > 3) {
    return ColumnError(t.column, "'" + std::string(t.text) +
                                     "' is not a date: write [*-]month-day, e.g. '*-*-01'");
  }
  if (t.text.find('~') != std::string_view::npos) {
    return ColumnError(t.column + t.text.find('~'),
                       "last days of the month ('~') are not supported; use a cron expression");
  }
  if (parts.size() == 3 && parts[0].first != "*") {
    return ColumnError(parts[0].second, "a year ('" + std::string(parts[0].first) +
                                            "') is not supported: schedules repeat; write '*' "
                                            "for the year");
  }
  constexpr std::array<const char*, 1> kRange = {".."};
  FieldSpec month;
  month.name = "month";
  month.min = 1;
  month.max = 12;
  month.range_separators = kRange;
  FieldSpec day = month;
  day.name = "day of month";
  day.max = 31;
  const auto& [month_text, month_column] = parts[parts.size() - 2];
  const auto& [day_text, day_column] = parts[parts.size() - 1];
  XCR_ASSIGN_OR_RETURN(uint64_t months, ParseFieldList(month_text, month_column, month));
  XCR_ASSIGN_OR_RETURN(uint64_t days, ParseFieldList(day_text, day_column, day));
  f->months = std::bitset<13>(months);
  f->days_of_month = std::bitset<32>(days);
  if (!f->SomeDayExists()) {
    return ColumnError(day_column,
                       "no selected day of the month exists in the selected months: the schedule "
                       "would never run");
  }
  return Status::OK();
}

Result<uint64_t> ParseWeekdays(const ScheduleWord& t) {
  FieldSpec spec;
  spec.name = "weekdays";
  spec.min = 0;
  spec.max = 6;
  spec.names = kWeekdayAbbrevs;
  spec.long_names = kWeekdayNames;
  spec.range_separators = kDotsOrDash;
  spec.allow_step = false;
  spec.seven_is_sunday = true;
  // Weekdays are names only: a number here is a mistake (systemd refuses it too).
  for (size_t i = 0; i < t.text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(t.text[i]))) {
      return ColumnError(t.column + i, "weekdays are written by name (mon..sun), not by number");
    }
  }
  Result<uint64_t> r = ParseFieldList(t.text, t.column, spec);
  if (!r.ok()) {
    // Say what the word could have been when it is a single unknown word.
    const std::string w = AsciiLower(t.text);
    if (w.find_first_of(",.-/") == std::string::npos) {
      return ColumnError(t.column, "'" + std::string(t.text) +
                                       "' is neither a weekday (mon..sun) nor a keyword (minutely, "
                                       "hourly, daily, weekly, monthly, quarterly, "
                                       "semiannually, yearly)");
    }
    return r.status();
  }
  return r;
}

Result<uint64_t> ParseTimePart(std::string_view text, size_t column, const char* name, int max) {
  FieldSpec spec;
  spec.name = name;
  spec.min = 0;
  spec.max = max;
  spec.range_separators = kDots;
  return ParseFieldList(text, column, spec);
}

Status ParseTime(const ScheduleWord& t, ScheduleFields* f) {
  const std::string_view s = t.text;
  const size_t c1 = s.find(':');
  if (c1 == std::string_view::npos) {
    // Proxmox: a lone minute spec is minutes of every hour.
    XCR_ASSIGN_OR_RETURN(uint64_t minutes, ParseTimePart(s, t.column, "minutes", 59));
    f->minutes = std::bitset<60>(minutes);
    f->hours.set();
    return Status::OK();
  }
  const size_t c2 = s.find(':', c1 + 1);
  const std::string_view hours_text = s.substr(0, c1);
  const std::string_view minutes_text =
      s.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1);
  if (c2 != std::string_view::npos) {
    const std::string_view seconds = s.substr(c2 + 1);
    if (seconds != "0" && seconds != "00") {
      return ColumnError(t.column + c2 + 1,
                         "seconds must be 0 (the minimum interval is one "
                         "minute), not '" +
                             std::string(seconds) + "'");
    }
  }
  XCR_ASSIGN_OR_RETURN(uint64_t hours, ParseTimePart(hours_text, t.column, "hours", 23));
  XCR_ASSIGN_OR_RETURN(uint64_t minutes,
                       ParseTimePart(minutes_text, t.column + c1 + 1, "minutes", 59));
  f->hours = std::bitset<24>(hours);
  f->minutes = std::bitset<60>(minutes);
  return Status::OK();
}

}  // namespace

Result<ScheduleFields> ParseCalendarEvent(std::string_view text) {
  std::vector<ScheduleWord> tokens = SplitScheduleWords(text);
  if (tokens.empty()) return Status::InvalidArgument("the schedule is empty");
  for (const ScheduleWord& t : tokens) {
    if (LooksLikeTimeZone(t.text)) {
      return ColumnError(t.column, "'" + std::string(t.text) +
                                       "' looks like a time zone: set it as the schedule's time "
                                       "zone, not inside the expression");
    }
  }
  ScheduleFields f = EveryDay();
  size_t next = 0;
  const ScheduleWord& first = tokens[0];
  if (std::isalpha(static_cast<unsigned char>(first.text[0]))) {
    if (Keyword(first.text, &f)) {
      if (tokens.size() == 1) return f;
      return ColumnError(tokens[1].column, "'" + std::string(first.text) +
                                               "' stands alone: it already fixes the time");
    }
    f = EveryDay();
    XCR_ASSIGN_OR_RETURN(uint64_t weekdays, ParseWeekdays(first));
    f.weekdays = std::bitset<7>(weekdays);
    next = 1;
  }
  if (next < tokens.size() && IsDate(tokens[next].text)) {
    // systemd: weekdays and a date both have to match ("Sat *-1..7": first Saturday).
    f.all_day_fields_must_match = next == 1;
    XCR_RETURN_IF_ERROR(ParseDate(tokens[next], &f));
    ++next;
  }
  if (next == tokens.size()) {  // no time: midnight
    f.minutes.set(0);
    f.hours.set(0);
    return f;
  }
  if (std::isalpha(static_cast<unsigned char>(tokens[next].text[0]))) {
    return ColumnError(tokens[next].column,
                       next == 0 ? "expected weekdays or a time"
                                 : "expected a date or a time after the weekdays, e.g. '22:30', "
                                   "got '" +
                                       std::string(tokens[next].text) + "'");
  }
  if (next + 1 < tokens.size()) {
    return ColumnError(tokens[next + 1].column,
                       "unexpected '" + std::string(tokens[next + 1].text) +
                           "': a calendar event here is [weekdays] [date] [time], e.g. 'mon..fri "
                           "22:30' or 'sat *-1..7 15:00'");
  }
  XCR_RETURN_IF_ERROR(ParseTime(tokens[next], &f));
  return f;
}

}  // namespace xcr::jobs
