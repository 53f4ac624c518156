#include "web/web_front_end.h"

#include <charconv>

#include "net/http_server.h"
#include "net/tls_cert.h"
#include "web/metrics.h"
#include "web/request_priority.h"
#include "web/static_ui.h"
#include "web/web_router.h"

namespace xcr::web {

struct WebFrontEnd::Parts {
  std::unique_ptr<MetricsHandler> metrics;
  std::unique_ptr<StaticUi> ui;
  std::unique_ptr<WebRouter> router;
  std::unique_ptr<ApiGate> gate;
  std::unique_ptr<LowPriorityHandler> priority;
  std::unique_ptr<net::HttpServer> server;
};

WebFrontEnd::WebFrontEnd() : parts_(std::make_unique<Parts>()) {}
WebFrontEnd::~WebFrontEnd() { Stop(); }

SessionTable& WebFrontEnd::sessions() { return parts_->gate->sessions(); }

void WebFrontEnd::Stop() {
  if (parts_->server) parts_->server->Stop();
}

Status ParseListenAddress(const std::string& text, std::string* host, uint16_t* port) {
  const Status bad = Status::InvalidArgument(
      "--listen '" + text + "' is not HOST:PORT (e.g. 0.0.0.0:8443, 127.0.0.1:8443, [::1]:8443)");
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad;
  std::string h = text.substr(0, colon);
  if (h.front() == '[') {
    if (h.back() != ']' || h.size() < 3) return bad;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return bad;
  }
  std::string p = text.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value > 65535) return bad;
  *host = h;
  *port = static_cast<uint16_t>(value);
  return Status::OK();
}

Result<std::unique_ptr<WebFrontEnd>> WebFrontEnd::Start(jobs::Store* store,
                                                        net::HttpHandler* daemon_api, Env* env,
                                                        WebFrontEndOptions options) {
  if (env == nullptr) env = Env::Default();
  std::string host;
  uint16_t port = 0;
  XCR_RETURN_IF_ERROR(ParseListenAddress(options.listen, &host, &port));
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together: give both or neither");
  }
  std::unique_ptr<WebFrontEnd> fe(new WebFrontEnd());
  net::TlsIdentity identity;
  if (!options.plain_http) {
    if (!options.tls_cert_file.empty()) {
      auto read = [&](const std::string& path, const char* flag) -> Result<std::string> {
        Result<std::string> text = env->ReadFileToString(path, 1 << 20);
        if (!text.ok()) return text.status().WithContext(std::string("reading ") + flag);
        return text;
      };
      XCR_ASSIGN_OR_RETURN(identity.cert_pem, read(options.tls_cert_file, "--tls-cert"));
      XCR_ASSIGN_OR_RETURN(identity.key_pem, read(options.tls_key_file, "--tls-key"));
      XCR_ASSIGN_OR_RETURN(std::string fp, net::CertificateFingerprint(identity.cert_pem));
      fe->fingerprint_ = "SHA256:" + fp;
    } else {
      std::string dir = JoinPath(options.state_dir, "tls");
      XCR_RETURN_IF_ERROR(env->CreateDirs(dir).WithContext("creating " + dir));
      XCR_ASSIGN_OR_RETURN(net::TlsCertificate cert, net::LoadOrCreateCertificate(env, dir));
      identity.cert_pem = cert.cert_pem;
      identity.key_pem = cert.key_pem;
      fe->fingerprint_ = "SHA256:" + cert.fingerprint;
    }
  }
  Parts& p = *fe->parts_;
  p.metrics = std::make_unique<MetricsHandler>(store, env);
  p.ui = std::make_unique<StaticUi>();
  p.router = std::make_unique<WebRouter>(daemon_api, p.metrics.get(), p.ui.get());
  options.gate.https = !options.plain_http;
  p.gate = std::make_unique<ApiGate>(store, p.router.get(), env, options.gate);
  p.server = std::make_unique<net::HttpServer>(identity);
  net::ListenerOptions lo;
  lo.host = host;
  lo.port = port;
  lo.tls = !options.plain_http;
  p.priority = std::make_unique<LowPriorityHandler>(p.gate.get(), kWebRequestNiceIncrement);
  lo.handler = p.priority.get();
  Result<uint16_t> bound = p.server->Listen(lo);
  if (!bound.ok()) return bound.status().WithContext("listening on " + options.listen);
  fe->port_ = *bound;
  p.server->Start();
  std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  fe->url_ = std::string(options.plain_http ? "http" : "https") + "://" + url_host + ":" +
             std::to_string(fe->port_) + "/";
  return fe;
}

}  // namespace xcr::web
