// Logging: leveled, thread-safe lines to stderr (or a sink a test or the task log installs).
//
// Two kinds of sink:
// - the process's sink (SetLogSink): where every line goes by default (stderr when none); the
//   CLI's progress display takes it over to keep its board intact;
// - a thread-bound sink (ScopedThreadLogSink): lines logged on that thread go to it first
//   (then, by default, on to the process's sink too). A run binds one on its worker threads and
//   carries it into the threads they start (InheritLogSink), so two runs in one process keep
//   separate logs:
//
//     auto sink = std::make_shared<LogSinkFn>([&](LogLevel, const std::string& line) {...});
//     ScopedThreadLogSink bound(sink);
//     std::thread t(InheritLogSink([] { XCR_LOG(INFO) << "goes to sink too"; }));
//
//   XCR_LOG(INFO) << "exported " << bytes << " bytes of VDI " << uuid;
//
// A line is "2026-11-23T09:40:01.123Z INFO  file.cc:42] message". The minimum level comes from
// SetLogLevel() or the XCR_LOG_LEVEL environment variable (debug|info|warn|error; default info).
// Secrets (passwords, session refs) are never logged: callers pass redacted values.
#ifndef XCR_BASE_LOGGING_H_
#define XCR_BASE_LOGGING_H_

#include <functional>
#include <memory>
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

using LogSinkFn = std::function<void(LogLevel, const std::string&)>;

// What a thread's log lines go to besides (or instead of) the process's sink.
struct ThreadLogBinding {
  std::shared_ptr<const LogSinkFn> sink;  // null: none (the process's sink only)
  bool also_process_sink = true;          // the line also goes to the process's sink
};

// The calling thread's binding (to carry into a thread it starts).
ThreadLogBinding CurrentThreadLogBinding();

// Binds `sink` to the calling thread while in scope; restores the previous binding (they nest).
// The sink is called on the logging thread, not under the process's log lock: when several
// threads share one sink (a run's workers), it must be thread-safe.
class ScopedThreadLogSink {
 public:
  explicit ScopedThreadLogSink(std::shared_ptr<const LogSinkFn> sink,
                               bool also_process_sink = true);
  explicit ScopedThreadLogSink(ThreadLogBinding binding);
  ~ScopedThreadLogSink();
  ScopedThreadLogSink(const ScopedThreadLogSink&) = delete;
  ScopedThreadLogSink& operator=(const ScopedThreadLogSink&) = delete;

 private:
  ThreadLogBinding previous_;
};

// Wraps `fn` so that it runs with the calling thread's binding, on whatever thread calls it:
//   std::thread t(InheritLogSink([&] { ... }));
template <typename F>
auto InheritLogSink(F fn) {
  return [binding = CurrentThreadLogBinding(), fn = std::move(fn)]() mutable {
    ScopedThreadLogSink bound(binding);
    return fn();
  };
}

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
