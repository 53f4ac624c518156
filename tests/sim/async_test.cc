// Async.* calls return a pending task that moves while the work runs (sim.fault_delay widens the
// window), ends success / failure / cancelled, and a cancelled snapshot leaves no snapshot.
// Transfers move the caller's task (task_id) the same way. No assertion on elapsed time: the
// tests watch states.
#include <gtest/gtest.h>

#include "tests/sim/sim_client.h"

namespace xcr::sim::testing {
namespace {

class AsyncTest : public SimFixture {
 protected:
  void Configure(Server::Options& o) override {
    o.populate = 1;
    o.disk_size = 64ull << 20;
  }
  std::string UserVm() {
    Value all = Ok("VM.get_all");
    for (const Value& v : all.array()) {
      Struct r = Record("VM", v.string());
      if (!r.at("is_control_domain").bool_value() && !r.at("is_a_snapshot").bool_value()) {
        return v.string();
      }
    }
    return "";
  }
  size_t SnapshotCount(const std::string& vm) {
    return Record("VM", vm).at("snapshots").array().size();
  }
};

TEST_F(AsyncTest, PendingWithProgressBeforeSuccess) {
  std::string vm = UserVm();
  Ok("sim.fault_delay", {Value("VM.snapshot"), Value("400")});
  std::string task = Ok("Async.VM.snapshot", {Value(vm), Value("slow")}).string();
  Struct first = Record("task", task);
  EXPECT_EQ(Str(first, "status"), "pending");
  bool seen_between = false;
  Struct t;
  for (int i = 0; i < 60000; ++i) {
    t = Record("task", task);
    if (Str(t, "status") != "pending") break;
    double p = *t.at("progress").AsDouble();
    if (p > 0 && p < 1) seen_between = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(seen_between);
  EXPECT_EQ(Str(t, "status"), "success");
  EXPECT_EQ(*t.at("progress").AsDouble(), 1.0);
  ASSERT_OK_AND_ASSIGN(Value snap, DecodeValue(Str(t, "result")));
  EXPECT_EQ(Str(Record("VM", snap.string()), "name_label"), "slow");
  EXPECT_EQ(SnapshotCount(vm), 1u);
}

TEST_F(AsyncTest, CancelledSnapshotLeavesNoSnapshot) {
  std::string vm = UserVm();
  size_t vdis = Ok("VDI.get_all").array().size();
  Ok("sim.fault_delay", {Value("VM.snapshot"), Value("60000")});
  std::string task = Ok("Async.VM.snapshot", {Value(vm), Value("never")}).string();
  EXPECT_EQ(Str(Record("task", task), "status"), "pending");
  Ok("task.cancel", {Value(task)});
  Struct t = WaitTask(task);
  EXPECT_EQ(Str(t, "status"), "cancelled");
  Ok("sim.fault_delay", {Value("VM.snapshot"), Value("0")});
  // A later call runs at once: the cancelled one never ran.
  Ok("VM.get_record", {Value(vm)});
  EXPECT_EQ(SnapshotCount(vm), 0u);
  EXPECT_EQ(Ok("VDI.get_all").array().size(), vdis);
  EXPECT_EQ(Err("task.cancel", {Value(task)}), "OPERATION_NOT_ALLOWED");
}

TEST_F(AsyncTest, FailureEndsTheTaskWithErrorInfo) {
  std::string vm = UserVm();
  std::string task = Ok("Async.VM.clean_shutdown", {Value(vm)}).string();
  Struct t = WaitTask(task);
  EXPECT_EQ(Str(t, "status"), "failure");
  EXPECT_EQ(t.at("error_info").array()[0].string(), "VM_BAD_POWER_STATE");
}

TEST_F(AsyncTest, CloneCopyAndVdiOperationsAreAsync) {
  std::string vm = UserVm();
  Struct t = WaitTask(Ok("Async.VM.clone", {Value(vm), Value("c")}).string());
  ASSERT_EQ(Str(t, "status"), "success");
  ASSERT_OK_AND_ASSIGN(Value clone, DecodeValue(Str(t, "result")));
  EXPECT_EQ(Str(Record("VM", clone.string()), "name_label"), "c");
  Value vdis = Ok("VDI.get_all");
  ASSERT_FALSE(vdis.array().empty());
  std::string vdi = vdis.array()[0].string();
  Struct d = WaitTask(Ok("Async.VDI.clone", {Value(vdi), Value(Struct{})}).string());
  ASSERT_EQ(Str(d, "status"), "success");
  ASSERT_OK_AND_ASSIGN(Value copy, DecodeValue(Str(d, "result")));
  Struct gone = WaitTask(Ok("Async.VDI.destroy", {copy}).string());
  EXPECT_EQ(Str(gone, "status"), "success");
  EXPECT_EQ(Err("VDI.get_record", {copy}), "HANDLE_INVALID");
}

TEST_F(AsyncTest, DelayAppliesToSynchronousCallsToo) {
  Ok("sim.fault_delay", {Value("VM.get_all"), Value("50")});
  EXPECT_EQ(Ok("sim.faults").structure().count("delay:VM.get_all"), 1u);
  EXPECT_FALSE(Ok("VM.get_all").array().empty());
  Ok("sim.fault_clear");
  EXPECT_TRUE(Ok("sim.faults").structure().empty());
  EXPECT_EQ(Err("sim.fault_delay", {Value("VM.get_all"), Value("-1")}), "VALUE_NOT_SUPPORTED");
}

TEST_F(AsyncTest, ExportMovesTheCallersTask) {
  std::string vdi;
  Value all = Ok("VDI.get_all");
  for (const Value& v : all.array()) vdi = v.string();
  ASSERT_FALSE(vdi.empty());
  std::string task = Ok("task.create", {Value("export"), Value("")}).string();
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value(std::to_string(60 << 20)), Value("7")});
  // Paced so the transfer spans several progress steps.
  Ok("sim.fault_throttle", {Value("200")});
  HttpRequestSpec r;
  r.url = url_ + "/export_raw_vdi/?format=raw&vdi=" + vdi + "&session_id=" + session_ +
          "&task_id=" + task;
  HttpResult h = Http(r);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.headers["task-id"], task);
  Struct t = WaitTask(task);
  EXPECT_EQ(Str(t, "status"), "success");
  EXPECT_EQ(*t.at("progress").AsDouble(), 1.0);
  EXPECT_EQ(h.body.size(), 64u << 20);
}

}  // namespace
}  // namespace xcr::sim::testing
