#include "vhd/stream_writer.h"

#include <algorithm>
#include <cstring>

#include "vhd/bitmap.h"
#include "vhd/endian.h"

namespace xcr::vhd {

Result<StreamWriter> StreamWriter::Create(StreamLayout layout) {
  auto bad = [](const std::string& m) { return Status::InvalidArgument("VHD layout: " + m); };
  if (layout.virtual_size % kSectorSize != 0 || layout.virtual_size > kMaxVirtualSize) {
    return bad("virtual size " + std::to_string(layout.virtual_size) +
               " must be a multiple of 512 and at most " + std::to_string(kMaxVirtualSize));
  }
  uint32_t bs = layout.block_size;
  if (bs < kMinBlockSize || bs > kMaxBlockSize || (bs & (bs - 1)) != 0) {
    return bad("block size " + std::to_string(bs) + " is not a power of two in [512, 256 MiB]");
  }
  uint64_t count = BlockCount(layout.virtual_size, bs);
  if (count > kMaxTableEntries) {
    return bad(std::to_string(count) + " blocks exceed the BAT limit of " +
               std::to_string(kMaxTableEntries) + "; use a larger block size");
  }
  if (layout.type != DiskType::kDynamic && layout.type != DiskType::kDifferencing) {
    return bad("disk type must be dynamic or differencing");
  }
  for (size_t k = 0; k < layout.blocks.size(); ++k) {
    if (layout.blocks[k] >= count) {
      return bad("block " + std::to_string(layout.blocks[k]) + " is beyond the last block " +
                 std::to_string(count == 0 ? 0 : count - 1));
    }
    if (k > 0 && layout.blocks[k] <= layout.blocks[k - 1]) {
      return bad("blocks must be strictly ascending (" + std::to_string(layout.blocks[k - 1]) +
                 " then " + std::to_string(layout.blocks[k]) + ")");
    }
  }
  bool diff = layout.type == DiskType::kDifferencing;
  if (diff && layout.parent_uuid.IsNil()) return bad("a differencing disk needs a parent UUID");
  std::string name16 = Utf8ToUtf16(layout.parent_name, /*big_endian=*/true);
  if (name16.size() > 512) return bad("parent name longer than 256 UTF-16 units");
  if (layout.disk_uuid.IsNil()) layout.disk_uuid = Uuid::Random();

  StreamWriter w;
  w.footer_.timestamp = layout.timestamp;
  w.footer_.creator_app = layout.creator_app;
  w.footer_.original_size = layout.virtual_size;
  w.footer_.current_size = layout.virtual_size;
  w.footer_.geometry = ComputeGeometry(layout.virtual_size);
  w.footer_.disk_type = layout.type;
  w.footer_.uuid = layout.disk_uuid;
  w.footer_bytes_ = SerializeFooter(w.footer_);

  DynamicHeader& h = w.header_;
  h.table_offset = 2048;
  h.max_table_entries = static_cast<uint32_t>(count);
  h.block_size = bs;
  uint64_t offset = h.table_offset + BatBytes(h.max_table_entries);
  if (diff) {
    h.parent_uuid = layout.parent_uuid;
    h.parent_timestamp = layout.parent_timestamp;
    h.parent_name = layout.parent_name;
    if (!layout.parent_name.empty()) {
      w.locator_payload_ = Utf8ToUtf16(layout.parent_name, /*big_endian=*/false);
      uint64_t space = std::max<uint64_t>(
          kSectorSize, (w.locator_payload_.size() + kSectorSize - 1) / kSectorSize * kSectorSize);
      ParentLocator& l = h.locators[0];
      l.platform_code = kPlatformW2ru;
      l.data_space = static_cast<uint32_t>(space);  // >= 512: bytes (see ParentLocator)
      l.data_length = static_cast<uint32_t>(w.locator_payload_.size());
      l.data_offset = offset;
      offset += space;
    }
  }
  w.first_block_offset_ = offset;
  w.block_bytes_ = uint64_t{BitmapSize(bs)} + bs;
  w.total_length_ = offset + layout.blocks.size() * w.block_bytes_ + kFooterSize;
  w.full_bitmap_.assign(BitmapSize(bs), 0);
  for (uint32_t s = 0; s < SectorsPerBlock(bs); ++s) BitmapSet(w.full_bitmap_, s);
  w.layout_ = std::move(layout);
  return w;
}

Status StreamWriter::Put(Sink& sink, std::span<const uint8_t> data) {
  XCR_RETURN_IF_ERROR(sink.Write(data));
  written_ += data.size();
  return Status::OK();
}

Status StreamWriter::WriteMetadata(Sink& sink) {
  if (state_ != State::kStart) {
    return Status::FailedPrecondition("VHD stream writer: metadata already written");
  }
  XCR_RETURN_IF_ERROR(Put(sink, footer_bytes_));
  auto header = SerializeHeader(header_);
  XCR_RETURN_IF_ERROR(Put(sink, header));
  // padding up to the BAT, then the BAT itself, in bounded pieces
  std::vector<uint8_t> buf(std::max<uint64_t>(64 << 10, kSectorSize), 0);
  XCR_RETURN_IF_ERROR(Put(sink, std::span<const uint8_t>(buf.data(), header_.table_offset - 1536)));
  uint64_t bat_bytes = BatBytes(header_.max_table_entries);
  size_t k = 0;
  for (uint64_t done = 0; done < bat_bytes;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), bat_bytes - done));
    for (size_t i = 0; i < n; i += 4) {
      uint32_t entry = static_cast<uint32_t>((done + i) / 4);
      uint32_t value = kUnallocated;
      if (entry >= header_.max_table_entries) {
        value = kUnallocated;  // padding of the last sector
      } else if (k < layout_.blocks.size() && layout_.blocks[k] == entry) {
        value = static_cast<uint32_t>(BlockOffset(k) / kSectorSize);
        ++k;
      }
      StoreBE32(buf.data() + i, value);
    }
    XCR_RETURN_IF_ERROR(Put(sink, std::span<const uint8_t>(buf.data(), n)));
    done += n;
  }
  if (!locator_payload_.empty()) {
    uint64_t space = header_.locators[0].SpaceBytes();
    std::vector<uint8_t> loc(space, 0);
    std::memcpy(loc.data(), locator_payload_.data(), locator_payload_.size());
    XCR_RETURN_IF_ERROR(Put(sink, loc));
  }
  state_ = State::kBlocks;
  return Status::OK();
}

Status StreamWriter::BeginBlock(Sink& sink, uint32_t index, std::span<const uint8_t> bitmap) {
  if (state_ != State::kBlocks) {
    return Status::FailedPrecondition(state_ == State::kInBlock
                                          ? "VHD stream writer: previous block incomplete"
                                          : "VHD stream writer: not ready for a block");
  }
  if (next_block_ >= layout_.blocks.size() || layout_.blocks[next_block_] != index) {
    return Status::InvalidArgument(
        "VHD stream writer: block " + std::to_string(index) + " is not the next listed block" +
        (next_block_ < layout_.blocks.size()
             ? " (expected " + std::to_string(layout_.blocks[next_block_]) + ")"
             : " (all listed blocks written)"));
  }
  if (!bitmap.empty() && bitmap.size() != full_bitmap_.size()) {
    return Status::InvalidArgument("VHD stream writer: bitmap of " + std::to_string(bitmap.size()) +
                                   " bytes, expected " + std::to_string(full_bitmap_.size()));
  }
  XCR_RETURN_IF_ERROR(Put(sink, bitmap.empty() ? std::span<const uint8_t>(full_bitmap_) : bitmap));
  state_ = State::kInBlock;
  block_filled_ = 0;
  return Status::OK();
}

Status StreamWriter::WriteBlockData(Sink& sink, std::span<const uint8_t> data) {
  if (state_ != State::kInBlock) {
    return Status::FailedPrecondition("VHD stream writer: block data outside a block");
  }
  if (data.size() > layout_.block_size - block_filled_) {
    return Status::InvalidArgument("VHD stream writer: " + std::to_string(data.size()) +
                                   " bytes overflow block " +
                                   std::to_string(layout_.blocks[next_block_]));
  }
  XCR_RETURN_IF_ERROR(Put(sink, data));
  block_filled_ += data.size();
  if (block_filled_ == layout_.block_size) {
    state_ = State::kBlocks;
    ++next_block_;
  }
  return Status::OK();
}

Status StreamWriter::WriteBlock(Sink& sink, uint32_t index, std::span<const uint8_t> bitmap,
                                std::span<const uint8_t> data) {
  if (data.size() != layout_.block_size) {
    return Status::InvalidArgument("VHD stream writer: block " + std::to_string(index) + " has " +
                                   std::to_string(data.size()) + " bytes, expected " +
                                   std::to_string(layout_.block_size));
  }
  XCR_RETURN_IF_ERROR(BeginBlock(sink, index, bitmap));
  return WriteBlockData(sink, data);
}

Status StreamWriter::Finish(Sink& sink) {
  if (state_ != State::kBlocks || next_block_ != layout_.blocks.size()) {
    return Status::FailedPrecondition(
        "VHD stream writer: cannot finish: " +
        (state_ == State::kBlocks
             ? std::to_string(layout_.blocks.size() - next_block_) + " listed blocks not written"
             : std::string(state_ == State::kDone ? "already finished" : "block incomplete")));
  }
  XCR_RETURN_IF_ERROR(Put(sink, footer_bytes_));
  state_ = State::kDone;
  return Status::OK();
}

}  // namespace xcr::vhd
