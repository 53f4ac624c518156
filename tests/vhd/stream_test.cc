// StreamWriter, StreamParser and StreamReader: round trips, layout, gaps, and every error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

#include "tests/testutil/status_matchers.h"
#include "tests/vhd/vhd_test_util.h"
#include "vhd/bitmap.h"
#include "vhd/endian.h"
#include "vhd/stream_parser.h"
#include "vhd/stream_reader.h"
#include "vhd/stream_writer.h"

namespace xcr::vhd {
namespace {

using testing::BuildVhd;
using testing::FixChecksums;
using testing::PatternBlock;
using testing::TestBlock;
using testing::VectorSink;
using ::xcr::StatusCode;

constexpr uint32_t kBs = 64 << 10;  // small blocks keep the tests fast

// Returns at most `max` bytes per Read.
class ChunkedSource : public Source {
 public:
  ChunkedSource(std::span<const uint8_t> data, size_t max) : data_(data), max_(max) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min({buf.size(), max_, data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::span<const uint8_t> data_;
  size_t max_;
  size_t pos_ = 0;
};

StreamLayout Layout(uint64_t size, DiskType type = DiskType::kDynamic) {
  StreamLayout l;
  l.virtual_size = size;
  l.block_size = kBs;
  l.type = type;
  l.timestamp = 1000;
  if (type == DiskType::kDifferencing) {
    l.parent_uuid = Uuid::Random();
    l.parent_name = "parent.vhd";
    l.parent_timestamp = 999;
  }
  return l;
}

std::map<uint32_t, TestBlock> SomeBlocks() {
  std::map<uint32_t, TestBlock> blocks;
  blocks[0].data = PatternBlock(kBs, 0);
  blocks[3].data = PatternBlock(kBs, 3);
  blocks[3].bitmap.assign(BitmapSize(kBs), 0);
  BitmapSet(blocks[3].bitmap, 5);
  BitmapSet(blocks[3].bitmap, 6);
  blocks[15].data = PatternBlock(kBs, 15);
  return blocks;
}

// Reads all blocks with a StreamReader; returns the status of the read.
Status ReadAll(std::span<const uint8_t> img, size_t max_read, std::map<uint32_t, TestBlock>* out,
               uint64_t* total = nullptr) {
  ChunkedSource src(img, max_read);
  StreamReader r(&src);
  XCR_RETURN_IF_ERROR(r.ReadMetadata());
  if (total) *total = r.total_length();
  StreamReader::Block b;
  for (;;) {
    XCR_ASSIGN_OR_RETURN(bool more, r.Next(&b));
    if (!more) break;
    TestBlock& t = (*out)[b.index];
    t.data.assign(b.data.begin(), b.data.end());
    t.bitmap.assign(b.bitmap.begin(), b.bitmap.end());
  }
  return Status::OK();
}

// Feeds a parser in the given piece size; returns Feed/Finish's status.
class Recorder : public StreamVisitor {
 public:
  Status OnMetadata(const StreamParser& p) override {
    events.push_back("meta");
    total = p.total_length();
    return Status::OK();
  }
  Status OnBlockBegin(uint32_t index, std::span<const uint8_t>) override {
    events.push_back("begin " + std::to_string(index));
    expected_offset = 0;
    return Status::OK();
  }
  Status OnBlockData(uint32_t, uint64_t offset, std::span<const uint8_t> d) override {
    EXPECT_EQ(offset, expected_offset);
    expected_offset += d.size();
    data_bytes += d.size();
    return Status::OK();
  }
  Status OnBlockEnd(uint32_t index) override {
    events.push_back("end " + std::to_string(index));
    return Status::OK();
  }
  Status OnEnd() override {
    events.push_back("eof");
    return Status::OK();
  }
  std::vector<std::string> events;
  uint64_t total = 0;
  uint64_t expected_offset = 0;
  uint64_t data_bytes = 0;
};

Status ParseInPieces(std::span<const uint8_t> img, size_t piece, Recorder* rec) {
  StreamParser p(rec);
  for (size_t off = 0; off < img.size(); off += piece) {
    XCR_RETURN_IF_ERROR(p.Feed(img.subspan(off, std::min(piece, img.size() - off))));
  }
  return p.Finish();
}

Status ParseStatus(std::span<const uint8_t> img) {
  Recorder rec;
  return ParseInPieces(img, 4096, &rec);
}

void ExpectCorruption(const Status& s, std::string_view text) {
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
}

TEST(StreamWriterTest, LayoutAndLength) {
  auto blocks = SomeBlocks();
  StreamLayout l = Layout(16 * kBs);
  l.blocks = {0, 3, 15};
  ASSERT_OK_AND_ASSIGN(StreamWriter w, StreamWriter::Create(l));
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), blocks);
  // metadata: 2048 + one sector of BAT; 3 blocks of bitmap + data; footer
  uint64_t block_bytes = BitmapSize(kBs) + kBs;
  EXPECT_EQ(w.total_length(), 2048 + 512 + 3 * block_bytes + 512);
  EXPECT_EQ(img.size(), w.total_length());
  EXPECT_EQ(w.header().table_offset, 2048u);
  EXPECT_EQ(LoadBE64(img.data() + 512 + 16), 2048u);
  // BAT entries: 0 -> sector 5 (2560), 3 -> next block, others unallocated
  EXPECT_EQ(LoadBE32(img.data() + 2048), 2560u / 512);
  EXPECT_EQ(LoadBE32(img.data() + 2048 + 4), kUnallocated);
  EXPECT_EQ(LoadBE32(img.data() + 2048 + 12), (2560u + block_bytes) / 512);
  EXPECT_EQ(LoadBE32(img.data() + 2048 + 60), (2560u + 2 * block_bytes) / 512);
  // footer copy == trailing footer; creator "tap\0"; geometry per spec
  EXPECT_TRUE(std::equal(img.begin(), img.begin() + 512, img.end() - 512));
  EXPECT_EQ(std::memcmp(img.data() + 28, "tap\0", 4), 0);
  ASSERT_OK_AND_ASSIGN(Footer f, ParseFooter(std::span(img).first(512), 0));
  EXPECT_EQ(f.geometry, ComputeGeometry(16 * kBs));
  EXPECT_EQ(f.disk_type, DiskType::kDynamic);
  // all-set bitmap for block 0
  EXPECT_TRUE(BitmapAllSet(std::span(img).subspan(2560, BitmapSize(kBs)), SectorsPerBlock(kBs)));
}

TEST(StreamWriterTest, DifferencingHasLocatorAndParent) {
  StreamLayout l = Layout(4 * kBs, DiskType::kDifferencing);
  std::map<uint32_t, TestBlock> blocks;
  blocks[1].data = PatternBlock(kBs, 1);
  std::vector<uint8_t> img = BuildVhd(l, blocks);
  ASSERT_FALSE(img.empty());
  ASSERT_OK_AND_ASSIGN(DynamicHeader h, ParseHeader(std::span(img).subspan(512, 1024), 512));
  EXPECT_EQ(h.parent_uuid, l.parent_uuid);
  EXPECT_EQ(h.parent_name, "parent.vhd");
  EXPECT_EQ(h.parent_timestamp, 999u);
  EXPECT_EQ(h.locators[0].platform_code, kPlatformW2ru);
  EXPECT_EQ(h.locators[0].data_offset, 2560u);
  EXPECT_EQ(h.locators[0].data_length, 20u);  // UTF-16LE "parent.vhd"
  EXPECT_EQ(Utf16ToUtf8(std::span(img).subspan(2560, 20), false), "parent.vhd");
  EXPECT_EQ(LoadBE32(img.data() + 2048 + 4), 3072u / 512);
  std::map<uint32_t, TestBlock> got;
  ASSERT_OK(ReadAll(img, 1 << 20, &got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[1].data, blocks[1].data);
}

TEST(StreamWriterTest, StateAndLayoutErrors) {
  StreamLayout l = Layout(16 * kBs);
  l.blocks = {2, 5};
  ASSERT_OK_AND_ASSIGN(StreamWriter w, StreamWriter::Create(l));
  VectorSink sink;
  std::vector<uint8_t> data(kBs, 1);
  EXPECT_STATUS(w.BeginBlock(sink, 2), StatusCode::kFailedPrecondition);  // before metadata
  EXPECT_STATUS(w.Finish(sink), StatusCode::kFailedPrecondition);
  ASSERT_OK(w.WriteMetadata(sink));
  EXPECT_STATUS(w.WriteMetadata(sink), StatusCode::kFailedPrecondition);
  EXPECT_STATUS(w.WriteBlock(sink, 5, {}, data), StatusCode::kInvalidArgument);  // out of order
  EXPECT_STATUS(w.WriteBlock(sink, 3, {}, data), StatusCode::kInvalidArgument);  // not listed
  EXPECT_STATUS(w.WriteBlock(sink, 2, {}, std::span(data).first(100)),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(w.BeginBlock(sink, 2, std::vector<uint8_t>(3)), StatusCode::kInvalidArgument);
  EXPECT_STATUS(w.WriteBlockData(sink, data), StatusCode::kFailedPrecondition);
  ASSERT_OK(w.BeginBlock(sink, 2));
  ASSERT_OK(w.WriteBlockData(sink, std::span(data).first(1000)));
  EXPECT_STATUS(w.WriteBlockData(sink, data), StatusCode::kInvalidArgument);  // overflow
  EXPECT_STATUS(w.Finish(sink), StatusCode::kFailedPrecondition);             // mid-block
  ASSERT_OK(w.WriteBlockData(sink, std::span(data).subspan(1000)));
  EXPECT_STATUS(w.Finish(sink), StatusCode::kFailedPrecondition);  // block 5 missing
  ASSERT_OK(w.WriteBlock(sink, 5, {}, data));
  ASSERT_OK(w.Finish(sink));
  EXPECT_EQ(sink.bytes.size(), w.total_length());
  EXPECT_EQ(w.bytes_written(), w.total_length());

  auto create = [](auto fn) {
    StreamLayout x = Layout(16 * kBs);
    fn(x);
    return StreamWriter::Create(x).status();
  };
  EXPECT_STATUS(create([](StreamLayout& x) { x.virtual_size = 1000; }),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(create([](StreamLayout& x) { x.block_size = 3 << 20; }),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(create([](StreamLayout& x) { x.blocks = {3, 2}; }), StatusCode::kInvalidArgument);
  EXPECT_STATUS(create([](StreamLayout& x) { x.blocks = {16}; }), StatusCode::kInvalidArgument);
  EXPECT_STATUS(create([](StreamLayout& x) { x.type = DiskType::kDifferencing; }),
                StatusCode::kInvalidArgument);  // no parent UUID
  EXPECT_STATUS(create([](StreamLayout& x) { x.type = DiskType::kFixed; }),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(create([](StreamLayout& x) {
                  x.virtual_size = uint64_t{16} << 40;  // 8 Mi blocks of 2 MiB
                  x.block_size = 2 << 20;
                }),
                StatusCode::kInvalidArgument);
}

TEST(StreamReaderTest, RoundTripAnyChunking) {
  auto blocks = SomeBlocks();
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), blocks);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{512}, size_t{4099}, size_t{1} << 20}) {
    std::map<uint32_t, TestBlock> got;
    uint64_t total = 0;
    ASSERT_OK(ReadAll(img, chunk, &got, &total));
    EXPECT_EQ(total, img.size());
    ASSERT_EQ(got.size(), 3u) << chunk;
    for (auto& [i, b] : blocks) {
      EXPECT_EQ(got[i].data, b.data) << i;
      std::vector<uint8_t> bm = b.bitmap;
      if (bm.empty()) {  // all sectors set, the padding of the bitmap sector clear
        bm.assign(BitmapSize(kBs), 0);
        for (uint32_t sec = 0; sec < SectorsPerBlock(kBs); ++sec) BitmapSet(bm, sec);
      }
      EXPECT_EQ(got[i].bitmap, bm) << i;
    }
  }
}

TEST(StreamReaderTest, NonDefaultBlockSizesAndPartialLastBlock) {
  for (uint32_t bs : {4096u, 2u << 20}) {
    StreamLayout l = Layout(3 * uint64_t{bs} + 1024);  // last block partial
    l.block_size = bs;
    std::map<uint32_t, TestBlock> blocks;
    blocks[3].data = PatternBlock(bs, 3);
    std::vector<uint8_t> img = BuildVhd(l, blocks);
    std::map<uint32_t, TestBlock> got;
    ASSERT_OK(ReadAll(img, 65536, &got));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[3].data, blocks[3].data);
  }
}

TEST(StreamParserTest, EventsAndZeroCopyPieces) {
  auto blocks = SomeBlocks();
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), blocks);
  for (size_t piece : {size_t{1}, size_t{333}, size_t{65536}, img.size()}) {
    Recorder rec;
    ASSERT_OK(ParseInPieces(img, piece, &rec));
    EXPECT_EQ(rec.events, (std::vector<std::string>{"meta", "begin 0", "end 0", "begin 3", "end 3",
                                                    "begin 15", "end 15", "eof"}));
    EXPECT_EQ(rec.total, img.size());
    EXPECT_EQ(rec.data_bytes, 3u * kBs);
  }
}

TEST(StreamParserTest, TotalLengthKnownAfterBat) {
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), SomeBlocks());
  Recorder rec;
  StreamParser p(&rec);
  ASSERT_OK(p.Feed(std::span(img).first(2048 + 512)));  // through the BAT only
  EXPECT_TRUE(p.metadata_ready());
  EXPECT_EQ(p.total_length(), img.size());
  EXPECT_EQ(p.allocated_blocks(), 3u);
  EXPECT_EQ(p.bat()[3], (2560u + BitmapSize(kBs) + kBs) / 512);
  ExpectCorruption(p.Finish(), "truncated at offset 2560 while reading the bitmap of block 0");
}

TEST(StreamParserTest, EmptyDiskLength) {
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), {});
  EXPECT_EQ(img.size(), 2048u + 512 + 512);
  Recorder rec;
  ASSERT_OK(ParseInPieces(img, 100, &rec));
  EXPECT_EQ(rec.total, img.size());
  EXPECT_EQ(rec.events, (std::vector<std::string>{"meta", "eof"}));
}

// Inserts `gap` zero bytes at file offset `at` and shifts BAT entries pointing at or after it.
std::vector<uint8_t> InsertGap(std::vector<uint8_t> img, uint64_t at, size_t gap) {
  uint32_t entries = LoadBE32(img.data() + 512 + 28);
  for (uint32_t i = 0; i < entries; ++i) {
    uint32_t e = LoadBE32(img.data() + 2048 + 4 * i);
    if (e != kUnallocated && uint64_t{e} * 512 >= at) {
      StoreBE32(img.data() + 2048 + 4 * i, e + static_cast<uint32_t>(gap / 512));
    }
  }
  img.insert(img.begin() + static_cast<ptrdiff_t>(at), gap, 0);
  return img;
}

TEST(StreamParserTest, GapsBetweenBlocksAreSkipped) {
  auto blocks = SomeBlocks();
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), blocks);
  uint64_t block_bytes = BitmapSize(kBs) + kBs;
  img = InsertGap(img, 2560 + block_bytes, 8192);  // before block 3
  img = InsertGap(img, 2560, 4096);                // before block 0
  std::map<uint32_t, TestBlock> got;
  uint64_t total = 0;
  ASSERT_OK(ReadAll(img, 10000, &got, &total));
  EXPECT_EQ(total, img.size());
  EXPECT_EQ(got[3].data, blocks[3].data);
  EXPECT_EQ(got[15].data, blocks[15].data);
}

TEST(StreamParserTest, FileOrderNotIndexOrder) {
  // Swap the positions of blocks 0 and 3: block 3 comes first in the file.
  auto blocks = SomeBlocks();
  blocks[3].bitmap.clear();
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), blocks);
  uint32_t e0 = LoadBE32(img.data() + 2048), e3 = LoadBE32(img.data() + 2048 + 12);
  StoreBE32(img.data() + 2048, e3);
  StoreBE32(img.data() + 2048 + 12, e0);
  Recorder rec;
  ASSERT_OK(ParseInPieces(img, 5000, &rec));
  EXPECT_EQ(rec.events[1], "begin 3");
  EXPECT_EQ(rec.events[3], "begin 0");
}

TEST(StreamParserTest, Truncations) {
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), SomeBlocks());
  struct Cut {
    size_t len;
    const char* what;
  };
  uint64_t b0 = 2560, bb = BitmapSize(kBs) + kBs;
  for (Cut c :
       {Cut{0, "the footer copy"}, Cut{100, "the footer copy"}, Cut{700, "the dynamic header"},
        Cut{1600, "the bytes up to offset 2048"}, Cut{2100, "the BAT"},
        Cut{b0 + 10, "the bitmap of block 0"}, Cut{b0 + 600, "the data of block 0"},
        Cut{b0 + 3 * bb + 5, "the trailing footer"}, Cut{img.size() - 1, "the trailing footer"}}) {
    Status s = ParseStatus(std::span(img).first(c.len));
    ExpectCorruption(s, "truncated at offset " + std::to_string(c.len));
    ExpectCorruption(s, c.what);
    // The pull reader reports the same.
    std::map<uint32_t, TestBlock> got;
    ExpectCorruption(ReadAll(std::span(img).first(c.len), 4096, &got), c.what);
  }
}

TEST(StreamParserTest, TrailingFooterMustMatchCopy) {
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), SomeBlocks());
  uint8_t* tail = img.data() + img.size() - 512;
  StoreBE32(tail + 24, 4242);  // timestamp
  StoreBE32(tail + 64, ComputeChecksum(std::span(tail, 512), 64));
  ExpectCorruption(ParseStatus(img), "trailing footer at offset " +
                                         std::to_string(img.size() - 512) +
                                         " differs from the copy at offset 0 in field 'timestamp'");
}

TEST(StreamParserTest, DataAfterTrailingFooter) {
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), SomeBlocks());
  size_t n = img.size();
  img.resize(n + 512);
  ExpectCorruption(ParseStatus(img),
                   "512 unexpected bytes after the trailing footer at offset " + std::to_string(n));
}

TEST(StreamParserTest, BadBatEntries) {
  auto blocks = SomeBlocks();
  std::vector<uint8_t> good = BuildVhd(Layout(16 * kBs), blocks);
  {  // block before the end of the BAT (over the metadata)
    auto img = good;
    StoreBE32(img.data() + 2048 + 12, 4);
    ExpectCorruption(ParseStatus(img), "BAT entry 3 at offset 2060: block at offset 2048");
  }
  {  // two blocks overlapping
    auto img = good;
    StoreBE32(img.data() + 2048 + 12, LoadBE32(img.data() + 2048) + 1);
    ExpectCorruption(ParseStatus(img), "overlaps block 0");
  }
  {  // allocated beyond the virtual size (table larger than needed)
    StreamLayout l = Layout(15 * kBs + 512);  // 16 entries, all needed
    auto img = BuildVhd(l, blocks);
    ASSERT_FALSE(img.empty());
    // shrink the virtual size so only 15 blocks are covered; block 15 is now out of range
    StoreBE64(img.data() + 48, 15 * kBs);
    StoreBE64(img.data() + 40, 15 * kBs);
    FixChecksums(img);
    ExpectCorruption(ParseStatus(img),
                     "BAT entry 15 at offset 2108: block allocated beyond the virtual size");
  }
}

TEST(StreamParserTest, BadMetadata) {
  std::vector<uint8_t> good = BuildVhd(Layout(16 * kBs), SomeBlocks());
  {
    auto img = good;
    img[3] = 'x';
    ExpectCorruption(ParseStatus(img), "footer at offset 0: cookie");
  }
  {
    auto img = good;
    img[512 + 100] ^= 1;
    ExpectCorruption(ParseStatus(img), "dynamic header at offset 548: checksum");
  }
  {
    auto img = good;
    StoreBE32(img.data() + 512 + 32, 3 * kBs);
    FixChecksums(img);
    ExpectCorruption(ParseStatus(img), "offset 544: block size");
  }
  {
    auto img = good;
    StoreBE32(img.data() + 512 + 28, 8);  // 8 entries cannot cover 16 blocks
    FixChecksums(img);
    ExpectCorruption(ParseStatus(img), "max table entries 8 cannot cover");
  }
  {  // a locator overlapping the BAT
    auto img = good;
    uint8_t* e = img.data() + 512 + 576;
    StoreBE32(e, kPlatformW2ku);
    StoreBE32(e + 4, 1);
    StoreBE32(e + 8, 10);
    StoreBE64(e + 16, 2048);
    FixChecksums(img);
    ExpectCorruption(ParseStatus(img), "overlaps");
  }
  {  // fixed disk type at offset 0
    auto img = good;
    StoreBE32(img.data() + 60, 2);
    StoreBE64(img.data() + 16, kNoDataOffset);
    FixChecksums(img);
    EXPECT_STATUS(ParseStatus(img), StatusCode::kNotSupported);
  }
}

TEST(StreamParserTest, StickyFailureAndVisitorErrors) {
  std::vector<uint8_t> img = BuildVhd(Layout(16 * kBs), SomeBlocks());
  class Refuser : public StreamVisitor {
    Status OnBlockBegin(uint32_t index, std::span<const uint8_t>) override {
      return index == 3 ? Status::ResourceExhausted("disk full") : Status::OK();
    }
  } refuser;
  StreamParser p(&refuser);
  Status s = p.Feed(img);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(p.Feed(img).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(p.Finish().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(p.WantBytes(), 0u);
}

TEST(StreamParserTest, RandomCorruptionNeverCrashes) {
  std::vector<uint8_t> good = BuildVhd(Layout(16 * kBs, DiskType::kDifferencing), SomeBlocks());
  std::mt19937 rng(42);
  int failures = 0;
  for (int iter = 0; iter < 300; ++iter) {
    auto img = good;
    for (int k = 0; k < 4; ++k) {
      size_t at = rng() % 3072;  // metadata region
      img[at] = static_cast<uint8_t>(rng());
    }
    if (iter % 2) FixChecksums(img, iter % 4 == 1);
    Recorder rec;
    Status s = ParseInPieces(img, 1 + rng() % 9000, &rec);
    if (!s.ok()) {
      ++failures;
      EXPECT_TRUE(s.code() == StatusCode::kCorruption || s.code() == StatusCode::kNotSupported)
          << s.ToString();
    }
  }
  EXPECT_GT(failures, 100);
}

}  // namespace
}  // namespace xcr::vhd

namespace xcr::vhd {
namespace {

TEST(StreamParserTest, LocatorAfterTheLastBlockCountsInTheLength) {
  std::map<uint32_t, testing::TestBlock> blocks;
  blocks[2].data = testing::PatternBlock(kBs, 2);
  std::vector<uint8_t> img = testing::BuildVhd(Layout(16 * kBs, DiskType::kDifferencing), blocks);
  // Move the locator payload (at 2560) to a new sector between the last block and the footer.
  size_t footer_at = img.size() - 512;
  std::vector<uint8_t> payload(img.begin() + 2560, img.begin() + 3072);
  img.insert(img.begin() + static_cast<ptrdiff_t>(footer_at), payload.begin(), payload.end());
  StoreBE64(img.data() + 512 + 576 + 16, footer_at);
  testing::FixChecksums(img);
  Recorder rec;
  ASSERT_OK(ParseInPieces(img, 777, &rec));
  EXPECT_EQ(rec.total, img.size());
}

TEST(StreamReaderTest, SixtyFourGiBSparseDisk) {
  // A full-size BAT (32768 entries) and three blocks, one at the very end of the disk.
  StreamLayout l;
  l.virtual_size = uint64_t{64} << 30;
  l.timestamp = 5;
  std::map<uint32_t, testing::TestBlock> blocks;
  for (uint32_t i : {0u, 16384u, 32767u}) blocks[i].data = testing::PatternBlock(2 << 20, i);
  std::vector<uint8_t> img = testing::BuildVhd(l, blocks);
  ASSERT_EQ(img.size(), 2048 + 32768 * 4 + 3 * (512 + (2u << 20)) + 512);
  std::map<uint32_t, testing::TestBlock> got;
  uint64_t total = 0;
  ASSERT_OK(ReadAll(img, 1 << 20, &got, &total));
  EXPECT_EQ(total, img.size());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[32767].data, blocks[32767].data);
}

}  // namespace
}  // namespace xcr::vhd
