#include "vhd/format.h"

#include <algorithm>
#include <cstring>

#include "vhd/endian.h"

namespace xcr::vhd {
namespace {

constexpr char kFooterCookie[] = "conectix";
constexpr char kHeaderCookie[] = "cxsparse";
constexpr size_t kFooterChecksumOffset = 64;
constexpr size_t kHeaderChecksumOffset = 36;
constexpr size_t kParentNameOffset = 64;
constexpr size_t kParentNameBytes = 512;
constexpr size_t kLocatorTableOffset = 576;

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Status Bad(std::string_view what, uint64_t at, std::string_view field, const std::string& why) {
  return Status::Corruption("VHD " + std::string(what) + " at offset " + std::to_string(at) + ": " +
                            std::string(field) + ": " + why);
}

std::string Printable(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f) {
      s += static_cast<char>(p[i]);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", p[i]);
      s += buf;
    }
  }
  return s;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

void AppendUnit(std::string* out, uint16_t u, bool big_endian) {
  if (big_endian) {
    *out += static_cast<char>(u >> 8);
    *out += static_cast<char>(u & 0xFF);
  } else {
    *out += static_cast<char>(u & 0xFF);
    *out += static_cast<char>(u >> 8);
  }
}

}  // namespace

std::string_view DiskTypeName(DiskType t) {
  switch (t) {
    case DiskType::kFixed:
      return "fixed";
    case DiskType::kDynamic:
      return "dynamic";
    case DiskType::kDifferencing:
      return "differencing";
    default:
      return "unknown";
  }
}

Geometry ComputeGeometry(uint64_t size) {
  uint64_t total = std::min<uint64_t>(size / kSectorSize, 65535ull * 16 * 255);
  uint64_t spt, heads, cth;
  if (total >= 65535ull * 16 * 63) {
    spt = 255;
    heads = 16;
    cth = total / spt;
  } else {
    spt = 17;
    cth = total / spt;
    heads = std::max<uint64_t>(4, (cth + 1023) / 1024);
    if (cth >= heads * 1024 || heads > 16) {
      spt = 31;
      heads = 16;
      cth = total / spt;
    }
    if (cth >= heads * 1024) {
      spt = 63;
      heads = 16;
      cth = total / spt;
    }
  }
  Geometry g;
  g.cylinders = static_cast<uint16_t>(std::min<uint64_t>(cth / heads, 65535));
  g.heads = static_cast<uint8_t>(heads);
  g.sectors_per_track = static_cast<uint8_t>(spt);
  return g;
}

uint32_t ComputeChecksum(std::span<const uint8_t> bytes, size_t checksum_offset) {
  uint32_t sum = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i >= checksum_offset && i < checksum_offset + 4) continue;
    sum += bytes[i];
  }
  return ~sum;
}

std::array<uint8_t, kFooterSize> SerializeFooter(const Footer& f) {
  std::array<uint8_t, kFooterSize> b{};
  uint8_t* p = b.data();
  std::memcpy(p, kFooterCookie, 8);
  StoreBE32(p + 8, f.features);
  StoreBE32(p + 12, f.format_version);
  StoreBE64(p + 16, f.data_offset);
  StoreBE32(p + 24, f.timestamp);
  std::memcpy(p + 28, f.creator_app.data(), 4);
  StoreBE32(p + 32, f.creator_version);
  StoreBE32(p + 36, f.creator_host_os);
  StoreBE64(p + 40, f.original_size);
  StoreBE64(p + 48, f.current_size);
  StoreBE16(p + 56, f.geometry.cylinders);
  p[58] = f.geometry.heads;
  p[59] = f.geometry.sectors_per_track;
  StoreBE32(p + 60, static_cast<uint32_t>(f.disk_type));
  std::memcpy(p + 68, f.uuid.bytes.data(), 16);
  p[84] = f.saved_state;
  StoreBE32(p + kFooterChecksumOffset, ComputeChecksum(b, kFooterChecksumOffset));
  return b;
}

std::array<uint8_t, kHeaderSize> SerializeHeader(const DynamicHeader& h) {
  std::array<uint8_t, kHeaderSize> b{};
  uint8_t* p = b.data();
  std::memcpy(p, kHeaderCookie, 8);
  StoreBE64(p + 8, h.data_offset);
  StoreBE64(p + 16, h.table_offset);
  StoreBE32(p + 24, h.header_version);
  StoreBE32(p + 28, h.max_table_entries);
  StoreBE32(p + 32, h.block_size);
  std::memcpy(p + 40, h.parent_uuid.bytes.data(), 16);
  StoreBE32(p + 56, h.parent_timestamp);
  std::string name = Utf8ToUtf16(h.parent_name, /*big_endian=*/true);
  std::memcpy(p + kParentNameOffset, name.data(), std::min(name.size(), kParentNameBytes));
  for (int i = 0; i < kNumLocators; ++i) {
    uint8_t* e = p + kLocatorTableOffset + 24 * i;
    const ParentLocator& l = h.locators[i];
    StoreBE32(e, l.platform_code);
    StoreBE32(e + 4, l.data_space);
    StoreBE32(e + 8, l.data_length);
    StoreBE64(e + 16, l.data_offset);
  }
  StoreBE32(p + kHeaderChecksumOffset, ComputeChecksum(b, kHeaderChecksumOffset));
  return b;
}

Result<Footer> ParseFooter(std::span<const uint8_t> bytes, uint64_t at) {
  constexpr std::string_view kWhat = "footer";
  if (bytes.size() < kFooterSize) {
    return Bad(kWhat, at, "size", "only " + std::to_string(bytes.size()) + " of 512 bytes");
  }
  const uint8_t* p = bytes.data();
  if (std::memcmp(p, kFooterCookie, 8) != 0) {
    // Built by append: GCC 12 at -O3 reports a false -Wrestrict for `"literal" + std::string`.
    std::string got = "\"";
    got += Printable(p, 8);
    got += "\", expected \"conectix\" (not a VHD footer)";
    return Bad(kWhat, at, "cookie", got);
  }
  Footer f;
  f.checksum = LoadBE32(p + kFooterChecksumOffset);
  uint32_t want = ComputeChecksum(bytes.first(kFooterSize), kFooterChecksumOffset);
  if (f.checksum != want) {
    return Bad(kWhat, at + kFooterChecksumOffset, "checksum",
               "stored " + Hex(f.checksum) + ", computed " + Hex(want));
  }
  f.features = LoadBE32(p + 8);
  f.format_version = LoadBE32(p + 12);
  f.data_offset = LoadBE64(p + 16);
  f.timestamp = LoadBE32(p + 24);
  std::memcpy(f.creator_app.data(), p + 28, 4);
  f.creator_version = LoadBE32(p + 32);
  f.creator_host_os = LoadBE32(p + 36);
  f.original_size = LoadBE64(p + 40);
  f.current_size = LoadBE64(p + 48);
  f.geometry.cylinders = LoadBE16(p + 56);
  f.geometry.heads = p[58];
  f.geometry.sectors_per_track = p[59];
  uint32_t type = LoadBE32(p + 60);
  std::memcpy(f.uuid.bytes.data(), p + 68, 16);
  f.saved_state = p[84];
  if ((f.format_version >> 16) != 1) {
    return Bad(kWhat, at + 12, "file format version", Hex(f.format_version) + ", expected 0x10000");
  }
  if (type != 2 && type != 3 && type != 4) {
    return Bad(kWhat, at + 60, "disk type",
               std::to_string(type) + " (supported: 2 fixed, 3 dynamic, 4 differencing)");
  }
  f.disk_type = static_cast<DiskType>(type);
  if (f.disk_type == DiskType::kFixed) {
    if (f.data_offset != kNoDataOffset) {
      return Bad(kWhat, at + 16, "data offset", Hex(f.data_offset) + " for a fixed disk");
    }
  } else if (f.data_offset != kHeaderOffset) {
    return Bad(kWhat, at + 16, "data offset",
               std::to_string(f.data_offset) + ", expected 512 (header right after the copy)");
  }
  if (f.current_size % kSectorSize != 0) {
    return Bad(kWhat, at + 48, "current size",
               std::to_string(f.current_size) + " is not a multiple of 512");
  }
  if (f.current_size > kMaxVirtualSize) {
    return Bad(kWhat, at + 48, "current size",
               std::to_string(f.current_size) + " exceeds the supported maximum " +
                   std::to_string(kMaxVirtualSize));
  }
  return f;
}

Result<DynamicHeader> ParseHeader(std::span<const uint8_t> bytes, uint64_t at) {
  constexpr std::string_view kWhat = "dynamic header";
  if (bytes.size() < kHeaderSize) {
    return Bad(kWhat, at, "size", "only " + std::to_string(bytes.size()) + " of 1024 bytes");
  }
  const uint8_t* p = bytes.data();
  if (std::memcmp(p, kHeaderCookie, 8) != 0) {
    std::string got = "\"";
    got += Printable(p, 8);
    got += "\", expected \"cxsparse\"";
    return Bad(kWhat, at, "cookie", got);
  }
  DynamicHeader h;
  h.checksum = LoadBE32(p + kHeaderChecksumOffset);
  uint32_t want = ComputeChecksum(bytes.first(kHeaderSize), kHeaderChecksumOffset);
  if (h.checksum != want) {
    return Bad(kWhat, at + kHeaderChecksumOffset, "checksum",
               "stored " + Hex(h.checksum) + ", computed " + Hex(want));
  }
  h.data_offset = LoadBE64(p + 8);
  h.table_offset = LoadBE64(p + 16);
  h.header_version = LoadBE32(p + 24);
  h.max_table_entries = LoadBE32(p + 28);
  h.block_size = LoadBE32(p + 32);
  std::memcpy(h.parent_uuid.bytes.data(), p + 40, 16);
  h.parent_timestamp = LoadBE32(p + 56);
  std::span<const uint8_t> name(p + kParentNameOffset, kParentNameBytes);
  size_t units = 0;
  while (units < kParentNameBytes / 2 && (name[2 * units] | name[2 * units + 1]) != 0) ++units;
  h.parent_name = Utf16ToUtf8(name.first(2 * units), /*big_endian=*/true);
  if (h.header_version != kFormatVersion) {
    return Bad(kWhat, at + 24, "header version", Hex(h.header_version) + ", expected 0x10000");
  }
  if (h.data_offset != kNoDataOffset) {
    return Bad(kWhat, at + 8, "data offset", Hex(h.data_offset) + ", expected all ones");
  }
  if (h.block_size < kMinBlockSize || h.block_size > kMaxBlockSize ||
      (h.block_size & (h.block_size - 1)) != 0) {
    return Bad(kWhat, at + 32, "block size",
               std::to_string(h.block_size) + " is not a power of two between 512 and 256 MiB");
  }
  if (h.max_table_entries > kMaxTableEntries) {
    return Bad(kWhat, at + 28, "max table entries",
               std::to_string(h.max_table_entries) + " exceeds the supported maximum " +
                   std::to_string(kMaxTableEntries));
  }
  if (h.table_offset % kSectorSize != 0 || h.table_offset < kHeaderOffset + kHeaderSize ||
      h.table_offset > (uint64_t{1} << 50)) {
    return Bad(kWhat, at + 16, "table offset",
               std::to_string(h.table_offset) +
                   " (must be sector aligned, after the header, and plausible)");
  }
  for (int i = 0; i < kNumLocators; ++i) {
    const uint8_t* e = p + kLocatorTableOffset + 24 * i;
    ParentLocator& l = h.locators[i];
    l.platform_code = LoadBE32(e);
    l.data_space = LoadBE32(e + 4);
    l.data_length = LoadBE32(e + 8);
    l.data_offset = LoadBE64(e + 16);
    if (l.platform_code == 0) continue;
    uint64_t field = at + kLocatorTableOffset + 24 * i;
    std::string name_i = "parent locator " + std::to_string(i);
    if (l.data_length > kMaxLocatorLength || l.data_length > l.SpaceBytes()) {
      return Bad(kWhat, field + 8, name_i + " data length",
                 std::to_string(l.data_length) + " (space " + std::to_string(l.SpaceBytes()) +
                     ", limit " + std::to_string(kMaxLocatorLength) + ")");
    }
    if (l.SpaceBytes() > 16 * uint64_t{kMaxLocatorLength}) {
      return Bad(kWhat, field + 4, name_i + " data space",
                 std::to_string(l.data_space) + " is implausibly large");
    }
    if (l.data_offset % kSectorSize != 0 || l.data_offset < kHeaderOffset + kHeaderSize ||
        l.data_offset > (uint64_t{1} << 50)) {
      return Bad(kWhat, field + 16, name_i + " data offset",
                 std::to_string(l.data_offset) + " (must be sector aligned, after the header)");
    }
  }
  return h;
}

Status ValidateHeaderForFooter(const DynamicHeader& h, const Footer& f) {
  uint64_t needed = BlockCount(f.current_size, h.block_size);
  if (needed > h.max_table_entries) {
    return Status::Corruption("VHD dynamic header at offset 512: max table entries " +
                              std::to_string(h.max_table_entries) + " cannot cover current size " +
                              std::to_string(f.current_size) + " (" + std::to_string(needed) +
                              " blocks of " + std::to_string(h.block_size) + " bytes)");
  }
  if (f.disk_type == DiskType::kDifferencing && h.parent_uuid.IsNil()) {
    return Status::Corruption(
        "VHD dynamic header at offset 552: parent UUID: nil in a differencing disk");
  }
  return Status::OK();
}

uint32_t SectorsPerBlock(uint32_t block_size) {
  return static_cast<uint32_t>(block_size / kSectorSize);
}

uint32_t BitmapSize(uint32_t block_size) {
  uint64_t bytes = (SectorsPerBlock(block_size) + 7) / 8;
  return static_cast<uint32_t>((bytes + kSectorSize - 1) / kSectorSize * kSectorSize);
}

uint64_t BatBytes(uint32_t entries) {
  uint64_t bytes = uint64_t{entries} * 4;
  return std::max<uint64_t>(1, (bytes + kSectorSize - 1) / kSectorSize) * kSectorSize;
}

uint64_t BlockCount(uint64_t virtual_size, uint32_t block_size) {
  return virtual_size / block_size + (virtual_size % block_size != 0 ? 1 : 0);
}

uint32_t VhdTimestampFromUnix(int64_t unix_seconds) {
  int64_t t = unix_seconds - kVhdEpochUnix;
  if (t < 0) return 0;
  if (t > 0xFFFFFFFFll) return 0xFFFFFFFF;
  return static_cast<uint32_t>(t);
}

int64_t UnixFromVhdTimestamp(uint32_t ts) { return kVhdEpochUnix + ts; }

std::string Utf16ToUtf8(std::span<const uint8_t> bytes, bool big_endian) {
  std::string out;
  size_t n = bytes.size() / 2;
  auto unit = [&](size_t i) -> uint32_t {
    return big_endian ? (uint32_t{bytes[2 * i]} << 8) | bytes[2 * i + 1]
                      : (uint32_t{bytes[2 * i + 1]} << 8) | bytes[2 * i];
  };
  for (size_t i = 0; i < n; ++i) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u < 0xDC00 && i + 1 < n && unit(i + 1) >= 0xDC00 && unit(i + 1) < 0xE000) {
      AppendUtf8(&out, 0x10000 + ((u - 0xD800) << 10) + (unit(i + 1) - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u < 0xE000) {
      AppendUtf8(&out, 0xFFFD);
    } else {
      AppendUtf8(&out, u);
    }
  }
  return out;
}

std::string Utf8ToUtf16(std::string_view s, bool big_endian) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 6) {
      len = 2;
    } else if ((c >> 4) == 14) {
      len = 3;
    } else if ((c >> 3) == 30) {
      len = 4;
    }
    if (len > 1) {
      if (i + len > s.size()) {
        len = 1;
      } else {
        cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) {
          uint8_t cc = static_cast<uint8_t>(s[i + k]);
          if ((cc >> 6) != 2) {
            cp = 0xFFFD;
            len = 1;
            break;
          }
          cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) cp = 0xFFFD;
      }
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      AppendUnit(&out, static_cast<uint16_t>(0xD800 + (cp >> 10)), big_endian);
      AppendUnit(&out, static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)), big_endian);
    } else {
      AppendUnit(&out, static_cast<uint16_t>(cp), big_endian);
    }
  }
  return out;
}

std::string FourCC(uint32_t code) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    char c = static_cast<char>((code >> shift) & 0xFF);
    if (c == 0) break;
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return s;
}

}  // namespace xcr::vhd
