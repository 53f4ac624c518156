// AccountApi: users and API tokens, on the daemon's Unix socket only. An HttpHandler wrapping
// the daemon's API handler there: it answers these paths itself and passes every other request
// on unchanged.
//
//   POST   /api/users          {"name", "password"}  201 {"name", "created"}; an existing user
//                                                    gets the new password (200) and loses
//                                                    its web sessions
//   GET    /api/users                                [{"name", "created"}]
//   DELETE /api/users/NAME                           204; its web sessions end
//   POST   /api/tokens         {"name"}              201 {"id", "name", "created", "token"}:
//                                                    the token is in this answer only
//   GET    /api/tokens                               [{"id", "name", "created", "revoked"}]
//   DELETE /api/tokens/ID_OR_NAME                    {"revoked": N}: every valid token with
//                                                    that id or name
//
// Only a Unix-socket peer (HttpRequest::peer set) that is root or the daemon's own user is
// served; anyone else gets 403 — also over TCP, should this handler ever be mounted there (the
// HTTPS side refuses these paths in its ApiGate already). Errors in the API's shape.
// Thread-safety: as the store and session table (safe from many threads).
#ifndef XCR_WEB_ACCOUNT_API_H_
#define XCR_WEB_ACCOUNT_API_H_

#include <cstdint>

#include "base/env.h"
#include "jobs/store.h"
#include "net/http_types.h"
#include "web/password_hash.h"
#include "web/session_table.h"

namespace xcr::web {

struct AccountApiOptions {
  uint32_t daemon_uid = 0;  // besides root
  ScryptParams kdf;         // for new passwords
};

class AccountApi : public net::HttpHandler {
 public:
  // store, inner, env: not owned, must outlive this. sessions: the HTTPS side's (may be null
  // when there is none). env null = Env::Default().
  AccountApi(jobs::Store* store, net::HttpHandler* inner, SessionTable* sessions, Env* env,
             AccountApiOptions options);

  bool IsStreaming(const net::HttpRequest& req) override;
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override;

 private:
  static bool IsMine(const net::HttpRequest& req);
  net::HttpResponse Users(const net::HttpRequest& req, const std::string& rest);
  net::HttpResponse Tokens(const net::HttpRequest& req, const std::string& rest);

  jobs::Store* store_;
  net::HttpHandler* inner_;
  SessionTable* sessions_;
  Env* env_;
  AccountApiOptions options_;
};

}  // namespace xcr::web

#endif  // XCR_WEB_ACCOUNT_API_H_
