// StreamReader: pull-based, one-pass reader of a dynamic or differencing VHD from a Source (a
// socket, a file read sequentially), built on StreamParser. It returns each block in file
// order with its bitmap and data, the data in one reused buffer of block_size bytes: memory is
// bounded by one block plus the BAT, whatever the virtual size.
//
//   StreamReader r(&source);
//   XCR_RETURN_IF_ERROR(r.ReadMetadata());           // r.total_length() is now known
//   StreamReader::Block b;
//   while (true) {
//     XCR_ASSIGN_OR_RETURN(bool more, r.Next(&b));   // false: trailing footer read, valid
//     if (!more) break;
//     ... b.index, b.bitmap, b.data ...
//   }
//
// Block data is read from the Source straight into the block buffer (no intermediate copy).
// Errors are those of StreamParser, plus the Source's own, plus kCorruption "truncated" when the
// Source ends early.
//
// Thread-safety: none.
#ifndef XCR_VHD_STREAM_READER_H_
#define XCR_VHD_STREAM_READER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/stream.h"
#include "vhd/stream_parser.h"

namespace xcr::vhd {

class StreamReader {
 public:
  struct Options {
    // Bytes read at once from the Source for metadata and gaps (block data is read in pieces
    // of up to the block size).
    size_t chunk_size = 256 << 10;
  };
  struct Block {
    uint32_t index = 0;
    std::span<const uint8_t> bitmap;  // BitmapSize(block_size) bytes
    std::span<const uint8_t> data;    // block_size bytes
  };

  // source must outlive the reader.
  explicit StreamReader(Source* source, Options options);
  explicit StreamReader(Source* source) : StreamReader(source, Options()) {}

  // Reads footer copy, header and BAT. Idempotent.
  Status ReadMetadata();
  // The next block in file order; false once the trailing footer has been read and checked.
  // The spans stay valid until the next call. Calls ReadMetadata() if needed.
  Result<bool> Next(Block* block);

  // Valid after ReadMetadata().
  const Footer& footer() const { return parser_.footer(); }
  const DynamicHeader& header() const { return parser_.header(); }
  const std::vector<uint32_t>& bat() const { return parser_.bat(); }
  uint64_t total_length() const { return parser_.total_length(); }
  uint64_t position() const { return parser_.position(); }
  const StreamParser& parser() const { return parser_; }

 private:
  class Collector : public StreamVisitor {
   public:
    Status OnMetadata(const StreamParser& p) override;
    Status OnBlockBegin(uint32_t index, std::span<const uint8_t> bitmap) override;
    Status OnBlockData(uint32_t index, uint64_t offset, std::span<const uint8_t> data) override;
    Status OnBlockEnd(uint32_t index) override;
    std::vector<uint8_t> bitmap;
    std::vector<uint8_t> data;
    uint64_t block_size = 0;
    bool block_ready = false;
    uint32_t index = 0;
  };
  // Reads from the source and feeds the parser, never past the current region's end.
  Status Step();

  Source* source_;
  Options options_;
  Collector collector_;
  StreamParser parser_;
  std::vector<uint8_t> scratch_;
};

}  // namespace xcr::vhd

#endif  // XCR_VHD_STREAM_READER_H_
