// Connection: a logged-in XAPI session with a pool, for the life of a job or a tool run.
//
// Open() logs in with session.login_with_password(user, password, "1.1", "xcr"), following
// HOST_IS_SLAVE [master] to the pool master (same trust policy), then learns the addresses of
// the pool's members. Call() prepends the session ref and unwraps XAPI's envelope:
//
//        Open ──login──> [logged in] ──Call──> ok / XAPI error (Status kRemoteError)
//                          │    ^
//     SESSION_INVALID ─────┘    │ re-login (up to session_retries), retry the call
//     master unreachable ───────┘ log in via another known member (follows HOST_IS_SLAVE)
//
// A call is retried elsewhere only when the failure shows nothing reached the host
// (kUnavailable) or the session was refused before running (SESSION_INVALID). Close() (and the
// destructor) log out.
// Thread-safety: Call() may be used from many threads at once; re-logins are serialised.
#ifndef XCR_XAPI_CONNECTION_H_
#define XCR_XAPI_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "xapi/session.h"
#include "xapi/transport.h"
#include "xapi/value.h"

namespace xcr::xapi {

class Connection {
 public:
  // Logs in to the pool at `url` ("https://host[:port]"). `factory` opens transports (tests
  // pass fakes); without one, CurlTransport with options.tls/limits is used.
  // Errors: kInvalidArgument (bad URL), kUnavailable (no host answered), kRemoteError
  // (SESSION_AUTHENTICATION_FAILED, ...), kPermissionDenied (TLS refused).
  static Result<std::unique_ptr<Connection>> Open(const std::string& url, SessionOptions options,
                                                  TransportFactory factory = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Calls `method` (e.g. "VM.get_record") with the session ref prepended to `params`. Returns
  // the Value of a Success; a Failure is Status::Remote(code, params) with the method as context;
  // a Success whose value has the wrong shape for the method (a get_all_records that is not a
  // struct of records, a ref that is not a string ..., see result_shape.h) is kCorruption
  // "<method>: expected <shape>, got <value>", never retried.
  Result<Value> Call(std::string_view method, Array params);
  // Calls a method that takes no session (system.listMethods, ...).
  Result<Value> CallWithoutSession(std::string_view method, Array params);

  // Logs out (once). Later calls fail with kFailedPrecondition.
  Status Close();

  // "scheme://host[:port]" of the current master.
  std::string master_url() const;
  // The current session ref. A secret: for HTTP transfer query strings only, never for logs.
  std::string session_ref() const;
  // Addresses of the other pool members learnt at login.
  std::vector<std::string> pool_members() const;
  const SessionOptions& options() const { return options_; }
  // Number of successful logins so far (1 after Open; grows with re-logins and fail-overs).
  int login_count() const;

 private:
  Connection(SessionOptions options, TransportFactory factory);

  struct Snapshot {
    std::shared_ptr<Transport> transport;
    std::string session;
    uint64_t generation;
  };
  Snapshot Current() const;
  // Logs in at `url`, following HOST_IS_SLAVE; installs the new session on success.
  Status LoginAt(const std::string& url);
  // Re-logs in unless another thread already did since `generation`.
  Status Relogin(uint64_t generation);
  // Logs in through any known member other than the current master.
  Status Failover(uint64_t generation, const Status& cause);
  // The base URLs of the pool's members (host.get_all_records addresses).
  Result<std::vector<std::string>> MemberUrls();
  // MemberUrls() into members_; a failure is logged (WARN, with its reason) and leaves them.
  void LearnMembers();

  const SessionOptions options_;
  const TransportFactory factory_;
  std::mutex login_mu_;  // serialises logins
  mutable std::mutex mu_;
  std::shared_ptr<Transport> transport_;  // guarded by mu_
  std::string master_url_;                // guarded by mu_
  std::string session_;                   // guarded by mu_
  uint64_t generation_ = 0;               // guarded by mu_
  int logins_ = 0;                        // guarded by mu_
  bool closed_ = false;                   // guarded by mu_
  std::vector<std::string> members_;      // guarded by mu_, base URLs
};

// Sends one XML-RPC call over `transport` and unwraps the result. HTTP errors become kIOError;
// XAPI failures Status::Remote; an answer of the wrong shape for `method` kCorruption
// (result_shape.h). Used by Connection; exposed for tests and tools.
Result<Value> InvokeXmlRpc(Transport& transport, std::string_view method, const Array& params);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_CONNECTION_H_
