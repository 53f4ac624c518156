// LoginLimiter: slows password guessing. Failed logins are counted per user name (whether the
// user exists or not, so the answer does not reveal it) and over all names, in a sliding
// window; once a count reaches its limit, further attempts for that name (or for any name) are
// refused without checking the password until the oldest failure leaves the window. A success
// clears the name's failures.
//
//   open ──(max_per_name failures of a name within window)──> that name locked
//   open ──(max_total failures within window)──> every login locked
//   locked ──(the oldest counted failure is older than window)──> open
//
// The trade-off: anyone can lock a known user name out for up to `window` (the Unix-socket
// commands still work). The daemon sees no client addresses behind a proxy, so names are
// counted, not addresses. Times from the Env's monotonic clock.
// Thread-safety: every method may be called from any thread (one mutex).
#ifndef XCR_WEB_LOGIN_LIMITER_H_
#define XCR_WEB_LOGIN_LIMITER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "base/env.h"

namespace xcr::web {

struct LoginLimitOptions {
  size_t max_per_name = 5;                    // failures of one name per window
  size_t max_total = 100;                     // failures of all names per window
  uint64_t window_us = 15ull * 60 * 1000000;  // 15 min
  size_t max_names = 10000;  // names tracked; beyond, the stalest name is forgotten
};

class LoginLimiter {
 public:
  LoginLimiter(Env* env, LoginLimitOptions options) : env_(env), options_(options) {}

  // 0 if a login for `name` may be tried now, else the seconds until it may (at least 1).
  uint64_t RetryAfterSeconds(const std::string& name);
  void RecordFailure(const std::string& name);
  void RecordSuccess(const std::string& name);

 private:
  void DropOldLocked(std::deque<uint64_t>* times, uint64_t now);
  uint64_t WaitLocked(const std::deque<uint64_t>& times, size_t limit, uint64_t now) const;

  Env* env_;
  LoginLimitOptions options_;
  std::mutex mu_;
  std::map<std::string, std::deque<uint64_t>> by_name_;
  std::deque<uint64_t> all_;
};

}  // namespace xcr::web

#endif  // XCR_WEB_LOGIN_LIMITER_H_
