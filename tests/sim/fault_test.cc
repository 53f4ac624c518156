// Each fault knob observed from a client, and restart persistence.
#include <chrono>

#include "tests/sim/sim_client.h"

namespace xcr::sim::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

class FaultTest : public SimFixture {
 protected:
  std::string NewVdi(uint64_t size) {
    return Ok("VDI.create", {Value(Struct{{"SR", Value(First("SR"))},
                                          {"virtual_size", Value(std::to_string(size))},
                                          {"type", Value("user")},
                                          {"sharable", Value(false)},
                                          {"read_only", Value(false)},
                                          {"other_config", Value(Struct{})}})})
        .string();
  }
  HttpResult Export(const std::string& vdi) {
    HttpRequestSpec r;
    r.url = url_ + "/export_raw_vdi?format=vhd&vdi=" + vdi + "&session_id=" + session_;
    return Http(r);
  }
};

TEST_F(FaultTest, FailMethodNextNTimes) {
  Ok("sim.fault_fail_method",
     {Value("VM.get_all"), Value(Array{Value("HOST_OFFLINE"), Value("h1")}), Value("2")});
  auto a = S("VM.get_all");
  EXPECT_EQ(a.status().error_name(), "HOST_OFFLINE");
  EXPECT_EQ(a.status().params(), (std::vector<std::string>{"h1"}));
  EXPECT_EQ(Err("VM.get_all"), "HOST_OFFLINE");
  EXPECT_EQ(Err("VM.get_all"), "(success)");
  Ok("sim.fault_fail_method", {Value("VM.snapshot"), Value("SR_BACKEND_FAILURE_82"), Value("1")});
  EXPECT_EQ(Ok("sim.faults").structure().count("fail:VM.snapshot"), 1u);
  // Async calls fail their task.
  std::string task = Ok("Async.VM.snapshot", {Value(First("VM")), Value("x")}).string();
  EXPECT_EQ(Str(WaitTask(task), "status"), "failure");
  EXPECT_TRUE(Ok("sim.faults").structure().empty());
}

TEST_F(FaultTest, CutExportAndImport) {
  std::string vdi = NewVdi(8 * kMiB);
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value(std::to_string(6 * kMiB)), Value("3")});
  Ok("sim.fault_cut_transfer", {Value("export"), Value("100000")});
  HttpResult cut = Export(vdi);
  EXPECT_EQ(cut.status, 200);
  EXPECT_EQ(cut.body.size(), 100000u);
  EXPECT_EQ(Str(Record("task", cut.headers["task-id"]), "status"), "failure");
  HttpResult whole = Export(vdi);  // one-shot: the next export is whole
  EXPECT_GT(whole.body.size(), 6 * kMiB);
  EXPECT_EQ(Str(Record("task", whole.headers["task-id"]), "status"), "success");
  Ok("sim.fault_cut_transfer", {Value("import"), Value("1000")});
  HttpRequestSpec put;
  put.method = "PUT";
  put.url = url_ + "/import_raw_vdi?format=vhd&vdi=" + vdi + "&session_id=" + session_;
  put.body = whole.body;
  HttpResult imp = Http(put);
  EXPECT_EQ(Str(Record("task", imp.headers["task-id"]), "status"), "failure");
  imp = Http(put);
  EXPECT_EQ(Str(Record("task", imp.headers["task-id"]), "status"), "success");
}

TEST_F(FaultTest, ThrottleSlowsTransfers) {
  std::string vdi = NewVdi(8 * kMiB);
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value(std::to_string(4 * kMiB)), Value("3")});
  Ok("sim.fault_throttle", {Value(8.0)});  // 8 MB/s: ~4.2 MB take >= 0.5 s
  auto t0 = std::chrono::steady_clock::now();
  HttpResult slow = Export(vdi);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(slow.status, 200);
  EXPECT_GE(took, std::chrono::milliseconds(450));
  // Disarmed: the same bytes (how fast is for bench/sim, not for a test on a busy machine).
  Ok("sim.fault_throttle", {Value(0.0)});
  HttpResult fast = Export(vdi);
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(fast.body, slow.body);
}

TEST_F(FaultTest, ExpireSessions) {
  Ok("sim.fault_expire_sessions");
  EXPECT_EQ(Err("VM.get_all"), "SESSION_INVALID");
  auto again = Call("session.login_with_password", {Value("root"), Value("xapi-sim")});
  ASSERT_OK(again.status());
  session_ = again->string();
  EXPECT_EQ(Err("VM.get_all"), "(success)");
}

TEST_F(FaultTest, SrFullKnobAndRealCapacity) {
  std::string vdi = NewVdi(8 * kMiB);
  Ok("sim.fault_sr_full", {Value(true)});
  auto full = S("sim.write_pattern", {Value(vdi), Value("0"), Value("512"), Value("1")});
  EXPECT_EQ(full.status().error_name(), "SR_BACKEND_FAILURE_44");
  EXPECT_EQ(full.status().params().at(1), "There is insufficient space");
  EXPECT_EQ(Err("VDI.snapshot", {Value(vdi)}), "SR_BACKEND_FAILURE_44");
  EXPECT_EQ(Err("VDI.create", {Value(Struct{{"SR", Value(First("SR"))},
                                            {"virtual_size", Value("1024")},
                                            {"type", Value("user")},
                                            {"sharable", Value(false)},
                                            {"read_only", Value(false)},
                                            {"other_config", Value(Struct{})}})}),
            "SR_BACKEND_FAILURE_44");
  Ok("sim.fault_clear");
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value("512"), Value("1")});
}

class SmallSrTest : public FaultTest {
 protected:
  void Configure(Server::Options& o) override { o.sr_size = 4 * kMiB; }
};

TEST_F(SmallSrTest, WritesBeyondTheSrSizeFail) {
  std::string vdi = NewVdi(16 * kMiB);
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value(std::to_string(4 * kMiB)), Value("1")});
  EXPECT_EQ(Str(Record("SR", First("SR")), "physical_utilisation"), std::to_string(4 * kMiB));
  EXPECT_EQ(Err("sim.write_pattern",
                {Value(vdi), Value(std::to_string(8 * kMiB)), Value("512"), Value("1")}),
            "SR_BACKEND_FAILURE_44");
  Ok("sim.write_pattern", {Value(vdi), Value("512"), Value("512"), Value("2")});  // in place
}

class PersistenceTest : public SimFixture {};

TEST_F(PersistenceTest, RestartKeepsObjectsDataAndSessions) {
  std::string vm = Ok("VM.create", {Value(Struct{{"name_label", Value("keep")}})}).string();
  Ok("VM.add_to_other_config", {Value(vm), Value("k"), Value("v")});
  std::string vdi = Ok("VDI.create", {Value(Struct{{"SR", Value(First("SR"))},
                                                   {"virtual_size", Value("4194304")},
                                                   {"type", Value("user")},
                                                   {"sharable", Value(false)},
                                                   {"read_only", Value(false)},
                                                   {"other_config", Value(Struct{})}})})
                        .string();
  Ok("sim.write_random", {Value(vdi), Value("100"), Value("300000"), Value("9")});
  std::string snap = Ok("VDI.snapshot", {Value(vdi)}).string();
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value("512"), Value("4")});
  std::string h_vdi = Ok("sim.vdi_sha256", {Value(vdi)}).string();
  std::string h_snap = Ok("sim.vdi_sha256", {Value(snap)}).string();
  std::string old_session = session_;
  Restart();
  EXPECT_EQ(Str(Record("VM", vm), "name_label"), "keep");
  EXPECT_EQ(Record("VM", vm).at("other_config").structure().at("k").string(), "v");
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(vdi)}).string(), h_vdi);
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(snap)}).string(), h_snap);
  EXPECT_EQ(Str(Record("VDI", snap), "snapshot_of"), vdi);
  EXPECT_TRUE(Record("VM", vm).at("snapshot_time").is_datetime());
  session_ = old_session;
  EXPECT_EQ(Err("VM.get_all"), "(success)");
  EXPECT_EQ(Ok("pool.get_all").array().size(), 1u);
}

}  // namespace
}  // namespace xcr::sim::testing
