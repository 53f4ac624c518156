// Logging: leveled, thread-safe lines to stderr (or a sink a test or the task log installs).
//
//   XCR_LOG(INFO) << "exported " << bytes << " bytes of VDI " << uuid;
//
// A line is "2026-11-23T09:40:01.123Z INFO  file.cc:42] message". The minimum level comes from
// SetLogLevel() or the XCR_LOG_LEVEL environment variable (debug|info|warn|error; default info).
// Secrets (passwords, session refs) are never logged: callers pass redacted values.
#ifndef XCR_BASE_LOGGING_H_
#define XCR_BASE_LOGGING_H_

#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace xcr {

enum class LogLevel { kDEBUG = 0, kINFO = 1, kWARN = 2, kERROR = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warn", "error"; false if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);

// Replaces the output of log lines (formatted, without trailing newline); nullptr restores
// stderr. The sink is called under a lock, one line at a time.
void SetLogSink(std::function<void(LogLevel, const std::string&)> sink);

class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace xcr

#define XCR_LOG(level)                                    \
  if (::xcr::LogLevel::k##level < ::xcr::GetLogLevel()) { \
  } else                                                  \
    ::xcr::LogMessage(::xcr::LogLevel::k##level, __FILE__, __LINE__).stream()

#endif  // XCR_BASE_LOGGING_H_
