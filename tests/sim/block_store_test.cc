#include "sim/block_store.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::sim {
namespace {

constexpr uint64_t kB = BlockStore::kBlockSize;

std::vector<uint8_t> Fill(size_t n, uint8_t v) { return std::vector<uint8_t>(n, v); }

TEST(BlockStoreTest, ReadsZerosThenWrittenData) {
  testing::TempDir dir;
  BlockStore store(Env::Default(), dir.path());
  ASSERT_OK(store.Open());
  ASSERT_OK_AND_ASSIGN(std::string d, store.CreateDisk(10 * kB));
  std::vector<uint8_t> buf(4096, 0xff);
  ASSERT_OK(store.Read(d, kB - 100, buf));
  EXPECT_EQ(buf, Fill(4096, 0));
  ASSERT_OK(store.Write(d, kB - 100, Fill(200, 7)));
  ASSERT_OK(store.Read(d, kB - 100, buf));
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + 200), Fill(200, 7));
  EXPECT_EQ(buf[200], 0);
  ASSERT_OK_AND_ASSIGN(auto blocks, store.AllocatedBlocks(d));
  EXPECT_EQ(blocks, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(store.TotalAllocatedBytes(), 2 * kB);
  EXPECT_FALSE(store.Write(d, 10 * kB - 1, Fill(2, 1)).ok());
}

TEST(BlockStoreTest, SnapshotIsCopyOnWriteAndDiffIsSymmetric) {
  testing::TempDir dir;
  BlockStore store(Env::Default(), dir.path());
  ASSERT_OK(store.Open());
  ASSERT_OK_AND_ASSIGN(std::string d, store.CreateDisk(8 * kB));
  ASSERT_OK(store.Write(d, 0, Fill(512, 1)));
  ASSERT_OK(store.Write(d, 3 * kB, Fill(512, 3)));
  ASSERT_OK_AND_ASSIGN(std::string s1, store.Snapshot(d));
  ASSERT_OK(store.Write(d, 0, Fill(512, 9)));
  ASSERT_OK(store.Write(d, 5 * kB + 512, Fill(512, 5)));
  std::vector<uint8_t> buf(512);
  ASSERT_OK(store.Read(s1, 0, buf));
  EXPECT_EQ(buf, Fill(512, 1));
  ASSERT_OK(store.Read(d, 0, buf));
  EXPECT_EQ(buf, Fill(512, 9));
  ASSERT_OK_AND_ASSIGN(std::string s2, store.Snapshot(d));
  ASSERT_OK_AND_ASSIGN(auto diff, store.DiffBlocks(s2, s1));
  EXPECT_EQ(diff, (std::vector<uint32_t>{0, 5}));
  ASSERT_OK_AND_ASSIGN(auto back, store.DiffBlocks(s1, s2));
  EXPECT_EQ(back, diff);
  // Destroying the source keeps snapshot data; destroying all frees all space.
  ASSERT_OK(store.DestroyDisk(d));
  ASSERT_OK(store.Read(s2, 5 * kB + 512, buf));
  EXPECT_EQ(buf, Fill(512, 5));
  ASSERT_OK(store.DestroyDisk(s1));
  ASSERT_OK(store.DestroyDisk(s2));
  EXPECT_EQ(store.TotalAllocatedBytes(), 0u);
}

TEST(BlockStoreTest, CommittedDataSurvivesReopen) {
  testing::TempDir dir;
  std::string d;
  {
    BlockStore store(Env::Default(), dir.path());
    ASSERT_OK(store.Open());
    ASSERT_OK_AND_ASSIGN(d, store.CreateDisk(4 * kB));
    ASSERT_OK(store.Write(d, 2 * kB + 4096, Fill(4096, 0x5a)));
    ASSERT_OK(store.Commit());
  }
  BlockStore store(Env::Default(), dir.path());
  ASSERT_OK(store.Open());
  std::vector<uint8_t> buf(4096);
  ASSERT_OK(store.Read(d, 2 * kB + 4096, buf));
  EXPECT_EQ(buf, Fill(4096, 0x5a));
  ASSERT_OK_AND_ASSIGN(uint64_t used, store.AllocatedBytes(d));
  EXPECT_EQ(used, kB);
}

TEST(BlockStoreTest, CapacityLimitsNewBlocks) {
  testing::TempDir dir;
  BlockStore store(Env::Default(), dir.path());
  ASSERT_OK(store.Open());
  store.set_capacity(kB);
  ASSERT_OK_AND_ASSIGN(std::string d, store.CreateDisk(4 * kB));
  ASSERT_OK(store.Write(d, 0, Fill(512, 1)));
  ASSERT_OK(store.Write(d, 512, Fill(512, 1)));  // same block: no new space
  Status s = store.Write(d, kB, Fill(512, 1));
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
}

TEST(BlockStoreTest, CopyIsIndependentAndResizeGrows) {
  testing::TempDir dir;
  BlockStore store(Env::Default(), dir.path());
  ASSERT_OK(store.Open());
  ASSERT_OK_AND_ASSIGN(std::string d, store.CreateDisk(2 * kB));
  ASSERT_OK(store.Write(d, 100, Fill(10, 4)));
  ASSERT_OK_AND_ASSIGN(std::string c, store.Copy(d));
  ASSERT_OK(store.Write(d, 100, Fill(10, 8)));
  std::vector<uint8_t> buf(10);
  ASSERT_OK(store.Read(c, 100, buf));
  EXPECT_EQ(buf, Fill(10, 4));
  EXPECT_FALSE(store.Resize(d, kB).ok());
  ASSERT_OK(store.Resize(d, 3 * kB));
  ASSERT_OK_AND_ASSIGN(uint64_t size, store.VirtualSize(d));
  EXPECT_EQ(size, 3 * kB);
}

}  // namespace
}  // namespace xcr::sim
