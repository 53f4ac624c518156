// The Unix-socket listener: requests carry the peer's credentials, the socket file has the asked
// mode, a stale socket is replaced, a live one or a plain file refused, and Stop removes it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "net/http_server.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::net {
namespace {

// Answers "uid gid pid" of the peer, or "none".
class PeerEcho : public HttpHandler {
 public:
  bool IsStreaming(const HttpRequest&) override { return false; }
  HttpResponse Handle(const HttpRequest& req) override {
    HttpResponse r;
    if (!req.peer) {
      r.body = "none";
    } else {
      r.body = std::to_string(req.peer->uid) + " " + std::to_string(req.peer->gid) + " " +
               std::to_string(req.peer->pid);
    }
    return r;
  }
  void Stream(const HttpRequest&, HttpConnection&) override {}
};

int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One GET over the socket; the whole response (the server closes: Connection: close).
std::string Get(const std::string& path) {
  int fd = ConnectUnix(path);
  if (fd < 0) return "connect failed";
  std::string req = "GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return "write";
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string Body(const std::string& response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string::npos ? "" : response.substr(pos + 4);
}

TEST(UnixListenerTest, AnswersWithPeerCredentialsAndMode) {
  testing::TempDir dir;
  PeerEcho handler;
  HttpServer server(TlsIdentity{});
  ListenerOptions o;
  o.unix_path = dir.File("api.sock");
  o.unix_mode = 0660;
  o.handler = &handler;
  ASSERT_OK(server.Listen(o));
  server.Start();
  struct stat st {};
  ASSERT_EQ(::stat(o.unix_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  std::string resp = Get(o.unix_path);
  EXPECT_NE(resp.find("HTTP/1.1 200"), std::string::npos) << resp;
  EXPECT_EQ(Body(resp), std::to_string(::getuid()) + " " + std::to_string(::getgid()) + " " +
                            std::to_string(::getpid()));
  server.Stop();
  EXPECT_NE(::access(o.unix_path.c_str(), F_OK), 0) << "Stop leaves the socket file";
}

TEST(UnixListenerTest, TcpRequestsHaveNoPeer) {
  PeerEcho handler;
  HttpServer server(TlsIdentity{});
  ListenerOptions o;
  o.handler = &handler;
  ASSERT_OK_AND_ASSIGN(uint16_t port, server.Listen(o));
  server.Start();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string req = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(Body(out), "none");
  server.Stop();
}

TEST(UnixListenerTest, ReplacesAStaleSocket) {
  testing::TempDir dir;
  std::string path = dir.File("api.sock");
  {  // a socket file whose process is gone: bound, never listening, closed
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
  }
  PeerEcho handler;
  HttpServer server(TlsIdentity{});
  ListenerOptions o;
  o.unix_path = path;
  o.handler = &handler;
  ASSERT_OK(server.Listen(o));
  server.Start();
  EXPECT_NE(Get(path).find("HTTP/1.1 200"), std::string::npos);
  server.Stop();
}

TEST(UnixListenerTest, RefusesALiveSocketAndLeavesItServing) {
  testing::TempDir dir;
  PeerEcho handler;
  HttpServer first(TlsIdentity{});
  ListenerOptions o;
  o.unix_path = dir.File("api.sock");
  o.handler = &handler;
  ASSERT_OK(first.Listen(o));
  first.Start();
  HttpServer second(TlsIdentity{});
  auto r = second.Listen(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("already listening"), std::string::npos)
      << r.status().ToString();
  second.Stop();
  EXPECT_NE(Get(o.unix_path).find("HTTP/1.1 200"), std::string::npos)
      << "the refused server must not remove the live socket";
  first.Stop();
}

TEST(UnixListenerTest, RefusesAPathThatIsNotASocket) {
  testing::TempDir dir;
  std::string path = dir.File("api.sock");
  std::ofstream(path) << "precious";
  PeerEcho handler;
  HttpServer server(TlsIdentity{});
  ListenerOptions o;
  o.unix_path = path;
  o.handler = &handler;
  auto r = server.Listen(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST(UnixListenerTest, RefusesTlsAndOverlongPaths) {
  testing::TempDir dir;
  PeerEcho handler;
  HttpServer server(TlsIdentity{});
  ListenerOptions o;
  o.unix_path = dir.File("api.sock");
  o.handler = &handler;
  o.tls = true;
  EXPECT_STATUS(server.Listen(o), StatusCode::kInvalidArgument);
  o.tls = false;
  o.unix_path = dir.File(std::string(200, 'x'));
  EXPECT_STATUS(server.Listen(o), StatusCode::kInvalidArgument);
}

TEST(UnixListenerTest, StopKeepsASocketFileThatIsNoLongerItsOwn) {
  testing::TempDir dir;
  PeerEcho handler;
  HttpServer server(TlsIdentity{});
  ListenerOptions o;
  o.unix_path = dir.File("api.sock");
  o.handler = &handler;
  ASSERT_OK(server.Listen(o));
  server.Start();
  // Someone replaced the path (e.g. a newer daemon after removing ours): Stop leaves theirs.
  ASSERT_EQ(::unlink(o.unix_path.c_str()), 0);
  std::ofstream(o.unix_path) << "theirs";
  server.Stop();
  EXPECT_EQ(::access(o.unix_path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace xcr::net
