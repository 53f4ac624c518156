#include "base/logging.h"

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/log_line.h"

namespace xcr {
namespace {

TEST(LoggingTest, SinkReceivesFormattedLinesAboveLevel) {
  std::vector<std::string> lines;
  SetLogSink([&](LogLevel, const std::string& l) { lines.push_back(l); });
  LogLevel old = GetLogLevel();
  SetLogLevel(LogLevel::kINFO);
  XCR_LOG(DEBUG) << "hidden";
  XCR_LOG(WARN) << "target SR is " << 97 << "% full";
  SetLogLevel(old);
  SetLogSink(nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("WARN "), std::string::npos);
  EXPECT_NE(lines[0].find("logging_test.cc:"), std::string::npos);
  EXPECT_NE(lines[0].find("target SR is 97% full"), std::string::npos);
  EXPECT_EQ(lines[0][4], '-');  // starts with an ISO date
}

// A thread-bound sink gets the lines of its thread and of the threads started through
// InheritLogSink, not those of another thread; by default they also reach the process's sink.
TEST(LoggingTest, ThreadSinkIsPerThreadAndInherited) {
  std::mutex mu;
  std::vector<std::string> process, mine, other;
  SetLogSink([&](LogLevel, const std::string& l) {
    std::lock_guard<std::mutex> lock(mu);
    process.push_back(l);
  });
  auto collect = [&mu](std::vector<std::string>* into) {
    return std::make_shared<const LogSinkFn>([&mu, into](LogLevel, const std::string& l) {
      std::lock_guard<std::mutex> lock(mu);
      into->push_back(l);
    });
  };
  {
    ScopedThreadLogSink bound(collect(&mine));
    XCR_LOG(WARN) << "run-a line";
    std::thread child(InheritLogSink([] { XCR_LOG(WARN) << "run-a worker line"; }));
    std::thread stranger([&] {
      ScopedThreadLogSink other_bound(collect(&other), /*also_process_sink=*/false);
      XCR_LOG(WARN) << "run-b line";
    });
    child.join();
    stranger.join();
  }
  XCR_LOG(WARN) << "after the scope";
  SetLogSink(nullptr);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_NE(mine[0].find("run-a line"), std::string::npos);
  EXPECT_NE(mine[1].find("run-a worker line"), std::string::npos);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_NE(other[0].find("run-b line"), std::string::npos);
  // The process's sink: run a's lines and the line after the scope, not run b's.
  ASSERT_EQ(process.size(), 3u);
  EXPECT_NE(process[2].find("after the scope"), std::string::npos);
  for (const std::string& l : process) EXPECT_EQ(l.find("run-b"), std::string::npos);
}

TEST(LoggingTest, ParseLevel) {
  LogLevel l;
  EXPECT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDEBUG);
  EXPECT_TRUE(ParseLogLevel("error", &l));
  EXPECT_EQ(l, LogLevel::kERROR);
  EXPECT_FALSE(ParseLogLevel("loud", &l));
}

// A run's stored log keeps the message apart from the time and level its line was written with.
TEST(LoggingTest, LineMessageDropsTheTimeLevelAndSource) {
  std::vector<std::string> lines;
  SetLogSink([&](LogLevel, const std::string& l) { lines.push_back(l); });
  XCR_LOG(ERROR) << "logged in to https://pool-a [master] ";
  SetLogSink(nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(LogLineMessage(lines[0]), "logged in to https://pool-a [master] ");
  EXPECT_EQ(LogLineMessage("2026-12-07T21:34:02.172Z INFO  connection.cc:91] a] b"), "a] b");
  EXPECT_EQ(LogLineMessage("2026-12-07T21:34:02.172Z WARN  x.cc:1] "), "");
  // Not a formatted line: whole.
  EXPECT_EQ(LogLineMessage("3 more log line(s) not kept"), "3 more log line(s) not kept");
  EXPECT_EQ(LogLineMessage("2026-12-07T21:34:02.172Z INFO  no source here"),
            "2026-12-07T21:34:02.172Z INFO  no source here");
  EXPECT_STREQ(LogLevelName(LogLevel::kINFO), "INFO ");
  EXPECT_STREQ(LogLevelName(LogLevel::kERROR), "ERROR");
}

}  // namespace
}  // namespace xcr
