// Helpers for the VHD tests: in-memory sinks, VHD images built with StreamWriter from a small
// map of blocks, and checksum repair for hand-corrupted images.
#ifndef XCR_TESTS_VHD_VHD_TEST_UTIL_H_
#define XCR_TESTS_VHD_VHD_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "base/env.h"
#include "base/stream.h"
#include "vhd/endian.h"
#include "vhd/format.h"
#include "vhd/stream_writer.h"

namespace xcr::vhd::testing {

class VectorSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    bytes.insert(bytes.end(), data.begin(), data.end());
    return Status::OK();
  }
  std::vector<uint8_t> bytes;
};

// A RandomAccessFile over a copy of some bytes.
class MemFile : public RandomAccessFile {
 public:
  explicit MemFile(std::vector<uint8_t> data) : data_(std::move(data)) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const override {
    if (offset >= data_.size()) return size_t{0};
    size_t n = std::min<uint64_t>(buf.size(), data_.size() - offset);
    std::memcpy(buf.data(), data_.data() + offset, n);
    return n;
  }
  Result<uint64_t> Size() const override { return data_.size(); }

 private:
  std::vector<uint8_t> data_;
};

inline std::unique_ptr<RandomAccessFile> MemFileOf(std::vector<uint8_t> data) {
  return std::make_unique<MemFile>(std::move(data));
}

// A block's content: data (block_size bytes) and bitmap (empty = all set).
struct TestBlock {
  std::vector<uint8_t> data;
  std::vector<uint8_t> bitmap;
};

// Block data whose bytes depend on the block index and position (never all zero).
inline std::vector<uint8_t> PatternBlock(uint32_t block_size, uint32_t index) {
  std::vector<uint8_t> d(block_size);
  for (uint32_t i = 0; i < block_size; ++i) d[i] = static_cast<uint8_t>((i * 7 + index * 13 + 1));
  return d;
}

// Writes a VHD with `layout` (its blocks list is filled from `blocks`).
inline std::vector<uint8_t> BuildVhd(StreamLayout layout,
                                     const std::map<uint32_t, TestBlock>& blocks) {
  layout.blocks.clear();
  for (const auto& [i, b] : blocks) layout.blocks.push_back(i);
  auto w = StreamWriter::Create(layout);
  if (!w.ok()) return {};
  VectorSink sink;
  if (!w->WriteMetadata(sink).ok()) return {};
  for (const auto& [i, b] : blocks) {
    if (!w->WriteBlock(sink, i, b.bitmap, b.data).ok()) return {};
  }
  if (!w->Finish(sink).ok()) return {};
  return sink.bytes;
}

// Recomputes the checksums of the footer copy, the header and the trailing footer (which is
// made equal to the copy when `sync_footer`).
inline void FixChecksums(std::vector<uint8_t>& img, bool sync_footer = true) {
  StoreBE32(img.data() + 64, ComputeChecksum(std::span(img).subspan(0, 512), 64));
  StoreBE32(img.data() + 512 + 36, ComputeChecksum(std::span(img).subspan(512, 1024), 36));
  if (sync_footer) std::copy(img.begin(), img.begin() + 512, img.end() - 512);
}

}  // namespace xcr::vhd::testing

#endif  // XCR_TESTS_VHD_VHD_TEST_UTIL_H_
