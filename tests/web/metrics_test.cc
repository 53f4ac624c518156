#include "web/metrics.h"

#include <gtest/gtest.h>

#include "jobs/sqlite_store.h"
#include "tests/jobs/job_test_util.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::web {
namespace {

using jobs::testing::ValidJob;
using jobs::testing::ValidPool;

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jobs::SqliteStoreOptions o;
    o.state_dir = dir_.path();
    auto opened = jobs::SqliteStore::Open(o);
    ASSERT_OK(opened);
    store_ = std::move(*opened);
    ASSERT_OK(store_->PutPool(ValidPool(jobs::testing::kPoolA, "pool-a")));
    ASSERT_OK(store_->PutPool(ValidPool(jobs::testing::kPoolB, "pool-b")));
    job_ = ValidJob();
    ASSERT_OK(store_->PutJob(job_));
  }
  jobs::RunRecord FinishedRun(const std::string& id, int64_t start_s, int64_t end_s,
                              uint64_t bytes) {
    jobs::RunRecord r;
    r.id = id;
    r.job_id = job_.id;
    r.job_name = job_.name;
    r.start_us = start_s * 1000000;
    r.end_us = end_s * 1000000;
    r.result = jobs::RunResult::kSuccess;
    r.task_tree = "[{\"label\": \"run\", \"bytes\": " + std::to_string(bytes) + "}]";
    return r;
  }

  ::xcr::testing::TempDir dir_;
  ::xcr::testing::FakeClockEnv env_;
  std::unique_ptr<jobs::SqliteStore> store_;
  jobs::Job job_;
};

TEST(TaskTreeBytes, SumsRootsOfAnArrayOrTakesTheRoot) {
  EXPECT_EQ(TaskTreeBytes("[{\"bytes\": 5}, {\"bytes\": 7}]"), 12u);
  EXPECT_EQ(TaskTreeBytes("{\"bytes\": 9, \"children\": [{\"bytes\": 9}]}"), 9u);
  EXPECT_EQ(TaskTreeBytes(""), 0u);
  EXPECT_EQ(TaskTreeBytes("[{\"bytes\": \"x\"}]"), 0u);
}

TEST_F(MetricsTest, PerVmAgeResultAndBytes) {
  int64_t now_s = env_.NowUnixMicros() / 1000000;
  jobs::VmTargetState ok{job_.id, jobs::testing::kVm1, jobs::testing::kPoolA, "sr-fast"};
  ok.vm_name = "web \"01\"";
  ok.last_success_us = (now_s - 90) * 1000000;
  ok.last_bytes = 4096;
  ok.state = jobs::VmState::kOk;
  jobs::VmTargetState never = ok;
  never.sr = "sr-slow";
  never.last_success_us = 0;
  never.state = jobs::VmState::kError;
  never.consecutive_failures = 3;
  ASSERT_OK(store_->PutVmStates(std::vector<jobs::VmTargetState>{ok, never}));
  MetricsHandler m(store_.get(), &env_);
  ASSERT_OK_AND_ASSIGN(std::string text, m.Render());
  std::string labels = "job=\"" + job_.id + "\",job_name=\"" + job_.name + "\",vm=\"" +
                       jobs::testing::kVm1 + "\",vm_name=\"web \\\"01\\\"\",pool=\"" +
                       jobs::testing::kPoolA + "\",sr=\"sr-fast\"";
  EXPECT_NE(text.find("xcr_vm_seconds_since_last_success{" + labels + "} 90\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("xcr_vm_last_success_bytes{" + labels + "} 4096\n"), std::string::npos);
  EXPECT_NE(text.find("xcr_vm_last_result{" + labels + ",state=\"ok\"} 1\n"), std::string::npos);
  // The VM that never succeeded has no age, but its error state and failures.
  EXPECT_EQ(text.find("xcr_vm_seconds_since_last_success{job=\"" + job_.id + "\",job_name=\"" +
                      job_.name + "\",vm=\"" + jobs::testing::kVm1 +
                      "\",vm_name=\"web \\\"01\\\"\",pool=\"" + jobs::testing::kPoolA +
                      "\",sr=\"sr-slow\"}"),
            std::string::npos);
  EXPECT_NE(text.find("sr=\"sr-slow\",state=\"error\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("xcr_vm_consecutive_failures{"), std::string::npos);
  EXPECT_NE(text.find("# TYPE xcr_transfer_bytes_total counter\n"), std::string::npos);
}

TEST_F(MetricsTest, PerTargetLagAgainstTheSchedule) {
  // The job runs at 22:00 Europe/Paris (21:00Z in December); now is 2026-12-07T21:30Z.
  env_.SetUnixSeconds(1'796'679'000);
  const int64_t today_s = 1'796'677'200;  // 2026-12-07T21:00Z
  jobs::VmTargetState fresh{job_.id, jobs::testing::kVm1, jobs::testing::kPoolA, "sr-fast"};
  fresh.vm_name = "web-01";
  fresh.state = jobs::VmState::kOk;
  fresh.last_success_us = (today_s + 600) * 1000000;  // today's run, 10 minutes long
  jobs::VmTargetState stale = fresh;
  stale.sr = "sr-slow";
  stale.last_success_us = (today_s - 2 * 86400 + 600) * 1000000;  // two runs missed since
  ASSERT_OK(store_->PutVmStates(std::vector<jobs::VmTargetState>{fresh, stale}));
  MetricsHandler m(store_.get(), &env_);
  ASSERT_OK_AND_ASSIGN(std::string text, m.Render());
  auto labels = [&](const std::string& sr) {
    return "job=\"" + job_.id + "\",job_name=\"" + job_.name + "\",vm=\"" + jobs::testing::kVm1 +
           "\",vm_name=\"web-01\",pool=\"" + jobs::testing::kPoolA + "\",sr=\"" + sr + "\"";
  };
  EXPECT_NE(text.find("# TYPE xcr_vm_lag_state gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("xcr_vm_lag_state{" + labels("sr-fast") + ",state=\"ok\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("xcr_vm_seconds_behind_schedule{" + labels("sr-fast") + "} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("xcr_vm_lag_state{" + labels("sr-slow") + ",state=\"critical\"} 1\n"),
            std::string::npos);
  // Behind since yesterday's 21:00Z firing: 24 h 30 min.
  EXPECT_NE(text.find("xcr_vm_seconds_behind_schedule{" + labels("sr-slow") + "} 88200\n"),
            std::string::npos);

  job_.enabled = false;
  ASSERT_OK(store_->PutJob(job_));
  ASSERT_OK_AND_ASSIGN(text, m.Render());
  EXPECT_NE(text.find("xcr_vm_lag_state{" + labels("sr-slow") + ",state=\"disabled\"} 1\n"),
            std::string::npos);
}

TEST_F(MetricsTest, RunsAreCountedOnceAndTheCountersOnlyGrow) {
  ASSERT_OK(
      store_->FinishRun(FinishedRun("cccccccc-0000-4000-8000-000000000001", 100, 160, 1000), {}));
  MetricsHandler m(store_.get(), &env_);
  ASSERT_OK_AND_ASSIGN(std::string first, m.Render());
  std::string job_labels = "job=\"" + job_.id + "\",job_name=\"" + job_.name + "\"";
  EXPECT_NE(first.find("xcr_transfer_bytes_total 1000\n"), std::string::npos) << first;
  EXPECT_NE(first.find("xcr_job_last_run_duration_seconds{" + job_labels + "} 60\n"),
            std::string::npos);
  ASSERT_OK(
      store_->FinishRun(FinishedRun("cccccccc-0000-4000-8000-000000000002", 200, 230, 500), {}));
  ASSERT_OK_AND_ASSIGN(std::string second, m.Render());
  ASSERT_OK_AND_ASSIGN(std::string third, m.Render());
  EXPECT_EQ(second, third);
  EXPECT_NE(second.find("xcr_transfer_bytes_total 1500\n"), std::string::npos) << second;
  EXPECT_NE(second.find("xcr_job_runs_total{" + job_labels + ",result=\"success\"} 2\n"),
            std::string::npos);
  EXPECT_NE(second.find("xcr_job_run_duration_seconds_sum{" + job_labels + "} 90\n"),
            std::string::npos);
  EXPECT_NE(second.find("xcr_job_last_run_duration_seconds{" + job_labels + "} 30\n"),
            std::string::npos);
  net::HttpRequest req;
  req.method = "GET";
  net::HttpResponse r = m.Handle(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers[0].second, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace xcr::web
