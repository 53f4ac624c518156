#include "sim/server.h"

#include <cmath>
#include <cstdlib>

#include "base/logging.h"
#include "net/http_server.h"
#include "net/tls_cert.h"
#include "sim/pool_handler.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

Result<uint64_t> ParseSize(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || v < 0) return Status::InvalidArgument("bad size '" + text + "'");
  std::string unit(end);
  double mult = 1;
  if (unit == "K" || unit == "k" || unit == "KiB") {
    mult = 1024.0;
  } else if (unit == "M" || unit == "MiB") {
    mult = 1024.0 * 1024;
  } else if (unit == "G" || unit == "GiB") {
    mult = 1024.0 * 1024 * 1024;
  } else if (unit == "T" || unit == "TiB") {
    mult = 1024.0 * 1024 * 1024 * 1024;
  } else if (!unit.empty()) {
    return Status::InvalidArgument("bad size unit in '" + text + "'");
  }
  return static_cast<uint64_t>(std::llround(v * mult));
}

Server::Server(Options options) : options_(std::move(options)) {
  if (options_.env == nullptr) options_.env = Env::Default();
}

Server::~Server() { Stop(); }

Status Server::Start() {
  if (options_.state_dir.empty()) return Status::InvalidArgument("a state directory is needed");
  ServiceOptions so;
  so.user = options_.user;
  so.password = options_.password;
  so.sr_size = options_.sr_size;
  so.address = options_.host;
  service_ = std::make_unique<Service>(options_.env, options_.state_dir, so);
  XCR_RETURN_IF_ERROR(service_->Open());
  if (options_.populate > 0) {
    XCR_RETURN_IF_ERROR(service_->Populate(options_.populate, options_.disk_size).status());
  }
  net::TlsIdentity tls;
  if (options_.https) {
    XCR_ASSIGN_OR_RETURN(net::TlsCertificate cert,
                         net::LoadOrCreateCertificate(options_.env, options_.state_dir));
    tls.cert_pem = cert.cert_pem;
    tls.key_pem = cert.key_pem;
    fingerprint_ = cert.fingerprint;
  }
  http_ = std::make_unique<net::HttpServer>(tls);
  master_ = std::make_unique<MasterHandler>(service_.get());
  net::ListenerOptions lo;
  lo.host = options_.host;
  lo.port = options_.port;
  lo.tls = options_.https;
  lo.handler = master_.get();
  XCR_ASSIGN_OR_RETURN(port_, http_->Listen(lo));
  for (int i = 0; i < options_.members; ++i) {
    // Real pool members share one port on distinct addresses, so XAPI's HOST_IS_SLAVE names
    // the master's address only. The simulator's hosts share one address on distinct ports,
    // so it names "address:port" (clients accept both forms).
    members_.push_back(
        std::make_unique<MemberHandler>(options_.host + ":" + std::to_string(port_), url()));
    net::ListenerOptions mo = lo;
    mo.port = 0;
    mo.handler = members_.back().get();
    XCR_ASSIGN_OR_RETURN(uint16_t p, http_->Listen(mo));
    member_urls_.push_back(std::string(options_.https ? "https://" : "http://") + options_.host +
                           ":" + std::to_string(p));
  }
  http_->Start();
  started_ = true;
  XCR_LOG(INFO) << "xapi-sim serving " << url() << " from " << options_.state_dir;
  return Status::OK();
}

void Server::Stop() {
  if (!started_) return;
  started_ = false;
  service_->Shutdown();
  http_->Stop();
  std::lock_guard<std::mutex> l(service_->mutex());
  service_->CommitLocked();
  Status s = service_->store().Commit();
  if (!s.ok()) {
    XCR_LOG(ERROR) << "final commit failed: " << s.ToString();
  }
}

std::string Server::url() const {
  return std::string(options_.https ? "https://" : "http://") + options_.host + ":" +
         std::to_string(port_);
}

}  // namespace xcr::sim
