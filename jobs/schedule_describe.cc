// ScheduleExpression::Describe: the model in English. Only the model is read, so a cron
// expression and the calendar event with the same meaning are described the same way.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "jobs/schedule_expression.h"
#include "jobs/schedule_names.h"

namespace xcr::jobs {
namespace {

template <size_t N>
std::vector<int> Values(const std::bitset<N>& bits) {
  std::vector<int> out;
  for (size_t i = 0; i < N; ++i) {
    if (bits.test(i)) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::string JoinWithAnd(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += (i + 1 == parts.size()) ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

// "1, 5 and 8 through 12": runs of three or more consecutive values become "a through b".
// `values` must be in the order they are to be read, consecutive meaning "next in that order".
std::string FormatRuns(const std::vector<int>& values, const std::function<int(int)>& order,
                       const std::function<std::string(int)>& name) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < values.size()) {
    size_t j = i;
    while (j + 1 < values.size() && order(values[j + 1]) == order(values[j]) + 1) ++j;
    if (j - i >= 2) {
      parts.push_back(name(values[i]) + " through " + name(values[j]));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(name(values[k]));
    }
    i = j + 1;
  }
  return JoinWithAnd(parts);
}

std::string Number(int v) { return std::to_string(v); }
int Identity(int v) { return v; }

std::string Capitalized(const char* s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string Clock(int h, int m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", h, m);
  return buf;
}

// s if the minutes are exactly 0, s, 2s, ... with s dividing 60 (s > 1); else 0.
int EvenStep(const std::vector<int>& minutes) {
  if (minutes.size() < 2 || minutes[0] != 0) return 0;
  const int s = minutes[1];
  if (60 % s != 0 || static_cast<int>(minutes.size()) != 60 / s) return 0;
  for (size_t i = 0; i < minutes.size(); ++i) {
    if (minutes[i] != static_cast<int>(i) * s) return 0;
  }
  return s;
}

std::string TimesPart(const ScheduleFields& f) {
  const std::vector<int> minutes = Values(f.minutes);
  const std::vector<int> hours = Values(f.hours);
  const int step = EvenStep(minutes);
  const std::string minute_list = FormatRuns(minutes, Identity, Number);
  const char* minute_word = minutes.size() == 1 ? "minute " : "minutes ";
  if (f.EveryHour()) {
    if (minutes.size() == 60) return "every minute";
    if (step) return "every " + std::to_string(step) + " minutes";
    if (minutes.size() == 1 && minutes[0] == 0) return "every hour";
    return "every hour at " + std::string(minute_word) + minute_list;
  }
  if (minutes.size() * hours.size() <= 6) {
    std::vector<std::string> times;
    for (int h : hours) {
      for (int m : minutes) times.push_back(Clock(h, m));
    }
    return "at " + JoinWithAnd(times);
  }
  const std::string hour_list =
      (hours.size() == 1 ? "hour " : "hours ") + FormatRuns(hours, Identity, Number);
  if (minutes.size() == 60) return "every minute during " + hour_list;
  if (step) return "every " + std::to_string(step) + " minutes during " + hour_list;
  return "at " + std::string(minute_word) + minute_list + " during " + hour_list;
}

std::string WeekdayList(const ScheduleFields& f) {
  // Monday first, Sunday last.
  std::vector<int> days;
  for (int i = 1; i <= 7; ++i) {
    if (f.weekdays.test(i % 7)) days.push_back(i % 7);
  }
  return FormatRuns(
      days, [](int w) { return w == 0 ? 7 : w; },
      [](int w) { return Capitalized(kWeekdayNames[w]); });
}

std::string DaysPart(const ScheduleFields& f) {
  const std::vector<int> dom = Values(f.days_of_month);
  const std::string dom_text = std::string(dom.size() == 1 ? "on day " : "on days ") +
                               FormatRuns(dom, Identity, Number) + " of the month";
  if (f.DayOfMonthRestricted() && f.WeekdayRestricted()) {
    if (f.all_day_fields_must_match) return dom_text + " that are a " + WeekdayList(f);
    return dom_text + " or on " + WeekdayList(f);
  }
  if (f.DayOfMonthRestricted()) return dom_text;
  if (f.WeekdayRestricted()) return "on " + WeekdayList(f);
  return "";
}

std::string MonthsPart(const ScheduleFields& f) {
  if (f.months.count() == 12) return "";
  return "in " + FormatRuns(Values(f.months), Identity,
                            [](int m) { return Capitalized(kMonthNames[m - 1]); });
}

}  // namespace

std::string ScheduleExpression::Describe() const {
  std::string out = TimesPart(fields_);
  for (const std::string& part : {DaysPart(fields_), MonthsPart(fields_)}) {
    if (!part.empty()) out += " " + part;
  }
  return out;
}

}  // namespace xcr::jobs
