#include "jobs/report.h"

#include <gtest/gtest.h>

#include "tests/jobs/store_test_util.h"

namespace xcr::jobs {
namespace {

TEST(Report, ReportWhenDecides) {
  struct Case {
    ReportWhen when;
    RunResult result;
    bool send;
  };
  const Case cases[] = {
      {ReportWhen::kAlways, RunResult::kSuccess, true},
      {ReportWhen::kAlways, RunResult::kFailure, true},
      {ReportWhen::kAlways, RunResult::kRunning, false},
      {ReportWhen::kFailure, RunResult::kSuccess, false},
      {ReportWhen::kFailure, RunResult::kFailure, true},
      {ReportWhen::kFailure, RunResult::kCancelled, true},
      {ReportWhen::kFailure, RunResult::kInterrupted, true},
      {ReportWhen::kNever, RunResult::kFailure, false},
      {ReportWhen::kNever, RunResult::kSuccess, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ShouldSendReport(c.when, c.result), c.send)
        << ReportWhenName(c.when) << " " << RunResultName(c.result);
  }
}

class ReportContent : public ::testing::Test {
 protected:
  void SetUp() override {
    job_ = testing::ValidJob();
    run_ = testing::Finished(testing::MakeRun(job_.id, int64_t{1795426867} * 1000000),
                             int64_t{1795427000} * 1000000, RunResult::kFailure);
    run_.error = "1 of 2 VMs failed";
    VmTargetState ok{job_.id, testing::kVm1, testing::kPoolA, "sr-fast", "web-01"};
    ok.state = VmState::kOk;
    ok.last_bytes = 4096;
    ok.last_success_us = run_.end_us;
    VmTargetState bad{job_.id, testing::kVm2, testing::kPoolA, "sr-fast", "db-01"};
    bad.state = VmState::kError;
    bad.error = "SR full (SR_BACKEND_FAILURE_44)";
    VmTargetState bad2 = bad;
    bad2.pool = testing::kPoolB;
    bad2.sr = "other";
    states_ = {ok, bad, bad2};
  }
  Job job_;
  RunRecord run_;
  std::vector<VmTargetState> states_;
};

TEST_F(ReportContent, Json) {
  nlohmann::json j = RunReportJson(job_, run_, states_);
  EXPECT_EQ(j["job"]["name"], "nightly");
  EXPECT_EQ(j["run"]["id"], run_.id);
  EXPECT_EQ(j["run"]["result"], "failure");
  EXPECT_EQ(j["run"]["start"], "2026-11-23T09:41:07Z");
  EXPECT_EQ(j["run"]["error"], "1 of 2 VMs failed");
  ASSERT_EQ(j["vms"].size(), 3u);
  EXPECT_EQ(j["vms"][0]["vmName"], "web-01");
  EXPECT_EQ(j["vms"][0]["bytes"], 4096);
  EXPECT_EQ(j["vms"][0]["lastSuccess"], "2026-11-23T09:43:20Z");
  EXPECT_TRUE(j["vms"][1]["lastSuccess"].is_null());
  EXPECT_EQ(j["vms"][1]["state"], "error");
  EXPECT_EQ(j["vms"][1]["error"], "SR full (SR_BACKEND_FAILURE_44)");
}

TEST_F(ReportContent, SubjectCountsVmsNotTargets) {
  EXPECT_EQ(RunReportSubject(job_, run_, states_), "[xcr] nightly: failure (1 of 2 VMs failed)");
  run_.result = RunResult::kSuccess;
  std::vector<VmTargetState> one = {states_[0]};
  EXPECT_EQ(RunReportSubject(job_, run_, one), "[xcr] nightly: success (1 VM)");
}

TEST_F(ReportContent, TextNamesEachVmAndError) {
  std::string text = RunReportText(job_, run_, states_);
  EXPECT_NE(text.find("Result: failure\n"), std::string::npos) << text;
  EXPECT_NE(text.find("web-01 -> sr-fast: ok, 4096 bytes\n"), std::string::npos) << text;
  EXPECT_NE(text.find("db-01 -> other: error: SR full (SR_BACKEND_FAILURE_44)\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace xcr::jobs
