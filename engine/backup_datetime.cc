#include "engine/backup_datetime.h"

#include <date/date.h>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace xcr::engine {
namespace {

std::tm ToUtc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatBackupDatetime(int64_t unix_seconds) {
  std::tm tm = ToUtc(unix_seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string FormatRfc3339(int64_t unix_us) {
  auto t = std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(unix_us)));
  return date::format("%FT%TZ", t);
}

std::string FormatCompactDatetime(int64_t unix_seconds) {
  std::tm tm = ToUtc(unix_seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

Result<int64_t> ParseBackupDatetime(std::string_view text) {
  // YYYYMMDDTHH:MM:SSZ (18) or YYYYMMDDTHHMMSSZ (16).
  int y, mo, d, h, mi, s;
  bool colons = text.size() == 18;
  bool ok = (colons || text.size() == 16) && Digits(text, 0, 4, &y) && Digits(text, 4, 2, &mo) &&
            Digits(text, 6, 2, &d) && text[8] == 'T' && Digits(text, 9, 2, &h) &&
            text.back() == 'Z';
  if (ok && colons) {
    ok = text[11] == ':' && Digits(text, 12, 2, &mi) && text[14] == ':' && Digits(text, 15, 2, &s);
  } else if (ok) {
    ok = Digits(text, 11, 2, &mi) && Digits(text, 13, 2, &s);
  }
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return Status::InvalidArgument("not a backup datetime (want YYYYMMDDTHH:MM:SSZ): '" +
                                   std::string(text.substr(0, 40)) + "'");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}

std::string DatetimeSortKey(std::string_view text) {
  auto t = ParseBackupDatetime(text);
  return t.ok() ? FormatCompactDatetime(*t) : std::string();
}

}  // namespace xcr::engine
