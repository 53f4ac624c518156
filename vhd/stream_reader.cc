#include "vhd/stream_reader.h"

#include <algorithm>
#include <cstring>

namespace xcr::vhd {

Status StreamReader::Collector::OnMetadata(const StreamParser& p) {
  bitmap.resize(BitmapSize(p.header().block_size));
  block_size = p.header().block_size;
  return Status::OK();
}

Status StreamReader::Collector::OnBlockBegin(uint32_t i, std::span<const uint8_t> bm) {
  std::memcpy(bitmap.data(), bm.data(), bm.size());
  if (data.size() != block_size) data.resize(block_size);  // at the first block, not before
  index = i;
  return Status::OK();
}

Status StreamReader::Collector::OnBlockData(uint32_t, uint64_t offset,
                                            std::span<const uint8_t> piece) {
  uint8_t* dst = data.data() + offset;
  if (piece.data() != dst) std::memcpy(dst, piece.data(), piece.size());
  return Status::OK();
}

Status StreamReader::Collector::OnBlockEnd(uint32_t) {
  block_ready = true;
  return Status::OK();
}

StreamReader::StreamReader(Source* source, Options options)
    : source_(source), options_(options), parser_(&collector_) {
  scratch_.resize(std::max<size_t>(options_.chunk_size, kSectorSize));
}

Status StreamReader::Step() {
  uint64_t want = parser_.WantBytes();
  uint32_t index;
  uint64_t offset;
  std::span<uint8_t> dst;
  if (parser_.InBlockData(&index, &offset)) {
    dst = std::span<uint8_t>(collector_.data.data() + offset, static_cast<size_t>(want));
  } else {
    dst = std::span<uint8_t>(scratch_.data(),
                             static_cast<size_t>(std::min<uint64_t>(want, scratch_.size())));
  }
  XCR_ASSIGN_OR_RETURN(size_t n, source_->Read(dst));
  if (n == 0) return parser_.Finish();
  return parser_.Feed(dst.first(n));
}

Status StreamReader::ReadMetadata() {
  while (!parser_.metadata_ready()) {
    if (!parser_.status().ok()) return parser_.status();
    XCR_RETURN_IF_ERROR(Step());
  }
  return Status::OK();
}

Result<bool> StreamReader::Next(Block* block) {
  XCR_RETURN_IF_ERROR(ReadMetadata());
  collector_.block_ready = false;
  while (!collector_.block_ready) {
    if (!parser_.status().ok()) return parser_.status();
    if (parser_.done()) return false;
    XCR_RETURN_IF_ERROR(Step());
  }
  block->index = collector_.index;
  block->bitmap = collector_.bitmap;
  block->data = collector_.data;
  return true;
}

}  // namespace xcr::vhd
