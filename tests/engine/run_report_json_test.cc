#include "engine/run_report_json.h"

#include <gtest/gtest.h>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::engine {
namespace {

VmOutcome Replicated() {
  VmOutcome vm;
  vm.vm_uuid = "vm-1";
  vm.vm_name = "web-01";
  vm.snapshot_uuid = "snap-1";
  vm.base_note = "base snapshot snap-0";
  vm.delta = true;
  vm.bytes = 3 * 1024 * 1024;
  vm.targets = {{"https://dst", "sr-a", Status::OK(), "rep-1"}};
  return vm;
}

TEST(RunReportJsonTest, EveryVmAndTargetWithTheTaskTree) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  TaskId run = log.Begin(kNoParent, "replication run of job j");
  log.Succeed(run);
  JobOutcome job;
  job.vms.push_back(Replicated());
  nlohmann::json j = RunReportJson(job, log);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["partial"], false);
  ASSERT_EQ(j["vms"].size(), 1u);
  const nlohmann::json& vm = j["vms"][0];
  EXPECT_EQ(vm["ok"], true);
  EXPECT_FALSE(vm.contains("error"));
  EXPECT_EQ(vm["uuid"], "vm-1");
  EXPECT_EQ(vm["name"], "web-01");
  EXPECT_EQ(vm["snapshot"], "snap-1");
  EXPECT_EQ(vm["mode"], "delta");
  EXPECT_EQ(vm["base"], "base snapshot snap-0");
  EXPECT_EQ(vm["bytes"], 3 * 1024 * 1024);
  ASSERT_EQ(vm["targets"].size(), 1u);
  EXPECT_EQ(vm["targets"][0],
            (nlohmann::json{
                {"pool", "https://dst"}, {"sr", "sr-a"}, {"ok", true}, {"replica", "rep-1"}}));
  ASSERT_EQ(j["tasks"].size(), 1u);
  EXPECT_EQ(j["tasks"][0]["label"], "replication run of job j");
}

TEST(RunReportJsonTest, FailuresCarryTheirError) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  JobOutcome job;
  VmOutcome vm = Replicated();
  vm.status = Status::Unavailable("every target failed");
  vm.targets[0].status = Status::Unavailable("SR full");
  vm.targets[0].replica_uuid.clear();
  job.vms.push_back(vm);
  nlohmann::json j = RunReportJson(job, log);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["vms"][0]["ok"], false);
  EXPECT_EQ(j["vms"][0]["error"], vm.status.ToString());
  EXPECT_EQ(j["vms"][0]["targets"][0]["ok"], false);
  EXPECT_EQ(j["vms"][0]["targets"][0]["error"], vm.targets[0].status.ToString());
  EXPECT_FALSE(j["vms"][0]["targets"][0].contains("replica"));
}

TEST(RunReportJsonTest, ATargetFailingWhileAnotherSucceedsIsPartial) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  JobOutcome job;
  VmOutcome vm = Replicated();
  vm.targets.push_back({"https://dr2", "sr-b", Status::Unavailable("SR full"), ""});
  job.vms.push_back(vm);
  nlohmann::json j = RunReportJson(job, log);
  EXPECT_EQ(j["ok"], true);  // every VM has a replica
  EXPECT_EQ(j["partial"], true);
  EXPECT_EQ(j["vms"][0]["targets"][1]["ok"], false);
}

TEST(RunReportJsonTest, ARunThatFailedOnTheSourceExportedNothingAndWroteNoTarget) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  JobOutcome job;
  VmOutcome vm;
  vm.vm_name = "no-such-vm";  // the replicator names an unknown VM as given
  vm.status = Status::NotFound("no VM with uuid or name 'no-such-vm'");
  vm.targets = {{"https://dst", "sr-a", Status::OK(), ""}};
  job.vms.push_back(vm);
  nlohmann::json j = RunReportJson(job, log);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["partial"], false);
  EXPECT_EQ(j["vms"][0]["mode"], "none");
  EXPECT_EQ(j["vms"][0]["name"], "no-such-vm");
  EXPECT_EQ(j["vms"][0]["targets"][0]["ok"], false);
  EXPECT_EQ(RunReportText(job, log),
            "FAILED VM 'no-such-vm': nothing exported: no VM with uuid or name 'no-such-vm'\n"
            "  FAILED pool https://dst SR 'sr-a': nothing written: no VM with uuid or name "
            "'no-such-vm'\n");
}

TEST(RunReportJsonTest, TextSummarisesEachVmAndTarget) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  JobOutcome job;
  job.vms.push_back(Replicated());
  VmOutcome failed = Replicated();
  failed.vm_name = "db-01";
  failed.status = Status::Unavailable("SR full");
  failed.targets[0].status = Status::Unavailable("SR full");
  failed.targets[0].replica_uuid.clear();
  job.vms.push_back(failed);
  EXPECT_EQ(RunReportText(job, log),
            "replicated VM 'web-01': delta, 3.00 MiB exported (base snapshot snap-0)\n"
            "  ok     pool https://dst SR 'sr-a' replica rep-1\n"
            "FAILED VM 'db-01': delta, 3.00 MiB exported (base snapshot snap-0): SR full\n"
            "  FAILED pool https://dst SR 'sr-a': SR full\n");
}

}  // namespace
}  // namespace xcr::engine
