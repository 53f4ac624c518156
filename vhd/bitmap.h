// Sector bitmaps: one bit per 512-byte sector of a block, sector 0 in the most significant bit
// of byte 0. In a differencing disk a set bit means "this sector is stored here", a clear bit
// "read it from the parent". XAPI's importer writes only the sectors whose bits are set;
// SetRuns() gives those sectors as runs so an importer issues one write per run.
//
// Thread-safety: pure functions.
#ifndef XCR_VHD_BITMAP_H_
#define XCR_VHD_BITMAP_H_

#include <cstdint>
#include <span>
#include <vector>

namespace xcr::vhd {

inline bool BitmapTest(std::span<const uint8_t> bitmap, uint32_t sector) {
  return (bitmap[sector >> 3] & (0x80u >> (sector & 7))) != 0;
}
inline void BitmapSet(std::span<uint8_t> bitmap, uint32_t sector) {
  bitmap[sector >> 3] |= static_cast<uint8_t>(0x80u >> (sector & 7));
}

// A run of consecutive sectors [first, first + count) within a block.
struct SectorRun {
  uint32_t first = 0;
  uint32_t count = 0;
  bool operator==(const SectorRun&) const = default;
};

// Calls fn(SectorRun) for each maximal run of set bits among sectors [0, sectors), in order.
// Requires bitmap.size() * 8 >= sectors. Whole 0x00/0xFF bytes are skipped/taken at once.
template <typename Fn>
void ForEachSetRun(std::span<const uint8_t> bitmap, uint32_t sectors, Fn&& fn) {
  uint32_t s = 0;
  while (s < sectors) {
    // skip clear bits
    while (s < sectors) {
      if ((s & 7) == 0 && bitmap[s >> 3] == 0) {
        s += 8;
        continue;
      }
      if (BitmapTest(bitmap, s)) break;
      ++s;
    }
    if (s >= sectors) return;
    uint32_t first = s;
    while (s < sectors) {
      if ((s & 7) == 0 && s + 8 <= sectors && bitmap[s >> 3] == 0xFF) {
        s += 8;
        continue;
      }
      if (!BitmapTest(bitmap, s)) break;
      ++s;
    }
    fn(SectorRun{first, s - first});
  }
}

// The runs of set bits as a vector (convenience over ForEachSetRun).
std::vector<SectorRun> SetRuns(std::span<const uint8_t> bitmap, uint32_t sectors);
// True if every one of the first `sectors` bits is set.
bool BitmapAllSet(std::span<const uint8_t> bitmap, uint32_t sectors);
// Number of set bits among the first `sectors`.
uint32_t BitmapCount(std::span<const uint8_t> bitmap, uint32_t sectors);

}  // namespace xcr::vhd

#endif  // XCR_VHD_BITMAP_H_
