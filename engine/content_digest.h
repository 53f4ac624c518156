// ContentDigestSink: a Sink that parses a VHD stream as it goes past and computes a digest of the
// virtual content it describes, independent of block layout and of which zero blocks happen to
// be allocated. Definition "xcr-content-v2":
//
//   SHA-256( "xcr-content-v2" || u64be(virtual_size) ||
//            for each block whose content is not all zeros, in ascending index order:
//              u32be(index) || XXH3-128(block content) as 16 bytes, canonical (big-endian) )
//
// where a block's content is its data with sectors whose bitmap bit is clear read as zeros, cut
// at the virtual size. Each block is hashed with XXH3-128 (~20 GB/s: it detects corruption, it is
// no defence against an adversary who can write the disks), the short per-block records with
// SHA-256. Digests are written "xcr-content-v2:<64 hex>" (Tagged()).
//
// What the digest covers depends on the stream:
//   - a full export: the whole disk. Two full exports of disks with equal content give equal
//     digests, so a digest recorded while a full copy streamed equals a later full re-export of
//     the replica (`xcr verify` relies on this);
//   - a delta export (against a base): only the blocks the delta carries, so it is "the digest
//     of the delta", comparable only with the same delta; a changed block that became all
//     zeros contributes nothing, as in a full stream.
//
// Block data is hashed as it arrives (no copy of the block). Memory: the parser's metadata and
// 20 bytes per non-zero block (records are sorted at Finish(), so block order in the stream does
// not matter). Thread-safety: none; one sink per stream.
#ifndef XCR_ENGINE_CONTENT_DIGEST_H_
#define XCR_ENGINE_CONTENT_DIGEST_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/stream.h"
#include "vhd/stream_parser.h"

namespace xcr::engine {

class ContentDigestSink : public Sink, private vhd::StreamVisitor {
 public:
  // The definition above; the prefix of Tagged().
  static constexpr std::string_view kDefinition = "xcr-content-v2";

  ContentDigestSink();
  ~ContentDigestSink() override;

  // Feeds the next bytes of the stream. kCorruption if they are not a valid VHD stream.
  Status Write(std::span<const uint8_t> data) override;
  // Checks the stream ended with its trailing footer and computes the digest.
  Status Finish() override;

  // Lower-case hex (64 characters), valid after a successful Finish().
  const std::string& hex() const { return hex_; }
  // "xcr-content-v2:<hex>", valid after a successful Finish().
  std::string Tagged() const { return std::string(kDefinition) + ":" + hex_; }
  uint64_t virtual_size() const { return virtual_size_; }
  uint32_t nonzero_blocks() const { return static_cast<uint32_t>(records_.size()); }

 private:
  struct BlockHasher;
  struct Record {
    uint32_t index;
    std::array<uint8_t, 16> hash;
  };

  Status OnMetadata(const vhd::StreamParser& parser) override;
  Status OnBlockBegin(uint32_t index, std::span<const uint8_t> bitmap) override;
  Status OnBlockData(uint32_t index, uint64_t offset, std::span<const uint8_t> data) override;
  Status OnBlockEnd(uint32_t index) override;
  // Hashes [offset, offset + len) of the current block: `data` (null: zeros).
  void HashRun(const uint8_t* data, uint64_t len);

  std::unique_ptr<BlockHasher> block_hasher_;
  vhd::StreamParser parser_;
  std::vector<uint8_t> bitmap_;
  uint64_t block_size_ = 0;
  uint64_t virtual_size_ = 0;
  uint64_t block_len_ = 0;    // bytes of the current block inside the virtual size
  uint64_t next_offset_ = 0;  // expected offset of the current block's next data
  bool block_nonzero_ = false;
  std::vector<Record> records_;
  std::string hex_;
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_CONTENT_DIGEST_H_
