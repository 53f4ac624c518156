// LoginLimiter: slows password guessing without letting anyone lock a user out from elsewhere.
// Failed logins are counted in a sliding window under three keys, each with its own limit:
//
//   key                            limit (default, per 15 min)  stops
//   client address + user name     5                            guessing one user's password
//   client address (IPv6: its /64) 20                           one client trying many names
//   every failure                  1000                         a distributed attack (backstop)
//
// A login is refused without checking its password while any of its keys is at its limit,
// until the oldest counted failure of that key leaves the window. A success clears its
// address+name count only (so a guesser cannot reset its address by logging in to an account
// of its own). Names count whether the user exists or not, so the answers do not reveal it.
//
//   open ──(a key reaches its limit)──> logins under that key refused (429, Retry-After)
//   refused ──(that key's oldest failure is older than window)──> open
//
// Someone else's failures lock a user out only through the global backstop, which takes
// max_total / max_per_address client addresses (or IPv6 /64s) within one window. Behind a
// reverse proxy every client has the proxy's address: limit there too. Times from the Env's
// monotonic clock. Thread-safety: every method may be called from any thread (one mutex).
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
  size_t max_per_address_name = 5;            // failures of one name from one address
  size_t max_per_address = 20;                // failures from one address, any names
  size_t max_total = 1000;                    // failures of everyone
  uint64_t window_us = 15ull * 60 * 1000000;  // 15 min
  size_t max_keys = 10000;  // keys tracked of each kind; beyond, the stalest is forgotten
};

// The key a client address is counted under: IPv4 as it is ("::ffff:a.b.c.d" as "a.b.c.d"),
// IPv6 by its /64 prefix ("2001:db8:1:2::/64"), anything else (a Unix socket: "") as given.
std::string ClientAddressKey(const std::string& address);

class LoginLimiter {
 public:
  LoginLimiter(Env* env, LoginLimitOptions options) : env_(env), options_(options) {}

  // 0 if `name` may try to log in from `address` now, else the seconds until it may (>= 1).
  uint64_t RetryAfterSeconds(const std::string& address, const std::string& name);
  void RecordFailure(const std::string& address, const std::string& name);
  void RecordSuccess(const std::string& address, const std::string& name);

 private:
  using Counts = std::map<std::string, std::deque<uint64_t>>;
  void DropOldLocked(std::deque<uint64_t>* times, uint64_t now) const;
  uint64_t WaitLocked(const std::deque<uint64_t>& times, size_t limit, uint64_t now) const;
  // The wait under one key of `counts` (forgetting the key once its failures left the window).
  uint64_t WaitForKeyLocked(Counts* counts, const std::string& key, size_t limit, uint64_t now);
  void AddLocked(Counts* counts, const std::string& key, uint64_t now);

  Env* env_;
  LoginLimitOptions options_;
  std::mutex mu_;
  Counts by_address_name_;  // key: address key + "\n" + name
  Counts by_address_;
  std::deque<uint64_t> all_;
};

}  // namespace xcr::web

#endif  // XCR_WEB_LOGIN_LIMITER_H_
