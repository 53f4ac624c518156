// The on-disk structures of a VHD (Microsoft "Virtual Hard Disk Image Format Specification"
// v1.0), as XenServer's XAPI, blktap, qemu and Xen Orchestra's vhd-lib read and write them.
//
//   fixed (2):          [data ... current_size bytes][footer 512]
//   dynamic (3) and     [footer copy 512][dynamic header 1024][... BAT ...][locators]
//   differencing (4):   [bitmap|data block]...[footer 512]
//
// A block is `block_size` bytes of virtual data (default 2 MiB) preceded by a sector bitmap
// (one bit per 512-byte sector, the first sector in the most significant bit of byte 0, padded
// to a whole sector). The BAT maps a block index to the sector where its bitmap starts, or
// 0xFFFFFFFF when the block is absent. In a differencing disk a clear bit means "read the
// parent"; in a dynamic disk it reads as zeros.
//
// Parse* functions validate everything a field can get wrong and return kCorruption with a
// message naming the structure, the field and the file offset. Every size derived from the
// input is bounded by the k*Max constants below before anything is allocated.
//
// Thread-safety: plain values and pure functions.
#ifndef XCR_VHD_FORMAT_H_
#define XCR_VHD_FORMAT_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/uuid.h"

namespace xcr::vhd {

inline constexpr uint64_t kSectorSize = 512;
inline constexpr uint64_t kFooterSize = 512;
inline constexpr uint64_t kHeaderSize = 1024;
inline constexpr uint64_t kHeaderOffset = 512;  // data_offset of every dynamic disk we accept
inline constexpr uint64_t kDefaultBlockSize = 2 << 20;
inline constexpr uint32_t kMinBlockSize = 512;
inline constexpr uint32_t kMaxBlockSize = 256 << 20;
// Bound on the BAT: 4 Mi entries = 16 MiB of table = 8 TiB at the default block size.
inline constexpr uint32_t kMaxTableEntries = 4u << 20;
// Bound on the virtual size: 64 TiB (the spec's own limit is 2040 GiB).
inline constexpr uint64_t kMaxVirtualSize = uint64_t{64} << 40;
inline constexpr uint32_t kUnallocated = 0xFFFFFFFF;
inline constexpr uint64_t kNoDataOffset = 0xFFFFFFFFFFFFFFFFull;
inline constexpr uint32_t kFormatVersion = 0x00010000;
inline constexpr uint32_t kFeatureReserved = 0x2;  // "must always be set"
inline constexpr int kNumLocators = 8;
// Bound on one parent locator's payload (a path).
inline constexpr uint32_t kMaxLocatorLength = 64 << 10;
// Seconds from the Unix epoch to the VHD epoch (2000-01-01T00:00:00Z).
inline constexpr int64_t kVhdEpochUnix = 946684800;

enum class DiskType : uint32_t { kNone = 0, kFixed = 2, kDynamic = 3, kDifferencing = 4 };
std::string_view DiskTypeName(DiskType t);

// Platform codes of parent locators (four ASCII characters, big-endian).
inline constexpr uint32_t kPlatformW2ku = 0x57326B75;  // absolute Windows path, UTF-16LE
inline constexpr uint32_t kPlatformW2ru = 0x57327275;  // relative Windows path, UTF-16LE
inline constexpr uint32_t kPlatformMacX = 0x4D616358;  // file URL, UTF-8

// Cylinders/heads/sectors-per-track, kept in the footer for BIOS-era readers.
struct Geometry {
  uint16_t cylinders = 0;
  uint8_t heads = 0;
  uint8_t sectors_per_track = 0;
  uint64_t CapacityBytes() const {
    return uint64_t{cylinders} * heads * sectors_per_track * kSectorSize;
  }
  bool operator==(const Geometry&) const = default;
};
// The CHS geometry for a disk of `size` bytes, by the algorithm of the spec's appendix.
Geometry ComputeGeometry(uint64_t size);

struct Footer {
  uint32_t features = kFeatureReserved;
  uint32_t format_version = kFormatVersion;
  uint64_t data_offset = kHeaderOffset;  // kNoDataOffset for fixed disks
  uint32_t timestamp = 0;                // seconds since the VHD epoch
  std::array<char, 4> creator_app = {'t', 'a', 'p', '\0'};
  uint32_t creator_version = 0x00010003;
  uint32_t creator_host_os = 0x5769326B;  // "Wi2k"
  uint64_t original_size = 0;
  uint64_t current_size = 0;
  Geometry geometry;
  DiskType disk_type = DiskType::kDynamic;
  uint32_t checksum = 0;  // as read; Serialize computes it
  Uuid uuid;
  uint8_t saved_state = 0;
  bool operator==(const Footer&) const = default;
};

struct ParentLocator {
  uint32_t platform_code = 0;  // 0 = unused entry
  uint32_t data_space = 0;     // sectors if < 512, else bytes (what blktap and vhd-lib do)
  uint32_t data_length = 0;    // bytes of payload
  uint64_t data_offset = 0;    // file offset of the payload
  uint64_t SpaceBytes() const {
    return data_space < 512 ? uint64_t{data_space} * kSectorSize : data_space;
  }
  bool operator==(const ParentLocator&) const = default;
};

struct DynamicHeader {
  uint64_t data_offset = kNoDataOffset;
  uint64_t table_offset = 0;
  uint32_t header_version = kFormatVersion;
  uint32_t max_table_entries = 0;
  uint32_t block_size = kDefaultBlockSize;
  uint32_t checksum = 0;  // as read; Serialize computes it
  Uuid parent_uuid;
  uint32_t parent_timestamp = 0;
  std::string parent_name;  // UTF-8 here; UTF-16BE, 256 code units at most, on disk
  std::array<ParentLocator, kNumLocators> locators{};
  bool operator==(const DynamicHeader&) const = default;
};

// One's complement of the byte sum of `bytes`, the 4 bytes at checksum_offset counted as zero.
uint32_t ComputeChecksum(std::span<const uint8_t> bytes, size_t checksum_offset);

// Serialize a footer (512 bytes) / header (1024 bytes), computing the checksum.
std::array<uint8_t, kFooterSize> SerializeFooter(const Footer& f);
std::array<uint8_t, kHeaderSize> SerializeHeader(const DynamicHeader& h);

// Parse and validate a footer read at file offset `at` (for messages): cookie "conectix",
// checksum, version, disk type (2, 3, 4), data offset (512 for dynamic/differencing, all-ones
// for fixed), current size (a sector multiple, <= kMaxVirtualSize).
Result<Footer> ParseFooter(std::span<const uint8_t> bytes, uint64_t at);
// Parse and validate a header read at `at`: cookie "cxsparse", checksum, version, block size
// (power of two in [kMinBlockSize, kMaxBlockSize]), max_table_entries (<= kMaxTableEntries),
// table offset (sector aligned, after the header), locators.
Result<DynamicHeader> ParseHeader(std::span<const uint8_t> bytes, uint64_t at);
// Checks that header and footer agree: the table covers the virtual size, without overflow;
// a differencing disk names a parent.
Status ValidateHeaderForFooter(const DynamicHeader& h, const Footer& f);

// Sizes derived from a block size.
uint32_t SectorsPerBlock(uint32_t block_size);
uint32_t BitmapSize(uint32_t block_size);  // bytes, a whole number of sectors
// Bytes of the BAT on disk for n entries: a whole number of sectors.
uint64_t BatBytes(uint32_t entries);
// Number of blocks that cover `virtual_size`.
uint64_t BlockCount(uint64_t virtual_size, uint32_t block_size);

// VHD timestamp from Unix seconds (clamped to the representable range) and back.
uint32_t VhdTimestampFromUnix(int64_t unix_seconds);
int64_t UnixFromVhdTimestamp(uint32_t ts);

// UTF-8 <-> UTF-16 (little or big endian) for names and locator payloads. Invalid input is
// replaced by U+FFFD, never rejected.
std::string Utf16ToUtf8(std::span<const uint8_t> bytes, bool big_endian);
std::string Utf8ToUtf16(std::string_view utf8, bool big_endian);

// "W2ku", "MacX", ... for messages and JSON.
std::string FourCC(uint32_t code);

}  // namespace xcr::vhd

#endif  // XCR_VHD_FORMAT_H_
