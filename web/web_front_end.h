// WebFrontEnd: the HTTPS listener of `xcr serve --listen HOST:PORT` with everything behind it —
// the ApiGate (login, CSRF, API tokens), the WebRouter to the daemon's API handler, /metrics and
// the embedded UI.
// Requests run at a lower CPU priority than the replications (web/request_priority.h).
//
//   Start: TLS identity ──> listen on HOST:PORT ──> serving ──(Stop)──> stopped
//          --tls-cert/--tls-key: the user's own (both or neither);
//          else STATE_DIR/tls/cert.pem + key.pem, a self-signed certificate created at the
//          first start (key mode 0600); --http: none (tests behind a proxy only)
//
// url() is what `xcr listening on URL` prints; fingerprint() the certificate's
// "SHA256:AA:BB:..." (empty with --http).
// Thread-safety: Start and Stop from one controlling thread; requests on connection threads.
#ifndef XCR_WEB_WEB_FRONT_END_H_
#define XCR_WEB_WEB_FRONT_END_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "jobs/store.h"
#include "net/http_types.h"
#include "web/api_gate.h"

namespace xcr::web {

struct WebFrontEndOptions {
  std::string listen;     // "HOST:PORT", "[::1]:PORT"; port 0 = any free port
  std::string state_dir;  // for the self-signed certificate (STATE_DIR/tls)
  std::string tls_cert_file;
  std::string tls_key_file;
  bool plain_http = false;
  ApiGateOptions gate;  // gate.https follows plain_http
};

// Splits "HOST:PORT" ("[v6]:PORT"); kInvalidArgument naming the flag's expected form.
Status ParseListenAddress(const std::string& text, std::string* host, uint16_t* port);

class WebFrontEnd {
 public:
  // store, daemon_api, env: not owned, must outlive this. env null = Env::Default().
  static Result<std::unique_ptr<WebFrontEnd>> Start(jobs::Store* store,
                                                    net::HttpHandler* daemon_api, Env* env,
                                                    WebFrontEndOptions options);
  ~WebFrontEnd();

  std::string url() const { return url_; }
  uint16_t port() const { return port_; }
  std::string fingerprint() const { return fingerprint_; }
  SessionTable& sessions();
  // Idempotent.
  void Stop();

 private:
  struct Parts;
  WebFrontEnd();
  std::unique_ptr<Parts> parts_;
  std::string url_;
  uint16_t port_ = 0;
  std::string fingerprint_;
};

}  // namespace xcr::web

#endif  // XCR_WEB_WEB_FRONT_END_H_
