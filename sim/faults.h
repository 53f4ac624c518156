// Faults: the run-time fault knobs of the simulator, switched by the sim.fault_* XML-RPC methods
// (see docs/simulator.md). Every change and every fault that fires is logged.
//
//   FailMethod(M, E, N)   the next N calls of method M fail with error description E
//   CutTransfer(kind, B)  the next export ("export") or import ("import") stops after B bytes
//   Throttle(R)           transfers are paced to R bytes/s (0 = unlimited)
//   SrFull(on)            storage writes and VDI creation fail with SR_BACKEND_FAILURE_44
//   Delay(M, ms)          every call of method M (sync or Async.M) waits ms before it runs; an
//                         Async task advances its progress meanwhile (0 = no delay)
//   GuestSilent(on)       VMs started from now on never get guest metrics (a guest without
//                         PV drivers, or one that never boots)
//   (expiring sessions is done by the Service at once: it has no lasting state here)
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef XCR_SIM_FAULTS_H_
#define XCR_SIM_FAULTS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace xcr::sim {

class Faults {
 public:
  void FailMethod(const std::string& method, std::vector<std::string> error, int64_t times);
  // The error to answer for this call of `method` (consuming one of its count), if any.
  std::optional<std::vector<std::string>> TakeMethodFailure(const std::string& method);

  void CutTransfer(const std::string& kind, uint64_t after_bytes);
  // The byte limit for a transfer of `kind` starting now (consumed), if one is armed.
  std::optional<uint64_t> TakeTransferCut(const std::string& kind);

  void Throttle(uint64_t bytes_per_second);
  uint64_t throttle() const;

  void SetSrFull(bool full);
  bool sr_full() const;

  void Delay(const std::string& method, uint64_t millis);
  // The delay armed for `method` in microseconds (0 if none). Not consumed.
  uint64_t DelayMicros(const std::string& method) const;

  void SetGuestSilent(bool silent);
  bool guest_silent() const;

  // Disarms every knob.
  void Clear();
  // A description of the armed knobs, for sim.faults.
  std::map<std::string, std::string> Describe() const;

 private:
  struct MethodFault {
    std::vector<std::string> error;
    int64_t remaining = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, MethodFault> methods_;
  std::map<std::string, uint64_t> cuts_;
  uint64_t throttle_ = 0;
  bool sr_full_ = false;
  std::map<std::string, uint64_t> delays_ms_;
  bool guest_silent_ = false;
};

}  // namespace xcr::sim

#endif  // XCR_SIM_FAULTS_H_
