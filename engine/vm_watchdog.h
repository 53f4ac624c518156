// VmWatchdog: stops one VM's run from outside its transfer loop. It raises a flag the transfers
// watch when the caller's cancel flag is raised or the VM's deadline passes, whichever comes
// first, watching on its own thread in steps of `poll` on the Env's monotonic clock (so a test
// on a fake clock drives it without sleeping):
//
//   [watching] ──external flag set──> [fired] (timed_out() false)
//       │ └──────deadline passed────> [fired] (timed_out() true)
//       └──destructor──> [stopped]   (the flag is left as it is)
//
// With neither an external flag nor a timeout there is nothing to watch: no thread is started.
// Thread-safety: fired()/timed_out() may be called from any thread.
#ifndef XCR_ENGINE_VM_WATCHDOG_H_
#define XCR_ENGINE_VM_WATCHDOG_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "base/env.h"

namespace xcr::engine {

class VmWatchdog {
 public:
  // Sets *flag (not owned, outlives the watchdog) when *external (may be null) becomes true or
  // when timeout_micros (0 = none) have passed on env's monotonic clock since construction.
  VmWatchdog(Env* env, const std::atomic<bool>* external, uint64_t timeout_micros,
             std::atomic<bool>* flag, uint64_t poll_micros = 50000);
  ~VmWatchdog();
  VmWatchdog(const VmWatchdog&) = delete;
  VmWatchdog& operator=(const VmWatchdog&) = delete;

  // True once the flag was set by the watchdog.
  bool fired() const { return fired_.load(); }
  // True once the flag was set because the deadline passed.
  bool timed_out() const { return timed_out_.load(); }

 private:
  std::atomic<bool>* flag_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> fired_{false};
  std::atomic<bool> timed_out_{false};
  std::thread thread_;
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_VM_WATCHDOG_H_
