// The remaining methods and error paths: VDI.copy, SR.scan, event.get_current_id, sim.populate,
// sim.read bounds, VBD.create checks.
#include "tests/sim/sim_client.h"

namespace xcr::sim::testing {
namespace {

class MethodsTest : public SimFixture {
 protected:
  std::string NewVdi(const std::string& size, bool read_only = false) {
    return Ok("VDI.create", {Value(Struct{{"SR", Value(First("SR"))},
                                          {"virtual_size", Value(size)},
                                          {"type", Value("user")},
                                          {"sharable", Value(false)},
                                          {"read_only", Value(read_only)},
                                          {"other_config", Value(Struct{})}})})
        .string();
  }
};

TEST_F(MethodsTest, VdiCopyFullAndIntoWithBase) {
  std::string a = NewVdi("8388608");
  Ok("sim.write_random", {Value(a), Value("0"), Value("100000"), Value("3")});
  std::string base = Ok("VDI.snapshot", {Value(a)}).string();
  Ok("sim.write_pattern", {Value(a), Value("6291456"), Value("512"), Value("8")});
  std::string full = Ok("VDI.copy", {Value(a), Value(First("SR"))}).string();
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(full)}).string(),
            Ok("sim.vdi_sha256", {Value(a)}).string());
  // A copy of the base, then only the blocks changed since the base copied into it.
  std::string target = Ok("VDI.copy", {Value(base), Value(First("SR"))}).string();
  std::string into =
      Ok("VDI.copy", {Value(a), Value("OpaqueRef:NULL"), Value(base), Value(target)}).string();
  EXPECT_EQ(into, target);
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(target)}).string(),
            Ok("sim.vdi_sha256", {Value(a)}).string());
  EXPECT_EQ(Err("VDI.copy", {Value(a), Value("OpaqueRef:bad")}), "HANDLE_INVALID");
  EXPECT_EQ(Err("VDI.copy", {Value(a), Value("OpaqueRef:NULL"), Value("OpaqueRef:NULL"),
                             Value("OpaqueRef:bad")}),
            "HANDLE_INVALID");
}

TEST_F(MethodsTest, ScanCurrentIdPopulateAndReadBounds) {
  Ok("SR.scan", {Value(First("SR"))});
  EXPECT_EQ(Err("SR.scan", {Value("OpaqueRef:bad")}), "HANDLE_INVALID");
  int64_t id = *Ok("event.get_current_id").AsInt();
  Value vms = Ok("sim.populate", {Value("2"), Value("4194304")});
  ASSERT_EQ(vms.array().size(), 2u);
  EXPECT_GT(*Ok("event.get_current_id").AsInt(), id);
  Struct vm = Record("VM", vms.array()[1].string());
  EXPECT_EQ(Str(vm, "power_state"), "Halted");
  ASSERT_EQ(vm.at("VBDs").array().size(), 1u);
  std::string vdi = Str(Record("VBD", vm.at("VBDs").array()[0].string()), "VDI");
  EXPECT_EQ(Str(Record("VDI", vdi), "physical_utilisation"), "2097152");  // block 0 only
  EXPECT_NE(Ok("sim.read", {Value(vdi), Value("0"), Value("8")}).string(), "0000000000000000");
  EXPECT_EQ(Err("sim.read", {Value(vdi), Value("4194300"), Value("8")}), "VALUE_NOT_SUPPORTED");
  EXPECT_EQ(Err("sim.read", {Value(vdi), Value("0"), Value("2000000")}), "VALUE_NOT_SUPPORTED");
  EXPECT_EQ(Err("sim.write_pattern", {Value(vdi), Value("-1"), Value("8"), Value("1")}),
            "VALUE_NOT_SUPPORTED");
  EXPECT_EQ(Err("sim.populate", {Value("-1"), Value("1")}), "VALUE_NOT_SUPPORTED");
  EXPECT_EQ(Err("sim.fault_cut_transfer", {Value("sideways"), Value("1")}), "VALUE_NOT_SUPPORTED");
}

TEST_F(MethodsTest, VbdCreateChecks) {
  std::string vm = Ok("VM.create", {Value(Struct{{"name_label", Value("v")}})}).string();
  std::string ro = NewVdi("1048576", true);
  Struct rec{{"VM", Value(vm)},     {"VDI", Value(ro)},      {"userdevice", Value("0")},
             {"mode", Value("RW")}, {"type", Value("Disk")}, {"empty", Value(false)}};
  EXPECT_EQ(Err("VBD.create", {Value(rec)}), "VDI_READONLY");
  rec["mode"] = Value("RO");
  rec["userdevice"] = Value("x1");
  EXPECT_EQ(Err("VBD.create", {Value(rec)}), "INVALID_DEVICE");
  rec["userdevice"] = Value("3");
  rec["empty"] = Value(true);
  EXPECT_EQ(Err("VBD.create", {Value(rec)}), "VBD_NOT_REMOVABLE_MEDIA");
  rec["type"] = Value("CD");
  std::string cd = Ok("VBD.create", {Value(rec)}).string();
  EXPECT_EQ(Str(Record("VBD", cd), "VDI"), "OpaqueRef:NULL");
  EXPECT_EQ(Str(Record("VBD", cd), "userdevice"), "3");
}

}  // namespace
}  // namespace xcr::sim::testing
