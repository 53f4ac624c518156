#include "base/log_line.h"

namespace xcr {

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDEBUG:
      return "DEBUG";
    case LogLevel::kINFO:
      return "INFO ";
    case LogLevel::kWARN:
      return "WARN ";
    case LogLevel::kERROR:
      return "ERROR";
  }
  return "?";
}

std::string_view LogLineMessage(std::string_view line) {
  // The time is 24 characters ("YYYY-MM-DDTHH:MM:SS.mmmZ"), the level 5, each followed by a space.
  constexpr size_t kSourceAt = 24 + 1 + 5 + 1;
  if (line.size() <= kSourceAt || line[4] != '-' || line[10] != 'T' || line[23] != 'Z' ||
      line[24] != ' ' || line[30] != ' ') {
    return line;
  }
  size_t end = line.find("] ", kSourceAt);
  if (end == std::string_view::npos ||
      line.substr(kSourceAt, end - kSourceAt).find(' ') != std::string_view::npos) {
    return line;
  }
  return line.substr(end + 2);
}

}  // namespace xcr
