#include "sim/guest.h"

#include "base/logging.h"

namespace xcr::sim {
namespace {

constexpr uint64_t kDefaultBootMicros = 100 * 1000;

Struct MetricsRecord(Service& svc) {
  return {
      {"os_version", Value(Struct{{"name", Value("Debian GNU/Linux 12 (bookworm)")},
                                  {"distro", Value("debian")},
                                  {"major", Value("12")},
                                  {"minor", Value("5")},
                                  {"uname", Value("6.1.0-21-amd64")}})},
      {"PV_drivers_version", Value(Struct{{"major", Value("8")},
                                          {"minor", Value("2")},
                                          {"micro", Value("1")},
                                          {"build", Value("1")}})},
      {"PV_drivers_up_to_date", Value(true)},
      {"PV_drivers_detected", Value(true)},
      {"networks", Value(Struct{{"0/ip", Value("192.0.2.10")}})},
      {"other", Value(Struct{{"feature-shutdown", Value("1")}, {"has-vendor-device", Value("0")}})},
      {"live", Value(true)},
      {"can_use_hotplug_vbd", Value("yes")},
      {"can_use_hotplug_vif", Value("yes")},
      {"last_updated", svc.NowDateTime()}};
}

}  // namespace

void StartGuest(Ctx& x, const std::string& vm) {
  const Struct* rec = x.db.Get("VM", vm);
  if (rec == nullptr) return;
  auto oc = rec->find("other_config");
  bool silent_vm = oc != rec->end() && oc->second.is_struct() &&
                   FieldString(oc->second.structure(), kGuestSilentKey) == "true";
  if (silent_vm || x.svc.faults().guest_silent()) {
    XCR_LOG(INFO) << "guest of " << vm << " stays silent (no guest metrics)";
    return;
  }
  uint64_t boot = x.svc.faults().DelayMicros(kGuestBootDelayName);
  if (boot == 0) boot = kDefaultBootMicros;
  int64_t domid = FieldInt(*rec, "domid");
  Service& svc = x.svc;
  svc.RunLaterLocked(boot, [&svc, vm, domid](std::unique_lock<std::mutex>&) {
    const Struct* now = svc.db().Get("VM", vm);
    // Halted, or restarted since (another boot reports for it): nothing to do.
    if (svc.shutting_down() || now == nullptr || FieldString(*now, "power_state") != "Running" ||
        FieldInt(*now, "domid") != domid || FieldString(*now, "guest_metrics") != kNullRef) {
      return;
    }
    std::string m = svc.db().Create("VM_guest_metrics", MetricsRecord(svc));
    svc.db().Set("VM", vm, "guest_metrics", Value(m));
    svc.CommitLocked();
  });
}

void StopGuest(Ctx& x, const std::string& vm) {
  const Struct* rec = x.db.Get("VM", vm);
  if (rec == nullptr) return;
  std::string m = FieldString(*rec, "guest_metrics");
  if (m.empty() || m == kNullRef) return;
  x.db.Set("VM", vm, "guest_metrics", Value(std::string(kNullRef)));
  if (x.db.Get("VM_guest_metrics", m) != nullptr) x.db.Destroy("VM_guest_metrics", m);
}

}  // namespace xcr::sim
