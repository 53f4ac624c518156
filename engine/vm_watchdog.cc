#include "engine/vm_watchdog.h"

namespace xcr::engine {

VmWatchdog::VmWatchdog(Env* env, const std::atomic<bool>* external, uint64_t timeout_micros,
                       std::atomic<bool>* flag, uint64_t poll_micros)
    : flag_(flag) {
  if (external == nullptr && timeout_micros == 0) return;
  const uint64_t deadline = timeout_micros ? env->NowMicros() + timeout_micros : 0;
  thread_ = std::thread([this, env, external, deadline, poll_micros] {
    while (!stop_.load()) {
      bool late = deadline != 0 && env->NowMicros() >= deadline;
      if (late || (external != nullptr && external->load())) {
        timed_out_.store(late);
        flag_->store(true);
        fired_.store(true);  // last: who sees fired() sees the flag and timed_out() set
        return;
      }
      env->SleepForMicros(poll_micros);
    }
  });
}

VmWatchdog::~VmWatchdog() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace xcr::engine
