// ScriptServer: runs a small test server script (python3 SCRIPT ARGS...) as a child process
// for tests over real sockets on 127.0.0.1. The script prints the port it listens on as its
// first line, then serves until its stdin closes; the destructor closes it and waits (SIGKILL
// after 5 s), so every server a test starts is stopped.
//   ScriptServer s(XCR_SOME_SERVER_PY, {"arg"});  ASSERT_TRUE(s.ok());  s.port();
#ifndef XCR_TESTS_TESTUTIL_SCRIPT_SERVER_H_
#define XCR_TESTS_TESTUTIL_SCRIPT_SERVER_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace xcr::testing {

class ScriptServer {
 public:
  ScriptServer(const std::string& script, const std::vector<std::string>& args) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0) return;
    if (pipe(from_child) != 0) {
      close(to_child[0]);
      close(to_child[1]);
      return;
    }
    std::vector<std::string> argv_s{"python3", script};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      execvp("python3", argv.data());
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    stdin_ = to_child[1];
    FILE* out = fdopen(from_child[0], "r");
    int port = 0;
    if (out != nullptr && std::fscanf(out, "%d", &port) == 1) port_ = port;
    if (out != nullptr) std::fclose(out);
  }
  ~ScriptServer() {
    if (stdin_ >= 0) close(stdin_);
    if (pid_ > 0) {
      int st = 0;
      for (int i = 0; i < 50 && waitpid(pid_, &st, WNOHANG) == 0; ++i) usleep(100'000);
      if (waitpid(pid_, &st, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
      }
    }
  }
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

}  // namespace xcr::testing

#endif  // XCR_TESTS_TESTUTIL_SCRIPT_SERVER_H_
