// VhdFile: random-access reader of one VHD file (fixed, dynamic or differencing) through a
// RandomAccessFile. Open() validates everything before returning: both footers (the copy at 0
// must equal the one at the end), the header, the BAT (every allocated block inside the file,
// after the metadata, overlapping neither the BAT, a parent locator nor another block) and the
// parent locators. Errors are kCorruption naming the field and the file offset.
//
// Reading one file alone treats sectors whose bitmap bit is clear as zeros (a dynamic disk, or
// a differencing disk without its parent); chains, where such sectors come from the parent, are
// read through Chain (chain.h), which uses ReadPresentSectors().
//
// Memory: the BAT (bounded by kMaxTableEntries) and one cached bitmap.
// Thread-safety: none (the bitmap cache is mutable state).
#ifndef XCR_VHD_FILE_READER_H_
#define XCR_VHD_FILE_READER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "vhd/format.h"

namespace xcr::vhd {

class VhdFile {
 public:
  // Takes ownership of `file`; `name` is used in messages (a path, usually).
  static Result<std::unique_ptr<VhdFile>> Open(std::unique_ptr<RandomAccessFile> file,
                                               std::string name);
  static Result<std::unique_ptr<VhdFile>> Open(Env* env, const std::string& path);

  const std::string& name() const { return name_; }
  const Footer& footer() const { return footer_; }
  // Dynamic and differencing disks only.
  const DynamicHeader& header() const { return header_; }
  DiskType type() const { return footer_.disk_type; }
  uint64_t virtual_size() const { return footer_.current_size; }
  uint64_t file_size() const { return file_size_; }
  // Block size; for a fixed disk, 2 MiB (a unit for iteration only).
  uint32_t block_size() const { return block_size_; }
  // Sector of each block's bitmap, or kUnallocated. Empty for a fixed disk.
  const std::vector<uint32_t>& bat() const { return bat_; }
  uint32_t allocated_blocks() const { return allocated_; }

  // The decoded path of parent locator i ("" if unused); MacX "file://" prefixes removed.
  Result<std::string> ReadParentLocator(int i) const;

  // Copies block `index`'s bitmap into `bitmap` (BitmapSize(block_size()) bytes) and returns
  // true, or returns false if the block is not allocated.
  Result<bool> ReadBitmap(uint32_t index, std::span<uint8_t> bitmap) const;

  // For each sector k in [first_sector, first_sector + need.size()) with need[k] != 0 that this
  // file holds (bit set in an allocated block; any sector of a fixed disk within its size),
  // reads it into dst[512 k ...] and clears need[k]. dst.size() == 512 * need.size().
  Status ReadPresentSectors(uint64_t first_sector, std::span<uint8_t> need,
                            std::span<uint8_t> dst) const;

  // Reads [offset, offset + buf.size()) of this file alone; sectors it does not hold read as
  // zeros. kInvalidArgument past the virtual size.
  Status Read(uint64_t offset, std::span<uint8_t> buf) const;

 private:
  VhdFile() = default;
  Status Load();
  Status ReadExact(uint64_t offset, std::span<uint8_t> buf, std::string_view what) const;
  // The cached bitmap of `index` (allocated), loading it if needed.
  Result<std::span<const uint8_t>> CachedBitmap(uint32_t index) const;

  std::unique_ptr<RandomAccessFile> file_;
  std::string name_;
  uint64_t file_size_ = 0;
  Footer footer_;
  DynamicHeader header_;
  uint32_t block_size_ = kDefaultBlockSize;
  std::vector<uint32_t> bat_;
  uint32_t allocated_ = 0;
  mutable std::vector<uint8_t> bitmap_;
  mutable uint32_t bitmap_index_ = kUnallocated;
};

}  // namespace xcr::vhd

#endif  // XCR_VHD_FILE_READER_H_
