#include "base/logging.h"

#include <vector>

#include <gtest/gtest.h>

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

TEST(LoggingTest, ParseLevel) {
  LogLevel l;
  EXPECT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDEBUG);
  EXPECT_TRUE(ParseLogLevel("error", &l));
  EXPECT_EQ(l, LogLevel::kERROR);
  EXPECT_FALSE(ParseLogLevel("loud", &l));
}

}  // namespace
}  // namespace xcr
