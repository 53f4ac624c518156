// The xapi-sim command-line contract: the first stdout line, the fingerprint with --https,
// population, a clean exit 0 on SIGTERM/SIGINT, and flags read as every xcr tool reads them
// ("--flag=value", --help and --version on stdout, usage errors exit 2).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "tests/sim/sim_client.h"

namespace xcr::sim::testing {
namespace {

// A spawned xapi-sim; killed and reaped on destruction if the test did not stop it.
struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
  Child() = default;
  Child(Child&& o) noexcept : pid(o.pid), out(o.out) {
    o.pid = -1;
    o.out = nullptr;
  }
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (out != nullptr) fclose(out);
  }
};

Child Spawn(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    std::string bin = XAPI_SIM_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  Child c;
  c.pid = pid;
  c.out = fdopen(fds[0], "r");
  return c;
}

std::string FirstLine(FILE* f) {
  char buf[512] = {0};
  if (fgets(buf, sizeof(buf), f) == nullptr) return "";
  std::string s(buf);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

int StopAndWait(Child& c, int sig) {
  kill(c.pid, sig);
  int status = 0;
  waitpid(c.pid, &status, 0);
  c.pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

TEST(XapiSimCliTest, PrintsUrlServesAndExitsCleanlyOnSigterm) {
  ::xcr::testing::TempDir dir;
  Child c = Spawn({"--state", dir.path() + "/s", "--listen", "127.0.0.1:0", "--populate", "2",
                   "--disk-size", "4M"});
  ASSERT_GT(c.pid, 0);
  std::string line = FirstLine(c.out);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_match(line, m, std::regex(R"(xapi-sim listening on (http://127\.0\.0\.1:(\d+)))")))
      << line;
  EXPECT_NE(m[2].str(), "0");
  std::string url = m[1].str();
  HttpRequestSpec r;
  r.method = "POST";
  r.url = url + "/";
  r.body = EncodeMethodCall("session.login_with_password", {Value("root"), Value("xapi-sim")});
  HttpResult h = Http(r);
  ASSERT_OK_AND_ASSIGN(Value v, DecodeResponse(h.body));
  ASSERT_OK_AND_ASSIGN(Value session, UnwrapXapiResult(v));
  r.body = EncodeMethodCall("VM.get_all", {session});
  ASSERT_OK_AND_ASSIGN(Value vms, DecodeResponse(Http(r).body));
  ASSERT_OK_AND_ASSIGN(Value list, UnwrapXapiResult(vms));
  EXPECT_EQ(list.array().size(), 3u);  // dom0 + 2 populated
  EXPECT_EQ(StopAndWait(c, SIGTERM), 0);
}

TEST(XapiSimCliTest, HttpsPrintsFingerprintAndCustomPasswordIsUsed) {
  ::xcr::testing::TempDir dir;
  ASSERT_OK(Env::Default()->WriteFileAtomic(dir.File("pw"), "s3cret\n"));
  Child c = Spawn({"--state", dir.path() + "/s", "--https", "--user", "admin", "--password-file",
                   dir.File("pw")});
  std::string line = FirstLine(c.out);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      line, m,
      std::regex(
          R"(xapi-sim listening on (https://127\.0\.0\.1:\d+) fingerprint SHA256:([0-9A-F]{2}(:[0-9A-F]{2}){31}))")))
      << line;
  HttpRequestSpec r;
  r.method = "POST";
  r.url = m[1].str() + "/";
  r.body = EncodeMethodCall("session.login_with_password", {Value("admin"), Value("s3cret")});
  ASSERT_OK_AND_ASSIGN(Value v, DecodeResponse(Http(r).body));
  EXPECT_OK(UnwrapXapiResult(v).status());
  EXPECT_EQ(StopAndWait(c, SIGINT), 0);
}

// Runs xapi-sim to its end: its whole stdout and exit status.
std::pair<std::string, int> RunToEnd(const std::vector<std::string>& args) {
  Child c = Spawn(args);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), c.out)) > 0) out.append(buf, n);
  int status = 0;
  waitpid(c.pid, &status, 0);
  c.pid = -1;
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status)};
}

TEST(XapiSimCliTest, TakesFlagEqualsValue) {
  ::xcr::testing::TempDir dir;
  Child c = Spawn({"--state=" + dir.path() + "/s", "--listen=127.0.0.1:0", "--populate=1",
                   "--disk-size=4M", "--members=1"});
  std::string line = FirstLine(c.out);
  EXPECT_TRUE(
      std::regex_match(line, std::regex(R"(xapi-sim listening on http://127\.0\.0\.1:\d+)")))
      << line;
  EXPECT_TRUE(std::regex_match(FirstLine(c.out), std::regex(R"(member http://127\.0\.0\.1:\d+)")));
  EXPECT_EQ(StopAndWait(c, SIGTERM), 0);
}

TEST(XapiSimCliTest, HelpAndVersionOnStdout) {
  for (const char* help : {"--help", "-h"}) {
    auto [out, rc] = RunToEnd({help});
    EXPECT_EQ(rc, 0) << help;
    EXPECT_EQ(out.rfind("usage: xapi-sim --state DIR [--listen HOST:PORT] [--https]", 0), 0u)
        << out;
    EXPECT_NE(out.find("[--members N] [--sr-size SIZE]"), std::string::npos) << out;
  }
  auto [version, rc] = RunToEnd({"--version"});
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(version.rfind("xapi-sim (xcr ", 0), 0u) << version;
}

TEST(XapiSimCliTest, BadFlagsAreUsageErrors) {
  ::xcr::testing::TempDir dir;
  const std::string state = dir.path() + "/s";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--state", state, "--no-such-flag"},
                                             {"--state", state, "--listen", "127.0.0.1"},
                                             {"--state", state, "--listen=127.0.0.1:99999"},
                                             {"--state", state, "--populate", "many"},
                                             {"--state", state, "--disk-size", "big"},
                                             {"--state"},
                                             {"--state", state, "stray"}}) {
    auto [out, rc] = RunToEnd(args);
    EXPECT_EQ(rc, 2) << args.back();
    EXPECT_EQ(out, "") << args.back();  // nothing served, nothing on stdout
  }
}

TEST(XapiSimCliTest, MissingStateIsAUsageError) {
  Child c = Spawn({"--listen", "127.0.0.1:0"});
  EXPECT_EQ(FirstLine(c.out), "");
  int status = 0;
  waitpid(c.pid, &status, 0);
  c.pid = -1;
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace xcr::sim::testing
