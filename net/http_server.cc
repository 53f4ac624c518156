#include "net/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
using unix_proto = boost::asio::local::stream_protocol;

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
void Serve(Stream& stream, HttpHandler& handler, const std::optional<PeerCredentials>& peer,
           const std::string& remote_address = "") {
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
    req.peer = peer;
    req.remote_address = remote_address;
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

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// The credentials of a Unix socket's peer, as the kernel recorded them at connect.
std::optional<PeerCredentials> PeerOf(int fd) {
  struct ucred cred {};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
  return PeerCredentials{static_cast<uint32_t>(cred.uid), static_cast<uint32_t>(cred.gid),
                         static_cast<int32_t>(cred.pid)};
}

Result<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("Unix socket path '" + path + "' is empty or longer than " +
                                   std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// An existing file at path: a live server's socket refuses, a stale socket (nobody accepts on
// it) is removed, anything else is left alone and refused.
Status ClearStaleSocket(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::Unavailable(Errno("cannot inspect " + path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::InvalidArgument(path +
                                   " exists and is not a socket; remove it or choose "
                                   "another socket path");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(Errno("socket"));
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  ::close(fd);
  if (rc == 0) {
    return Status::Unavailable("another server is already listening on " + path);
  }
  if (err != ECONNREFUSED && err != ENOENT) {
    errno = err;
    return Status::Unavailable(Errno("cannot check whether " + path + " is in use"));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::Unavailable(Errno("cannot remove the stale socket " + path));
  }
  XCR_LOG(INFO) << "removed the stale socket " << path;
  return Status::OK();
}

// A listening Unix socket at path with mode: bound under a temporary name, given its mode before
// it listens (so nobody connects through looser permissions) and renamed into place.
Result<int> BindUnixSocket(const std::string& path, uint32_t mode, struct stat* bound) {
  XCR_ASSIGN_OR_RETURN(sockaddr_un addr, UnixAddress(path));
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  XCR_ASSIGN_OR_RETURN(sockaddr_un tmp_addr, UnixAddress(tmp));
  XCR_RETURN_IF_ERROR(ClearStaleSocket(path, addr));
  ::unlink(tmp.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(Errno("socket"));
  auto fail = [&](const std::string& what) -> Status {
    Status st = Status::Unavailable(Errno(what));
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&tmp_addr), sizeof(tmp_addr)) != 0) {
    return fail("cannot bind " + tmp);
  }
  if (::chmod(tmp.c_str(), mode) != 0) return fail("cannot set the mode of " + tmp);
  if (::listen(fd, SOMAXCONN) != 0) return fail("cannot listen on " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot move " + tmp + " to " + path);
  if (::stat(path.c_str(), bound) != 0) return fail("cannot inspect " + path);
  return fd;
}

}  // namespace

struct HttpServer::Impl {
  net::io_context io;
  ssl::context tls_ctx{ssl::context::tls_server};
  bool tls_ok = false;
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;         // TCP listeners
    std::unique_ptr<unix_proto::acceptor> unix_acc;  // Unix-socket listeners
    std::string unix_path;
    struct stat unix_stat {};  // the socket file we created (removed at Stop if still ours)
    bool tls = false;
    HttpHandler* handler = nullptr;
    std::thread thread;

    int native_handle() { return acceptor ? acceptor->native_handle() : unix_acc->native_handle(); }
  };
  std::vector<std::unique_ptr<Listener>> listeners;
  std::mutex mu;
  std::condition_variable cv;
  std::set<int> open_fds;
  int live = 0;
  bool stopping = false;

  template <class Acceptor, class Socket>
  void AcceptLoop(Listener* l, Acceptor& acceptor) {
    while (true) {
      Socket sock(io);
      beast::error_code ec;
      acceptor.accept(sock, ec);
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

  void RunConnection(Listener* l, unix_proto::socket sock) {
    int fd = sock.native_handle();
    beast::error_code ec;
    try {
      Serve(sock, *l->handler, PeerOf(fd));
      sock.shutdown(unix_proto::socket::shutdown_both, ec);
      Unregister(fd);
      sock.close(ec);
    } catch (const std::exception& e) {
      XCR_LOG(WARN) << "connection error: " << e.what();
      Unregister(fd);
    }
    std::lock_guard<std::mutex> lock(mu);
    --live;
    cv.notify_all();
  }

  void RunConnection(Listener* l, tcp::socket sock) {
    int fd = sock.native_handle();
    beast::error_code ec;
    sock.set_option(tcp::no_delay(true), ec);
    std::string remote;
    if (auto ep = sock.remote_endpoint(ec); !ec) remote = ep.address().to_string();
    try {
      if (l->tls) {
        ssl::stream<tcp::socket> stream(std::move(sock), tls_ctx);
        stream.handshake(ssl::stream_base::server, ec);
        if (!ec) Serve(stream, *l->handler, std::nullopt, remote);
        stream.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        Unregister(fd);
        stream.next_layer().close(ec);
      } else {
        Serve(sock, *l->handler, std::nullopt, remote);
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
  if (!o.unix_path.empty()) {
    if (o.tls) return Status::InvalidArgument("TLS is not offered on a Unix socket");
    auto l = std::make_unique<Impl::Listener>();
    XCR_ASSIGN_OR_RETURN(int fd, BindUnixSocket(o.unix_path, o.unix_mode, &l->unix_stat));
    l->unix_acc = std::make_unique<unix_proto::acceptor>(impl_->io);
    beast::error_code ec;
    l->unix_acc->assign(unix_proto(), fd, ec);
    if (ec) {
      ::close(fd);
      ::unlink(o.unix_path.c_str());
      return Status::Unavailable("cannot listen on " + o.unix_path + ": " + ec.message());
    }
    l->unix_path = o.unix_path;
    l->handler = o.handler;
    impl_->listeners.push_back(std::move(l));
    return uint16_t{0};
  }
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
      if (p->acceptor) {
        l->thread = std::thread(
            [this, p] { impl_->AcceptLoop<tcp::acceptor, tcp::socket>(p, *p->acceptor); });
      } else {
        l->thread = std::thread([this, p] {
          impl_->AcceptLoop<unix_proto::acceptor, unix_proto::socket>(p, *p->unix_acc);
        });
      }
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
    ::shutdown(l->native_handle(), SHUT_RDWR);
    if (l->thread.joinable()) l->thread.join();
    beast::error_code ec;
    if (l->acceptor) l->acceptor->close(ec);
    if (l->unix_acc) {
      l->unix_acc->close(ec);
      struct stat now {};
      if (::lstat(l->unix_path.c_str(), &now) == 0 && now.st_dev == l->unix_stat.st_dev &&
          now.st_ino == l->unix_stat.st_ino) {
        ::unlink(l->unix_path.c_str());
      }
    }
  }
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->live == 0; });
}

}  // namespace xcr::net
