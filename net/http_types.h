// The HTTP vocabulary of the simulator and the daemon, free of Boost: a parsed request head (with
// the peer's credentials on a Unix socket), a small response, the raw connection a streaming
// handler takes over, and the handler interface the server calls.
//
// Thread-safety: a request/connection belongs to one connection thread; handlers must be safe
// to call from many connection threads at once.
#ifndef XCR_NET_HTTP_TYPES_H_
#define XCR_NET_HTTP_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace xcr::net {

// Who is at the other end of a Unix-socket connection (SO_PEERCRED, taken at accept).
struct PeerCredentials {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", "POST"
  std::string target;  // as received: path?query
  std::string path;
  std::map<std::string, std::string> query;    // percent-decoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::optional<uint64_t> content_length;
  std::string body;  // filled for non-streaming requests only
  // Set on Unix-socket listeners only (never on TCP): the connecting process's credentials.
  std::optional<PeerCredentials> peer;
  // Set on TCP listeners only: the client's IP address as text ("127.0.0.1", "::1").
  std::string remote_address;

  // The header's value or "" if absent.
  std::string Header(const std::string& lower_name) const;
  // The query parameter's value or "" if absent.
  std::string Query(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;
};

// A raw connection after the request head: reads return body bytes already buffered first, then
// socket data; writes go straight to the socket (TLS or not). The server closes it afterwards.
class HttpConnection {
 public:
  virtual ~HttpConnection() = default;
  // Up to buf.size() bytes; 0 at end of stream.
  virtual Result<size_t> ReadSome(std::span<uint8_t> buf) = 0;
  virtual Status WriteAll(std::span<const uint8_t> data) = 0;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Decided from the head alone: whether Stream() takes the connection (disk transfers).
  virtual bool IsStreaming(const HttpRequest& req) = 0;
  // A request whose body has been read (bounded).
  virtual HttpResponse Handle(const HttpRequest& req) = 0;
  // Writes the whole response itself, status line included. The connection is closed after.
  virtual void Stream(const HttpRequest& req, HttpConnection& conn) = 0;
};

// Splits target into path and decoded query parameters.
void ParseTarget(const std::string& target, std::string* path,
                 std::map<std::string, std::string>* query);
// "HTTP/1.1 <status> <reason>\r\n" + headers + "\r\n".
std::string ResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& h);

}  // namespace xcr::net

#endif  // XCR_NET_HTTP_TYPES_H_
