#include "jobs/schedule_expression.h"

#include <cctype>
#include <exception>
#include <string>

#include "jobs/calendar_event_parser.h"
#include "jobs/cron_parser.h"

namespace xcr::jobs {
namespace {

size_t CountWords(std::string_view text) {
  size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<ScheduleExpression> ScheduleExpression::Parse(std::string_view text) {
  const std::string_view trimmed = TrimSpace(text);
  if (trimmed.empty()) {
    return Status::InvalidArgument(
        "the schedule is empty: write a cron expression such as '30 22 * * mon-fri' or a "
        "calendar event such as 'mon..fri 22:30'");
  }
  if (text.size() > 1024) return Status::InvalidArgument("the schedule is longer than 1024 bytes");
  const size_t words = CountWords(text);
  if (trimmed.front() == '@' || words >= 4) {
    XCR_ASSIGN_OR_RETURN(ScheduleFields f, ParseCron(text));
    return ScheduleExpression(std::string(trimmed), ScheduleSyntax::kCron, f);
  }
  Result<ScheduleFields> f = ParseCalendarEvent(text);
  if (!f.ok()) {
    // "0 0 *" is a cron expression cut short rather than a calendar event: say so.
    const bool cron_like =
        (words == 2 || words == 3) && trimmed.find(':') == std::string_view::npos &&
        (std::isdigit(static_cast<unsigned char>(trimmed.front())) || trimmed.front() == '*');
    if (cron_like) return ParseCron(text).status();
    return f.status();
  }
  return ScheduleExpression(std::string(trimmed), ScheduleSyntax::kCalendarEvent, *f);
}

Result<const date::time_zone*> FindTimeZone(std::string_view name) {
  if (name.empty())
    return Status::InvalidArgument("the time zone is empty (e.g. Europe/Paris, UTC)");
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return Status::NotFound("unknown time zone '" + std::string(name) +
                            "' (an IANA name such as Europe/Paris or UTC)");
  }
}

Status ValidateSchedule(std::string_view text, std::string_view time_zone) {
  Result<ScheduleExpression> e = ScheduleExpression::Parse(text);
  if (!e.ok()) {
    return e.status().WithContext("schedule '" + std::string(TrimSpace(text)) + "'");
  }
  Result<const date::time_zone*> tz = FindTimeZone(time_zone);
  if (!tz.ok()) return tz.status();
  return Status::OK();
}

}  // namespace xcr::jobs
