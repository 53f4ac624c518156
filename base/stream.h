// Byte streams: the narrow interfaces disks flow through (a file, a socket, a VHD encoder).
//
// A Source produces bytes in order; a Sink consumes them. Disks are streamed through these in
// chunks (256 KiB or more, into reused buffers) and are never held whole in memory.
// Implementations are not thread-safe unless they say so.
#ifndef XCR_BASE_STREAM_H_
#define XCR_BASE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"

namespace xcr {

// Recommended transfer chunk size for data paths.
inline constexpr size_t kStreamChunkSize = 1 << 20;

class Source {
 public:
  virtual ~Source() = default;
  // Reads up to buf.size() bytes into buf. Returns the count read; 0 only at end of stream
  // (never for an empty buf). Errors (broken connection, I/O) are returned as a Status.
  virtual Result<size_t> Read(std::span<uint8_t> buf) = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Writes all of data or fails.
  virtual Status Write(std::span<const uint8_t> data) = 0;
  // Signals end of stream: flushes and completes. Default: nothing to do.
  virtual Status Finish() { return Status::OK(); }
};

// Reads exactly buf.size() bytes; kCorruption "truncated" (with `what`) on early end of stream.
Status ReadFull(Source& src, std::span<uint8_t> buf, std::string_view what);

// Copies src to dst until end of stream, through one buffer of `chunk` bytes. Returns the byte
// count. Does not call dst.Finish().
Result<uint64_t> CopyStream(Source& src, Sink& dst, size_t chunk = kStreamChunkSize);

// A Source over a memory span (tests, small payloads). Does not own the memory.
class MemorySource : public Source {
 public:
  explicit MemorySource(std::span<const uint8_t> data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

}  // namespace xcr

#endif  // XCR_BASE_STREAM_H_
