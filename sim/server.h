// Server: one simulated pool, in process — the Service over a state directory, its HTTP or
// HTTPS listener, and optional member hosts. What the xapi-sim binary runs, and what engine and
// integration tests start in-process:
//
//   sim::Server::Options o;  o.state_dir = dir;  o.https = true;
//   sim::Server server(o);
//   XCR_RETURN_IF_ERROR(server.Start());   // server.url(), server.fingerprint()
//   ...
//   server.Stop();
//
// Thread-safety: Start/Stop from one thread; the accessors after Start() from any.
#ifndef XCR_SIM_SERVER_H_
#define XCR_SIM_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "sim/service.h"
#include "sim/xapi_names.h"

namespace xcr::net {
class HttpServer;
}  // namespace xcr::net

namespace xcr::sim {

class MasterHandler;
class MemberHandler;

class Server {
 public:
  struct Options {
    std::string state_dir;           // required; created if missing
    std::string host = "127.0.0.1";  // listen address
    uint16_t port = 0;               // 0: any free port (see port())
    bool https = false;              // serve HTTPS with the state dir's self-signed cert
    std::string user = "root";
    std::string password = "xapi-sim";
    int populate = 0;                 // VMs to add at start (each with one disk)
    uint64_t disk_size = 1ull << 30;  // their disk size
    int members = 0;                  // extra member hosts answering HOST_IS_SLAVE
    uint64_t sr_size = uint64_t{1} << 40;
    Env* env = nullptr;  // default Env::Default()
  };

  explicit Server(Options options);
  ~Server();

  // Opens the state, populates, binds and starts serving.
  Status Start();
  // Stops serving (wakes event.from waiters, closes connections) and saves. Idempotent.
  void Stop();

  // "http://127.0.0.1:PORT" or "https://...".
  std::string url() const;
  uint16_t port() const { return port_; }
  // "SHA256:AA:BB:..." style without the prefix: the certificate's SHA-256 ("" without https).
  const std::string& fingerprint() const { return fingerprint_; }
  // Base URLs of the member hosts.
  const std::vector<std::string>& member_urls() const { return member_urls_; }
  Service& service() { return *service_; }

 private:
  Options options_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<MasterHandler> master_;
  std::vector<std::unique_ptr<MemberHandler>> members_;
  std::unique_ptr<net::HttpServer> http_;
  uint16_t port_ = 0;
  std::string fingerprint_;
  std::vector<std::string> member_urls_;
  bool started_ = false;
};

// Parses "10G", "512M", "4096", "2T", "1.5G" (binary units) into bytes.
Result<uint64_t> ParseSize(const std::string& text);

}  // namespace xcr::sim

#endif  // XCR_SIM_SERVER_H_
