// SessionTable: the web UI's logged-in browsers, in the daemon's memory (a restart logs every
// browser out). A session is created at login and is identified by a random 256-bit id the
// browser keeps in its HttpOnly cookie; the table keeps only the id's SHA-256, so a memory
// dump shows no usable cookie. Each session carries its CSRF token (another random 256-bit
// value, given to the page at login) that every state-changing request must echo.
//
//   Create ──> live ──(idle longer than idle_timeout, or older than max_age)──> expired
//                │                                                         (forgotten at
//                └──(Remove: logout)──> gone                                next lookup)
//
// Times come from the Env's monotonic clock, so expiry is tested on a fake clock.
// Thread-safety: every method may be called from any thread (one mutex).
#ifndef XCR_WEB_SESSION_TABLE_H_
#define XCR_WEB_SESSION_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/env.h"

namespace xcr::web {

struct SessionOptions {
  uint64_t idle_timeout_us = 30ull * 60 * 1000000;  // 30 min without a request
  uint64_t max_age_us = 12ull * 3600 * 1000000;     // 12 h after login, whatever the use
  size_t max_sessions = 10000;  // beyond, the least recently used session is dropped
};

struct Session {
  std::string user;
  std::string csrf;
  uint64_t created_us = 0;
  uint64_t last_used_us = 0;
};

struct NewSession {
  std::string id;  // for the cookie; never stored
  Session session;
};

class SessionTable {
 public:
  SessionTable(Env* env, SessionOptions options) : env_(env), options_(options) {}

  // A new session for `user`.
  NewSession Create(const std::string& user);
  // The live session with this cookie value (and marks it used now), or nullopt if unknown or
  // expired (an expired one is forgotten).
  std::optional<Session> Lookup(const std::string& id);
  // Forgets the session; false if it was unknown.
  bool Remove(const std::string& id);
  // Forgets every session of `user` (a removed user, a changed password); returns how many.
  size_t RemoveUser(const std::string& user);
  size_t size();

  const SessionOptions& options() const { return options_; }

 private:
  bool ExpiredLocked(const Session& s, uint64_t now) const;

  Env* env_;
  SessionOptions options_;
  std::mutex mu_;
  std::map<std::string, Session> by_hash_;  // SHA-256 of the id -> session
};

}  // namespace xcr::web

#endif  // XCR_WEB_SESSION_TABLE_H_
