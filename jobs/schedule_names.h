// Names of months and weekdays shared by the schedule parsers and the description.
#ifndef XCR_JOBS_SCHEDULE_NAMES_H_
#define XCR_JOBS_SCHEDULE_NAMES_H_

#include <array>

namespace xcr::jobs {

inline constexpr std::array<const char*, 12> kMonthAbbrevs = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
inline constexpr std::array<const char*, 12> kMonthNames = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
// Index 0 is Sunday, as in cron.
inline constexpr std::array<const char*, 7> kWeekdayAbbrevs = {"sun", "mon", "tue", "wed",
                                                               "thu", "fri", "sat"};
inline constexpr std::array<const char*, 7> kWeekdayNames = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULE_NAMES_H_
