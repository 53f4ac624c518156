// ContentDigestSink: a Sink that parses a VHD export as it streams past and computes a digest of
// the disk's virtual content, independent of layout and of which zero blocks happen to be
// allocated:
//
//   SHA-256( "xcr-content-v1" || u64be(virtual_size) ||
//            for each block whose content is not all zeros, in index order:
//              u32be(index) || SHA-256(block content) )
//
// where block content is the block's data with sectors whose bitmap bit is clear read as zeros.
// Two full exports of disks with equal content give equal digests; `xcr verify` compares a
// replica's with its source snapshot's this way. Memory: one block buffer.
#ifndef XCR_ENGINE_CONTENT_DIGEST_H_
#define XCR_ENGINE_CONTENT_DIGEST_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/stream.h"
#include "vhd/stream_parser.h"

namespace xcr::engine {

class ContentDigestSink : public Sink, private vhd::StreamVisitor {
 public:
  ContentDigestSink();
  ~ContentDigestSink() override;

  Status Write(std::span<const uint8_t> data) override;
  // Checks the stream ended with its trailing footer.
  Status Finish() override;

  // Lower-case hex, valid after a successful Finish().
  const std::string& hex() const { return hex_; }
  uint64_t virtual_size() const { return virtual_size_; }
  uint32_t nonzero_blocks() const { return nonzero_blocks_; }

 private:
  Status OnMetadata(const vhd::StreamParser& parser) override;
  Status OnBlockBegin(uint32_t index, std::span<const uint8_t> bitmap) override;
  Status OnBlockData(uint32_t index, uint64_t offset, std::span<const uint8_t> data) override;
  Status OnBlockEnd(uint32_t index) override;

  struct Hasher;
  std::unique_ptr<Hasher> outer_;
  vhd::StreamParser parser_;
  std::vector<uint8_t> block_;
  std::vector<uint8_t> bitmap_;
  uint64_t virtual_size_ = 0;
  uint32_t nonzero_blocks_ = 0;
  std::string hex_;
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_CONTENT_DIGEST_H_
