// XAPI dateTime.iso8601 <-> Unix seconds (see xapi/xmlrpc.h).
#include <cinttypes>
#include <cstdio>

#include "xapi/xmlrpc.h"

namespace xcr::xapi {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Leap years in [1, y] (extended to y <= 0 by the same rule).
int64_t LeapsThrough(int64_t y) { return FloorDiv(y, 4) - FloorDiv(y, 100) + FloorDiv(y, 400); }

// Days from 1970-01-01 to January 1st of year y.
int64_t DaysBeforeYear(int64_t y) {
  return 365 * (y - 1970) + (LeapsThrough(y - 1) - LeapsThrough(1969));
}

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int64_t DaysBeforeMonth(int64_t y, int m) {
  int64_t days = 0;
  for (int k = 1; k < m; ++k) days += DaysInMonth(y, k);
  return days;
}

// A cursor over the text with the few reads the grammar needs.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return i_ == s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Accept(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly n decimal digits.
  bool Digits(int n, int* out) {
    int v = 0;
    for (int k = 0; k < n; ++k) {
      char c = Peek();
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
      ++i_;
    }
    *out = v;
    return true;
  }
  void SkipDigits() {
    while (Peek() >= '0' && Peek() <= '9') ++i_;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<int64_t> ParseXapiDateTime(std::string_view text) {
  const auto bad = [&](const char* why) {
    return Status::InvalidArgument("not an ISO 8601 date-time (" + std::string(why) + "): '" +
                                   std::string(text.substr(0, 64)) + "'");
  };
  Cursor c(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!c.Digits(4, &year)) return bad("year");
  const bool dashes = c.Accept('-');
  if (!c.Digits(2, &month)) return bad("month");
  if (dashes && !c.Accept('-')) return bad("date separator");
  if (!c.Digits(2, &day)) return bad("day");
  if (!c.Accept('T') && !c.Accept('t') && !c.Accept(' ')) return bad("'T'");
  if (!c.Digits(2, &hour)) return bad("hour");
  const bool colons = c.Accept(':');
  if (!c.Digits(2, &minute)) return bad("minute");
  const char after_minute = c.Peek();
  if ((colons && after_minute == ':') || (!colons && after_minute >= '0' && after_minute <= '9')) {
    c.Accept(':');
    if (!c.Digits(2, &second)) return bad("second");
    if (c.Accept('.') || c.Accept(',')) {
      if (c.Peek() < '0' || c.Peek() > '9') return bad("fraction");
      c.SkipDigits();
    }
  }
  int64_t offset = 0;  // seconds east of UTC
  if (c.Accept('Z') || c.Accept('z')) {
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    const int sign = c.Peek() == '-' ? -1 : 1;
    c.Accept(c.Peek());
    int oh = 0, om = 0;
    if (!c.Digits(2, &oh)) return bad("zone hours");
    if (!c.Done()) {
      c.Accept(':');
      if (!c.Digits(2, &om)) return bad("zone minutes");
    }
    if (oh > 23 || om > 59) return bad("zone out of range");
    offset = sign * (oh * 3600 + om * 60);
  }
  if (!c.Done()) return bad("trailing characters");
  if (year < 1 || month < 1 || month > 12) return bad("date out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return bad("date out of range");
  if (hour > 23 || minute > 59 || second > 60) return bad("time out of range");
  const int64_t days = DaysBeforeYear(year) + DaysBeforeMonth(year, month) + (day - 1);
  return days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
}

std::string FormatXapiDateTime(int64_t unix_seconds) {
  const int64_t days = FloorDiv(unix_seconds, kSecondsPerDay);
  const int64_t rem = unix_seconds - days * kSecondsPerDay;
  // Estimate the year, then correct it: the estimate is off by at most one or two.
  int64_t year = 1970 + FloorDiv(days * 400, 146097);
  while (DaysBeforeYear(year) > days) --year;
  while (DaysBeforeYear(year + 1) <= days) ++year;
  int64_t day_of_year = days - DaysBeforeYear(year);
  int month = 1;
  while (day_of_year >= DaysInMonth(year, month)) day_of_year -= DaysInMonth(year, month++);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04" PRId64 "%02d%02dT%02d:%02d:%02dZ", year, month,
                static_cast<int>(day_of_year + 1), static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

}  // namespace xcr::xapi
