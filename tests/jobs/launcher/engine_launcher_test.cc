// EngineLauncher and ResolveJobVms against two xapi-sim pools stored in a real store: a run
// succeeds then the next is a delta, a fault fails the run with its message, a cancel leaves
// nothing that looks complete, CancelAll + WaitIdle return, and a VM tagged later is picked up.
#include "jobs/engine_launcher.h"

#include <condition_variable>
#include <mutex>
#include <regex>

#include <gtest/gtest.h>

#include "base/uuid.h"
#include "engine/other_config_keys.h"
#include "jobs/job_vm_resolver.h"
#include "jobs/sqlite_store.h"
#include "sim/server.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "xapi/api.h"
#include "xapi/records.h"

namespace xcr::jobs {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// Records what the launcher reports; waits for ends.
class RecordingSink : public VmRunSink {
 public:
  void OnVmRunProgress(const VmRun& run, const nlohmann::json& tasks) override {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(ended_.count(run.id), 0u) << "progress after the end of run " << run.id;
    progress_[run.id].push_back(tasks);
    cv_.notify_all();
  }
  void OnVmRunEnded(const VmRun& run, VmRunResult result) override {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(ended_.count(run.id), 0u) << "run " << run.id << " ended twice";
    ended_[run.id] = std::move(result);
    cv_.notify_all();
  }
  VmRunResult WaitEnd(uint64_t id) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return ended_.count(id) > 0; });
    return ended_[id];
  }
  // Waits until a progress report of the run shows bytes moving.
  void WaitBytes(uint64_t id) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] {
      for (const nlohmann::json& t : progress_[id]) {
        if (t.at(0).value("bytes", uint64_t{0}) > 0) return true;
      }
      return ended_.count(id) > 0;
    });
  }
  size_t progress_count(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    return progress_[id].size();
  }
  size_t ended_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::vector<nlohmann::json>> progress_;
  std::map<uint64_t, VmRunResult> ended_;
};

// Every label in a task tree (JSON), depth first.
void Labels(const nlohmann::json& tasks, std::vector<std::string>* out) {
  for (const nlohmann::json& t : tasks) {
    out->push_back(t.at("label").get<std::string>());
    Labels(t.at("children"), out);
  }
}
bool HasLabel(const nlohmann::json& tasks, const std::string& part) {
  std::vector<std::string> labels;
  Labels(tasks, &labels);
  for (const std::string& l : labels) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

class EngineLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::Server::Options so;
    so.state_dir = dir_.File("src");
    so.https = true;  // the source is trusted by its pinned fingerprint
    so.populate = 2;
    so.disk_size = 8 * kMiB;
    src_ = std::make_unique<sim::Server>(so);
    ASSERT_OK(src_->Start());
    sim::Server::Options to;
    to.state_dir = dir_.File("dst");
    to.https = true;  // the target is stored as `insecure`
    to.disk_size = 8 * kMiB;
    dst_ = std::make_unique<sim::Server>(to);
    ASSERT_OK(dst_->Start());

    SqliteStoreOptions options;
    options.state_dir = dir_.File("state");
    ASSERT_OK_AND_ASSIGN(store_, SqliteStore::Open(options));
    src_pool_.id = Uuid::Random().ToString();
    src_pool_.name = "prod";
    src_pool_.urls = {src_->url()};
    src_pool_.user = "root";
    src_pool_.password = "xapi-sim";
    src_pool_.fingerprint = src_->fingerprint();
    ASSERT_OK(store_->PutPool(src_pool_));
    dst_pool_ = src_pool_;
    dst_pool_.id = Uuid::Random().ToString();
    dst_pool_.name = "dr";
    dst_pool_.urls = {dst_->url()};
    dst_pool_.fingerprint.clear();
    dst_pool_.insecure = true;
    ASSERT_OK(store_->PutPool(dst_pool_));
    connector_ = std::make_unique<StorePoolConnector>(store_.get());

    ASSERT_OK_AND_ASSIGN(src_conn_, connector_->Connect(src_pool_.id));
    ASSERT_OK_AND_ASSIGN(dst_conn_, connector_->Connect(dst_pool_.id));
    ASSERT_OK_AND_ASSIGN(auto vms, xapi::GetAllRecords<xapi::VmRecord>(*src_conn_));
    for (const auto& [ref, vm] : vms) {
      if (!vm.is_a_template && !vm.is_a_snapshot && !vm.is_control_domain) {
        vms_.push_back(vm.uuid);
        vm_refs_.push_back(ref);
      }
    }
    ASSERT_EQ(vms_.size(), 2u);
    ASSERT_OK_AND_ASSIGN(auto srs, xapi::GetAllRecords<xapi::SrRecord>(*dst_conn_));
    ASSERT_FALSE(srs.empty());
    dst_sr_ = srs.begin()->second.uuid;

    job_.id = Uuid::Random().ToString();
    job_.name = "nightly";
    job_.vms.ids = vms_;
    job_.srs = {{dst_pool_.id, dst_sr_}};
    Schedule s;
    s.id = Uuid::Random().ToString();
    s.cron = "0 22 * * *";
    s.copy_retention = 2;
    job_.schedules = {s};
    ASSERT_OK(store_->PutJob(job_));
  }

  void TearDown() override {
    launcher_.reset();
    src_conn_.reset();
    dst_conn_.reset();
    if (src_) src_->Stop();
    if (dst_) dst_->Stop();
  }

  EngineLauncher& Launcher() {
    if (!launcher_) {
      EngineLauncherOptions o;
      o.progress_interval_us = 100'000;
      launcher_ = std::make_unique<EngineLauncher>(store_.get(), connector_.get(), &sink_, o);
    }
    return *launcher_;
  }

  VmRun Run(uint64_t id, size_t vm = 0) {
    VmRun r;
    r.id = id;
    r.trigger_id = id;
    r.job_id = job_.id;
    r.vm_uuid = vms_.at(vm);
    r.schedule_id = job_.schedules[0].id;
    r.reason = RunReason::kManual;
    return r;
  }

  void SetRate(uint64_t bytes_per_sec) {
    job_.rate = bytes_per_sec;
    ASSERT_OK(store_->PutJob(job_));
  }

  // Replica VMs of `vm` on the target (start blocked, made by the job).
  size_t Replicas(const std::string& vm) {
    auto all = xapi::GetAllRecords<xapi::VmRecord>(*dst_conn_);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    size_t n = 0;
    if (!all.ok()) return n;
    for (const auto& [ref, r] : *all) {
      auto of = r.other_config.find(std::string(engine::keys::kVm));
      if (!r.is_a_template && of != r.other_config.end() && of->second == vm &&
          r.blocked_operations.count("start")) {
        ++n;
      }
    }
    return n;
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<sim::Server> src_, dst_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<StorePoolConnector> connector_;
  PoolConfig src_pool_, dst_pool_;
  std::unique_ptr<xapi::Connection> src_conn_, dst_conn_;
  std::vector<std::string> vms_, vm_refs_;
  std::string dst_sr_;
  Job job_;
  RecordingSink sink_;
  std::unique_ptr<EngineLauncher> launcher_;
};

TEST_F(EngineLauncherTest, ARunSucceedsThenTheNextIsADelta) {
  SetRate(4 * kMiB);  // a couple of seconds: progress is reported while it runs
  Launcher().StartRun(Run(1));
  VmRunResult first = sink_.WaitEnd(1);
  ASSERT_EQ(first.outcome, RunOutcome::kSuccess) << first.message << "\n" << first.tasks.dump(2);
  EXPECT_NE(first.vm_name, vms_[0]);  // its name label
  ASSERT_EQ(first.tasks.size(), 1u);
  EXPECT_EQ(first.tasks[0].at("label"), "VM " + first.vm_name);  // as `xcr replicate` shows it
  // Log lines are "LEVEL message": the time is the line's time_us, no source file.
  ASSERT_FALSE(first.log.empty());
  for (const RunLogLine& l : first.log) {
    EXPECT_GT(l.time_us, 0);
    EXPECT_TRUE(l.text.starts_with("INFO  ") || l.text.starts_with("WARN  ") ||
                l.text.starts_with("ERROR ") || l.text.starts_with("DEBUG "))
        << l.text;
    EXPECT_EQ(l.text.find(".cc:"), std::string::npos) << l.text;
    EXPECT_FALSE(std::regex_search(l.text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d)")))
        << "a time in: " << l.text;
  }
  EXPECT_EQ(first.tasks[0].at("status"), "success");
  EXPECT_TRUE(HasLabel(first.tasks, "full export of disk")) << first.tasks.dump(2);
  EXPECT_GT(sink_.progress_count(1), 0u);
  ASSERT_EQ(first.targets.size(), 1u);
  const VmTargetState& t = first.targets[0];
  EXPECT_EQ(t.job_id, job_.id);
  EXPECT_EQ(t.vm_uuid, vms_[0]);
  EXPECT_EQ(t.pool, dst_pool_.id);
  EXPECT_EQ(t.sr, dst_sr_);
  EXPECT_EQ(t.state, VmState::kOk);
  EXPECT_GT(t.last_success_us, 0);
  EXPECT_FALSE(t.last_snapshot_uuid.empty());
  EXPECT_GT(t.last_bytes, 0u);
  ASSERT_OK(store_->PutVmStates(first.targets));  // as the daemon does
  EXPECT_EQ(Replicas(vms_[0]), 1u);

  SetRate(0);
  Launcher().StartRun(Run(2));
  VmRunResult second = sink_.WaitEnd(2);
  ASSERT_EQ(second.outcome, RunOutcome::kSuccess) << second.message;
  EXPECT_TRUE(HasLabel(second.tasks, "delta export of disk")) << second.tasks.dump(2);
  EXPECT_FALSE(HasLabel(second.tasks, "full export"));
  ASSERT_EQ(second.targets.size(), 1u);
  EXPECT_NE(second.targets[0].last_snapshot_uuid, t.last_snapshot_uuid);
  EXPECT_LT(second.targets[0].last_bytes, t.last_bytes);
  EXPECT_EQ(Replicas(vms_[0]), 2u);  // copyRetention 2
  Launcher().WaitIdle();
  EXPECT_EQ(Launcher().active(), 0u);
}

TEST_F(EngineLauncherTest, AFaultFailsTheRunWithItsMessage) {
  // A previous failure is counted on.
  VmTargetState before;
  before.job_id = job_.id;
  before.vm_uuid = vms_[0];
  before.pool = dst_pool_.id;
  before.sr = dst_sr_;
  before.state = VmState::kError;
  before.error = "earlier";
  before.consecutive_failures = 2;
  ASSERT_OK(store_->PutVmStates(std::vector<VmTargetState>{before}));
  ASSERT_OK(src_conn_
                ->Call("sim.fault_fail_method",
                       {xapi::Value("VM.snapshot"),
                        xapi::Value(xapi::Array{xapi::Value("SR_BACKEND_FAILURE_44"),
                                                xapi::Value("insufficient space")}),
                        xapi::Value(int64_t{1})})
                .status());
  Launcher().StartRun(Run(1));
  VmRunResult r = sink_.WaitEnd(1);
  ASSERT_EQ(r.outcome, RunOutcome::kFailure);
  EXPECT_NE(r.message.find("SR_BACKEND_FAILURE_44"), std::string::npos) << r.message;
  EXPECT_EQ(r.tasks.at(0).at("status"), "failure");
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_EQ(r.targets[0].state, VmState::kError);
  EXPECT_NE(r.targets[0].error.find("SR_BACKEND_FAILURE_44"), std::string::npos);
  EXPECT_EQ(r.targets[0].consecutive_failures, 3u);
  EXPECT_EQ(Replicas(vms_[0]), 0u);
}

TEST_F(EngineLauncherTest, CancelRunLeavesNoReplicaThatLooksComplete) {
  SetRate(1 * kMiB);  // about eight seconds: cancelled while the disk streams
  Launcher().StartRun(Run(1));
  sink_.WaitBytes(1);
  Launcher().CancelRun(1, "operator stop");
  VmRunResult r = sink_.WaitEnd(1);
  ASSERT_EQ(r.outcome, RunOutcome::kCancelled) << r.message << "\n" << r.tasks.dump(2);
  EXPECT_EQ(r.message, "operator stop");
  EXPECT_NE(r.tasks.dump().find("operator stop"), std::string::npos) << r.tasks.dump(2);
  EXPECT_TRUE(r.targets.empty());  // the VM's state is unchanged
  EXPECT_EQ(Replicas(vms_[0]), 0u);
}

TEST_F(EngineLauncherTest, CancelAllThenWaitIdleReturns) {
  SetRate(1 * kMiB);
  Launcher().StartRun(Run(1, 0));
  Launcher().StartRun(Run(2, 1));
  sink_.WaitBytes(1);
  Launcher().CancelAll("the daemon is stopping");
  Launcher().WaitIdle();
  EXPECT_EQ(Launcher().active(), 0u);
  EXPECT_EQ(sink_.ended_count(), 2u);
  for (uint64_t id : {1, 2}) {
    VmRunResult r = sink_.WaitEnd(id);
    EXPECT_EQ(r.outcome, RunOutcome::kCancelled) << r.message;
    EXPECT_EQ(r.message, "the daemon is stopping");
  }
  EXPECT_EQ(Replicas(vms_[0]), 0u);
  EXPECT_EQ(Replicas(vms_[1]), 0u);
}

TEST_F(EngineLauncherTest, HealthCheckRunsAfterTheReplication) {
  job_.health_check.enabled = true;
  job_.health_check.timeout_ms = 60'000;
  ASSERT_OK(store_->PutJob(job_));
  Launcher().StartRun(Run(1));
  VmRunResult r = sink_.WaitEnd(1);
  ASSERT_EQ(r.outcome, RunOutcome::kSuccess) << r.message << "\n" << r.tasks.dump(2);
  bool checked = false;
  for (const nlohmann::json& t : r.tasks.at(0).at("children")) {
    if (t.at("label") == "health check") checked = t.at("status") == "success";
  }
  EXPECT_TRUE(checked) << r.tasks.dump(2);
  EXPECT_EQ(Replicas(vms_[0]), 1u);  // the clone is gone, the replica stays
}

TEST_F(EngineLauncherTest, AFailedHealthCheckFailsTheRunAndKeepsTheReplica) {
  job_.health_check.enabled = true;
  job_.health_check.timeout_ms = 1'000;
  ASSERT_OK(store_->PutJob(job_));
  ASSERT_OK(dst_conn_->Call("sim.fault_guest_silent", {xapi::Value(true)}).status());
  Launcher().StartRun(Run(1));
  VmRunResult r = sink_.WaitEnd(1);
  ASSERT_EQ(r.outcome, RunOutcome::kFailure) << r.tasks.dump(2);
  EXPECT_NE(r.message.find("replicated, but the health check failed"), std::string::npos)
      << r.message;
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_EQ(r.targets[0].state, VmState::kError);
  EXPECT_GT(r.targets[0].last_success_us, 0);  // the replica itself is complete
  EXPECT_FALSE(r.targets[0].last_snapshot_uuid.empty());
  EXPECT_EQ(Replicas(vms_[0]), 1u);
}

TEST_F(EngineLauncherTest, AVmOnNoStoredPoolFailsNamingIt) {
  VmRun r = Run(1);
  r.vm_uuid = "99999999-9999-4999-8999-999999999999";
  Launcher().StartRun(r);
  VmRunResult res = sink_.WaitEnd(1);
  EXPECT_EQ(res.outcome, RunOutcome::kFailure);
  EXPECT_NE(res.message.find("99999999-9999-4999-8999-999999999999 is on no stored pool"),
            std::string::npos)
      << res.message;
  EXPECT_EQ(res.tasks.at(0).at("status"), "failure");
  ASSERT_EQ(res.targets.size(), 1u);
  EXPECT_EQ(res.targets[0].state, VmState::kError);
}

TEST_F(EngineLauncherTest, ResolverPicksUpAVmTaggedLater) {
  Job smart = job_;
  smart.vms.ids.clear();
  smart.vms.pattern = VmPattern{.tags = {"cr"}};
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> none, ResolveJobVms(smart, *connector_));
  EXPECT_TRUE(none.empty());
  ASSERT_OK(src_conn_->Call("VM.add_tags", {xapi::Value(vm_refs_[1]), xapi::Value("cr")}).status());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> got, ResolveJobVms(smart, *connector_));
  EXPECT_EQ(got, std::vector<std::string>{vms_[1]});
  // Excluding the source pool leaves nothing.
  smart.vms.pattern->not_pools = {src_pool_.id};
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> excluded, ResolveJobVms(smart, *connector_));
  EXPECT_TRUE(excluded.empty());
}

TEST_F(EngineLauncherTest, ResolverReturnsExplicitIdsAsTheyAre) {
  class Nowhere : public PoolConnector {
   public:
    Result<std::unique_ptr<xapi::Connection>> Connect(const std::string& id) override {
      ADD_FAILURE() << "pool " << id << " contacted";
      return Status::Unavailable("no pool");
    }
    Result<std::vector<PoolConfig>> ListPools() override {
      ADD_FAILURE() << "pools listed";
      return Status::Unavailable("no pool");
    }
  } nowhere;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> got, ResolveJobVms(job_, nowhere));
  EXPECT_EQ(got, vms_);
}

TEST_F(EngineLauncherTest, ConnectErrorsNameThePool) {
  PoolConfig bad = src_pool_;
  bad.password = "Zq9-not-the-password";
  Result<std::unique_ptr<xapi::Connection>> conn = ConnectPool(bad);
  ASSERT_FALSE(conn.ok());
  EXPECT_NE(conn.status().message().find("pool 'prod'"), std::string::npos)
      << conn.status().ToString();
  EXPECT_EQ(conn.status().ToString().find("Zq9-not"), std::string::npos);
  // A first URL that does not answer: the next one is tried.
  PoolConfig failover = src_pool_;
  failover.urls = {"https://127.0.0.1:1", src_->url()};
  ASSERT_OK(ConnectPool(failover).status());
  EXPECT_EQ(connector_->Connect("no-such-pool").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace xcr::jobs
