// RunCommand: runs a shell command line for tests of the tools (xcr-xapi, xcr-vhd, ...), with
// stdin from /dev/null and stderr folded into stdout.
//   CommandResult r = RunCommand("XCR_PASSWORD=x " + tool + " records URL VM");
//   EXPECT_EQ(r.rc, 1) << r.out;
#ifndef XCR_TESTS_TESTUTIL_RUN_COMMAND_H_
#define XCR_TESTS_TESTUTIL_RUN_COMMAND_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace xcr::testing {

struct CommandResult {
  int rc = -1;      // the exit code; -1 if it could not run or was killed by a signal
  std::string out;  // stdout and stderr
};

inline CommandResult RunCommand(const std::string& command_line) {
  CommandResult r;
  FILE* p = popen((command_line + " 2>&1 </dev/null").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace xcr::testing

#endif  // XCR_TESTS_TESTUTIL_RUN_COMMAND_H_
