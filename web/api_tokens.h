// API tokens for scripts (Prometheus, cron jobs): `Authorization: Bearer <token>` on the HTTPS
// API. A token reads
//
//   xcr_<id>_<secret>     id: 8 hex digits (public: lists, revocation); secret: 43 characters
//                         of base64url (256 random bits)
//
// and the store keeps only the SHA-256 of the whole token (a fast hash suffices: the secret is
// random, not a password), so the token is shown once, when it is created.
// Thread-safety: free functions over a thread-safe Store.
#ifndef XCR_WEB_API_TOKENS_H_
#define XCR_WEB_API_TOKENS_H_

#include <string>

#include "base/env.h"
#include "base/result.h"
#include "jobs/store.h"

namespace xcr::web {

struct IssuedToken {
  jobs::ApiTokenRecord record;
  std::string token;  // the secret to hand to the user; nowhere else
};

// Creates and stores a token named `name`. kInvalidArgument for a bad name.
Result<IssuedToken> IssueApiToken(jobs::Store* store, Env* env, const std::string& name);

// The stored, valid token this is. kPermissionDenied with a message saying why (malformed,
// unknown, revoked); other codes for a store failure.
Result<jobs::ApiTokenRecord> AuthenticateApiToken(jobs::Store* store, const std::string& token);

}  // namespace xcr::web

#endif  // XCR_WEB_API_TOKENS_H_
