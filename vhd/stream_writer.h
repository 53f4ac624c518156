// StreamWriter: emits a dynamic or differencing VHD in one forward pass, without seeking and
// without holding the disk in memory, in the layout XAPI's exports use:
//
//   0: footer copy | 512: dynamic header | 2048: BAT | parent locator (differencing only)
//   | bitmap+data of each present block, ascending index | footer
//
// The layout (sizes and the ascending list of present blocks) is fixed up front, so the total
// length is known before the first byte is written: that is what a forwarder puts in
// Content-Length. The caller then writes the metadata, each listed block in order, and the
// footer:
//
//   kStart --WriteMetadata--> kBlocks --BeginBlock--> kInBlock --WriteBlockData (block_size
//      ^                        |   ^                               bytes in total)--+
//      |                        |   +------------------------------------------------+
//      |                        +--Finish (every listed block written)--> kDone
//
// Any call out of order, a block not in the list, or data past the block's end returns
// kFailedPrecondition / kInvalidArgument and writes nothing. Sink errors are returned as is.
//
// Thread-safety: none; one writer per stream.
#ifndef XCR_VHD_STREAM_WRITER_H_
#define XCR_VHD_STREAM_WRITER_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/stream.h"
#include "base/uuid.h"
#include "vhd/format.h"

namespace xcr::vhd {

struct StreamLayout {
  // Virtual size in bytes: a multiple of 512, at most kMaxVirtualSize.
  uint64_t virtual_size = 0;
  // A power of two in [kMinBlockSize, kMaxBlockSize]. XAPI uses 2 MiB.
  uint32_t block_size = kDefaultBlockSize;
  // kDynamic or kDifferencing.
  DiskType type = DiskType::kDynamic;
  // The disk's UUID; a nil UUID is replaced by a random one.
  Uuid disk_uuid;
  // Footer timestamp, seconds since 2000-01-01 (VhdTimestampFromUnix). Default 0.
  uint32_t timestamp = 0;
  // Creator application. "tap\0" (XenServer's blktap) makes qemu size the disk from the
  // footer's current size rather than from the CHS geometry.
  std::array<char, 4> creator_app = {'t', 'a', 'p', '\0'};
  // Differencing only: the parent's UUID (required), its file name (stored in the header and
  // as one relative "W2ru" locator; at most 256 UTF-16 units), its footer timestamp.
  Uuid parent_uuid;
  std::string parent_name;
  uint32_t parent_timestamp = 0;
  // Indices of the blocks present, strictly ascending, each < BlockCount(virtual_size).
  std::vector<uint32_t> blocks;
};

class StreamWriter {
 public:
  // Validates the layout (kInvalidArgument naming the problem) and plans the file.
  static Result<StreamWriter> Create(StreamLayout layout);

  // The exact number of bytes the stream will have.
  uint64_t total_length() const { return total_length_; }
  const Footer& footer() const { return footer_; }
  const DynamicHeader& header() const { return header_; }
  const StreamLayout& layout() const { return layout_; }
  // File offset of the bitmap of the k-th listed block.
  uint64_t BlockOffset(size_t k) const { return first_block_offset_ + k * block_bytes_; }
  uint64_t bytes_written() const { return written_; }

  // kStart -> kBlocks: footer copy, header, padding, BAT, locator.
  Status WriteMetadata(Sink& sink);
  // kBlocks -> kInBlock: `index` must be the next listed block. `bitmap` is BitmapSize() bytes,
  // or empty for "every sector present" (what XAPI's exports do).
  Status BeginBlock(Sink& sink, uint32_t index, std::span<const uint8_t> bitmap = {});
  // kInBlock: appends block data; after block_size bytes in total the state returns to kBlocks.
  Status WriteBlockData(Sink& sink, std::span<const uint8_t> data);
  // BeginBlock + WriteBlockData of exactly block_size bytes.
  Status WriteBlock(Sink& sink, uint32_t index, std::span<const uint8_t> bitmap,
                    std::span<const uint8_t> data);
  // kBlocks -> kDone once every listed block is written: the trailing footer. Does not call
  // sink.Finish().
  Status Finish(Sink& sink);

 private:
  enum class State { kStart, kBlocks, kInBlock, kDone };
  StreamWriter() = default;
  Status Put(Sink& sink, std::span<const uint8_t> data);

  StreamLayout layout_;
  Footer footer_;
  DynamicHeader header_;
  std::array<uint8_t, kFooterSize> footer_bytes_{};
  std::string locator_payload_;  // UTF-16LE
  uint64_t first_block_offset_ = 0;
  uint64_t block_bytes_ = 0;  // bitmap + data
  uint64_t total_length_ = 0;
  State state_ = State::kStart;
  size_t next_block_ = 0;      // position in layout_.blocks
  uint64_t block_filled_ = 0;  // data bytes written into the current block
  uint64_t written_ = 0;
  std::vector<uint8_t> full_bitmap_;
};

}  // namespace xcr::vhd

#endif  // XCR_VHD_STREAM_WRITER_H_
