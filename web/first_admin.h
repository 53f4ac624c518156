// The first web UI user: `xcr serve --listen` on a store without any user creates `admin` with
// a random one-time password, which the caller prints once (on stderr) and never again: the
// store keeps only its hash (password_hash.h). A store that has any user is left alone;
// `xcr user add admin --password-file FILE` replaces the password.
// Thread-safety: call once at start, before the listeners serve (nothing else adds users then).
#ifndef XCR_WEB_FIRST_ADMIN_H_
#define XCR_WEB_FIRST_ADMIN_H_

#include <optional>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "jobs/store.h"
#include "web/password_hash.h"

namespace xcr::web {

inline constexpr char kFirstAdminName[] = "admin";

struct FirstAdmin {
  std::string name;
  std::string password;  // 128 random bits, base64url (22 characters)
};

// nullopt when the store already has a user; else the user just stored. env: for the creation
// time (null = Env::Default()); params: the KDF's (tests use cheaper ones).
Result<std::optional<FirstAdmin>> CreateFirstAdminIfNoUser(jobs::Store* store, Env* env,
                                                           const ScryptParams& params = {});

}  // namespace xcr::web

#endif  // XCR_WEB_FIRST_ADMIN_H_
