// RunJob against two xapi-sim pools: progress keyed by task id with live byte counts while a
// disk streams, a per-VM cancel with a reason, and two concurrent runs keeping separate logs.
#include "engine/run_job.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "tests/engine/integration/sim_pools.h"

namespace xcr::engine::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// Records everything an observer is told.
class Recorder : public RunObserver {
 public:
  void OnTask(const TaskRecord& task) override {
    std::lock_guard<std::mutex> lock(mu_);
    updates.push_back(task);
  }
  void OnTransfer(TaskId export_task, const xapi::TransferProgress& p) override {
    std::lock_guard<std::mutex> lock(mu_);
    transfers.emplace_back(export_task, p);
    if (on_transfer) on_transfer(export_task, p);
  }
  void OnLog(LogLevel, const std::string& line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines.push_back(line);
  }
  void OnVmEnded(size_t index, const VmOutcome& vm, TaskId vm_task) override {
    std::lock_guard<std::mutex> lock(mu_);
    ended[index] = vm_task;
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string all;
    for (const std::string& l : lines) all += l + "\n";
    return all;
  }

  std::mutex mu_;
  std::vector<TaskRecord> updates;
  std::vector<std::pair<TaskId, xapi::TransferProgress>> transfers;
  std::vector<std::string> lines;
  std::map<size_t, TaskId> ended;
  std::function<void(TaskId, const xapi::TransferProgress&)> on_transfer;  // under mu_
};

class RunJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<SimPool>(dir_.File("src"), 4, 8 * kMiB);
    dst_ = std::make_unique<SimPool>(dir_.File("dst"), 0, 8 * kMiB);
    ASSERT_OK(src_->Start());
    ASSERT_OK(dst_->Start());
    ASSERT_OK_AND_ASSIGN(PoolCatalog cat, src_->Catalog());
    for (const VmView& v : cat.vms) {
      if (!v.is_a_snapshot && !v.is_a_template) vms_.push_back(v.uuid);
    }
    ASSERT_EQ(vms_.size(), 4u);
    ASSERT_OK_AND_ASSIGN(dst_sr_, dst_->SrUuid());
    pools_.Add("src", &src_->conn());
    pools_.Add("dst", &dst_->conn());
  }

  JobSpec Spec(const std::string& job, std::vector<std::string> vms) {
    JobSpec spec;
    spec.vms = std::move(vms);
    spec.source_pool = "src";
    spec.targets = {{"dst", dst_sr_, "dr"}};
    spec.concurrency = 1;
    spec.options.job_id = job;
    spec.options.schedule_id = job + "-schedule";
    return spec;
  }

  // Complete replicas (start blocked, xo:backup:job set) of `vm` on the target.
  size_t ReplicasOf(const std::string& vm) {
    auto cat = dst_->Catalog();
    EXPECT_TRUE(cat.ok());
    size_t n = 0;
    for (const VmView& v : cat->vms) {
      if (ConfigValue(v.other_config, keys::kVm) == vm && v.blocked_operations.count("start") &&
          !v.is_a_template) {
        ++n;
      }
    }
    return n;
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SimPool> src_, dst_;
  std::vector<std::string> vms_;
  std::string dst_sr_;
  FixedConnector pools_;
};

TEST_F(RunJobTest, ProgressKeyedByTaskIdWithLiveBytesWhileADiskStreams) {
  JobSpec spec = Spec("job-live", {vms_[0]});
  // The disk's stream is about 2 MiB: two seconds, several progress reports.
  spec.options.max_bytes_per_sec = 1 * kMiB;
  Recorder rec;
  ASSERT_OK_AND_ASSIGN(JobReport report, RunJob(spec, pools_, &rec, nullptr));
  ASSERT_OK(report.outcome.vms.at(0).status) << report.log->ToText();
  ASSERT_NE(report.vm_tasks.at(0), kNoParent);
  EXPECT_EQ(rec.ended.at(0), report.vm_tasks[0]);
  // Given by uuid, the VM's task is labelled by its name once the VM is found.
  const std::string& name = report.outcome.vms[0].vm_name;
  EXPECT_NE(name, vms_[0]);
  EXPECT_EQ(report.log->Get(report.vm_tasks[0]).label, "VM " + name);
  EXPECT_EQ(report.log->Get(report.vm_tasks[0]).data.at("uuid"), vms_[0]);

  // The export step: its final bytes are the VM's, and it was told about while it streamed.
  TaskId export_task = kNoParent;
  for (const TaskRecord& t : report.log->Snapshot()) {
    if (t.label.find("export of disk") != std::string::npos) export_task = t.id;
  }
  ASSERT_NE(export_task, kNoParent);
  uint64_t total = report.log->Get(export_task).bytes;
  ASSERT_GT(total, 0u);
  EXPECT_EQ(total, report.outcome.vms[0].bytes);

  std::set<uint64_t> live;  // byte counts seen on the running export step, below the total
  for (const TaskRecord& t : rec.updates) {
    if (t.id == export_task && t.status == TaskStatus::kRunning && t.bytes > 0 && t.bytes < total) {
      live.insert(t.bytes);
    }
  }
  EXPECT_FALSE(live.empty()) << "no live byte count reached the task log";
  // The stream's size was known while it streamed (from the VHD's header and BAT, so not before
  // they arrived), on the export step and on the per-target step, and it is what the stream
  // moved in the end.
  EXPECT_EQ(report.log->Get(export_task).total_bytes, total);
  bool export_sized = false;
  for (const TaskRecord& t : rec.updates) {
    if (t.id == export_task && t.status == TaskStatus::kRunning && t.bytes > 0 && t.bytes < total) {
      if (t.total_bytes != 0) {
        EXPECT_EQ(t.total_bytes, total);
      }
      if (t.total_bytes == total) export_sized = true;
    }
  }
  EXPECT_TRUE(export_sized);
  // The per-target step moved along too, against the same size.
  TaskId target_task = report.log->Get(export_task).children.at(0);
  bool target_live = false;
  for (const TaskRecord& t : rec.updates) {
    if (t.id == target_task && t.status == TaskStatus::kRunning && t.bytes > 0) {
      target_live = true;
      EXPECT_EQ(t.total_bytes, total);
    }
  }
  EXPECT_TRUE(target_live);
  EXPECT_EQ(report.log->Get(target_task).total_bytes, total);
  // Transfer progress is keyed by the export step's id.
  ASSERT_FALSE(rec.transfers.empty());
  for (const auto& [id, p] : rec.transfers) EXPECT_EQ(id, export_task);
  // Every task the log holds was announced, by id.
  std::set<TaskId> announced;
  for (const TaskRecord& t : rec.updates) announced.insert(t.id);
  EXPECT_EQ(announced.size(), report.log->Snapshot().size());
}

// The expected size is the stream's: a delta's is its changed blocks, far less than the full
// export of the same disk; once a transfer ended, its size is what it moved.
TEST_F(RunJobTest, ADeltaIsSizedByItsChangedBlocks) {
  auto export_of = [](const JobReport& report) {
    for (const TaskRecord& t : report.log->Snapshot()) {
      if (t.label.find("export of disk") != std::string::npos) return t;
    }
    return TaskRecord{};
  };
  ASSERT_OK_AND_ASSIGN(PoolCatalog cat, src_->Catalog());
  VmView vm;
  for (const VmView& v : cat.vms) {
    if (v.uuid == vms_[0]) vm = v;
  }
  ASSERT_EQ(vm.uuid, vms_[0]);
  ASSERT_OK(src_->Write(vm.disks.at(0).vdi.ref, 0, 6 * kMiB, 0x3c));  // blocks 0-2 written
  JobSpec spec = Spec("job-sized", {vms_[0]});
  ASSERT_OK_AND_ASSIGN(JobReport full, RunJob(spec, pools_, nullptr, nullptr));
  ASSERT_OK(full.outcome.vms.at(0).status) << full.log->ToText();
  TaskRecord full_export = export_of(full);
  EXPECT_EQ(full_export.data.at("mode"), "full");
  EXPECT_GT(full_export.total_bytes, 6 * kMiB);  // three 2 MiB blocks and the VHD's metadata
  EXPECT_EQ(full_export.total_bytes, full_export.bytes);

  ASSERT_OK(src_->Write(vm.disks.at(0).vdi.ref, 6 * kMiB, 4096, 0x5a));  // block 3 changed
  ASSERT_OK_AND_ASSIGN(JobReport delta, RunJob(spec, pools_, nullptr, nullptr));
  ASSERT_OK(delta.outcome.vms.at(0).status) << delta.log->ToText();
  TaskRecord delta_export = export_of(delta);
  EXPECT_EQ(delta_export.data.at("mode"), "delta");
  EXPECT_EQ(delta_export.total_bytes, delta_export.bytes);
  EXPECT_GT(delta_export.total_bytes, 2 * kMiB);  // the changed block and the VHD's metadata
  EXPECT_LT(delta_export.total_bytes, 3 * kMiB);  // and nothing else
  EXPECT_LT(delta_export.total_bytes, full_export.total_bytes);
  TaskRecord target = delta.log->Get(delta_export.children.at(0));
  EXPECT_EQ(target.total_bytes, delta_export.total_bytes);
  EXPECT_EQ(target.bytes, delta_export.bytes);
}

TEST_F(RunJobTest, CancelOneVmWithAReasonWhileTheOtherGoesOn) {
  JobSpec spec = Spec("job-cancel", {vms_[0], vms_[1]});
  spec.options.max_bytes_per_sec = 2 * kMiB;
  auto cancel = std::make_shared<RunCanceller>();
  Recorder rec;
  // Concurrency 1: the first transfer reported is the first VM's.
  rec.on_transfer = [&](TaskId, const xapi::TransferProgress& p) {
    if (p.bytes > 0) cancel->CancelVm(vms_[0], "maintenance window closed");
  };
  ASSERT_OK_AND_ASSIGN(JobReport report, RunJob(spec, pools_, &rec, cancel));
  const VmOutcome& first = report.outcome.vms.at(0);
  const VmOutcome& second = report.outcome.vms.at(1);
  EXPECT_FALSE(first.status.ok());
  ASSERT_OK(second.status) << report.log->ToText();
  // The reason is the error of the VM's task and of its transfer.
  TaskRecord vm_task = report.log->Get(report.vm_tasks.at(0));
  EXPECT_EQ(vm_task.status, TaskStatus::kFailure);
  EXPECT_NE(vm_task.error.find("maintenance window closed"), std::string::npos) << vm_task.error;
  bool transfer_has_reason = false;
  for (const TaskRecord& t : report.log->Snapshot()) {
    if (t.label.find("transfer to") != std::string::npos &&
        t.error.find("maintenance window closed") != std::string::npos) {
      transfer_has_reason = true;
    }
  }
  EXPECT_TRUE(transfer_has_reason) << report.log->ToText();
  EXPECT_EQ(cancel->ReasonFor(vms_[0]), "maintenance window closed");
  EXPECT_EQ(cancel->ReasonFor(vms_[1]), "");
  EXPECT_EQ(ReplicasOf(vms_[0]), 0u);  // nothing that looks complete
  EXPECT_EQ(ReplicasOf(vms_[1]), 1u);
  EXPECT_TRUE(report.outcome.partial());
  // The pipe's target thread logged the drop into this run's log.
  EXPECT_NE(rec.Log().find("failed and is dropped"), std::string::npos) << rec.Log();
}

TEST_F(RunJobTest, AVmCancelledBeforeItStartsIsNotStarted) {
  JobSpec spec = Spec("job-cancel-early", {vms_[0], vms_[1]});
  auto cancel = std::make_shared<RunCanceller>();
  cancel->CancelVm(vms_[1], "excluded by the operator");
  ASSERT_OK_AND_ASSIGN(JobReport report, RunJob(spec, pools_, nullptr, cancel));
  ASSERT_OK(report.outcome.vms.at(0).status);
  EXPECT_EQ(report.outcome.vms.at(1).status.code(), StatusCode::kCancelled);
  EXPECT_NE(report.outcome.vms[1].status.message().find("excluded by the operator"),
            std::string::npos);
  EXPECT_EQ(report.vm_tasks.at(1), kNoParent);
  EXPECT_EQ(ReplicasOf(vms_[1]), 0u);
}

TEST_F(RunJobTest, TwoConcurrentRunsKeepSeparateLogs) {
  // Each run has a target SR that does not exist: the replicator logs "target dropped" naming
  // it, on the run's worker threads (two per run).
  // Different VMs (a VM's run lease admits one run at a time).
  auto run = [&](const std::string& job, std::vector<std::string> vms,
                 const std::string& missing_sr, Recorder* rec, Result<JobReport>* out) {
    JobSpec spec = Spec(job, std::move(vms));
    spec.concurrency = 2;
    spec.targets.push_back({"dst", missing_sr, "dr"});
    *out = RunJob(spec, pools_, rec, nullptr);
  };
  Recorder a, b;
  Result<JobReport> ra = Status::Internal("not run"), rb = Status::Internal("not run");
  std::thread ta(run, "job-a", std::vector<std::string>{vms_[0], vms_[1]}, "sr-missing-aaa", &a,
                 &ra);
  std::thread tb(run, "job-b", std::vector<std::string>{vms_[2], vms_[3]}, "sr-missing-bbb", &b,
                 &rb);
  ta.join();
  tb.join();
  ASSERT_OK(ra.status());
  ASSERT_OK(rb.status());
  for (const VmOutcome& vm : ra->outcome.vms) EXPECT_OK(vm.status);
  for (const VmOutcome& vm : rb->outcome.vms) EXPECT_OK(vm.status);
  std::string la = a.Log(), lb = b.Log();
  // Two VMs each: both workers' lines reached the run's own log, and only those.
  size_t count_a = 0, count_b = 0;
  for (const std::string& l : a.lines) count_a += l.find("sr-missing-aaa") != std::string::npos;
  for (const std::string& l : b.lines) count_b += l.find("sr-missing-bbb") != std::string::npos;
  EXPECT_EQ(count_a, 2u) << la;
  EXPECT_EQ(count_b, 2u) << lb;
  EXPECT_EQ(la.find("sr-missing-bbb"), std::string::npos) << la;
  EXPECT_EQ(lb.find("sr-missing-aaa"), std::string::npos) << lb;
}

TEST_F(RunJobTest, InvalidSpecOrUnknownPoolFailsBeforeAnyTask) {
  JobSpec spec = Spec("job-x", {});
  EXPECT_EQ(RunJob(spec, pools_, nullptr, nullptr).status().code(), StatusCode::kInvalidArgument);
  spec = Spec("job-x", {vms_[0]});
  spec.source_pool = "nowhere";
  EXPECT_EQ(RunJob(spec, pools_, nullptr, nullptr).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace xcr::engine::testing
