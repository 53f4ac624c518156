#include "xapi/http_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// A one-connection HTTP server on 127.0.0.1 for the tests: a thread accepts one connection and
// runs `script` on it (read the request, write scripted bytes, close). Every wait is bounded: by
// Stop() (which the destructor calls) and by a deadline, so a broken client cannot hang a test.
// What the peer received (request head and body) is readable after Stop().
class LocalHttpServer {
 public:
  // The accepted connection as the script sees it. Each call returns false once the peer closed,
  // the server is stopping or the deadline passed.
  class Peer {
   public:
    // Reads up to and including the blank line that ends the request head (into head()).
    bool ReadRequestHead() {
      for (;;) {
        size_t end = buffered_.find("\r\n\r\n");
        if (end != std::string::npos) {
          server_->request_head_ = buffered_.substr(0, end + 4);
          buffered_.erase(0, end + 4);
          return true;
        }
        if (!ReadSome()) return false;
      }
    }
    // Reads the request body by its Content-Length (into body()).
    bool ReadRequestBody() {
      size_t want = RequestContentLength();
      while (buffered_.size() < want) {
        if (!ReadSome()) return false;
      }
      server_->request_body_ = buffered_.substr(0, want);
      buffered_.erase(0, want);
      return true;
    }
    // Sends all of `data`.
    bool Write(std::string_view data) {
      while (!data.empty()) {
        if (!WaitFor(POLLOUT)) return false;
        ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
      }
      return true;
    }
    // Writes each piece separately, pausing between them so that they are likely to reach the
    // client in separate reads (not needed for correctness: the tests pass either way).
    bool WritePieces(const std::vector<std::string>& pieces) {
      for (const std::string& p : pieces) {
        if (!Write(p)) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      return true;
    }
    // Keeps the connection open, reading and recording whatever arrives, until the client
    // closes it or the server is stopped.
    void DrainUntilClosed() {
      while (ReadSome()) {
      }
      server_->extra_ = buffered_;
    }

    // Keeps the connection open without reading from it until the server is stopped.
    void HoldWithoutReading() {
      while (!server_->stop_.load() && Clock::now() < server_->deadline_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }

   private:
    friend class LocalHttpServer;
    Peer(LocalHttpServer* server, int fd) : server_(server), fd_(fd) {}

    size_t RequestContentLength() const {
      std::string head = server_->request_head_;
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t at = head.find("\r\ncontent-length:");
      if (at == std::string::npos) return 0;
      return std::stoull(head.substr(at + 17));
    }
    bool WaitFor(short events) {
      while (!server_->stop_.load() && Clock::now() < server_->deadline_) {
        pollfd p{fd_, events, 0};
        int r = ::poll(&p, 1, 20);
        if (r > 0) return true;
        if (r < 0 && errno != EINTR) return false;
      }
      return false;
    }
    bool ReadSome() {
      char buf[64 << 10];
      for (;;) {
        if (!WaitFor(POLLIN)) return false;
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return false;
        buffered_.append(buf, static_cast<size_t>(n));
        return true;
      }
    }

    LocalHttpServer* server_;
    int fd_;
    std::string buffered_;
  };

  explicit LocalHttpServer(std::function<void(Peer&)> script) : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 1) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~LocalHttpServer() { Stop(); }
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string Url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
  }
  // Ends the script's waits and joins the thread. Idempotent.
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
  }
  // After Stop(): what the client sent.
  bool accepted() const { return accepted_; }
  const std::string& request_head() const { return request_head_; }
  const std::string& request_body() const { return request_body_; }
  const std::string& extra() const { return extra_; }  // bytes after the body (DrainUntilClosed)
  // The request head's lines, without their CRLF.
  std::vector<std::string> request_lines() const {
    std::vector<std::string> out;
    size_t at = 0;
    for (size_t end; (end = request_head_.find("\r\n", at)) != std::string::npos; at = end + 2) {
      if (end > at) out.push_back(request_head_.substr(at, end - at));
    }
    return out;
  }

 private:
  void Run() {
    deadline_ = Clock::now() + std::chrono::seconds(20);
    int fd = -1;
    while (fd < 0 && !stop_.load() && Clock::now() < deadline_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (fd < 0) return;
    accepted_ = true;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Peer peer(this, fd);
    script_(peer);
    ::close(fd);
  }

  std::function<void(Peer&)> script_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  Clock::time_point deadline_;
  bool accepted_ = false;
  std::string request_head_;
  std::string request_body_;
  std::string extra_;
};

using Peer = LocalHttpServer::Peer;

// Low limits so that a failing test ends in seconds.
HttpLimits TestLimits() {
  HttpLimits limits;
  limits.connect_timeout_ms = 5000;
  limits.low_speed_time_s = 5;
  return limits;
}

// `n` bytes of a pattern that does not repeat at any short period.
std::string Pattern(size_t n, uint32_t seed = 1) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Reads the body to its end in reads of `chunk` bytes; the error if a read fails.
Result<std::string> ReadAll(HttpStream& s, size_t chunk) {
  std::string out;
  std::vector<uint8_t> buf(chunk);
  for (;;) {
    XCR_ASSIGN_OR_RETURN(size_t n, s.ReadBody(buf));
    if (n > buf.size()) return Status::Internal("ReadBody returned more than asked for");
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

Result<std::unique_ptr<HttpStream>> OpenGet(const LocalHttpServer& server, std::string_view target,
                                            const HttpLimits& limits = TestLimits(),
                                            const std::atomic<bool>* cancel = nullptr) {
  XCR_ASSIGN_OR_RETURN(auto s, HttpStream::Open(TlsTrust::SystemCa(), limits, server.Url(target),
                                                "GET /export_raw_vdi", cancel));
  XCR_RETURN_IF_ERROR(s->SendHead("GET", {}));
  return s;
}

// --- 1. close-delimited body -----------------------------------------------------------------

TEST(HttpStreamTest, GetCloseDelimitedBodyAndTheRequestSent) {
  const std::string body = Pattern(5 << 20);
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")) return;
    p.Write(body);
  });
  ASSERT_OK_AND_ASSIGN(auto s,
                       HttpStream::Open(TlsTrust::SystemCa(), TestLimits(),
                                        server.Url("/export_raw_vdi?session_id=OpaqueRef:s&vdi=x"),
                                        "GET http://127.0.0.1/export_raw_vdi", nullptr));
  EXPECT_EQ(s->what(), "GET http://127.0.0.1/export_raw_vdi");
  ASSERT_OK(s->SendHead("GET", {"Accept: */*", "X-Test: 1"}));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.reason, "OK");
  EXPECT_EQ(head.Header("content-type"), "application/octet-stream");
  EXPECT_FALSE(head.content_length.has_value());
  EXPECT_FALSE(head.chunked);

  std::string got;
  std::vector<uint8_t> buf(256 << 10);
  for (int reads = 0;; ++reads) {
    ASSERT_LT(reads, 100000) << "ReadBody never reached the end";
    ASSERT_OK_AND_ASSIGN(size_t n, s->ReadBody(buf));
    ASSERT_LE(n, buf.size());
    if (n == 0) break;
    got.append(reinterpret_cast<const char*>(buf.data()), n);
  }
  EXPECT_EQ(got.size(), body.size());
  EXPECT_TRUE(got == body) << "the body differs";
  ASSERT_OK_AND_ASSIGN(size_t again, s->ReadBody(buf));
  EXPECT_EQ(again, 0u) << "the end stays the end";

  server.Stop();
  std::vector<std::string> lines = server.request_lines();
  ASSERT_FALSE(lines.empty()) << server.request_head();
  EXPECT_EQ(lines[0], "GET /export_raw_vdi?session_id=OpaqueRef:s&vdi=x HTTP/1.1");
  auto has = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  EXPECT_TRUE(has("Host: 127.0.0.1:" + std::to_string(server.port()))) << server.request_head();
  EXPECT_TRUE(has("Connection: close")) << server.request_head();
  EXPECT_TRUE(has("Accept: */*")) << server.request_head();
  EXPECT_TRUE(has("X-Test: 1")) << server.request_head();
}

TEST(HttpStreamTest, UrlWithoutPathAsksForSlash) {
  LocalHttpServer server([](Peer& p) {
    if (p.ReadRequestHead()) p.Write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, ""));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.status, 200);
  ASSERT_OK_AND_ASSIGN(std::string body, ReadAll(*s, 100));
  EXPECT_EQ(body, "");
  server.Stop();
  ASSERT_FALSE(server.request_lines().empty());
  EXPECT_EQ(server.request_lines()[0], "GET / HTTP/1.1");
}

// --- 2, 3. Content-Length ----------------------------------------------------------------------

TEST(HttpStreamTest, ContentLengthBodyStopsAtItsLengthDespiteExtraBytes) {
  const std::string body = Pattern(300000, 2);
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n")) return;
    if (!p.Write(body + "EXTRA BYTES THAT ARE NOT BODY")) return;
    p.DrainUntilClosed();  // the close must not be what ends the body
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.content_length, 300000u);
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*s, 7777));
  EXPECT_EQ(got.size(), body.size());
  EXPECT_TRUE(got == body);
  std::vector<uint8_t> buf(100);
  ASSERT_OK_AND_ASSIGN(size_t again, s->ReadBody(buf));
  EXPECT_EQ(again, 0u);
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, ContentLengthBodyThatCameWithTheHead) {
  // Head, body and extra bytes in one write: the body is (mostly) read along with the head.
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello worldHTTP/1.1 200 OK\r\n"))
      return;
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.content_length, 11u);
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*s, 3));
  EXPECT_EQ(got, "hello world");
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, ZeroContentLengthIsAnEmptyBody) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) return;
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  std::vector<uint8_t> buf(100);
  ASSERT_OK_AND_ASSIGN(size_t n, s->ReadBody(buf));
  EXPECT_EQ(n, 0u);
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, ContentLengthBodyCutShortIsCorruption) {
  const std::string body = Pattern(600, 3);
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    p.Write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + body);
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.content_length, 1000u);
  std::string got;
  std::vector<uint8_t> buf(256);
  Status end;
  for (int reads = 0; reads < 1000; ++reads) {
    Result<size_t> n = s->ReadBody(buf);
    if (!n.ok()) {
      end = n.status();
      break;
    }
    ASSERT_NE(*n, 0u) << "the end of a body cut at " << got.size() << " of 1000 bytes";
    got.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  EXPECT_EQ(end.code(), StatusCode::kCorruption) << end.ToString();
  EXPECT_NE(end.message().find("GET /export_raw_vdi"), std::string::npos) << end.ToString();
  EXPECT_EQ(got, body) << "the bytes before the cut are delivered";
  server.Stop();
}

// --- 4. chunked --------------------------------------------------------------------------------

// `payload` in chunks of the given sizes (cycled), with an extension on every third chunk.
std::string Chunked(std::string_view payload, const std::vector<size_t>& sizes, bool last = true) {
  std::string out;
  char size[32];
  for (size_t at = 0, i = 0; at < payload.size(); ++i) {
    size_t n = std::min(sizes[i % sizes.size()], payload.size() - at);
    std::snprintf(size, sizeof size, "%zx", n);
    out += size;
    if (i % 3 == 2) out += ";ext=1";
    out += "\r\n";
    out += payload.substr(at, n);
    out += "\r\n";
    at += n;
  }
  if (last) out += "0\r\n\r\n";
  return out;
}

// `data` cut into pieces of cycling lengths, so cuts fall inside sizes, CRLFs and data.
std::vector<std::string> Pieces(std::string_view data, const std::vector<size_t>& lengths) {
  std::vector<std::string> out;
  for (size_t at = 0, i = 0; at < data.size(); ++i) {
    size_t n = std::min(lengths[i % lengths.size()], data.size() - at);
    out.emplace_back(data.substr(at, n));
    at += n;
  }
  return out;
}

TEST(HttpStreamTest, ChunkedBodySplitAcrossWritesDecodes) {
  const std::string payload = Pattern(200000, 4);
  const std::string chunked = Chunked(payload, {1, 4096, 17, 65536, 3, 1000, 30000});
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    if (!p.WritePieces(Pieces(chunked, {1, 2, 3, 5, 7, 4099, 1, 60000, 2}))) return;
    p.DrainUntilClosed();  // the last chunk, not the close, ends the body
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_TRUE(head.chunked);
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*s, 5000));
  EXPECT_EQ(got.size(), payload.size());
  EXPECT_TRUE(got == payload);
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, ChunkedBodyThatCameWithTheHead) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")) {
      return;
    }
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*s, 4));
  EXPECT_EQ(got, "hello world");
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, ChunkedBodyCutBeforeTheLastChunkIsCorruption) {
  const std::string payload = Pattern(50000, 5);
  // Cut after whole chunks (no last chunk) and inside a chunk.
  const std::string whole = Chunked(payload, {10000}, /*last=*/false);
  for (const std::string& sent : {whole, whole.substr(0, whole.size() - 5000)}) {
    SCOPED_TRACE(sent.size());
    LocalHttpServer server([&](Peer& p) {
      if (!p.ReadRequestHead()) return;
      if (!p.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
      p.WritePieces(Pieces(sent, {4000, 3, 9000}));
    });
    ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
    ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
    EXPECT_STATUS(ReadAll(*s, 4096), StatusCode::kCorruption);
    server.Stop();
  }
}

// --- 5, 6. request bodies ------------------------------------------------------------------

TEST(HttpStreamTest, PutSendsExactlyTheBody) {
  const std::string body = Pattern(3 << 20, 6);
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead() || !p.ReadRequestBody()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) return;
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, HttpStream::Open(TlsTrust::SystemCa(), TestLimits(),
                                                server.Url("/import_raw_vdi?vdi=x"),
                                                "PUT /import_raw_vdi", nullptr));
  ASSERT_OK(s->SendHead("PUT", {"Content-Length: " + std::to_string(body.size()),
                                "Content-Type: application/octet-stream"}));
  // In uneven pieces, as a transfer hands over its buffers.
  std::string_view rest = body;
  for (size_t n : {size_t{1}, size_t{100000}, size_t{1} << 20, body.size()}) {
    n = std::min(n, rest.size());
    ASSERT_OK(s->Send(Bytes(rest.substr(0, n))));
    rest.remove_prefix(n);
  }
  ASSERT_TRUE(rest.empty());
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.status, 200);
  ASSERT_OK_AND_ASSIGN(std::string reply, ReadAll(*s, 100));
  EXPECT_EQ(reply, "ok");
  s.reset();  // closes: the server's drain ends
  server.Stop();
  std::vector<std::string> lines = server.request_lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "PUT /import_raw_vdi?vdi=x HTTP/1.1");
  EXPECT_EQ(server.request_body().size(), body.size());
  EXPECT_TRUE(server.request_body() == body) << "the server received other bytes";
  EXPECT_EQ(server.extra().size(), 0u) << "bytes after the body";
}

TEST(HttpStreamTest, EarlyErrorReplyIsReadableAfterSend) {
  const std::string body = Pattern(32 << 20, 7);
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    // Answers at once and closes without reading the body.
    p.Write("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
  });
  ASSERT_OK_AND_ASSIGN(auto s, HttpStream::Open(TlsTrust::SystemCa(), TestLimits(),
                                                server.Url("/import_raw_vdi?vdi=gone"),
                                                "PUT /import_raw_vdi", nullptr));
  ASSERT_OK(s->SendHead("PUT", {"Content-Length: " + std::to_string(body.size())}));
  Status sent = s->Send(Bytes(body));
  // Either way (a reset usually fails the Send), the reply must be observable.
  Result<ResponseHead> head = s->ReadHead(1000);
  ASSERT_TRUE(head.ok()) << "Send: " << sent.ToString()
                         << "; ReadHead: " << head.status().ToString();
  EXPECT_EQ(head->status, 404) << "Send: " << sent.ToString();
  if (!sent.ok()) {
    EXPECT_NE(sent.message().find("PUT /import_raw_vdi"), std::string::npos) << sent.ToString();
  }
  server.Stop();
}

// --- 7, 8. waits ---------------------------------------------------------------------------

TEST(HttpStreamTest, IdleBodyTimesOut) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")) return;
    p.DrainUntilClosed();  // then nothing, the connection open
  });
  HttpLimits limits = TestLimits();
  limits.low_speed_time_s = 1;
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x", limits));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  std::vector<uint8_t> buf(1000);
  ASSERT_OK_AND_ASSIGN(size_t n, s->ReadBody(buf));
  EXPECT_EQ(n, 10u);
  Clock::time_point start = Clock::now();
  Result<size_t> r = s->ReadBody(buf);
  int64_t waited = MsSince(start);
  EXPECT_STATUS(r, StatusCode::kTimeout);
  EXPECT_NE(r.status().message().find("GET /export_raw_vdi"), std::string::npos)
      << r.status().ToString();
  EXPECT_GE(waited, 900) << "gave up before the idle time";
  // The idle limit ended the wait (no upper bound on the time: a busy machine may take longer).
  EXPECT_NE(r.status().message().find("no data moved for 1 s"), std::string::npos)
      << r.status().ToString();
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, SendToAPeerThatStopsReadingTimesOut) {
  LocalHttpServer server([&](Peer& p) {
    if (p.ReadRequestHead()) p.HoldWithoutReading();
  });
  HttpLimits limits = TestLimits();
  limits.low_speed_time_s = 1;
  ASSERT_OK_AND_ASSIGN(auto s,
                       HttpStream::Open(TlsTrust::SystemCa(), limits, server.Url("/import_raw_vdi"),
                                        "PUT /import_raw_vdi", nullptr));
  const std::string body(64 << 20, 'x');  // more than the socket buffers hold
  ASSERT_OK(s->SendHead("PUT", {"Content-Length: " + std::to_string(body.size())}));
  Status sent = s->Send(Bytes(body));
  EXPECT_EQ(sent.code(), StatusCode::kTimeout) << sent.ToString();
  EXPECT_NE(sent.message().find("PUT /import_raw_vdi"), std::string::npos) << sent.ToString();
  EXPECT_NE(sent.message().find("no data moved for 1 s"), std::string::npos) << sent.ToString();
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, CancelStopsABlockedSend) {
  LocalHttpServer server([&](Peer& p) {
    if (p.ReadRequestHead()) p.HoldWithoutReading();
  });
  HttpLimits limits = TestLimits();
  limits.low_speed_time_s = 600;  // only a hang reaches it: kCancelled shows the cancel did
  std::atomic<bool> cancel{false};
  ASSERT_OK_AND_ASSIGN(auto s,
                       HttpStream::Open(TlsTrust::SystemCa(), limits, server.Url("/import_raw_vdi"),
                                        "PUT /import_raw_vdi", &cancel));
  const std::string body(64 << 20, 'x');
  ASSERT_OK(s->SendHead("PUT", {"Content-Length: " + std::to_string(body.size())}));
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // Send is blocked by then
    cancel = true;
  });
  Status sent = s->Send(Bytes(body));
  canceller.join();
  EXPECT_EQ(sent.code(), StatusCode::kCancelled) << sent.ToString();
  s.reset();
  server.Stop();
}

// Interim answers (100 Continue, 103 Early Hints) before the real one are skipped, whether
// they come with it or apart.
TEST(HttpStreamTest, InterimResponsesAreSkipped) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    std::string response =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        "HTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok";
    if (!p.WritePieces(Pieces(response, {7, 30}))) return;
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("x-final"), "yes");
  EXPECT_EQ(head.Header("link"), "");
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*s, 100));
  EXPECT_EQ(got, "ok");
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, HeadArrivingByteByByteIsAssembled) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    std::string response = "HTTP/1.1 201 Created\r\nX-A: b\r\nContent-Length: 3\r\n\r\nabc";
    if (!p.WritePieces(Pieces(response, {1}))) return;
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  EXPECT_EQ(head.status, 201);
  EXPECT_EQ(head.Header("x-a"), "b");
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*s, 100));
  EXPECT_EQ(got, "abc");
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, ReadHeadTimeoutBoundsTheWait) {
  LocalHttpServer server([&](Peer& p) {
    if (p.ReadRequestHead()) p.DrainUntilClosed();  // never answers
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));  // idle limit 5 s
  Clock::time_point start = Clock::now();
  Result<ResponseHead> r = s->ReadHead(300);
  int64_t waited = MsSince(start);
  EXPECT_STATUS(r, StatusCode::kTimeout);
  EXPECT_GE(waited, 250);
  // The 300 ms timeout ended the wait, not the 5 s idle limit (said by the message, not timed).
  EXPECT_NE(r.status().message().find("no answer within 300 ms"), std::string::npos)
      << r.status().ToString();
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, CancelStopsAWaitingReadBody) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\n\r\n")) return;
    p.DrainUntilClosed();
  });
  HttpLimits limits = TestLimits();
  limits.low_speed_time_s = 600;  // only a hang reaches it: kCancelled shows the cancel did
  std::atomic<bool> cancel{false};
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x", limits, &cancel));
  ASSERT_OK_AND_ASSIGN(ResponseHead head, s->ReadHead());
  std::atomic<int64_t> cancelled_at_ms{0};
  Clock::time_point start = Clock::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // ReadBody is waiting by then
    cancelled_at_ms = MsSince(start);
    cancel = true;
  });
  std::vector<uint8_t> buf(1000);
  Result<size_t> r = s->ReadBody(buf);
  int64_t returned_at_ms = MsSince(start);
  canceller.join();
  EXPECT_STATUS(r, StatusCode::kCancelled);
  EXPECT_GE(returned_at_ms, cancelled_at_ms.load()) << "returned before the cancel";
  s.reset();
  server.Stop();
}

// --- 9, 10. failures -----------------------------------------------------------------------

TEST(HttpStreamTest, ConnectionRefusedIsAnErrorNamingTheRequest) {
  // A port nobody listens on: bound (so it is not handed out meanwhile) but not listening.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) +
                    "/export_raw_vdi?session_id=OpaqueRef:secret-session";
  auto s =
      HttpStream::Open(TlsTrust::SystemCa(), TestLimits(), url, "GET /export_raw_vdi", nullptr);
  ::close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("GET /export_raw_vdi"), std::string::npos)
      << s.status().ToString();
  EXPECT_EQ(s.status().message().find("secret-session"), std::string::npos)
      << s.status().ToString();
}

TEST(HttpStreamTest, BadUrlIsAnErrorWithoutTheQuery) {
  for (std::string url : {"http://127.0.0.1:notaport/export_raw_vdi?session_id=OpaqueRef:secret",
                          "ftp://127.0.0.1/export_raw_vdi?session_id=OpaqueRef:secret",
                          "http:///export_raw_vdi?session_id=OpaqueRef:secret"}) {
    auto s =
        HttpStream::Open(TlsTrust::SystemCa(), TestLimits(), url, "GET /export_raw_vdi", nullptr);
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_NE(s.status().message().find("GET /export_raw_vdi"), std::string::npos)
        << s.status().ToString();
    EXPECT_EQ(s.status().message().find("secret"), std::string::npos) << s.status().ToString();
  }
}

TEST(HttpStreamTest, GarbageResponseIsCorruption) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("hello\r\n\r\n")) return;
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x?session_id=OpaqueRef:secret-session"));
  Result<ResponseHead> head = s->ReadHead();
  EXPECT_STATUS(head, StatusCode::kCorruption);
  EXPECT_NE(head.status().message().find("GET /export_raw_vdi"), std::string::npos)
      << head.status().ToString();
  EXPECT_EQ(head.status().message().find("secret-session"), std::string::npos)
      << head.status().ToString();
  s.reset();
  server.Stop();
}

TEST(HttpStreamTest, CloseBeforeAnyResponseIsAnError) {
  LocalHttpServer server([&](Peer& p) { p.ReadRequestHead(); });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  Result<ResponseHead> head = s->ReadHead();
  EXPECT_FALSE(head.ok());
  EXPECT_NE(head.status().message().find("GET /export_raw_vdi"), std::string::npos)
      << head.status().ToString();
  server.Stop();
}

TEST(HttpStreamTest, EndlessResponseHeadIsCorruption) {
  LocalHttpServer server([&](Peer& p) {
    if (!p.ReadRequestHead()) return;
    if (!p.Write("HTTP/1.1 200 OK\r\n")) return;
    std::string line = "X-Pad: " + std::string(1000, 'a') + "\r\n";
    for (int i = 0; i < 100; ++i) {
      if (!p.Write(line)) return;
    }
    p.DrainUntilClosed();
  });
  ASSERT_OK_AND_ASSIGN(auto s, OpenGet(server, "/x"));
  EXPECT_STATUS(s->ReadHead(), StatusCode::kCorruption);
  s.reset();
  server.Stop();
}

}  // namespace
}  // namespace xcr::xapi
