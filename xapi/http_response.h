// HTTP/1.1 response framing for HttpStream: the response head (status line and headers) and
// the chunked transfer coding, as pure functions over bytes, so the socket code stays small.
//
// Only what disk transfers meet is handled: a status code, Location, Content-Length,
// Transfer-Encoding (identity or chunked) and Connection. A head over kMaxResponseHead bytes, a
// malformed status line, a header line without a colon or a bad Content-Length is kCorruption
// naming what was wrong. Thread-safety: plain values and functions.
#ifndef XCR_XAPI_HTTP_RESPONSE_H_
#define XCR_XAPI_HTTP_RESPONSE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace xcr::xapi {

constexpr size_t kMaxResponseHead = 64 << 10;

struct ResponseHead {
  int status = 0;      // e.g. 200
  std::string reason;  // e.g. "OK"
  // Header fields in order, names lower-cased, values with surrounding blanks removed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<uint64_t> content_length;  // from Content-Length, if present
  bool chunked = false;                    // Transfer-Encoding ends with "chunked"

  // The first value of header `name` (lower case), or "".
  std::string Header(std::string_view name) const;
};

// The length of the head in `data` including its terminating blank line (CRLF CRLF, or LF LF
// from lenient servers), or 0 if it is not complete yet. kCorruption once `data` holds
// kMaxResponseHead bytes without an end.
Result<size_t> FindResponseHeadEnd(std::string_view data);

// Parses a complete head (as delimited by FindResponseHeadEnd).
Result<ResponseHead> ParseResponseHead(std::string_view head);

// Decodes the chunked transfer coding in place, one buffer at a time as bytes arrive: each call
// takes the next `n` bytes of the body at `data`, moves the payload bytes among them to the front
// of `data`, and returns how many there are. Framing (sizes, extensions, CRLFs, trailers) may be
// split anywhere across calls. done() is true once the last chunk and the trailer were read;
// bytes after that are an error.
class ChunkedDecoder {
 public:
  Result<size_t> Decode(uint8_t* data, size_t n);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kDone };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;  // payload bytes left in the current chunk
  int size_digits_ = 0;
  size_t trailer_line_ = 0;  // bytes in the current trailer line (0 at its start)
};

}  // namespace xcr::xapi

#endif  // XCR_XAPI_HTTP_RESPONSE_H_
