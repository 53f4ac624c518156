// Local receivers for the report tests: a one-request-per-connection HTTP server and a small
// SMTP server, each on 127.0.0.1 at a port the kernel picks, each recording what it received.
// Stop() (or the destructor) closes the listener and joins the thread.
#ifndef XCR_TESTS_JOBS_INTEGRATION_LOCAL_RECEIVERS_H_
#define XCR_TESTS_JOBS_INTEGRATION_LOCAL_RECEIVERS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace xcr::jobs::testing {

// Accepts connections on 127.0.0.1 and hands each to Serve(fd) on the server thread.
class LocalServer {
 public:
  LocalServer() = default;
  virtual ~LocalServer() = default;
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  void Start() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;  // the listener was shut down
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++connections_;
        }
        Serve(fd);
        ::close(fd);
      }
    });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  int connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }

 protected:
  virtual void Serve(int fd) = 0;
  static void Send(int fd, const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
      ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  // Reads up to and including `delim`; false on EOF first. Leftover bytes stay in *buffer.
  static bool ReadUntil(int fd, std::string* buffer, const std::string& delim, std::string* out) {
    while (true) {
      size_t pos = buffer->find(delim);
      if (pos != std::string::npos) {
        *out = buffer->substr(0, pos);
        buffer->erase(0, pos + delim.size());
        return true;
      }
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer->append(chunk, static_cast<size_t>(n));
    }
  }

  std::mutex mu_;

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  int connections_ = 0;
  std::thread thread_;
};

// Answers every request with `status` after reading it whole (Content-Length bodies).
class LocalHttpReceiver : public LocalServer {
 public:
  struct Request {
    std::string head;  // request line and headers
    std::string body;
  };
  explicit LocalHttpReceiver(int status = 200) : status_(status) { Start(); }
  ~LocalHttpReceiver() override { Stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/hook"; }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 protected:
  void Serve(int fd) override {
    std::string buffer, head;
    if (!ReadUntil(fd, &buffer, "\r\n\r\n", &head)) return;
    size_t length = 0;
    size_t at = head.find("Content-Length: ");
    if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 16, nullptr, 10);
    while (buffer.size() < length) {
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back({head, buffer.substr(0, length)});
    }
    Send(fd, "HTTP/1.1 " + std::to_string(status_) +
                 " Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  }

 private:
  int status_;
  std::vector<Request> requests_;
};

// A small SMTP server (EHLO, MAIL, RCPT, DATA, QUIT) that rejects the recipients in `reject`.
class LocalSmtpReceiver : public LocalServer {
 public:
  struct Mail {
    std::string from;
    std::vector<std::string> to;
    std::string data;  // headers and body as received, dot-unstuffed, CRLF line ends
  };
  explicit LocalSmtpReceiver(std::set<std::string> reject = {}) : reject_(std::move(reject)) {
    Start();
  }
  ~LocalSmtpReceiver() override { Stop(); }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
  std::vector<Mail> mails() {
    std::lock_guard<std::mutex> lock(mu_);
    return mails_;
  }

 protected:
  void Serve(int fd) override {
    std::string buffer, line;
    Mail mail;
    Send(fd, "220 127.0.0.1 test SMTP\r\n");
    while (ReadUntil(fd, &buffer, "\r\n", &line)) {
      std::string verb = line.substr(0, 4);
      if (verb == "EHLO" || verb == "HELO") {
        Send(fd, "250-127.0.0.1\r\n250 8BITMIME\r\n");
      } else if (line.rfind("MAIL FROM:", 0) == 0) {
        mail = Mail{line.substr(10), {}, ""};
        Send(fd, "250 OK\r\n");
      } else if (line.rfind("RCPT TO:", 0) == 0) {
        std::string to = line.substr(8);
        if (reject_.count(to) > 0) {
          Send(fd, "550 no such user here\r\n");
        } else {
          mail.to.push_back(to);
          Send(fd, "250 OK\r\n");
        }
      } else if (verb == "DATA") {
        Send(fd, "354 end with .\r\n");
        std::string data_line;
        while (ReadUntil(fd, &buffer, "\r\n", &data_line) && data_line != ".") {
          if (data_line.rfind("..", 0) == 0) data_line.erase(0, 1);
          mail.data += data_line + "\r\n";
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          mails_.push_back(mail);
        }
        Send(fd, "250 queued\r\n");
      } else if (verb == "QUIT") {
        Send(fd, "221 bye\r\n");
        return;
      } else if (verb == "RSET" || verb == "NOOP") {
        Send(fd, "250 OK\r\n");
      } else {
        Send(fd, "502 not implemented\r\n");
      }
    }
  }

 private:
  std::set<std::string> reject_;
  std::vector<Mail> mails_;
};

}  // namespace xcr::jobs::testing

#endif  // XCR_TESTS_JOBS_INTEGRATION_LOCAL_RECEIVERS_H_
