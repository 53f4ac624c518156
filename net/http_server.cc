#include "net/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <limits>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/logging.h"

namespace xcr::net {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kBodyLimit = 16 << 20;

template <class Stream>
class RawConnection : public HttpConnection {
 public:
  RawConnection(Stream& s, beast::flat_buffer& buf) : stream_(s), buf_(buf) {}
  Result<size_t> ReadSome(std::span<uint8_t> out) override {
    if (out.empty()) return size_t{0};
    if (buf_.size() > 0) {
      size_t n = net::buffer_copy(net::buffer(out.data(), out.size()), buf_.data());
      buf_.consume(n);
      return n;
    }
    beast::error_code ec;
    size_t n = stream_.read_some(net::buffer(out.data(), out.size()), ec);
    if (ec == net::error::eof || ec == ssl::error::stream_truncated) return size_t{0};
    if (ec) return Status::Unavailable("read: " + ec.message());
    return n;
  }
  Status WriteAll(std::span<const uint8_t> data) override {
    beast::error_code ec;
    net::write(stream_, net::buffer(data.data(), data.size()), ec);
    if (ec) return Status::Unavailable("write: " + ec.message());
    return Status::OK();
  }

 private:
  Stream& stream_;
  beast::flat_buffer& buf_;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

template <class Stream>
void Serve(Stream& stream, HttpHandler& handler) {
  beast::flat_buffer buf;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 << 10);
    // No body limit while reading the header: Beast would refuse a disk upload's Content-Length
    // there. Streaming requests (disk transfers) never buffer their body; the others get
    // kBodyLimit below. (Not boost::none: Beast 1.74 compares Content-Length with the optional
    // itself and refuses every body when it is empty.)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    beast::error_code ec;
    http::read_header(stream, buf, parser, ec);
    if (ec) {
      XCR_LOG(DEBUG) << "http: reading a request head: " << ec.message();
      return;
    }
    const auto& head = parser.get();
    HttpRequest req;
    req.method = std::string(head.method_string());
    req.target = std::string(head.target());
    ParseTarget(req.target, &req.path, &req.query);
    for (const auto& f : head)
      req.headers[Lower(std::string(f.name_string()))] = std::string(f.value());
    if (auto len = parser.content_length()) req.content_length = *len;
    if (handler.IsStreaming(req)) {
      RawConnection<Stream> conn(stream, buf);
      handler.Stream(req, conn);
      return;
    }
    HttpResponse resp;
    parser.body_limit(kBodyLimit);
    if (!parser.is_done()) http::read(stream, buf, parser, ec);
    if (ec == http::error::body_limit) {
      resp.status = 413;
      resp.close = true;
    } else if (ec) {
      XCR_LOG(DEBUG) << "http: reading a request body: " << ec.message();
      return;
    } else {
      req.body = parser.get().body();
      resp = handler.Handle(req);
    }
    bool keep = parser.get().keep_alive() && !resp.close;
    auto headers = resp.headers;
    headers.emplace_back("Content-Length", std::to_string(resp.body.size()));
    headers.emplace_back("Connection", keep ? "keep-alive" : "close");
    std::string out = ResponseHead(resp.status, headers) + resp.body;
    net::write(stream, net::buffer(out), ec);
    if (ec) {
      XCR_LOG(DEBUG) << "http: writing a response: " << ec.message();
    }
    if (ec || !keep) return;
  }
}

}  // namespace

struct HttpServer::Impl {
  net::io_context io;
  ssl::context tls_ctx{ssl::context::tls_server};
  bool tls_ok = false;
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    bool tls;
    HttpHandler* handler;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Listener>> listeners;
  std::mutex mu;
  std::condition_variable cv;
  std::set<int> open_fds;
  int live = 0;
  bool stopping = false;

  void AcceptLoop(Listener* l) {
    while (true) {
      tcp::socket sock(io);
      beast::error_code ec;
      l->acceptor->accept(sock, ec);
      std::unique_lock<std::mutex> lock(mu);
      if (stopping) return;
      if (ec) {
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      if (live >= kMaxConnections) {
        XCR_LOG(WARN) << "too many connections; closing a new one";
        continue;
      }
      ++live;
      open_fds.insert(sock.native_handle());
      std::thread([this, l, s = std::move(sock)]() mutable {
        RunConnection(l, std::move(s));
      }).detach();
    }
  }

  void RunConnection(Listener* l, tcp::socket sock) {
    int fd = sock.native_handle();
    beast::error_code ec;
    sock.set_option(tcp::no_delay(true), ec);
    try {
      if (l->tls) {
        ssl::stream<tcp::socket> stream(std::move(sock), tls_ctx);
        stream.handshake(ssl::stream_base::server, ec);
        if (!ec) Serve(stream, *l->handler);
        stream.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        Unregister(fd);
        stream.next_layer().close(ec);
      } else {
        Serve(sock, *l->handler);
        sock.shutdown(tcp::socket::shutdown_both, ec);
        Unregister(fd);
        sock.close(ec);
      }
    } catch (const std::exception& e) {
      XCR_LOG(WARN) << "connection error: " << e.what();
      Unregister(fd);
    }
    std::lock_guard<std::mutex> lock(mu);
    --live;
    cv.notify_all();
  }

  void Unregister(int fd) {
    std::lock_guard<std::mutex> lock(mu);
    open_fds.erase(fd);
  }
};

HttpServer::HttpServer(TlsIdentity tls) : impl_(std::make_unique<Impl>()) {
  if (!tls.cert_pem.empty()) {
    beast::error_code ec;
    impl_->tls_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                               ssl::context::no_tlsv1_1);
    impl_->tls_ctx.use_certificate_chain(net::buffer(tls.cert_pem), ec);
    if (!ec) impl_->tls_ctx.use_private_key(net::buffer(tls.key_pem), ssl::context::pem, ec);
    impl_->tls_ok = !ec;
    if (ec) {
      XCR_LOG(ERROR) << "TLS identity rejected: " << ec.message();
    }
  }
}

HttpServer::~HttpServer() { Stop(); }

Result<uint16_t> HttpServer::Listen(const ListenerOptions& o) {
  if (o.tls && !impl_->tls_ok) return Status::InvalidArgument("no usable TLS certificate");
  beast::error_code ec;
  auto addr = net::ip::make_address(o.host, ec);
  if (ec) return Status::InvalidArgument("bad listen address '" + o.host + "'");
  auto l = std::make_unique<Impl::Listener>();
  l->acceptor = std::make_unique<tcp::acceptor>(impl_->io);
  tcp::endpoint ep(addr, o.port);
  l->acceptor->open(ep.protocol(), ec);
  if (!ec) l->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) l->acceptor->bind(ep, ec);
  if (!ec) l->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                               ec.message());
  }
  l->tls = o.tls;
  l->handler = o.handler;
  uint16_t port = l->acceptor->local_endpoint().port();
  impl_->listeners.push_back(std::move(l));
  return port;
}

void HttpServer::Start() {
  for (auto& l : impl_->listeners) {
    if (!l->thread.joinable()) {
      Impl::Listener* p = l.get();
      l->thread = std::thread([this, p] { impl_->AcceptLoop(p); });
    }
  }
}

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
    for (int fd : impl_->open_fds) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& l : impl_->listeners) {
    ::shutdown(l->acceptor->native_handle(), SHUT_RDWR);
    if (l->thread.joinable()) l->thread.join();
    beast::error_code ec;
    l->acceptor->close(ec);
  }
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->live == 0; });
}

}  // namespace xcr::net
