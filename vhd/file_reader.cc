#include "vhd/file_reader.h"

#include <algorithm>
#include <cstring>

#include "vhd/bitmap.h"
#include "vhd/endian.h"

namespace xcr::vhd {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

std::string_view FooterField(size_t byte) {
  if (byte < 8) return "cookie";
  if (byte < 16) return byte < 12 ? "features" : "file format version";
  if (byte < 24) return "data offset";
  if (byte < 28) return "timestamp";
  if (byte < 40) return "creator fields";
  if (byte < 56) return byte < 48 ? "original size" : "current size";
  if (byte < 64) return byte < 60 ? "disk geometry" : "disk type";
  if (byte < 68) return "checksum";
  if (byte < 84) return "unique id";
  return byte == 84 ? "saved state" : "reserved";
}

}  // namespace

Result<std::unique_ptr<VhdFile>> VhdFile::Open(std::unique_ptr<RandomAccessFile> file,
                                               std::string name) {
  std::unique_ptr<VhdFile> f(new VhdFile());
  f->file_ = std::move(file);
  f->name_ = std::move(name);
  Status s = f->Load();
  if (!s.ok()) return s.WithContext(f->name_);
  return f;
}

Result<std::unique_ptr<VhdFile>> VhdFile::Open(Env* env, const std::string& path) {
  XCR_ASSIGN_OR_RETURN(auto file, env->NewRandomAccessFile(path));
  return Open(std::move(file), path);
}

Status VhdFile::ReadExact(uint64_t offset, std::span<uint8_t> buf, std::string_view what) const {
  XCR_ASSIGN_OR_RETURN(size_t n, file_->ReadAt(offset, buf));
  if (n != buf.size()) {
    return Status::Corruption("VHD truncated: " + std::string(what) + " at offset " + Str(offset) +
                              " needs " + Str(buf.size()) + " bytes, file has " + Str(n));
  }
  return Status::OK();
}

Status VhdFile::Load() {
  XCR_ASSIGN_OR_RETURN(file_size_, file_->Size());
  if (file_size_ < kFooterSize) {
    return Status::Corruption("VHD truncated: file of " + Str(file_size_) +
                              " bytes cannot hold a 512-byte footer");
  }
  uint64_t footer_at = file_size_ - kFooterSize;
  std::vector<uint8_t> footer(kFooterSize);
  XCR_RETURN_IF_ERROR(ReadExact(footer_at, footer, "footer"));
  XCR_ASSIGN_OR_RETURN(footer_, ParseFooter(footer, footer_at));
  if (footer_.disk_type == DiskType::kFixed) {
    if (footer_.current_size > footer_at) {
      return Status::Corruption("VHD footer at offset " + Str(footer_at) + ": current size " +
                                Str(footer_.current_size) + " exceeds the fixed disk's data (" +
                                Str(footer_at) + " bytes)");
    }
    return Status::OK();
  }
  if (file_size_ < kHeaderOffset + kHeaderSize + kFooterSize) {
    return Status::Corruption("VHD truncated: dynamic disk file of " + Str(file_size_) +
                              " bytes cannot hold footer copy, header and footer");
  }
  std::vector<uint8_t> copy(kFooterSize);
  XCR_RETURN_IF_ERROR(ReadExact(0, copy, "footer copy"));
  if (copy != footer) {
    XCR_RETURN_IF_ERROR(ParseFooter(copy, 0).status());
    size_t i = 0;
    while (copy[i] == footer[i]) ++i;
    return Status::Corruption("VHD footer copy at offset 0 differs from the footer at offset " +
                              Str(footer_at) + " in field '" + std::string(FooterField(i)) +
                              "' (byte " + Str(i) + ")");
  }
  std::vector<uint8_t> header(kHeaderSize);
  XCR_RETURN_IF_ERROR(ReadExact(kHeaderOffset, header, "dynamic header"));
  XCR_ASSIGN_OR_RETURN(header_, ParseHeader(header, kHeaderOffset));
  XCR_RETURN_IF_ERROR(ValidateHeaderForFooter(header_, footer_));
  block_size_ = header_.block_size;

  // Regions that must not overlap: [0, 1536), the BAT, the locators, the blocks.
  struct Region {
    uint64_t start, end;
    std::string what;
  };
  std::vector<Region> regions;
  uint64_t bat_bytes = BatBytes(header_.max_table_entries);
  if (header_.table_offset + bat_bytes > footer_at) {
    return Status::Corruption("VHD dynamic header at offset 528: table offset " +
                              Str(header_.table_offset) + ": the BAT (" + Str(bat_bytes) +
                              " bytes) extends past the footer at " + Str(footer_at));
  }
  regions.push_back({header_.table_offset, header_.table_offset + bat_bytes, "the BAT"});
  for (int i = 0; i < kNumLocators; ++i) {
    const ParentLocator& l = header_.locators[i];
    if (l.platform_code == 0 || l.data_length == 0) continue;
    if (l.data_offset + l.data_length > footer_at) {
      return Status::Corruption("VHD parent locator " + std::to_string(i) + " at offset " +
                                Str(l.data_offset) + ": data extends past the footer at " +
                                Str(footer_at));
    }
    regions.push_back(
        {l.data_offset, l.data_offset + l.SpaceBytes(), "parent locator " + std::to_string(i)});
  }
  std::vector<uint8_t> bat(bat_bytes);
  XCR_RETURN_IF_ERROR(ReadExact(header_.table_offset, bat, "BAT"));
  uint64_t count = BlockCount(footer_.current_size, block_size_);
  uint64_t block_bytes = uint64_t{BitmapSize(block_size_)} + block_size_;
  bat_.resize(header_.max_table_entries);
  for (uint32_t i = 0; i < header_.max_table_entries; ++i) {
    uint32_t e = LoadBE32(bat.data() + 4 * uint64_t{i});
    bat_[i] = e;
    if (e == kUnallocated) continue;
    std::string where =
        "VHD BAT entry " + Str(i) + " at offset " + Str(header_.table_offset + 4 * uint64_t{i});
    if (i >= count) {
      return Status::Corruption(where + ": block allocated beyond the virtual size (" + Str(count) +
                                " blocks)");
    }
    uint64_t start = uint64_t{e} * kSectorSize;
    if (start + block_bytes > footer_at) {
      return Status::Corruption(where + ": block at offset " + Str(start) + " (" +
                                Str(block_bytes) + " bytes) lies outside the file (footer at " +
                                Str(footer_at) + ")");
    }
    ++allocated_;
    regions.push_back({start, start + block_bytes, "block " + Str(i)});
  }
  std::sort(regions.begin(), regions.end(),
            [](const Region& a, const Region& b) { return a.start < b.start; });
  uint64_t prev_end = kHeaderOffset + kHeaderSize;
  std::string prev = "the header";
  for (const Region& r : regions) {
    if (r.start < prev_end) {
      return Status::Corruption("VHD " + r.what + " at offset " + Str(r.start) + " overlaps " +
                                prev + " (which ends at " + Str(prev_end) + ")");
    }
    prev_end = r.end;
    prev = r.what;
  }
  bitmap_.resize(BitmapSize(block_size_));
  return Status::OK();
}

Result<std::string> VhdFile::ReadParentLocator(int i) const {
  if (i < 0 || i >= kNumLocators || footer_.disk_type == DiskType::kFixed) return std::string();
  const ParentLocator& l = header_.locators[i];
  if (l.platform_code == 0 || l.data_length == 0) return std::string();
  std::vector<uint8_t> data(l.data_length);  // bounded by kMaxLocatorLength in ParseHeader
  XCR_RETURN_IF_ERROR(ReadExact(l.data_offset, data, "parent locator " + std::to_string(i)));
  std::string path;
  if (l.platform_code == kPlatformMacX) {
    path.assign(data.begin(), data.end());
    if (path.rfind("file://", 0) == 0) path = path.substr(7);
  } else {
    path = Utf16ToUtf8(data, /*big_endian=*/false);
  }
  while (!path.empty() && path.back() == '\0') path.pop_back();
  return path;
}

Result<std::span<const uint8_t>> VhdFile::CachedBitmap(uint32_t index) const {
  if (bitmap_index_ != index) {
    bitmap_index_ = kUnallocated;
    XCR_RETURN_IF_ERROR(
        ReadExact(uint64_t{bat_[index]} * kSectorSize, bitmap_, "bitmap of block " + Str(index)));
    bitmap_index_ = index;
  }
  return std::span<const uint8_t>(bitmap_);
}

Result<bool> VhdFile::ReadBitmap(uint32_t index, std::span<uint8_t> bitmap) const {
  if (footer_.disk_type == DiskType::kFixed || index >= bat_.size() ||
      bat_[index] == kUnallocated) {
    return false;
  }
  if (bitmap.size() != bitmap_.size()) {
    return Status::InvalidArgument("bitmap buffer of " + Str(bitmap.size()) + " bytes, expected " +
                                   Str(bitmap_.size()));
  }
  XCR_ASSIGN_OR_RETURN(auto bm, CachedBitmap(index));
  std::memcpy(bitmap.data(), bm.data(), bm.size());
  return true;
}

Status VhdFile::ReadPresentSectors(uint64_t first_sector, std::span<uint8_t> need,
                                   std::span<uint8_t> dst) const {
  uint64_t size_sectors = footer_.current_size / kSectorSize;
  uint64_t end = std::min<uint64_t>(first_sector + need.size(), size_sectors);
  // Reads the sectors [a, b) (relative to first_sector) from file offset `at`.
  auto take = [&](uint64_t a, uint64_t b, uint64_t at) -> Status {
    XCR_RETURN_IF_ERROR(
        ReadExact(at, dst.subspan(a * kSectorSize, (b - a) * kSectorSize), "data of " + name_));
    std::memset(need.data() + a, 0, b - a);
    return Status::OK();
  };
  if (footer_.disk_type == DiskType::kFixed) {
    for (uint64_t s = first_sector; s < end;) {
      if (!need[s - first_sector]) {
        ++s;
        continue;
      }
      uint64_t e = s;
      while (e < end && need[e - first_sector]) ++e;
      XCR_RETURN_IF_ERROR(take(s - first_sector, e - first_sector, s * kSectorSize));
      s = e;
    }
    return Status::OK();
  }
  uint32_t spb = SectorsPerBlock(block_size_);
  for (uint64_t s = first_sector; s < end;) {
    uint32_t block = static_cast<uint32_t>(s / spb);
    uint64_t block_end = std::min<uint64_t>(end, (uint64_t{block} + 1) * spb);
    if (bat_[block] == kUnallocated) {
      s = block_end;
      continue;
    }
    XCR_ASSIGN_OR_RETURN(auto bm, CachedBitmap(block));
    uint64_t data_at = uint64_t{bat_[block]} * kSectorSize + bm.size();
    while (s < block_end) {
      uint32_t in = static_cast<uint32_t>(s - uint64_t{block} * spb);
      if (!need[s - first_sector] || !BitmapTest(bm, in)) {
        ++s;
        continue;
      }
      uint64_t e = s;
      while (e < block_end && need[e - first_sector] &&
             BitmapTest(bm, static_cast<uint32_t>(e - uint64_t{block} * spb))) {
        ++e;
      }
      XCR_RETURN_IF_ERROR(take(s - first_sector, e - first_sector, data_at + in * kSectorSize));
      s = e;
    }
  }
  return Status::OK();
}

Status VhdFile::Read(uint64_t offset, std::span<uint8_t> buf) const {
  if (offset > footer_.current_size || buf.size() > footer_.current_size - offset) {
    return Status::InvalidArgument("read of " + Str(buf.size()) + " bytes at " + Str(offset) +
                                   " past the virtual size " + Str(footer_.current_size) + " of " +
                                   name_);
  }
  constexpr uint64_t kPiece = 1 << 20;
  std::vector<uint8_t> tmp;
  std::vector<uint8_t> need;
  while (!buf.empty()) {
    uint64_t first = offset / kSectorSize;
    uint64_t last =
        (offset + std::min<uint64_t>(buf.size(), kPiece) + kSectorSize - 1) / kSectorSize;
    size_t n = static_cast<size_t>(last - first);
    tmp.assign(n * kSectorSize, 0);
    need.assign(n, 1);
    XCR_RETURN_IF_ERROR(ReadPresentSectors(first, need, tmp));
    size_t skip = static_cast<size_t>(offset - first * kSectorSize);
    size_t len = std::min(buf.size(), tmp.size() - skip);
    std::memcpy(buf.data(), tmp.data() + skip, len);
    buf = buf.subspan(len);
    offset += len;
  }
  return Status::OK();
}

}  // namespace xcr::vhd
