// libFuzzer target: StreamParser (push, in pieces) and StreamReader (pull) over arbitrary bytes.
// Invariants: no crash, no sanitizer report; block data pieces arrive contiguous and within
// the block; a successful parse consumed exactly total_length() bytes.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "base/stream.h"
#include "vhd/stream_parser.h"
#include "vhd/stream_reader.h"

namespace {

class CheckingVisitor : public xcr::vhd::StreamVisitor {
 public:
  xcr::Status OnMetadata(const xcr::vhd::StreamParser& p) override {
    block_size = p.header().block_size;
    return xcr::Status::OK();
  }
  xcr::Status OnBlockBegin(uint32_t, std::span<const uint8_t>) override {
    next = 0;
    return xcr::Status::OK();
  }
  xcr::Status OnBlockData(uint32_t, uint64_t offset, std::span<const uint8_t> d) override {
    if (offset != next || offset + d.size() > block_size) std::abort();
    next += d.size();
    return xcr::Status::OK();
  }
  xcr::Status OnBlockEnd(uint32_t) override {
    if (next != block_size) std::abort();
    return xcr::Status::OK();
  }
  uint64_t block_size = 0;
  uint64_t next = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = 1 + data[0] * 37;
  std::span<const uint8_t> input(data + 1, size - 1);
  CheckingVisitor visitor;
  xcr::vhd::StreamParser parser(&visitor);
  xcr::Status s;
  for (size_t off = 0; off < input.size() && s.ok(); off += piece) {
    s = parser.Feed(input.subspan(off, std::min(piece, input.size() - off)));
  }
  if (s.ok()) s = parser.Finish();
  if (s.ok() && parser.position() != parser.total_length()) std::abort();

  xcr::MemorySource src(input);
  xcr::vhd::StreamReader reader(&src);
  xcr::vhd::StreamReader::Block b;
  for (;;) {
    auto more = reader.Next(&b);
    if (!more.ok() || !*more) break;
    if (b.data.size() != reader.header().block_size) std::abort();
  }
  return 0;
}
