// HttpServer: the simulator's HTTP/1.1 and HTTPS front end on Boost.Beast (the only translation
// unit that includes Beast/Asio). Each listener has its own HttpHandler (the master's service,
// or a member host answering HOST_IS_SLAVE).
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

  // Binds a listener now; returns the bound port. Errors: kUnavailable (address in use...),
  // kInvalidArgument (bad host or TLS identity).
  Result<uint16_t> Listen(const ListenerOptions& options);
  // Starts accepting on every listener.
  void Start();
  // Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xcr::net

#endif  // XCR_NET_HTTP_SERVER_H_
