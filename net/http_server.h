// HttpServer: the HTTP/1.1 and HTTPS front end of the simulator and the daemon on Boost.Beast
// (the only translation unit that includes Beast/Asio). Each listener has its own HttpHandler
// (the master's service, a member host answering HOST_IS_SLAVE, the daemon's API). A listener is
// TCP (host:port, optionally TLS) or a Unix stream socket (unix_path): there every request
// carries the peer's credentials (HttpRequest::peer), and the socket file is created with
// unix_mode, replaces a stale socket file left by a dead process (never a live one, never a
// file that is not a socket) and is removed by Stop().
//
// One thread per connection with blocking I/O: a keep-alive loop of request heads; a handler
// either answers a bounded request (XML-RPC) or takes the raw connection (disk transfers), after
// which the connection is closed. At most kMaxConnections connections are served at once (more
// are closed on accept). Stop() closes the listeners, shuts every open connection down and waits
// for the connection threads.
//
// Thread-safety: Listen/Start/Stop from one controlling thread; handlers run on connection
// threads.
#ifndef XCR_NET_HTTP_SERVER_H_
#define XCR_NET_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "net/http_types.h"

namespace xcr::net {

struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
};

struct ListenerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  bool tls = false;
  // Non-empty: a Unix stream socket at this path instead of TCP (host, port and tls ignored;
  // tls must be false). The file gets unix_mode (default rw for owner and group).
  std::string unix_path;
  uint32_t unix_mode = 0660;
  HttpHandler* handler = nullptr;  // not owned; must outlive the server
};

class HttpServer {
 public:
  static constexpr int kMaxConnections = 512;

  // tls is used by listeners with tls=true (may be empty otherwise).
  explicit HttpServer(TlsIdentity tls);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds a listener now; returns the bound port (0 for a Unix socket). Errors: kUnavailable
  // (address in use, a live server already on the Unix socket...), kInvalidArgument (bad host or
  // TLS identity, TLS on a Unix socket, unix_path an existing file that is not a socket or too
  // long for sockaddr_un).
  Result<uint16_t> Listen(const ListenerOptions& options);
  // Starts accepting on every listener.
  void Start();
  // Idempotent. Also removes the Unix socket files this server created (if still its own).
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xcr::net

#endif  // XCR_NET_HTTP_SERVER_H_
