// The simulated guest agent: a started VM reports its VM_guest_metrics (OS version, PV drivers,
// networks) after a short boot, as XAPI records what a guest's PV tools write into xenstore. A
// health check (boot a clone, wait for the guest) watches VM.guest_metrics through event.from.
//
//   VM.start --boot delay--> VM_guest_metrics created, VM.guest_metrics set
//   halt     --------------> metrics destroyed, VM.guest_metrics = OpaqueRef:NULL
//
// The boot takes 100 ms, or what sim.fault_delay armed for the pseudo-method "guest_boot". A
// guest stays silent (running, never any metrics) when sim.fault_guest_silent is on at start,
// or when the VM's other_config has xapi-sim:guest-silent = "true".
//
// Thread-safety: call with the service lock held (inside a handler).
#ifndef XCR_SIM_GUEST_H_
#define XCR_SIM_GUEST_H_

#include <string>

#include "sim/service.h"

namespace xcr::sim {

inline constexpr const char* kGuestSilentKey = "xapi-sim:guest-silent";
inline constexpr const char* kGuestBootDelayName = "guest_boot";

// After VM.start: schedules the guest's first report (unless silent).
void StartGuest(Ctx& x, const std::string& vm);
// After a halt: drops the VM's guest metrics.
void StopGuest(Ctx& x, const std::string& vm);

}  // namespace xcr::sim

#endif  // XCR_SIM_GUEST_H_
