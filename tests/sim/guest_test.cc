// Guest metrics: a started VM reports VM_guest_metrics after its simulated boot, loses them when
// halted, and a silent guest (knob or other_config flag) never reports.
#include <gtest/gtest.h>

#include "sim/guest.h"
#include "tests/sim/sim_client.h"

namespace xcr::sim::testing {
namespace {

class GuestTest : public SimFixture {
 protected:
  void Configure(Server::Options& o) override { o.populate = 1; }
  std::string UserVm() {
    Value all = Ok("VM.get_all");
    for (const Value& v : all.array()) {
      if (!Record("VM", v.string()).at("is_control_domain").bool_value()) return v.string();
    }
    return "";
  }
  // Waits through event.from for the VM's guest_metrics to be set; "" if 5 s of events passed
  // without it (used only where the metrics must come; a silent guest is checked otherwise).
  std::string WaitMetrics(const std::string& vm) {
    std::string token = Ok("event.from", {Value(Array{Value("VM")}), Value(""), 0.0})
                            .structure()
                            .at("token")
                            .string();
    for (int i = 0; i < 600; ++i) {
      std::string m = Str(Record("VM", vm), "guest_metrics");
      if (m != std::string(kNullRef)) return m;
      Value b = Ok("event.from", {Value(Array{Value("VM/" + vm)}), Value(token), 0.1});
      token = b.structure().at("token").string();
    }
    return "";
  }
};

TEST_F(GuestTest, StartedVmReportsMetricsAndLosesThemWhenHalted) {
  std::string vm = UserVm();
  EXPECT_EQ(Str(Record("VM", vm), "guest_metrics"), std::string(kNullRef));
  Ok("VM.start", {Value(vm), Value(false), Value(false)});
  std::string m = WaitMetrics(vm);
  ASSERT_FALSE(m.empty());
  Struct gm = Record("VM_guest_metrics", m);
  EXPECT_EQ(Str(gm.at("os_version").structure(), "distro"), "debian");
  EXPECT_EQ(Str(gm, "PV_drivers_detected"), Str(Struct{{"x", Value(true)}}, "x"));
  EXPECT_FALSE(gm.at("PV_drivers_version").structure().empty());
  Ok("VM.hard_shutdown", {Value(vm)});
  EXPECT_EQ(Str(Record("VM", vm), "guest_metrics"), std::string(kNullRef));
  EXPECT_EQ(Err("VM_guest_metrics.get_record", {Value(m)}), "HANDLE_INVALID");
}

TEST_F(GuestTest, SilentGuestsNeverReport) {
  std::string vm = UserVm();
  // Silent guests are checked once a reporting guest started after them has reported (the
  // boots take the same time).
  Ok("sim.fault_guest_silent", {Value(true)});
  Ok("VM.start", {Value(vm), Value(false), Value(false)});
  Ok("sim.fault_guest_silent", {Value(false)});
  Ok("sim.populate", {Value("1"), Value(std::to_string(64 << 20))});
  std::string other;
  Value all = Ok("VM.get_all");
  for (const Value& v : all.array()) {
    Struct r = Record("VM", v.string());
    if (!r.at("is_control_domain").bool_value() && v.string() != vm &&
        Str(r, "power_state") == "Halted" && !r.at("is_a_template").bool_value()) {
      other = v.string();
    }
  }
  ASSERT_FALSE(other.empty());
  Ok("VM.add_to_other_config", {Value(other), Value(kGuestSilentKey), Value("true")});
  Ok("VM.start", {Value(other), Value(false), Value(false)});
  // A third guest that does report, started last.
  Ok("sim.populate", {Value("1"), Value(std::to_string(64 << 20))});
  std::string third;
  Value again = Ok("VM.get_all");
  for (const Value& v : again.array()) {
    Struct r = Record("VM", v.string());
    if (!r.at("is_control_domain").bool_value() && Str(r, "power_state") == "Halted" &&
        !r.at("is_a_template").bool_value() && v.string() != other) {
      third = v.string();
    }
  }
  ASSERT_FALSE(third.empty());
  Ok("VM.start", {Value(third), Value(false), Value(false)});
  ASSERT_FALSE(WaitMetrics(third).empty());
  EXPECT_EQ(Str(Record("VM", vm), "guest_metrics"), std::string(kNullRef));
  EXPECT_EQ(Str(Record("VM", other), "guest_metrics"), std::string(kNullRef));
  EXPECT_EQ(Str(Record("VM", vm), "power_state"), "Running");
}

}  // namespace
}  // namespace xcr::sim::testing
