#include "jobs/sqlite_store.h"

#include <sys/stat.h>

#include <thread>

#include <gtest/gtest.h>

#include "tests/jobs/store_test_util.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs {
namespace {

using testing::Finished;
using testing::MakeRun;
using testing::ValidJob;
using testing::ValidPool;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = testing::OpenStore(dir_.path());
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }
  // Stores both pools ValidJob() targets, and the job.
  void PutJobAndPools() {
    ASSERT_OK(store_->PutPool(ValidPool(testing::kPoolA, "pool-a")));
    ASSERT_OK(store_->PutPool(ValidPool(testing::kPoolB, "pool-b")));
    ASSERT_OK(store_->PutJob(ValidJob()));
  }
  void Reopen() {
    store_.reset();
    auto opened = testing::OpenStore(dir_.path());
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, PoolsRoundTripWithPasswordAndSurviveReopen) {
  PoolConfig a = ValidPool(testing::kPoolA, "zeta");
  a.urls.push_back("https://10.0.0.6:8443");
  a.fingerprint = std::string(64, 'a');  // stored canonical
  PoolConfig b = ValidPool(testing::kPoolB, "alpha");
  b.fingerprint.clear();
  b.insecure = true;
  b.password = "";
  ASSERT_OK(store_->PutPool(a));
  ASSERT_OK(store_->PutPool(b));
  Reopen();
  ASSERT_OK_AND_ASSIGN(PoolConfig got, store_->GetPool(testing::kPoolA));
  PoolConfig want = a;
  CanonicalizePool(&want);
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.fingerprint.substr(0, 9), "SHA256:AA");
  ASSERT_OK_AND_ASSIGN(std::vector<PoolConfig> all, store_->ListPools());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], b) << "sorted by name";
  EXPECT_EQ(all[1], want);

  a.password = "changed";
  a.name = "zeta2";
  ASSERT_OK(store_->PutPool(a));
  ASSERT_OK_AND_ASSIGN(got, store_->GetPool(testing::kPoolA));
  EXPECT_EQ(got.password, "changed");
  EXPECT_EQ(got.name, "zeta2");
  EXPECT_STATUS(store_->GetPool("0c0c0c0c-0000-4000-8000-00000000000c"), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, TwoPoolsNeverShareAUrl) {
  ASSERT_OK(store_->PutPool(ValidPool(testing::kPoolA, "a")));
  PoolConfig b = ValidPool(testing::kPoolB, "b");
  b.urls = {"https://10.0.0.9", "https://10.0.0.5"};
  Status s = store_->PutPool(b);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("pool 'a'"), std::string::npos) << s.message();
  EXPECT_STATUS(store_->GetPool(testing::kPoolB), StatusCode::kNotFound);
  // The pool itself may be stored again with its URLs.
  PoolConfig a = ValidPool(testing::kPoolA, "a");
  a.urls.push_back("https://10.0.0.9");
  EXPECT_OK(store_->PutPool(a));
}

TEST_F(SqliteStoreTest, InvalidPoolStoresNothing) {
  PoolConfig p = ValidPool();
  p.urls = {"ftp://x"};
  Status s = store_->PutPool(p);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("urls[0]"), std::string::npos) << s.message();
  ASSERT_OK_AND_ASSIGN(std::vector<PoolConfig> all, store_->ListPools());
  EXPECT_TRUE(all.empty());
}

TEST_F(SqliteStoreTest, PoolInUseIsNotDeleted) {
  PutJobAndPools();
  Status s = store_->DeletePool(testing::kPoolB);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("'nightly'"), std::string::npos) << s.message();
  ASSERT_OK(store_->DeleteJob(ValidJob().id));
  ASSERT_OK(store_->DeletePool(testing::kPoolB));
  EXPECT_STATUS(store_->DeletePool(testing::kPoolB), StatusCode::kNotFound);
  EXPECT_STATUS(store_->GetPool(testing::kPoolB), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, JobsRoundTripAndReplace) {
  PutJobAndPools();
  Job job = ValidJob();
  job.report = {ReportWhen::kAlways, "https://hooks.example/x", {"a@example.com"}};
  job.health_check = {true, 1000};
  job.vms.ids.clear();
  job.vms.pattern = VmPattern{{testing::kPoolA}, {"prod"}, {}, {"xo:no-bak"}, {testing::kVm1}};
  Schedule second;
  second.id = "bbbbbbbb-0000-4000-8000-000000000002";
  second.cron = "*/15 * * * *";
  second.enabled = false;
  job.schedules.push_back(second);
  ASSERT_OK(store_->PutJob(job));
  Reopen();
  ASSERT_OK_AND_ASSIGN(Job got, store_->GetJob(job.id));
  EXPECT_EQ(got, job);

  // Replacing keeps exactly the schedules given, in order.
  job.schedules.erase(job.schedules.begin());
  job.name = "renamed";
  ASSERT_OK(store_->PutJob(job));
  ASSERT_OK_AND_ASSIGN(got, store_->GetJob(job.id));
  EXPECT_EQ(got, job);

  Job other = ValidJob();
  other.id = "aaaaaaaa-0000-4000-8000-000000000002";
  other.name = "a-first";
  other.schedules[0].id = "bbbbbbbb-0000-4000-8000-000000000003";
  ASSERT_OK(store_->PutJob(other));
  ASSERT_OK_AND_ASSIGN(std::vector<Job> all, store_->ListJobs());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a-first");
  EXPECT_EQ(all[1].name, "renamed");
}

// ListJobs answers from its last read while nothing was written: every kind of job change
// shows at the next call, whatever was read before.
TEST_F(SqliteStoreTest, ListJobsSeesEveryChangeToTheJobs) {
  PutJobAndPools();
  ASSERT_OK_AND_ASSIGN(std::vector<Job> all, store_->ListJobs());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], ValidJob());
  ASSERT_OK_AND_ASSIGN(all, store_->ListJobs());  // the same answer again
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], ValidJob());

  Job job = ValidJob();
  job.name = "renamed";
  job.schedules[0].cron = "*/5 * * * *";
  ASSERT_OK(store_->PutJob(job));
  ASSERT_OK_AND_ASSIGN(all, store_->ListJobs());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], job);

  // A refused change leaves the list as it was; other writes do not disturb it.
  Job bad = job;
  bad.name = "refused";
  bad.schedules[0].timezone = "Europe/Pariss";
  EXPECT_FALSE(store_->PutJob(bad).ok());
  ASSERT_OK(store_->PutSetting("smtp.from", "xcr@example.com"));
  ASSERT_OK_AND_ASSIGN(all, store_->ListJobs());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], job);

  ASSERT_OK(store_->PutScheduleFire(job.id, job.schedules[0].id, 1'000'000));
  job.enabled = false;
  ASSERT_OK(store_->PutJob(job));
  ASSERT_OK_AND_ASSIGN(all, store_->ListJobs());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].enabled);

  ASSERT_OK(store_->DeleteJob(job.id));
  ASSERT_OK_AND_ASSIGN(all, store_->ListJobs());
  EXPECT_TRUE(all.empty());
}

TEST_F(SqliteStoreTest, InvalidJobChangesNothing) {
  PutJobAndPools();
  Job bad = ValidJob();
  bad.name = "changed";
  bad.schedules[0].timezone = "Europe/Pariss";
  Status s = store_->PutJob(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("schedules[0].timezone: unknown time zone 'Europe/Pariss'"),
            std::string::npos)
      << s.message();
  ASSERT_OK_AND_ASSIGN(Job got, store_->GetJob(ValidJob().id));
  EXPECT_EQ(got, ValidJob());
}

TEST_F(SqliteStoreTest, JobWithBytesThatAreNotUtf8IsRefused) {
  PutJobAndPools();
  Job bad = ValidJob();
  bad.vms.ids.clear();
  bad.vms.pattern = VmPattern{{}, {"prod\xff"}};
  EXPECT_STATUS(store_->PutJob(bad), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Job got, store_->GetJob(ValidJob().id));
  EXPECT_EQ(got, ValidJob());
}

TEST_F(SqliteStoreTest, JobNamingAnUnknownPoolIsRefused) {
  ASSERT_OK(store_->PutPool(ValidPool(testing::kPoolA, "pool-a")));
  Status s = store_->PutJob(ValidJob());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("srs[1].pool: unknown pool"), std::string::npos) << s.message();
  ASSERT_OK_AND_ASSIGN(std::vector<Job> all, store_->ListJobs());
  EXPECT_TRUE(all.empty());
}

TEST_F(SqliteStoreTest, ScheduleIdOfAnotherJobIsRefused) {
  PutJobAndPools();
  Job other = ValidJob();
  other.id = "aaaaaaaa-0000-4000-8000-000000000002";
  Status s = store_->PutJob(other);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("schedules[0].id"), std::string::npos) << s.message();
  EXPECT_STATUS(store_->GetJob(other.id), StatusCode::kNotFound);

  // An edit of a stored job that tries it is rolled back whole.
  other.schedules[0].id = "bbbbbbbb-0000-4000-8000-000000000009";
  ASSERT_OK(store_->PutJob(other));
  Job edit = other;
  edit.name = "edited";
  edit.schedules.push_back(ValidJob().schedules[0]);
  EXPECT_STATUS(store_->PutJob(edit), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Job got, store_->GetJob(other.id));
  EXPECT_EQ(got, other);
  ASSERT_OK_AND_ASSIGN(got, store_->GetJob(ValidJob().id));
  EXPECT_EQ(got, ValidJob());
}

TEST_F(SqliteStoreTest, ScheduleFiresSurviveEditsAndGoWithTheirSchedule) {
  PutJobAndPools();
  Job job = ValidJob();
  Schedule second = job.schedules[0];
  second.id = "bbbbbbbb-0000-4000-8000-000000000002";
  second.cron = "*/15 * * * *";
  job.schedules.push_back(second);
  ASSERT_OK(store_->PutJob(job));
  ASSERT_OK_AND_ASSIGN(std::vector<ScheduleFire> fires, store_->ListScheduleFires());
  EXPECT_TRUE(fires.empty());
  ASSERT_OK(store_->PutScheduleFire(job.id, job.schedules[0].id, 1000));
  ASSERT_OK(store_->PutScheduleFire(job.id, second.id, 2000));
  ASSERT_OK(store_->PutScheduleFire(job.id, second.id, 3000));
  EXPECT_STATUS(store_->PutScheduleFire("other-job", second.id, 1), StatusCode::kNotFound);
  EXPECT_STATUS(store_->PutScheduleFire(job.id, "nope", 1), StatusCode::kNotFound);

  // An edit that keeps the first schedule (changed) and drops the second.
  job.schedules.pop_back();
  job.schedules[0].cron = "0 3 * * *";
  ASSERT_OK(store_->PutJob(job));
  Reopen();
  ASSERT_OK_AND_ASSIGN(fires, store_->ListScheduleFires());
  EXPECT_EQ(fires, (std::vector<ScheduleFire>{{job.id, job.schedules[0].id, 1000}}));
  ASSERT_OK_AND_ASSIGN(Job got, store_->GetJob(job.id));
  EXPECT_EQ(got, job);
  ASSERT_OK(store_->DeleteJob(job.id));
  ASSERT_OK_AND_ASSIGN(fires, store_->ListScheduleFires());
  EXPECT_TRUE(fires.empty());
}

TEST_F(SqliteStoreTest, VmStatesPerTarget) {
  PutJobAndPools();
  VmTargetState a{ValidJob().id,
                  testing::kVm1,
                  testing::kPoolA,
                  "sr-fast",
                  "web-01",
                  1'700'000'000'000'000,
                  "snap-1",
                  4096,
                  0,
                  VmState::kOk,
                  "",
                  1'700'000'360'000'000};
  VmTargetState b = a;
  b.pool = testing::kPoolB;
  b.sr = "33333333-3333-4333-8333-333333333333";
  b.state = VmState::kError;
  b.consecutive_failures = 2;
  b.error = "SR full";
  VmTargetState c = a;
  c.vm_uuid = testing::kVm2;
  c.state = VmState::kNew;
  ASSERT_OK(store_->PutVmStates(std::vector<VmTargetState>{a, b, c}));
  a.last_bytes = 8192;
  ASSERT_OK(store_->PutVmStates(std::vector<VmTargetState>{a}));
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> all, store_->ListVmStates(""));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], a);
  EXPECT_EQ(all[1], b);
  EXPECT_EQ(all[2], c);
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> none, store_->ListVmStates("other"));
  EXPECT_TRUE(none.empty());

  ASSERT_OK(store_->DeleteVmStates(ValidJob().id, testing::kVm1));
  ASSERT_OK_AND_ASSIGN(all, store_->ListVmStates(ValidJob().id));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], c);
}

TEST_F(SqliteStoreTest, VmStatesAreAllOrNothing) {
  PutJobAndPools();
  VmTargetState good{ValidJob().id, testing::kVm1, testing::kPoolA, "sr-fast"};
  VmTargetState orphan = good;
  orphan.job_id = "aaaaaaaa-0000-4000-8000-00000000dead";
  EXPECT_STATUS(store_->PutVmStates(std::vector<VmTargetState>{good, orphan}),
                StatusCode::kNotFound);
  VmTargetState incomplete = good;
  incomplete.sr.clear();
  EXPECT_STATUS(store_->PutVmStates(std::vector<VmTargetState>{good, incomplete}),
                StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> all, store_->ListVmStates(""));
  EXPECT_TRUE(all.empty());
}

TEST_F(SqliteStoreTest, DeletingAJobDropsItsStatesKeepsItsRuns) {
  PutJobAndPools();
  ASSERT_OK(store_->PutVmStates(
      std::vector<VmTargetState>{{ValidJob().id, testing::kVm1, testing::kPoolA, "sr-fast"}}));
  RunRecord run = Finished(MakeRun(ValidJob().id, 100), 200);
  ASSERT_OK(store_->FinishRun(run, {}));
  ASSERT_OK(store_->DeleteJob(ValidJob().id));
  EXPECT_STATUS(store_->DeleteJob(ValidJob().id), StatusCode::kNotFound);
  EXPECT_STATUS(store_->GetJob(ValidJob().id), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> states, store_->ListVmStates(""));
  EXPECT_TRUE(states.empty());
  ASSERT_OK_AND_ASSIGN(RunRecord kept, store_->GetRun(run.id));
  EXPECT_EQ(kept, run);
  // The schedule id is free again.
  ASSERT_OK(store_->PutJob(ValidJob()));
}

TEST_F(SqliteStoreTest, RunLifecycleWithLog) {
  PutJobAndPools();
  RunRecord run = MakeRun(ValidJob().id, 1000);
  ASSERT_OK(store_->SaveRun(run));
  ASSERT_OK(store_->AppendRunLog(run.id, std::vector<RunLogLine>{{1001, "start"}, {1002, "a"}}));
  ASSERT_OK(store_->AppendRunLog(run.id, std::vector<RunLogLine>{{1003, "b"}}));
  EXPECT_STATUS(store_->AppendRunLog("nope", std::vector<RunLogLine>{{1, "x"}}),
                StatusCode::kNotFound);

  run = Finished(run, 2000, RunResult::kFailure);
  run.error = "1 of 2 VMs failed";
  run.task_tree = R"({"label":"job nightly","children":[]})";
  VmTargetState st{ValidJob().id, testing::kVm1, testing::kPoolA, "sr-fast"};
  st.state = VmState::kError;
  st.error = "boom";
  ASSERT_OK(store_->FinishRun(run, std::vector<VmTargetState>{st}));
  Reopen();
  ASSERT_OK_AND_ASSIGN(RunRecord got, store_->GetRun(run.id));
  EXPECT_EQ(got, run);
  ASSERT_OK_AND_ASSIGN(std::vector<RunLogLine> log, store_->GetRunLog(run.id));
  EXPECT_EQ(log, (std::vector<RunLogLine>{{1001, "start"}, {1002, "a"}, {1003, "b"}}));
  ASSERT_OK_AND_ASSIGN(std::vector<VmTargetState> states, store_->ListVmStates(""));
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0], st);
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> list, store_->ListRuns({}));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0].task_tree.empty()) << "lists leave the tree out";
  EXPECT_EQ(list[0].error, run.error);
}

TEST_F(SqliteStoreTest, InvalidRunsStoreNothing) {
  PutJobAndPools();
  RunRecord bad_id = MakeRun(ValidJob().id, 1);
  bad_id.id = "x";
  EXPECT_STATUS(store_->SaveRun(bad_id), StatusCode::kInvalidArgument);
  RunRecord bad_tree = MakeRun(ValidJob().id, 1);
  bad_tree.task_tree = "{not json";
  EXPECT_STATUS(store_->SaveRun(bad_tree), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->FinishRun(MakeRun(ValidJob().id, 1), {}), StatusCode::kInvalidArgument)
      << "still running";
  // A finish whose VM state is refused leaves the run unsaved too.
  RunRecord run = Finished(MakeRun(ValidJob().id, 1), 2);
  VmTargetState incomplete{ValidJob().id, testing::kVm1, "", ""};
  EXPECT_STATUS(store_->FinishRun(run, std::vector<VmTargetState>{incomplete}),
                StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> list, store_->ListRuns({}));
  EXPECT_TRUE(list.empty());
}

TEST_F(SqliteStoreTest, ListRunsNewestFirstByJobWithLimit) {
  PutJobAndPools();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    RunRecord r = Finished(MakeRun(i % 2 ? "job-b" : ValidJob().id, 100 * i), 100 * i + 50);
    ids.push_back(r.id);
    ASSERT_OK(store_->SaveRun(r));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> all, store_->ListRuns({"", 0}));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].id, ids[4]);
  EXPECT_EQ(all[4].id, ids[0]);
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> b, store_->ListRuns({"job-b", 0}));
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].id, ids[3]);
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> two, store_->ListRuns({"", 2}));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].id, ids[3]);
}

TEST_F(SqliteStoreTest, HistoryPrunedByCountPerJob) {
  PutJobAndPools();
  ASSERT_OK(store_->PutSetting("history.keepRuns", "3"));
  RunRecord running = MakeRun(ValidJob().id, 1);  // never pruned while running
  ASSERT_OK(store_->SaveRun(running));
  RunRecord other = Finished(MakeRun("job-b", 2), 3);
  ASSERT_OK(store_->SaveRun(other));
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    RunRecord r = Finished(MakeRun(ValidJob().id, 10 + i), 10 + i);
    ASSERT_OK(store_->SaveRun(r));
    ASSERT_OK(store_->AppendRunLog(r.id, std::vector<RunLogLine>{{1, "line"}}));
    ASSERT_OK(store_->FinishRun(r, {}));
    ids.push_back(r.id);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> mine, store_->ListRuns({ValidJob().id, 0}));
  ASSERT_EQ(mine.size(), 4u);
  EXPECT_EQ(mine[0].id, ids[5]);
  EXPECT_EQ(mine[2].id, ids[3]);
  EXPECT_EQ(mine[3].id, running.id);
  EXPECT_OK(store_->GetRun(other.id)) << "other jobs' runs are counted apart";
  ASSERT_OK_AND_ASSIGN(std::vector<RunLogLine> log, store_->GetRunLog(ids[0]));
  EXPECT_TRUE(log.empty()) << "a pruned run's log goes with it";
}

TEST_F(SqliteStoreTest, HistoryPrunedByAge) {
  PutJobAndPools();
  ASSERT_OK(store_->PutSetting("history.keepDays", "2"));
  const int64_t day = 86'400'000'000;
  RunRecord old_run = Finished(MakeRun(ValidJob().id, 1 * day), 1 * day + 10);
  RunRecord recent = Finished(MakeRun(ValidJob().id, 4 * day), 4 * day + 10);
  ASSERT_OK(store_->SaveRun(old_run));
  ASSERT_OK(store_->SaveRun(recent));
  ASSERT_OK_AND_ASSIGN(size_t removed, store_->PruneRuns(5 * day));
  EXPECT_EQ(removed, 1u);
  EXPECT_STATUS(store_->GetRun(old_run.id), StatusCode::kNotFound);
  EXPECT_OK(store_->GetRun(recent.id));
}

TEST_F(SqliteStoreTest, UnfinishedRunsAreMarkedInterrupted) {
  PutJobAndPools();
  RunRecord a = MakeRun(ValidJob().id, 10);
  RunRecord done = Finished(MakeRun(ValidJob().id, 5), 8);
  ASSERT_OK(store_->SaveRun(a));
  ASSERT_OK(store_->SaveRun(done));
  Reopen();
  ASSERT_OK_AND_ASSIGN(size_t n, store_->MarkRunsInterrupted(99));
  EXPECT_EQ(n, 1u);
  ASSERT_OK_AND_ASSIGN(RunRecord got, store_->GetRun(a.id));
  EXPECT_EQ(got.result, RunResult::kInterrupted);
  EXPECT_EQ(got.end_us, 99);
  ASSERT_OK_AND_ASSIGN(got, store_->GetRun(done.id));
  EXPECT_EQ(got, done);
}

TEST_F(SqliteStoreTest, Settings) {
  EXPECT_STATUS(store_->GetSetting("history.keepRuns"), StatusCode::kNotFound);
  ASSERT_OK(store_->PutSetting("history.keepRuns", "10"));
  ASSERT_OK(store_->PutSetting("ui.theme", "dark"));
  ASSERT_OK(store_->PutSetting("ui.theme", "light"));
  EXPECT_STATUS(store_->PutSetting("history.keepDays", "-1"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutSetting("history.keepRuns", "ten"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutSetting("", "x"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutSetting("smtp.url", "http://mail"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutSetting("smtp.from", "a\nb"), StatusCode::kInvalidArgument);
  ASSERT_OK(store_->PutSetting("smtp.url", "smtp://127.0.0.1:25"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::string v, store_->GetSetting("history.keepRuns"));
  EXPECT_EQ(v, "10");
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListSettings());
  EXPECT_EQ(all, (std::map<std::string, std::string>{{"history.keepRuns", "10"},
                                                     {"smtp.url", "smtp://127.0.0.1:25"},
                                                     {"ui.theme", "light"}}));
}

TEST_F(SqliteStoreTest, ConcurrentCallersFromThreads) {
  PutJobAndPools();
  std::vector<std::thread> threads;
  std::vector<Status> failures(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string key = "t" + std::to_string(t) + "." + std::to_string(i);
        Status s = store_->PutSetting(key, std::to_string(i));
        if (s.ok()) s = store_->ListJobs().status();
        if (!s.ok()) {
          failures[t] = s;
          return;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const Status& s : failures) EXPECT_OK(s);
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListSettings());
  EXPECT_EQ(all.size(), 100u);
}

TEST_F(SqliteStoreTest, PasswordIsNotInTheFilesInClear) {
  PoolConfig pool = ValidPool();
  pool.name = "pool-name-visible-in-clear";
  pool.password = "Pa55-word-that-must-not-leak";
  ASSERT_OK(store_->PutPool(pool));
  std::string db = testing::FileBytes(dir_.File("xcr.db"));
  std::string wal = testing::FileBytes(dir_.File("xcr.db-wal"));
  std::string shm = testing::FileBytes(dir_.File("xcr.db-shm"));
  std::string all = db + wal + shm;
  // The scan covers the stored data: the name (stored in clear) is found.
  EXPECT_NE(all.find(pool.name), std::string::npos);
  EXPECT_EQ(all.find(pool.password), std::string::npos);
  EXPECT_EQ(all.find("Pa55-word"), std::string::npos);
  // After a checkpoint into the main file, still nowhere.
  store_.reset();
  std::string after =
      testing::FileBytes(dir_.File("xcr.db")) + testing::FileBytes(dir_.File("xcr.db-wal"));
  EXPECT_NE(after.find(pool.name), std::string::npos);
  EXPECT_EQ(after.find(pool.password), std::string::npos);
  Reopen();
  ASSERT_OK_AND_ASSIGN(PoolConfig got, store_->GetPool(pool.id));
  EXPECT_EQ(got.password, pool.password);
}

TEST_F(SqliteStoreTest, KeyFileIsCreated0600AndChecked) {
  std::string key = dir_.File("secret.key");
  ASSERT_OK_AND_ASSIGN(uint32_t mode, Env::Default()->GetFileMode(key));
  EXPECT_EQ(mode, 0600u);
  store_.reset();
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  Result<std::unique_ptr<SqliteStore>> refused = testing::OpenStore(dir_.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find(key), std::string::npos);
  EXPECT_NE(refused.status().message().find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  Reopen();
}

TEST_F(SqliteStoreTest, MissingOrOtherKeyFileIsRefused) {
  ASSERT_OK(store_->PutPool(ValidPool()));
  store_.reset();
  std::string key = dir_.File("secret.key");
  std::string saved = testing::FileBytes(key);
  ASSERT_OK(Env::Default()->RemoveFile(key));
  Result<std::unique_ptr<SqliteStore>> missing = testing::OpenStore(dir_.path());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
  EXPECT_FALSE(Env::Default()->FileExists(key)) << "no new key replaces the lost one";

  ASSERT_OK(Env::Default()->WriteFileAtomic(key, std::string(64, '7') + "\n", 0600));
  Result<std::unique_ptr<SqliteStore>> other = testing::OpenStore(dir_.path());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("not the key"), std::string::npos);

  ASSERT_OK(Env::Default()->WriteFileAtomic(key, saved, 0600));
  Reopen();
  ASSERT_OK_AND_ASSIGN(PoolConfig got, store_->GetPool(testing::kPoolA));
  EXPECT_EQ(got.password, ValidPool().password);
}

}  // namespace
}  // namespace xcr::jobs
