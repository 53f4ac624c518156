#include "vhd/bitmap.h"

#include <gtest/gtest.h>

namespace xcr::vhd {
namespace {

TEST(BitmapTest, MsbFirst) {
  std::vector<uint8_t> bm(2, 0);
  BitmapSet(bm, 0);
  BitmapSet(bm, 9);
  EXPECT_EQ(bm[0], 0x80);
  EXPECT_EQ(bm[1], 0x40);
  EXPECT_TRUE(BitmapTest(bm, 0));
  EXPECT_FALSE(BitmapTest(bm, 1));
  EXPECT_TRUE(BitmapTest(bm, 9));
  EXPECT_EQ(BitmapCount(bm, 16), 2u);
}

TEST(BitmapTest, Runs) {
  std::vector<uint8_t> bm(4, 0);
  for (uint32_t s : {0u, 1u, 2u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u, 16u, 30u, 31u}) {
    BitmapSet(bm, s);
  }
  EXPECT_EQ(SetRuns(bm, 32), (std::vector<SectorRun>{{0, 3}, {7, 10}, {30, 2}}));
  // Limited to the first n sectors: the run at 30 is cut.
  EXPECT_EQ(SetRuns(bm, 31), (std::vector<SectorRun>{{0, 3}, {7, 10}, {30, 1}}));
  EXPECT_TRUE(SetRuns(std::vector<uint8_t>(4, 0), 32).empty());
  EXPECT_EQ(SetRuns(std::vector<uint8_t>(4, 0xFF), 32), (std::vector<SectorRun>{{0, 32}}));
  EXPECT_EQ(SetRuns(std::vector<uint8_t>(4, 0xFF), 29), (std::vector<SectorRun>{{0, 29}}));
}

TEST(BitmapTest, AllSet) {
  std::vector<uint8_t> bm(512, 0xFF);
  EXPECT_TRUE(BitmapAllSet(bm, 4096));
  bm[511] = 0xFE;
  EXPECT_FALSE(BitmapAllSet(bm, 4096));
  EXPECT_TRUE(BitmapAllSet(bm, 4095));
  EXPECT_EQ(BitmapCount(bm, 4096), 4095u);
}

TEST(BitmapTest, RunsMatchBitByBit) {
  std::vector<uint8_t> bm(64);
  uint32_t seed = 1;
  for (int iter = 0; iter < 200; ++iter) {
    for (auto& b : bm) {
      seed = seed * 1103515245 + 12345;
      uint8_t v = static_cast<uint8_t>(seed >> 16);
      b = (seed >> 8) % 3 == 0 ? 0xFF : (seed >> 8) % 3 == 1 ? 0 : v;
    }
    std::vector<bool> seen(512, false);
    uint32_t last_end = 0;
    bool first = true;
    ForEachSetRun(bm, 500, [&](SectorRun r) {
      EXPECT_GT(r.count, 0u);
      if (!first) {
        EXPECT_GT(r.first, last_end);  // maximal: separated by at least one clear bit
      }
      first = false;
      last_end = r.first + r.count;
      for (uint32_t s = r.first; s < r.first + r.count; ++s) seen[s] = true;
    });
    for (uint32_t s = 0; s < 500; ++s) ASSERT_EQ(seen[s], BitmapTest(bm, s)) << s;
    EXPECT_LE(last_end, 500u);
  }
}

}  // namespace
}  // namespace xcr::vhd
