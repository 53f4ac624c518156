// Log lines taken apart: a line base/logging.h formatted is
// "2026-11-23T09:40:01.123Z INFO  file.cc:42] message"; a run's stored log keeps the time
// (RunLogLine::time_us) and the level apart and shows each once, so it needs the message alone.
#ifndef XCR_BASE_LOG_LINE_H_
#define XCR_BASE_LOG_LINE_H_

#include <string_view>

#include "base/logging.h"

namespace xcr {

// The level as a line shows it, padded to five characters: "DEBUG", "INFO ", "WARN ", "ERROR".
const char* LogLevelName(LogLevel level);

// The message of a formatted line: what follows its "TIME LEVEL file.cc:42] " prefix. A line
// without that prefix is returned whole.
std::string_view LogLineMessage(std::string_view line);

}  // namespace xcr

#endif  // XCR_BASE_LOG_LINE_H_
