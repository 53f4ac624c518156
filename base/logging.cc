#include "base/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "base/log_line.h"

namespace xcr {
namespace {

std::atomic<int> g_level{[] {
  LogLevel l = LogLevel::kINFO;
  if (const char* e = std::getenv("XCR_LOG_LEVEL")) ParseLogLevel(e, &l);
  return static_cast<int>(l);
}()};

std::mutex& SinkMutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
std::function<void(LogLevel, const std::string&)>& Sink() {
  static auto* s = new std::function<void(LogLevel, const std::string&)>;
  return *s;
}

thread_local ThreadLogBinding t_binding;

}  // namespace

ThreadLogBinding CurrentThreadLogBinding() { return t_binding; }

ScopedThreadLogSink::ScopedThreadLogSink(std::shared_ptr<const LogSinkFn> sink,
                                         bool also_process_sink)
    : ScopedThreadLogSink(ThreadLogBinding{std::move(sink), also_process_sink}) {}

ScopedThreadLogSink::ScopedThreadLogSink(ThreadLogBinding binding) : previous_(t_binding) {
  t_binding = std::move(binding);
}

ScopedThreadLogSink::~ScopedThreadLogSink() { t_binding = std::move(previous_); }

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  if (text == "debug")
    *out = LogLevel::kDEBUG;
  else if (text == "info")
    *out = LogLevel::kINFO;
  else if (text == "warn" || text == "warning")
    *out = LogLevel::kWARN;
  else if (text == "error")
    *out = LogLevel::kERROR;
  else
    return false;
  return true;
}

void SetLogSink(std::function<void(LogLevel, const std::string&)> sink) {
  std::lock_guard<std::mutex> lock(SinkMutex());
  Sink() = std::move(sink);
}

LogMessage::LogMessage(LogLevel level, const char* file, int line) : level_(level) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm;
  gmtime_r(&secs, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  const char* base = file;
  for (const char* p = file; *p; ++p) {
    if (*p == '/') base = p + 1;
  }
  stream_ << ts << ' ' << LogLevelName(level) << ' ' << base << ':' << line << "] ";
}

LogMessage::~LogMessage() {
  std::string line = stream_.str();
  if (t_binding.sink && *t_binding.sink) {
    (*t_binding.sink)(level_, line);
    if (!t_binding.also_process_sink) return;
  }
  std::lock_guard<std::mutex> lock(SinkMutex());
  if (Sink()) {
    Sink()(level_, line);
  } else {
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace xcr
