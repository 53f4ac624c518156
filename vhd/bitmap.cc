#include "vhd/bitmap.h"

namespace xcr::vhd {

std::vector<SectorRun> SetRuns(std::span<const uint8_t> bitmap, uint32_t sectors) {
  std::vector<SectorRun> runs;
  ForEachSetRun(bitmap, sectors, [&](SectorRun r) { runs.push_back(r); });
  return runs;
}

bool BitmapAllSet(std::span<const uint8_t> bitmap, uint32_t sectors) {
  for (uint32_t s = 0; s < sectors; ++s) {
    if ((s & 7) == 0 && s + 8 <= sectors) {
      if (bitmap[s >> 3] != 0xFF) return false;
      s += 7;
      continue;
    }
    if (!BitmapTest(bitmap, s)) return false;
  }
  return true;
}

uint32_t BitmapCount(std::span<const uint8_t> bitmap, uint32_t sectors) {
  uint32_t n = 0;
  for (uint32_t s = 0; s < sectors; ++s) n += BitmapTest(bitmap, s) ? 1 : 0;
  return n;
}

}  // namespace xcr::vhd
