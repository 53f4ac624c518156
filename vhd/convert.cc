#include "vhd/convert.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "vhd/bitmap.h"

namespace xcr::vhd {
namespace {

// Reads block `index` of a raw file into buf (zero-padded past its end).
Status ReadRawBlock(const RandomAccessFile& raw, uint64_t raw_size, uint32_t index,
                    std::span<uint8_t> buf) {
  uint64_t at = uint64_t{index} * buf.size();
  size_t want =
      at >= raw_size ? 0 : static_cast<size_t>(std::min<uint64_t>(buf.size(), raw_size - at));
  size_t got = 0;
  while (got < want) {
    XCR_ASSIGN_OR_RETURN(size_t n, raw.ReadAt(at + got, buf.subspan(got, want - got)));
    if (n == 0)
      return Status::IOError("raw image shrank while being read at " + std::to_string(at + got));
    got += n;
  }
  std::memset(buf.data() + want, 0, buf.size() - want);
  return Status::OK();
}

bool AllZero(std::span<const uint8_t> b) {
  const uint8_t* p = b.data();
  size_t n = b.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    if (v) return false;
  }
  for (; i < n; ++i) {
    if (p[i]) return false;
  }
  return true;
}

StreamLayout BaseLayout(uint64_t raw_size, const ConvertOptions& opt) {
  StreamLayout l;
  l.virtual_size = (raw_size + kSectorSize - 1) / kSectorSize * kSectorSize;
  l.block_size = opt.block_size;
  l.disk_uuid = opt.disk_uuid;
  l.timestamp = opt.timestamp;
  return l;
}

Result<uint64_t> WriteBlocks(StreamWriter& w, const RandomAccessFile& raw, uint64_t raw_size,
                             Sink& out) {
  std::vector<uint8_t> buf(w.layout().block_size);
  XCR_RETURN_IF_ERROR(w.WriteMetadata(out));
  for (uint32_t index : w.layout().blocks) {
    XCR_RETURN_IF_ERROR(ReadRawBlock(raw, raw_size, index, buf));
    XCR_RETURN_IF_ERROR(w.WriteBlock(out, index, {}, buf));
  }
  XCR_RETURN_IF_ERROR(w.Finish(out));
  return w.bytes_written();
}

}  // namespace

Result<StreamLayout> PlanDynamicFromRaw(const RandomAccessFile& raw, const ConvertOptions& opt) {
  XCR_ASSIGN_OR_RETURN(uint64_t raw_size, raw.Size());
  StreamLayout l = BaseLayout(raw_size, opt);
  if (opt.block_size < kMinBlockSize || opt.block_size > kMaxBlockSize ||
      (opt.block_size & (opt.block_size - 1)) != 0) {
    return Status::InvalidArgument("block size " + std::to_string(opt.block_size) +
                                   " is not a power of two in [512, 256 MiB]");
  }
  uint64_t count = BlockCount(l.virtual_size, l.block_size);
  if (count > kMaxTableEntries) {
    return Status::InvalidArgument("raw image too large for block size " +
                                   std::to_string(l.block_size));
  }
  std::vector<uint8_t> buf(l.block_size);
  for (uint32_t i = 0; i < count; ++i) {
    XCR_RETURN_IF_ERROR(ReadRawBlock(raw, raw_size, i, buf));
    if (!AllZero(buf)) l.blocks.push_back(i);
  }
  return l;
}

Result<uint64_t> WriteDynamicFromRaw(const RandomAccessFile& raw, Sink& out,
                                     const ConvertOptions& opt) {
  XCR_ASSIGN_OR_RETURN(StreamLayout l, PlanDynamicFromRaw(raw, opt));
  XCR_ASSIGN_OR_RETURN(uint64_t raw_size, raw.Size());
  XCR_ASSIGN_OR_RETURN(StreamWriter w, StreamWriter::Create(std::move(l)));
  return WriteBlocks(w, raw, raw_size, out);
}

Result<uint64_t> WriteDeltaFromRaws(const RandomAccessFile& old_raw,
                                    const RandomAccessFile& new_raw, Sink& out,
                                    const ConvertOptions& opt) {
  XCR_ASSIGN_OR_RETURN(uint64_t old_size, old_raw.Size());
  XCR_ASSIGN_OR_RETURN(uint64_t new_size, new_raw.Size());
  StreamLayout l = BaseLayout(new_size, opt);
  l.type = DiskType::kDifferencing;
  l.parent_uuid = opt.parent_uuid;
  l.parent_name = opt.parent_name;
  l.parent_timestamp = opt.parent_timestamp;
  if (opt.block_size < kMinBlockSize || opt.block_size > kMaxBlockSize ||
      (opt.block_size & (opt.block_size - 1)) != 0) {
    return Status::InvalidArgument("block size " + std::to_string(opt.block_size) +
                                   " is not a power of two in [512, 256 MiB]");
  }
  uint64_t count = BlockCount(l.virtual_size, l.block_size);
  if (count > kMaxTableEntries) {
    return Status::InvalidArgument("raw image too large for block size " +
                                   std::to_string(l.block_size));
  }
  std::vector<uint8_t> a(l.block_size), b(l.block_size);
  for (uint32_t i = 0; i < count; ++i) {
    XCR_RETURN_IF_ERROR(ReadRawBlock(old_raw, old_size, i, a));
    XCR_RETURN_IF_ERROR(ReadRawBlock(new_raw, new_size, i, b));
    if (a != b) l.blocks.push_back(i);
  }
  XCR_ASSIGN_OR_RETURN(StreamWriter w, StreamWriter::Create(std::move(l)));
  return WriteBlocks(w, new_raw, new_size, out);
}

Result<uint64_t> WriteChainContent(Chain& chain, Sink& out) {
  std::vector<uint8_t> buf(1 << 20);
  uint64_t size = chain.virtual_size();
  for (uint64_t at = 0; at < size;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - at));
    XCR_RETURN_IF_ERROR(chain.Read(at, std::span(buf).first(n)));
    XCR_RETURN_IF_ERROR(out.Write(std::span(buf).first(n)));
    at += n;
  }
  return size;
}

Status ApplyBlock(RandomRWFile& target, uint32_t index, uint32_t block_size,
                  std::span<const uint8_t> bitmap, std::span<const uint8_t> data,
                  uint64_t virtual_size) {
  if (data.size() != block_size || bitmap.size() * 8 < SectorsPerBlock(block_size)) {
    return Status::InvalidArgument("ApplyBlock: block " + std::to_string(index) +
                                   " has the wrong data or bitmap size");
  }
  uint64_t base = uint64_t{index} * block_size;
  Status status;
  ForEachSetRun(bitmap, SectorsPerBlock(block_size), [&](SectorRun r) {
    if (!status.ok()) return;
    uint64_t at = base + uint64_t{r.first} * kSectorSize;
    if (at >= virtual_size) return;
    uint64_t len = std::min<uint64_t>(uint64_t{r.count} * kSectorSize, virtual_size - at);
    status = target.WriteAt(at, data.subspan(uint64_t{r.first} * kSectorSize, len));
  });
  return status;
}

}  // namespace xcr::vhd
