#include "jobs/schedule_list_parser.h"
#include "base/text.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace xcr::jobs {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string RangeText(const FieldSpec& spec) {
  return std::to_string(spec.min) + "-" + std::to_string(spec.max);
}

// Parses one value (number or name) at `column`.
Result<int> ParseValue(std::string_view text, size_t column, const FieldSpec& spec) {
  if (text.empty()) {
    return ColumnError(column, std::string("a value is missing in ") + spec.name);
  }
  if (AllDigits(text)) {
    // Long numbers are out of range, whatever their value.
    const int v = text.size() > 4 ? 99999 : std::stoi(std::string(text));
    int max = spec.max;
    if (spec.seven_is_sunday) max = 7;
    if (v < spec.min || v > max) {
      return ColumnError(column, "'" + std::string(text) + "' is out of range " +
                                     std::to_string(spec.min) + "-" + std::to_string(max) +
                                     " for " + spec.name);
    }
    return v;
  }
  const std::string lower = AsciiLower(text);
  for (size_t i = 0; i < spec.names.size(); ++i) {
    if (lower == spec.names[i]) return spec.names_base + static_cast<int>(i);
  }
  for (size_t i = 0; i < spec.long_names.size(); ++i) {
    if (lower == spec.long_names[i]) return spec.names_base + static_cast<int>(i);
  }
  std::string reason = "'" + std::string(text) + "' is not ";
  if (spec.names.empty()) {
    reason += "a number for " + std::string(spec.name) + " (expected " + RangeText(spec) + ")";
  } else {
    reason += "a number or a name for " + std::string(spec.name) + " (expected " + RangeText(spec) +
              " or " + spec.names.front() + ".." + spec.names.back() + ")";
  }
  if (text == "L" || text == "l" || text.find('#') != std::string_view::npos ||
      (text.size() > 1 && (text.back() == 'W' || text.back() == 'L'))) {
    reason += "; 'L', 'W' and '#' are not supported";
  }
  return ColumnError(column, reason);
}

Result<uint64_t> ParseItem(std::string_view item, size_t column, const FieldSpec& spec) {
  if (item.empty()) {
    return ColumnError(column, std::string("empty element in the list of ") + spec.name);
  }
  std::string_view base = item;
  std::string_view step_text;
  size_t step_column = 0;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    step_text = item.substr(slash + 1);
    step_column = column + slash + 1;
    if (!spec.allow_step) {
      return ColumnError(column + slash,
                         std::string("steps ('/') are not allowed for ") + spec.name);
    }
    if (!AllDigits(step_text)) {
      return ColumnError(step_column, "step '" + std::string(step_text) +
                                          "' is not a positive number for " + spec.name);
    }
  }
  int step = 1;
  if (!step_text.empty()) {
    const int v = step_text.size() > 4 ? 99999 : std::stoi(std::string(step_text));
    const int span = spec.max - spec.min + 1;
    if (v < 1 || v > span) {
      return ColumnError(step_column, "step '" + std::string(step_text) + "' is out of range 1-" +
                                          std::to_string(span) + " for " + spec.name);
    }
    step = v;
  }
  int lo = spec.min;
  int hi = spec.max;
  if (base == "*" || (base == "?" && spec.allow_question_mark)) {
    if (base == "?" && !step_text.empty()) {
      return ColumnError(column, "'?' cannot take a step");
    }
  } else {
    size_t sep_pos = std::string_view::npos;
    size_t sep_len = 0;
    for (const char* sep : spec.range_separators) {
      const size_t p = base.find(sep);
      if (p != std::string_view::npos && p > 0) {
        sep_pos = p;
        sep_len = std::string_view(sep).size();
        break;
      }
    }
    XCR_ASSIGN_OR_RETURN(lo, ParseValue(base.substr(0, sep_pos), column, spec));
    if (sep_pos == std::string_view::npos) {
      hi = step_text.empty() ? lo : std::max(lo, spec.max);  // "7/2" on weekdays: Sunday
    } else {
      const std::string_view hi_text = base.substr(sep_pos + sep_len);
      XCR_ASSIGN_OR_RETURN(hi, ParseValue(hi_text, column + sep_pos + sep_len, spec));
      // "fri-sun": a range ending on Sunday's name ends the week (7), as in cron.
      if (spec.seven_is_sunday && hi == 0 && !AllDigits(hi_text)) hi = 7;
      if (hi < lo) {
        return ColumnError(column, "range '" + std::string(base) + "' is reversed for " +
                                       spec.name + " (write the smaller value first)");
      }
    }
  }
  uint64_t mask = 0;
  for (int v = lo; v <= hi; v += step) {
    const int stored = (spec.seven_is_sunday && v == 7) ? 0 : v;
    mask |= uint64_t{1} << stored;
  }
  return mask;
}

}  // namespace

Status ColumnError(size_t column, std::string_view reason) {
  return Status::InvalidArgument("column " + std::to_string(column) + ": " + std::string(reason));
}

Result<uint64_t> ParseFieldList(std::string_view text, size_t column, const FieldSpec& spec) {
  uint64_t mask = 0;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    XCR_ASSIGN_OR_RETURN(uint64_t bits, ParseItem(item, column + start, spec));
    mask |= bits;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return mask;
}

std::vector<ScheduleWord> SplitScheduleWords(std::string_view text) {
  std::vector<ScheduleWord> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.push_back({text.substr(start, i - start), start + 1});
  }
  return words;
}

}  // namespace xcr::jobs
