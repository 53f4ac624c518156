#include "cli/progress_board.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::cli {
namespace {

xapi::TransferProgress Pipe(uint64_t total, std::vector<xapi::TargetProgress> targets) {
  xapi::TransferProgress p;
  p.total = total;
  for (const auto& t : targets) p.bytes = std::max(p.bytes, t.bytes);
  p.targets = std::move(targets);
  return p;
}

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

using TS = xapi::TargetProgress::State;

TEST(ProgressBoardTest, TerminalRedrawsOneLinePerDiskAndTargetInPlace) {
  testing::FakeClockEnv env;
  ProgressBoard board(&env, /*tty=*/true);
  constexpr uint64_t kTotal = 100 << 20;
  board.Update("web disk 0", Pipe(kTotal, {{"sr-a (dr1)", 10 << 20, TS::kRunning},
                                           {"sr-b (dr2)", 5 << 20, TS::kRunning}}));
  std::string first = board.Frame();
  EXPECT_EQ(first.find("\033["), first.find("\033[K"));  // no cursor movement yet
  EXPECT_EQ(Count(first, "\r\033[K"), 2u);
  EXPECT_NE(first.find("web disk 0 -> sr-a (dr1)   10.0%"), std::string::npos) << first;
  EXPECT_NE(first.find("web disk 0 -> sr-b (dr2)    5.0%"), std::string::npos) << first;

  // Within the redraw interval nothing is written; after it, both lines are redrawn in place
  // with their own rate (bytes since the row appeared, over 1 s) and ETA.
  env.Advance(100000);
  board.Update("web disk 0", Pipe(kTotal, {{"sr-a (dr1)", 11 << 20, TS::kRunning},
                                           {"sr-b (dr2)", 6 << 20, TS::kRunning}}));
  EXPECT_EQ(board.Frame(), "");
  env.Advance(900000);
  board.Update("web disk 0", Pipe(kTotal, {{"sr-a (dr1)", 20 << 20, TS::kRunning},
                                           {"sr-b (dr2)", 10 << 20, TS::kRunning}}));
  std::string second = board.Frame();
  EXPECT_EQ(second.rfind("\033[2A", 0), 0u) << second;
  EXPECT_NE(second.find("sr-a (dr1)   20.0%  20.00 MiB / 100.00 MiB  20.00 MiB/s  ETA 4s"),
            std::string::npos)
      << second;
  EXPECT_NE(second.find("sr-b (dr2)   10.0%  10.00 MiB / 100.00 MiB  10.00 MiB/s  ETA 9s"),
            std::string::npos)
      << second;

  // sr-b fails: drawn at once as failed, then left above; only sr-a stays live.
  board.Update("web disk 0", Pipe(kTotal, {{"sr-a (dr1)", 21 << 20, TS::kRunning},
                                           {"sr-b (dr2)", 10 << 20, TS::kFailed}}));
  std::string third = board.Frame();
  EXPECT_EQ(third.rfind("\033[2A", 0), 0u) << third;
  EXPECT_LT(third.find("sr-b (dr2)  FAILED at 10.0%"), third.find("sr-a (dr1)")) << third;
  env.Advance(1000000);
  board.Update("web disk 0", Pipe(kTotal, {{"sr-a (dr1)", 30 << 20, TS::kRunning},
                                           {"sr-b (dr2)", 10 << 20, TS::kFailed}}));
  std::string fourth = board.Frame();
  EXPECT_EQ(fourth.rfind("\033[1A", 0), 0u) << fourth;
  EXPECT_EQ(fourth.find("sr-b"), std::string::npos) << fourth;
  // A second disk adds its own rows; Finish shows every row's final line.
  board.Update("web disk 1", Pipe(kTotal, {{"sr-a (dr1)", 1 << 20, TS::kRunning}}));
  board.Update("web disk 0", Pipe(kTotal, {{"sr-a (dr1)", kTotal, TS::kDone},
                                           {"sr-b (dr2)", 10 << 20, TS::kFailed}}));
  std::string fifth = board.Frame();
  EXPECT_NE(fifth.find("web disk 0 -> sr-a (dr1)  100.0%  100.00 MiB / 100.00 MiB  done"),
            std::string::npos)
      << fifth;
  EXPECT_NE(fifth.find("web disk 1 -> sr-a (dr1)"), std::string::npos) << fifth;
  std::string last = board.Finish();
  EXPECT_EQ(last.rfind("\033[1A", 0), 0u) << last;
  EXPECT_NE(last.find("web disk 1 -> sr-a (dr1)"), std::string::npos) << last;
  EXPECT_EQ(board.Finish(), "");  // nothing left live, nothing redrawn
}

// A log line printed during a transfer scrolls above the live rows: they are cleared, the line
// written, and drawn again below it; the next redraw moves up over the rows only.
TEST(ProgressBoardTest, LogLinesScrollAboveTheLiveRows) {
  testing::FakeClockEnv env;
  ProgressBoard board(&env, /*tty=*/true);
  EXPECT_EQ(board.Interleave("before any transfer"), "before any transfer\n");
  constexpr uint64_t kTotal = 100 << 20;
  board.Update("db disk 0",
               Pipe(kTotal, {{"sr-a", 10 << 20, TS::kRunning}, {"sr-b", 20 << 20, TS::kRunning}}));
  ASSERT_NE(board.Frame(), "");
  env.Advance(1000);  // inside the redraw interval: the rows are drawn again all the same
  std::string out = board.Interleave("WARN pipe target 1 failed");
  EXPECT_EQ(out.rfind("\033[2A\r\033[JWARN pipe target 1 failed\n", 0), 0u) << out;
  size_t line_end = out.find('\n');
  EXPECT_EQ(Count(out.substr(line_end), "\r\033[K"), 2u) << out;
  EXPECT_LT(out.find("db disk 0 -> sr-a"), out.find("db disk 0 -> sr-b")) << out;
  EXPECT_EQ(out.find("\033[", line_end), out.find("\r\033[K", line_end) + 1) << out;
  env.Advance(1000000);
  board.Update("db disk 0",
               Pipe(kTotal, {{"sr-a", 30 << 20, TS::kRunning}, {"sr-b", 40 << 20, TS::kRunning}}));
  std::string next = board.Frame();
  EXPECT_EQ(next.rfind("\033[2A", 0), 0u) << next;  // over the two rows, not the log line

  ProgressBoard plain(&env, /*tty=*/false);
  plain.Update("db disk 0", Pipe(kTotal, {{"sr-a", 10 << 20, TS::kRunning}}));
  (void)plain.Frame();
  EXPECT_EQ(plain.Interleave("a log line"), "a log line\n");
}

TEST(ProgressBoardTest, PlainOutputIsPeriodicLinesWithoutEscapes) {
  testing::FakeClockEnv env;
  ProgressBoard board(&env, /*tty=*/false, /*plain_interval_us=*/5000000);
  constexpr uint64_t kTotal = 100 << 20;
  board.Update("db disk 0", Pipe(kTotal, {{"sr-a (dr1)", 10 << 20, TS::kRunning},
                                          {"sr-b (dr2)", 10 << 20, TS::kRunning}}));
  EXPECT_EQ(board.Frame(), "");  // not due yet
  env.Advance(5000000);
  board.Update("db disk 0", Pipe(kTotal, {{"sr-a (dr1)", 50 << 20, TS::kRunning},
                                          {"sr-b (dr2)", 20 << 20, TS::kRunning}}));
  std::string periodic = board.Frame();
  EXPECT_EQ(periodic.find('\033'), std::string::npos) << periodic;
  EXPECT_EQ(Count(periodic, "\n"), 2u) << periodic;
  EXPECT_NE(periodic.find("db disk 0 -> sr-a (dr1)   50.0%"), std::string::npos) << periodic;
  EXPECT_EQ(board.Frame(), "");
  // A failure is reported at once, once.
  env.Advance(1000000);
  board.Update("db disk 0", Pipe(kTotal, {{"sr-a (dr1)", 60 << 20, TS::kRunning},
                                          {"sr-b (dr2)", 20 << 20, TS::kFailed}}));
  EXPECT_EQ(board.Frame(), "db disk 0 -> sr-b (dr2)  FAILED at 20.0%  20.00 MiB / 100.00 MiB\n");
  EXPECT_EQ(board.Frame(), "");
  board.Update("db disk 0", Pipe(kTotal, {{"sr-a (dr1)", kTotal, TS::kDone},
                                          {"sr-b (dr2)", 20 << 20, TS::kFailed}}));
  EXPECT_EQ(board.Finish(), "db disk 0 -> sr-a (dr1)  100.0%  100.00 MiB / 100.00 MiB  done\n");
}

TEST(ProgressBoardTest, ExportWithoutTargetsIsOneRow) {
  testing::FakeClockEnv env;
  ProgressBoard board(&env, /*tty=*/false);
  xapi::TransferProgress p;
  p.total = 1000;
  p.bytes = 1000;
  board.Update("vm disk 0", p);
  EXPECT_EQ(board.Frame(), "vm disk 0  100.0%  1000 B / 1000 B  done\n");
}

}  // namespace
}  // namespace xcr::cli
