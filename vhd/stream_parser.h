// StreamParser: incremental, push-based parser of a dynamic or differencing VHD arriving in one
// forward pass (an XAPI export read from a socket), the way XAPI's importer reads one:
//
//   footer copy (0) -> header (512) -> BAT and parent locators (in file order)
//   -> each allocated block, bitmap then data, in ascending file offset (gaps skipped)
//   -> trailing footer at total_length() - 512, byte-identical to the copy -> done
//
// Feed() takes the bytes as they arrive, in chunks of any size, and calls a StreamVisitor
// synchronously. Block data is handed out as spans into the fed chunk (no copy), so a relay can
// forward each chunk unchanged while it is parsed. Only metadata (footer, header, BAT, each
// block's bitmap) is buffered, and its size is bounded by format.h's limits.
//
// Once the BAT has been read the parser knows total_length(): the end of the last block, BAT or
// locator, plus 512 for the footer. A stream needing a backward seek (a block placed before the
// end of the BAT, overlapping regions) is rejected with kCorruption naming the field and offset.
//
//   kFooterCopy -> kHeader -> { kSkip | kBat | kLocator | kBitmap -> kData }* -> kFooter -> kDone
//   any error -> kFailed (sticky: every later call returns the same Status)
//
// Thread-safety: none; one parser per stream.
#ifndef XCR_VHD_STREAM_PARSER_H_
#define XCR_VHD_STREAM_PARSER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "vhd/format.h"

namespace xcr::vhd {

class StreamParser;

// Receives the parser's events. Any non-OK Status returned stops the parser with that Status.
class StreamVisitor {
 public:
  virtual ~StreamVisitor() = default;
  // Footer, header, BAT and total_length() are available on `parser`.
  virtual Status OnMetadata(const StreamParser& parser) { return Status::OK(); }
  // A block starts; `bitmap` is BitmapSize(block_size) bytes, valid during the call.
  virtual Status OnBlockBegin(uint32_t index, std::span<const uint8_t> bitmap) {
    return Status::OK();
  }
  // A piece of the block's data, at `offset` within the block; valid during the call.
  virtual Status OnBlockData(uint32_t index, uint64_t offset, std::span<const uint8_t> data) {
    return Status::OK();
  }
  virtual Status OnBlockEnd(uint32_t index) { return Status::OK(); }
  // The trailing footer was read and matches the copy.
  virtual Status OnEnd() { return Status::OK(); }
};

class StreamParser {
 public:
  // visitor must outlive the parser.
  explicit StreamParser(StreamVisitor* visitor);

  // Consumes all of `data`, calling the visitor. Errors: kCorruption for bad input, including
  // bytes after the trailing footer; kNotSupported for a fixed disk; the visitor's own Status.
  Status Feed(std::span<const uint8_t> data);
  // The input ended: OK if the trailing footer was read, else kCorruption "truncated".
  Status Finish();

  // Bytes consumed so far (= the file offset of the next byte).
  uint64_t position() const { return pos_; }
  // Bytes left in the current region (0 when done or failed). A reader that never feeds more
  // than this stops exactly at block and metadata boundaries.
  uint64_t WantBytes() const;
  // When the next byte is block data: true, with the block index and the offset within it.
  bool InBlockData(uint32_t* index, uint64_t* offset) const;

  bool metadata_ready() const { return metadata_ready_; }
  bool done() const { return state_ == State::kDone; }
  const Status& status() const { return status_; }

  // Valid once metadata_ready().
  const Footer& footer() const { return footer_; }
  const DynamicHeader& header() const { return header_; }
  const std::vector<uint32_t>& bat() const { return bat_; }  // sector of each block or kUnallocated
  uint64_t total_length() const { return total_length_; }
  uint32_t allocated_blocks() const { return static_cast<uint32_t>(blocks_.size()); }

 private:
  enum class State {
    kFooterCopy,
    kHeader,
    kSkip,
    kBat,
    kLocator,
    kBitmap,
    kData,
    kFooter,
    kDone,
    kFailed
  };
  struct MetaRegion {
    uint64_t start;
    uint64_t end;
    int locator;  // -1 for the BAT
  };
  struct BlockRef {
    uint32_t sector;
    uint32_t index;
  };

  Status Fail(Status s);
  Status OnBuffered();  // the buffer for the current state is full
  Status ParseMetadataRegions();
  Status ParseBat();
  Status Advance();  // choose the next region after the current one ended
  void StartBuffer(State s, uint64_t size);

  StreamVisitor* visitor_;
  State state_ = State::kFooterCopy;
  Status status_;
  uint64_t pos_ = 0;
  uint64_t region_end_ = 0;  // absolute end of the current state's bytes
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> footer_copy_;

  Footer footer_;
  DynamicHeader header_;
  std::vector<uint32_t> bat_;
  std::vector<MetaRegion> meta_;  // BAT and locators, by offset
  size_t next_meta_ = 0;
  std::vector<BlockRef> blocks_;  // by sector
  size_t next_block_ = 0;
  uint32_t current_block_ = 0;
  uint64_t data_start_ = 0;  // file offset of the current block's data
  uint64_t block_bytes_ = 0;
  bool metadata_ready_ = false;
  uint64_t total_length_ = 0;
};

}  // namespace xcr::vhd

#endif  // XCR_VHD_STREAM_PARSER_H_
