// A writer process killed with SIGKILL at a random moment loses nothing it committed: the child
// commits in a loop and reports each committed run id on a pipe only after the commit
// returned; the parent kills it, reopens the store and finds every reported id.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/uuid.h"
#include "jobs/sqlite_store.h"
#include "tests/jobs/store_test_util.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs {
namespace {

// The child: commits forever, alternating the kinds of change, and reports each id once its
// transaction committed. Never returns.
[[noreturn]] void WriterChild(const std::string& dir, int fd) {
  auto report = [fd](const std::string& line) {
    std::string text = line + "\n";
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) _exit(3);
  };
  auto opened = testing::OpenStore(dir);
  if (!opened.ok()) {
    report("E " + opened.status().ToString());
    _exit(1);
  }
  std::unique_ptr<SqliteStore> store = std::move(*opened);
  const std::string job_id = testing::ValidJob().id;
  for (int64_t i = 1;; ++i) {
    RunRecord run = testing::MakeRun(job_id, i);
    Status s;
    if (i % 2 == 0) {
      s = store->SaveRun(run);
      if (s.ok()) s = store->AppendRunLog(run.id, std::vector<RunLogLine>{{i, "line " + run.id}});
    } else {
      VmTargetState st{job_id, run.id, testing::kPoolA, "sr-fast"};
      st.last_bytes = static_cast<uint64_t>(i);
      s = store->FinishRun(testing::Finished(run, i + 1), std::vector<VmTargetState>{st});
    }
    if (!s.ok()) {
      report("E " + s.ToString());
      _exit(1);
    }
    report((i % 2 == 0 ? "L " : "F ") + run.id);
  }
}

TEST(StoreCrash, KillNineLosesNothingCommitted) {
  ::xcr::testing::TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, testing::OpenStore(dir.path()));
    ASSERT_OK(store->PutPool(testing::ValidPool(testing::kPoolA, "a")));
    ASSERT_OK(store->PutPool(testing::ValidPool(testing::kPoolB, "b")));
    ASSERT_OK(store->PutJob(testing::ValidJob()));
    ASSERT_OK(store->PutSetting("history.keepRuns", "0"));  // keep every run
  }  // closed before fork: no SQLite connection crosses it

  std::mt19937 rng{std::random_device{}()};
  std::vector<std::pair<char, std::string>> reported;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      WriterChild(dir.path(), fds[1]);
    }
    ::close(fds[1]);
    // Let it commit a random number of changes, then kill it at a random point of the next.
    size_t wanted = std::uniform_int_distribution<size_t>(5, 120)(rng);
    std::string buffer;
    size_t lines = 0;
    char chunk[4096];
    bool killed = false;
    while (true) {
      if (!killed && lines >= wanted) {
        ::usleep(std::uniform_int_distribution<useconds_t>(0, 3000)(rng));
        ASSERT_EQ(::kill(pid, SIGKILL), 0);
        killed = true;
      }
      ssize_t n = ::read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;  // EOF once the killed child's end is closed
      buffer.append(chunk, static_cast<size_t>(n));
      size_t pos;
      while ((pos = buffer.find('\n')) != std::string::npos) {
        std::string line = buffer.substr(0, pos);
        buffer.erase(0, pos + 1);
        ASSERT_NE(line[0], 'E') << line;
        reported.emplace_back(line[0], line.substr(2));
        ++lines;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer must die by SIGKILL, status " << status;
    ASSERT_GE(lines, wanted);
  }

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, testing::OpenStore(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> states,
                       store->ListVmStates(testing::ValidJob().id));
  std::set<std::string> state_vms;
  for (const VmTargetState& s : states) state_vms.insert(s.vm_uuid);
  for (const auto& [kind, id] : reported) {
    Result<RunRecord> run = store->GetRun(id);
    ASSERT_TRUE(run.ok()) << "committed run " << id << " lost: " << run.status().ToString();
    if (kind == 'F') {
      EXPECT_EQ(run->result, RunResult::kSuccess) << id;
      EXPECT_EQ(state_vms.count(id), 1u) << "VM state committed with run " << id << " lost";
    } else {
      ASSERT_OK_AND_ASSIGN(std::vector<RunLogLine> log, store->GetRunLog(id));
      ASSERT_EQ(log.size(), 1u) << "log line committed for run " << id << " lost";
      EXPECT_EQ(log[0].text, "line " + id);
    }
  }
}

}  // namespace
}  // namespace xcr::jobs
