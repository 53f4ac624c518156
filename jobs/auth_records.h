// What the store keeps for the web UI's security: the users who may log in (their passwords only
// as slow-KDF hashes, computed by web/password_hash.h) and the API tokens scripts authenticate
// with (only a SHA-256 of each token: the token itself is shown once, at creation).
// Times are microseconds since the Unix epoch (Env::NowUnixMicros); 0 means "none".
// Thread-safety: plain values.
#ifndef XCR_JOBS_AUTH_RECORDS_H_
#define XCR_JOBS_AUTH_RECORDS_H_

#include <cstdint>
#include <string>

namespace xcr::jobs {

struct UserRecord {
  std::string name;           // 1..64 characters: letters, digits, '.', '_', '-', '@'
  std::string password_hash;  // an encoded KDF hash (web/password_hash.h), never the password
  int64_t created_us = 0;
  bool operator==(const UserRecord&) const = default;
};

struct ApiTokenRecord {
  std::string id;          // short public id, shown in lists and used to revoke
  std::string name;        // what the token is for ("prometheus"); same rules as a user name
  std::string token_hash;  // lower-case hex SHA-256 of the whole token; unique
  int64_t created_us = 0;
  int64_t revoked_us = 0;  // 0 while valid
  bool operator==(const ApiTokenRecord&) const = default;
};

// Whether `name` is a valid user or token name (see UserRecord::name).
bool IsValidAuthName(const std::string& name);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_AUTH_RECORDS_H_
