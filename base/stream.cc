#include "base/stream.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace xcr {

Status ReadFull(Source& src, std::span<uint8_t> buf, std::string_view what) {
  size_t got = 0;
  while (got < buf.size()) {
    XCR_ASSIGN_OR_RETURN(size_t n, src.Read(buf.subspan(got)));
    if (n == 0) {
      return Status::Corruption("truncated stream: end of data after " + std::to_string(got) +
                                " of " + std::to_string(buf.size()) + " bytes of " +
                                std::string(what));
    }
    got += n;
  }
  return Status::OK();
}

Result<uint64_t> CopyStream(Source& src, Sink& dst, size_t chunk) {
  std::vector<uint8_t> buf(chunk);
  uint64_t total = 0;
  for (;;) {
    XCR_ASSIGN_OR_RETURN(size_t n, src.Read(buf));
    if (n == 0) return total;
    XCR_RETURN_IF_ERROR(dst.Write(std::span<const uint8_t>(buf.data(), n)));
    total += n;
  }
}

Result<size_t> MemorySource::Read(std::span<uint8_t> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  if (n) std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace xcr
