// HttpStream: one HTTP/1.1 exchange whose bodies the caller moves straight between the socket
// and its own buffers, never through libcurl's: a disk transfer then copies each byte once in
// user space (into the pipe's ring on export, nowhere on import).
//
// libcurl still opens the connection (CURLOPT_CONNECT_ONLY): TCP, TLS and CurlEasy's trust
// policy, so pins are checked on the handshake exactly as for every other request. xcr writes
// the request head and reads the response head itself (xapi/http_response.h).
//
//   Open(url) -> SendHead(method, headers) -> Send(body bytes)* -> ReadHead() -> ReadBody(..)*
//
// Every wait is a poll() in slices of 200 ms, so `cancel` stops a call promptly (kCancelled);
// a connection on which no byte moves for HttpLimits::low_speed_time_s is given up (kTimeout).
// Errors name the request ("GET https://host/export_raw_vdi"), never the query (it holds the
// session). Thread-safety: one thread at a time.
#ifndef XCR_XAPI_HTTP_STREAM_H_
#define XCR_XAPI_HTTP_STREAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "xapi/http_curl.h"
#include "xapi/http_response.h"
#include "xapi/tls.h"

namespace xcr::xapi {

class HttpStream {
 public:
  // Connects to the host of `url` ("scheme://host[:port]/path?query"); the request will ask for
  // its path and query. `what` names the request in errors. `cancel` may be null.
  static Result<std::unique_ptr<HttpStream>> Open(const TlsTrust& trust, const HttpLimits& limits,
                                                  const std::string& url, std::string what,
                                                  const std::atomic<bool>* cancel);
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Sends the request line, Host, each of `headers` ("Name: value") and "Connection: close".
  Status SendHead(std::string_view method, const std::vector<std::string>& headers);
  // Sends every byte of `data` (the request body, after SendHead).
  Status Send(std::span<const uint8_t> data);

  // Reads the response head (interim 1xx answers such as 100 Continue are skipped). Body bytes
  // that arrived with it are kept for ReadBody.
  // `timeout_ms` >= 0 bounds the wait (kTimeout), for reading an early error reply after a
  // failed Send; -1 waits under the idle rule.
  Result<ResponseHead> ReadHead(int timeout_ms = -1);
  // Reads body bytes into `out` (chunked framing removed): > 0 bytes, or 0 at the end of the
  // body (its Content-Length or last chunk reached, or, for a body with neither, the peer
  // closed). A body cut short of its Content-Length or last chunk is kCorruption.
  Result<size_t> ReadBody(std::span<uint8_t> out);

  const std::string& what() const { return what_; }

 private:
  HttpStream(const HttpLimits& limits, std::string what, const std::atomic<bool>* cancel);
  // Waits until the socket is readable (`for_write` false) or writable. `timeout_ms` as in
  // ReadHead.
  Status Wait(bool for_write, int timeout_ms);
  // One curl_easy_recv into `out`, waiting as needed: > 0 bytes, or 0 when the peer closed.
  Result<size_t> RecvSome(std::span<uint8_t> out, int timeout_ms);

  std::unique_ptr<CurlEasy> easy_;
  HttpLimits limits_;
  std::string what_;
  const std::atomic<bool>* cancel_;
  std::string host_header_;
  std::string target_;  // path and query
  int socket_ = -1;
  ResponseHead head_;
  bool head_read_ = false;
  std::string early_;  // body bytes that came with the head, not yet returned
  uint64_t body_read_ = 0;
  bool body_done_ = false;
  ChunkedDecoder chunked_;
};

}  // namespace xcr::xapi

#endif  // XCR_XAPI_HTTP_STREAM_H_
