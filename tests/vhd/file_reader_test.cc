// VhdFile (random access), Chain (sector-accurate chains) and the raw<->VHD conversions.
#include "vhd/file_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "tests/vhd/vhd_test_util.h"
#include "vhd/bitmap.h"
#include "vhd/chain.h"
#include "vhd/convert.h"
#include "vhd/endian.h"

namespace xcr::vhd {
namespace {

using testing::BuildVhd;
using testing::FixChecksums;
using testing::MemFileOf;
using testing::PatternBlock;
using testing::TestBlock;
using testing::VectorSink;
using ::xcr::StatusCode;

constexpr uint32_t kBs = 64 << 10;
constexpr uint64_t kSize = 8 * kBs;

StreamLayout Layout(DiskType type = DiskType::kDynamic, Uuid parent = {}) {
  StreamLayout l;
  l.virtual_size = kSize;
  l.block_size = kBs;
  l.type = type;
  l.disk_uuid = Uuid::Random();
  l.parent_uuid = parent;
  l.parent_name = type == DiskType::kDifferencing ? "parent.vhd" : "";
  return l;
}

std::vector<uint8_t> Bitmap(std::initializer_list<uint32_t> sectors) {
  std::vector<uint8_t> bm(BitmapSize(kBs), 0);
  for (uint32_t s : sectors) BitmapSet(bm, s);
  return bm;
}

// The content a dynamic/differencing file holds by itself (clear bits read as zeros),
// laid over `base`.
void Overlay(std::vector<uint8_t>& base, const std::map<uint32_t, TestBlock>& blocks) {
  for (const auto& [i, b] : blocks) {
    for (uint32_t s = 0; s < SectorsPerBlock(kBs); ++s) {
      if (!b.bitmap.empty() && !BitmapTest(b.bitmap, s)) continue;
      std::memcpy(base.data() + uint64_t{i} * kBs + s * 512, b.data.data() + s * 512, 512);
    }
  }
}

void ExpectCorruption(const Status& s, std::string_view text) {
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
}

std::map<uint32_t, TestBlock> RootBlocks() {
  std::map<uint32_t, TestBlock> b;
  b[0].data = PatternBlock(kBs, 0);
  b[1].data = PatternBlock(kBs, 1);
  b[5].data = PatternBlock(kBs, 5);
  b[5].bitmap = Bitmap({0, 1, 2, 100});  // a dynamic disk with a partial bitmap
  return b;
}

std::map<uint32_t, TestBlock> ChildBlocks() {
  std::map<uint32_t, TestBlock> b;
  b[1].data = PatternBlock(kBs, 101);
  b[1].bitmap = Bitmap({5, 6, 127});
  b[2].data = PatternBlock(kBs, 102);
  b[7].data = PatternBlock(kBs, 107);
  return b;
}

TEST(VhdFileTest, ReadsDynamicSectorAccurately) {
  auto blocks = RootBlocks();
  ASSERT_OK_AND_ASSIGN(auto f, VhdFile::Open(MemFileOf(BuildVhd(Layout(), blocks)), "root"));
  EXPECT_EQ(f->type(), DiskType::kDynamic);
  EXPECT_EQ(f->virtual_size(), kSize);
  EXPECT_EQ(f->allocated_blocks(), 3u);
  std::vector<uint8_t> want(kSize, 0);
  Overlay(want, blocks);
  std::vector<uint8_t> got(kSize, 0xEE);
  ASSERT_OK(f->Read(0, got));
  EXPECT_EQ(got, want);
  // unaligned reads across block boundaries
  for (uint64_t off : {uint64_t{1}, uint64_t{kBs - 3}, uint64_t{5 * kBs + 511}}) {
    std::vector<uint8_t> piece(kBs + 1000);
    ASSERT_OK(f->Read(off, piece));
    EXPECT_TRUE(std::equal(piece.begin(), piece.end(), want.begin() + off)) << off;
  }
  std::vector<uint8_t> bm(BitmapSize(kBs));
  ASSERT_OK_AND_ASSIGN(bool has, f->ReadBitmap(5, bm));
  EXPECT_TRUE(has);
  EXPECT_EQ(bm, blocks[5].bitmap);
  ASSERT_OK_AND_ASSIGN(has, f->ReadBitmap(3, bm));
  EXPECT_FALSE(has);
  std::vector<uint8_t> past(10);
  EXPECT_STATUS(f->Read(kSize - 5, past), StatusCode::kInvalidArgument);
}

TEST(VhdFileTest, ReadsFixed) {
  std::vector<uint8_t> img = PatternBlock(3 * 512 + 512, 9);
  Footer ft;
  ft.data_offset = kNoDataOffset;
  ft.disk_type = DiskType::kFixed;
  ft.current_size = ft.original_size = 3 * 512;  // the 4th sector is slack before the footer
  auto fb = SerializeFooter(ft);
  img.insert(img.end(), fb.begin(), fb.end());
  ASSERT_OK_AND_ASSIGN(auto f, VhdFile::Open(MemFileOf(img), "fixed"));
  EXPECT_EQ(f->type(), DiskType::kFixed);
  std::vector<uint8_t> got(3 * 512);
  ASSERT_OK(f->Read(0, got));
  EXPECT_TRUE(std::equal(got.begin(), got.end(), img.begin()));
  // current size beyond the data
  ft.current_size = 8 * 512;
  fb = SerializeFooter(ft);
  std::copy(fb.begin(), fb.end(), img.end() - 512);
  ExpectCorruption(VhdFile::Open(MemFileOf(img), "fixed").status(),
                   "exceeds the fixed disk's data");
}

TEST(VhdFileTest, CorruptFiles) {
  std::vector<uint8_t> good = BuildVhd(Layout(), RootBlocks());
  auto open = [](std::vector<uint8_t> img) {
    return VhdFile::Open(MemFileOf(std::move(img)), "x.vhd").status();
  };
  ASSERT_OK(open(good));
  uint64_t footer_at = good.size() - 512;
  {  // footer copy differs from the footer (both valid)
    auto img = good;
    StoreBE32(img.data() + 24, 777);
    FixChecksums(img, /*sync_footer=*/false);
    ExpectCorruption(open(img), "footer copy at offset 0 differs from the footer at offset " +
                                    std::to_string(footer_at) + " in field 'timestamp'");
  }
  {  // bad footer at the end
    auto img = good;
    img[footer_at + 100] ^= 1;
    ExpectCorruption(open(img),
                     "footer at offset " + std::to_string(footer_at + 64) + ": checksum");
  }
  {  // truncated
    auto img = good;
    img.resize(img.size() - 4096);
    Status s = open(img);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
    ExpectCorruption(open(std::vector<uint8_t>(100)), "cannot hold a 512-byte footer");
  }
  {  // BAT entry outside the file
    auto img = good;
    StoreBE32(img.data() + 2048 + 4, static_cast<uint32_t>(footer_at / 512));
    ExpectCorruption(open(img), "BAT entry 1 at offset 2052: block at offset " +
                                    std::to_string(footer_at) + " (" + std::to_string(512 + kBs) +
                                    " bytes) lies outside the file");
  }
  {  // BAT entry pointing into the metadata
    auto img = good;
    StoreBE32(img.data() + 2048 + 4, 3);
    ExpectCorruption(open(img), "the BAT at offset 2048 overlaps block 1");
  }
  {  // BAT entry overlapping another block
    auto img = good;
    StoreBE32(img.data() + 2048 + 4, LoadBE32(img.data() + 2048) + 8);
    ExpectCorruption(open(img), "overlaps block 0");
  }
  {  // allocated beyond the virtual size
    auto img = good;
    StoreBE64(img.data() + 48, 5 * kBs);
    FixChecksums(img);
    ExpectCorruption(open(img), "BAT entry 5 at offset 2068: block allocated beyond the virtual");
  }
  {  // the BAT extends past the footer
    auto img = good;
    StoreBE64(img.data() + 512 + 16, (footer_at / 512) * 512);
    FixChecksums(img);
    ExpectCorruption(open(img), "table offset");
  }
  {  // a locator beyond the file
    auto img = good;
    uint8_t* e = img.data() + 512 + 576;
    StoreBE32(e, kPlatformW2ru);
    StoreBE32(e + 4, 512);
    StoreBE32(e + 8, 20);
    StoreBE64(e + 16, footer_at + 4096);
    FixChecksums(img);
    ExpectCorruption(open(img), "parent locator 0 at offset");
  }
  {  // size overflow: a block size that makes 8 blocks need more table than there is
    auto img = good;
    StoreBE32(img.data() + 512 + 32, kBs / 2);
    FixChecksums(img);
    ExpectCorruption(open(img), "max table entries 8 cannot cover");
  }
}

TEST(VhdFileTest, RandomCorruptionNeverCrashes) {
  std::vector<uint8_t> good =
      BuildVhd(Layout(DiskType::kDifferencing, Uuid::Random()), ChildBlocks());
  std::mt19937 rng(7);
  int rejected = 0;
  for (int iter = 0; iter < 300; ++iter) {
    auto img = good;
    for (int k = 0; k < 3; ++k) img[rng() % 3072] = static_cast<uint8_t>(rng());
    if (iter % 2) FixChecksums(img);
    auto f = VhdFile::Open(MemFileOf(img), "fuzz");
    if (!f.ok()) {
      ++rejected;
      EXPECT_EQ(f.status().code(), StatusCode::kCorruption) << f.status().ToString();
      continue;
    }
    std::vector<uint8_t> buf(kBs);
    for (uint64_t off = 0; off + kBs <= (*f)->virtual_size() && off < 16 * kBs; off += kBs) {
      Status s = (*f)->Read(off, buf);
      EXPECT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
    }
  }
  EXPECT_GT(rejected, 100);
}

TEST(ChainTest, SectorAccurateMerge) {
  auto root_blocks = RootBlocks();
  auto child_blocks = ChildBlocks();
  StreamLayout rl = Layout();
  std::vector<uint8_t> root = BuildVhd(rl, root_blocks);
  std::vector<uint8_t> child =
      BuildVhd(Layout(DiskType::kDifferencing, rl.disk_uuid), child_blocks);
  std::vector<std::unique_ptr<VhdFile>> files;
  ASSERT_OK_AND_ASSIGN(auto r, VhdFile::Open(MemFileOf(root), "root.vhd"));
  ASSERT_OK_AND_ASSIGN(auto c, VhdFile::Open(MemFileOf(child), "child.vhd"));
  files.push_back(std::move(r));
  files.push_back(std::move(c));
  ASSERT_OK_AND_ASSIGN(Chain chain, Chain::Open(std::move(files)));
  std::vector<uint8_t> want(kSize, 0);
  Overlay(want, root_blocks);
  Overlay(want, child_blocks);
  std::vector<uint8_t> got(kSize);
  ASSERT_OK(chain.Read(0, got));
  EXPECT_EQ(got, want);
  // block 1: sector 4 from the root, sector 5 from the child
  EXPECT_EQ(got[kBs + 4 * 512], PatternBlock(kBs, 1)[4 * 512]);
  EXPECT_EQ(got[kBs + 5 * 512], PatternBlock(kBs, 101)[5 * 512]);
  // The child alone reads zeros where its bits are clear.
  ASSERT_OK_AND_ASSIGN(auto alone, VhdFile::Open(MemFileOf(child), "child.vhd"));
  ASSERT_OK(alone->Read(0, got));
  EXPECT_EQ(got[kBs + 4 * 512], 0);
  EXPECT_EQ(got[kBs + 5 * 512], PatternBlock(kBs, 101)[5 * 512]);
  // WriteChainContent streams the same bytes.
  VectorSink sink;
  ASSERT_OK(WriteChainContent(chain, sink));
  EXPECT_EQ(sink.bytes, want);
}

TEST(ChainTest, LinkErrors) {
  std::vector<uint8_t> root = BuildVhd(Layout(), RootBlocks());
  std::vector<uint8_t> stranger =
      BuildVhd(Layout(DiskType::kDifferencing, Uuid::Random()), ChildBlocks());
  auto open2 = [&](const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    std::vector<std::unique_ptr<VhdFile>> files;
    files.push_back(*VhdFile::Open(MemFileOf(a), "a.vhd"));
    files.push_back(*VhdFile::Open(MemFileOf(b), "b.vhd"));
    return Chain::Open(std::move(files)).status();
  };
  ExpectCorruption(open2(root, stranger), "b.vhd has parent UUID");
  ExpectCorruption(open2(root, root), "b.vhd is a dynamic disk, not a differencing child");
  EXPECT_STATUS(Chain::Open({}), StatusCode::kInvalidArgument);
}

TEST(ChainTest, OpenFromLeafFollowsLocators) {
  xcr::testing::TempDir dir;
  Env* env = Env::Default();
  StreamLayout rl = Layout();
  std::vector<uint8_t> root = BuildVhd(rl, RootBlocks());
  StreamLayout cl = Layout(DiskType::kDifferencing, rl.disk_uuid);
  std::vector<uint8_t> child = BuildVhd(cl, ChildBlocks());
  std::map<uint32_t, TestBlock> gb;
  gb[3].data = PatternBlock(kBs, 33);
  StreamLayout gl = Layout(DiskType::kDifferencing, cl.disk_uuid);
  gl.parent_name = "child.vhd";
  std::vector<uint8_t> grandchild = BuildVhd(gl, gb);
  auto put = [&](const std::string& name, const std::vector<uint8_t>& b) {
    ASSERT_OK(env->WriteFileAtomic(dir.File(name), std::string(b.begin(), b.end())));
  };
  put("parent.vhd", root);
  put("child.vhd", child);
  put("leaf.vhd", grandchild);
  ASSERT_OK_AND_ASSIGN(Chain chain, Chain::OpenFromLeaf(env, dir.File("leaf.vhd")));
  ASSERT_EQ(chain.files().size(), 3u);
  EXPECT_EQ(chain.files()[0]->name(), dir.File("parent.vhd"));
  ASSERT_OK_AND_ASSIGN(std::string loc, chain.files()[2]->ReadParentLocator(0));
  EXPECT_EQ(loc, "child.vhd");
  std::vector<uint8_t> want(kSize, 0);
  Overlay(want, RootBlocks());
  Overlay(want, ChildBlocks());
  Overlay(want, gb);
  std::vector<uint8_t> got(kSize);
  ASSERT_OK(chain.Read(0, got));
  EXPECT_EQ(got, want);
  // The explicit list gives the same chain.
  ASSERT_OK_AND_ASSIGN(
      Chain listed,
      Chain::OpenPaths(env, {dir.File("parent.vhd"), dir.File("child.vhd"), dir.File("leaf.vhd")}));
  std::vector<uint8_t> got2(kSize);
  ASSERT_OK(listed.Read(0, got2));
  EXPECT_EQ(got2, want);
  // A missing parent is kNotFound; a wrong one is kCorruption.
  ASSERT_OK(env->RemoveFile(dir.File("parent.vhd")));
  EXPECT_STATUS(Chain::OpenFromLeaf(env, dir.File("leaf.vhd")), StatusCode::kNotFound);
  put("parent.vhd", BuildVhd(Layout(), RootBlocks()));  // a different UUID
  ExpectCorruption(Chain::OpenFromLeaf(env, dir.File("leaf.vhd")).status(), "has parent UUID");
}

TEST(ConvertTest, RawToDynamicSkipsZeroBlocks) {
  std::vector<uint8_t> raw(kSize - 1000, 0);  // not a sector multiple: padded
  std::memset(raw.data() + 3 * kBs + 17, 0x5A, 100);
  std::memset(raw.data() + raw.size() - 10, 0x33, 10);
  ConvertOptions opt;
  opt.block_size = kBs;
  VectorSink sink;
  ASSERT_OK_AND_ASSIGN(uint64_t n, WriteDynamicFromRaw(testing::MemFile(raw), sink, opt));
  EXPECT_EQ(n, sink.bytes.size());
  ASSERT_OK_AND_ASSIGN(auto f, VhdFile::Open(MemFileOf(sink.bytes), "out"));
  EXPECT_EQ(f->virtual_size(), kSize - 512);
  EXPECT_EQ(f->allocated_blocks(), 2u);
  std::vector<uint8_t> got(raw.size());
  ASSERT_OK(f->Read(0, got));
  EXPECT_EQ(got, raw);
}

TEST(ConvertTest, DeltaOfRawsIsWholeChangedBlocks) {
  std::vector<uint8_t> old_raw(kSize, 0);
  for (size_t i = 0; i < old_raw.size(); ++i) old_raw[i] = static_cast<uint8_t>(i / 4096);
  std::vector<uint8_t> new_raw = old_raw;
  new_raw[2 * kBs + 600] ^= 0xFF;
  new_raw[6 * kBs] ^= 0x01;
  new_raw.resize(kSize + kBs, 0x77);  // grown by one block
  ConvertOptions base_opt;
  base_opt.block_size = kBs;
  VectorSink base;
  ASSERT_OK(WriteDynamicFromRaw(testing::MemFile(old_raw), base, base_opt));
  ASSERT_OK_AND_ASSIGN(auto parent, VhdFile::Open(MemFileOf(base.bytes), "base"));
  ConvertOptions opt;
  opt.block_size = kBs;
  opt.parent_uuid = parent->footer().uuid;
  opt.parent_name = "base.vhd";
  VectorSink delta;
  ASSERT_OK(WriteDeltaFromRaws(testing::MemFile(old_raw), testing::MemFile(new_raw), delta, opt));
  ASSERT_OK_AND_ASSIGN(auto child, VhdFile::Open(MemFileOf(delta.bytes), "delta"));
  EXPECT_EQ(child->type(), DiskType::kDifferencing);
  EXPECT_EQ(child->allocated_blocks(), 3u);  // blocks 2, 6, 8
  std::vector<uint8_t> bm(BitmapSize(kBs));
  ASSERT_OK_AND_ASSIGN(bool has, child->ReadBitmap(2, bm));
  EXPECT_TRUE(has);
  EXPECT_TRUE(BitmapAllSet(bm, SectorsPerBlock(kBs)));
  std::vector<std::unique_ptr<VhdFile>> files;
  files.push_back(std::move(parent));
  files.push_back(std::move(child));
  ASSERT_OK_AND_ASSIGN(Chain chain, Chain::Open(std::move(files)));
  std::vector<uint8_t> got(new_raw.size());
  ASSERT_OK(chain.Read(0, got));
  EXPECT_EQ(got, new_raw);
  ConvertOptions no_parent;
  no_parent.block_size = kBs;
  EXPECT_STATUS(
      WriteDeltaFromRaws(testing::MemFile(old_raw), testing::MemFile(new_raw), delta, no_parent),
      StatusCode::kInvalidArgument);
}

TEST(ConvertTest, ApplyBlockWritesOnlySetSectors) {
  xcr::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto target, Env::Default()->NewRandomRWFile(dir.File("disk"), true));
  std::vector<uint8_t> fill(2 * kBs, 0x11);
  ASSERT_OK(target->WriteAt(0, fill));
  std::vector<uint8_t> data(kBs, 0x99);
  std::vector<uint8_t> bm = Bitmap({0, 2, 3, 127});
  ASSERT_OK(ApplyBlock(*target, 1, kBs, bm, data, 2 * kBs - 512));  // sector 127 clipped
  std::vector<uint8_t> got(2 * kBs);
  ASSERT_OK(target->ReadAt(0, got));
  for (uint32_t s = 0; s < 256; ++s) {
    bool written = s == 128 || s == 130 || s == 131;
    EXPECT_EQ(got[s * 512], written ? 0x99 : 0x11) << s;
  }
}

}  // namespace
}  // namespace xcr::vhd

namespace xcr::vhd {
namespace {

TEST(VhdFileTest, SixtyFourGiBSparseDiskReadsAtTheEnd) {
  StreamLayout l;
  l.virtual_size = uint64_t{64} << 30;
  std::map<uint32_t, TestBlock> blocks;
  blocks[32767].data = PatternBlock(2 << 20, 7);
  ASSERT_OK_AND_ASSIGN(auto f, VhdFile::Open(MemFileOf(BuildVhd(l, blocks)), "big"));
  EXPECT_EQ(f->bat().size(), 32768u);
  std::vector<uint8_t> tail(4096);
  ASSERT_OK(f->Read(l.virtual_size - 4096, tail));
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), blocks[32767].data.end() - 4096));
  std::vector<uint8_t> middle(4096, 0xEE);
  ASSERT_OK(f->Read(uint64_t{32} << 30, middle));
  EXPECT_EQ(middle, std::vector<uint8_t>(4096, 0));
}

}  // namespace
}  // namespace xcr::vhd
