// Parsing of one schedule field written as a list: "1,5,10-20/5,*/15", "mon..fri", "jan-mar".
// Shared by the cron parser (ranges "a-b") and the calendar-event parser (ranges "a..b").
//
//   list  := item (',' item)*
//   item  := '*' ['/' step] | '?' | value [SEP value] ['/' step]
//   value := decimal number | a name from FieldSpec::names (case-insensitive)
//
// "a/s" means from a to the field's maximum every s (as cron-parser and systemd read it).
// Errors are InvalidArgument "column N: <reason>", N the 1-based column in the whole expression.
//
// Thread-safety: pure functions.
#ifndef XCR_JOBS_SCHEDULE_LIST_PARSER_H_
#define XCR_JOBS_SCHEDULE_LIST_PARSER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace xcr::jobs {

struct FieldSpec {
  const char* name = "";  // for messages: "minutes", "hours", "day of month", ...
  int min = 0;
  int max = 0;
  // Names for values min, min+1, ... (e.g. "jan".."dec"); empty if the field has none. Matched
  // case-insensitively, also as a prefix of at least 3 letters of `long_names` if given.
  std::span<const char* const> names;
  std::span<const char* const> long_names;
  int names_base = 0;  // the value of names[0]
  // Separators accepted for a range; the first is the one shown in messages.
  std::span<const char* const> range_separators;
  bool allow_question_mark = false;  // '?' means '*' (cron's day fields)
  bool allow_step = true;
  bool seven_is_sunday = false;  // day of week: 7 is stored as 0
};

// Returns a bit mask of the selected values (bit v for value v) or the first error. `column` is
// the 1-based column of text[0] in the whole expression.
Result<uint64_t> ParseFieldList(std::string_view text, size_t column, const FieldSpec& spec);

// One whitespace-separated word of an expression and its 1-based column.
struct ScheduleWord {
  std::string_view text;
  size_t column;
};

// The words of `text` (split on white space), each with its column.
std::vector<ScheduleWord> SplitScheduleWords(std::string_view text);

// InvalidArgument "column <column>: <reason>".
Status ColumnError(size_t column, std::string_view reason);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULE_LIST_PARSER_H_
