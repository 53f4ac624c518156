#include "engine/content_digest.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "tests/testutil/status_matchers.h"
#include "vhd/format.h"
#include "vhd/stream_writer.h"

namespace xcr::engine {
namespace {

constexpr uint32_t kBlock = 2 << 20;
constexpr uint64_t kSize = 8ull * kBlock;

// Streams a dynamic VHD of kSize with the given blocks into a ContentDigestSink, in pieces of
// `piece` bytes, and returns the digest.
struct BlockSpec {
  uint32_t index;
  uint8_t fill;                 // data byte
  std::vector<uint8_t> bitmap;  // empty: all set
  std::vector<uint8_t> data;    // if not empty, the block's data (instead of `fill`)
};

Result<std::string> Digest(const std::vector<BlockSpec>& blocks, size_t piece = 100000) {
  vhd::StreamLayout layout;
  layout.virtual_size = kSize;
  for (const BlockSpec& b : blocks) layout.blocks.push_back(b.index);
  XCR_ASSIGN_OR_RETURN(vhd::StreamWriter w, vhd::StreamWriter::Create(layout));
  // Collect the stream, then feed it in pieces, to exercise arbitrary chunking.
  struct Buf : Sink {
    Status Write(std::span<const uint8_t> d) override {
      bytes.insert(bytes.end(), d.begin(), d.end());
      return Status::OK();
    }
    std::vector<uint8_t> bytes;
  } buf;
  XCR_RETURN_IF_ERROR(w.WriteMetadata(buf));
  std::vector<uint8_t> data(kBlock);
  for (const BlockSpec& b : blocks) {
    std::fill(data.begin(), data.end(), b.fill);
    XCR_RETURN_IF_ERROR(w.WriteBlock(buf, b.index, b.bitmap, b.data.empty() ? data : b.data));
  }
  XCR_RETURN_IF_ERROR(w.Finish(buf));
  ContentDigestSink sink;
  for (size_t off = 0; off < buf.bytes.size(); off += piece) {
    size_t n = std::min(piece, buf.bytes.size() - off);
    XCR_RETURN_IF_ERROR(sink.Write(std::span<const uint8_t>(buf.bytes.data() + off, n)));
  }
  XCR_RETURN_IF_ERROR(sink.Finish());
  return sink.hex();
}

TEST(ContentDigestTest, SameContentSameDigestWhateverTheLayoutAndChunking) {
  ASSERT_OK_AND_ASSIGN(std::string a, Digest({{1, 0xab, {}}, {5, 0x01, {}}}));
  ASSERT_OK_AND_ASSIGN(std::string b, Digest({{1, 0xab, {}}, {5, 0x01, {}}}, 4096));
  // An allocated all-zero block changes nothing.
  ASSERT_OK_AND_ASSIGN(std::string c, Digest({{0, 0x00, {}}, {1, 0xab, {}}, {5, 0x01, {}}}));
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(ContentDigestTest, DifferentContentOrPlaceDiffers) {
  ASSERT_OK_AND_ASSIGN(std::string a, Digest({{1, 0xab, {}}}));
  ASSERT_OK_AND_ASSIGN(std::string b, Digest({{1, 0xac, {}}}));
  ASSERT_OK_AND_ASSIGN(std::string c, Digest({{2, 0xab, {}}}));
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
}

TEST(ContentDigestTest, ClearBitmapBitsReadAsZeros) {
  std::vector<uint8_t> none(vhd::BitmapSize(kBlock), 0);
  ASSERT_OK_AND_ASSIGN(std::string empty, Digest({}));
  ASSERT_OK_AND_ASSIGN(std::string masked, Digest({{3, 0xff, none}}));
  EXPECT_EQ(empty, masked);
}

TEST(ContentDigestTest, ClearedSectorsEqualZeroedSectorsAcrossPieceBoundaries) {
  // Sectors 5..1000 and 4000 cleared in the bitmap vs the same sectors written as zeros.
  std::vector<uint8_t> bitmap(vhd::BitmapSize(kBlock), 0xff);
  std::vector<uint8_t> zeroed(kBlock, 0x5a);
  for (uint32_t s : std::vector<uint32_t>{4000}) bitmap[s >> 3] &= ~(0x80 >> (s & 7));
  for (uint32_t s = 5; s <= 1000; ++s) bitmap[s >> 3] &= ~(0x80 >> (s & 7));
  for (uint32_t s = 5; s <= 1000; ++s) std::fill_n(zeroed.begin() + s * 512, 512, 0);
  std::fill_n(zeroed.begin() + 4000 * 512, 512, 0);
  for (size_t piece : {size_t{333}, size_t{4096}, size_t{1} << 20}) {
    SCOPED_TRACE(piece);
    ASSERT_OK_AND_ASSIGN(std::string masked, Digest({{2, 0x5a, bitmap, {}}}, piece));
    ASSERT_OK_AND_ASSIGN(std::string explicit_zeros, Digest({{2, 0, {}, zeroed}}, piece));
    ASSERT_OK_AND_ASSIGN(std::string unmasked, Digest({{2, 0x5a, {}, {}}}, piece));
    EXPECT_EQ(masked, explicit_zeros);
    EXPECT_NE(masked, unmasked);
  }
}

// The definition written out independently: SHA-256 over the name, the size and, per non-zero
// block, its index and XXH3-128 (canonical bytes).
TEST(ContentDigestTest, MatchesTheDocumentedDefinition) {
  std::vector<uint8_t> msg = {'x', 'c', 'r', '-', 'c', 'o', 'n', 't', 'e', 'n', 't', '-', 'v', '2'};
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<uint8_t>(kSize >> (8 * i)));
  for (auto [index, fill] : {std::pair<uint32_t, uint8_t>{1, 0xab}, {6, 0x01}}) {
    for (int i = 3; i >= 0; --i) msg.push_back(static_cast<uint8_t>(index >> (8 * i)));
    std::vector<uint8_t> block(kBlock, fill);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(block.data(), block.size()));
    msg.insert(msg.end(), c.digest, c.digest + 16);
  }
  uint8_t d[32];
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest(msg.data(), msg.size(), d, &len, EVP_sha256(), nullptr), 1);
  std::string want;
  for (uint8_t b : d) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    want += hex;
  }
  ASSERT_OK_AND_ASSIGN(std::string got, Digest({{1, 0xab, {}, {}}, {6, 0x01, {}, {}}}));
  EXPECT_EQ(got, want);
  EXPECT_EQ(ContentDigestSink::kDefinition, "xcr-content-v2");
}

TEST(ContentDigestTest, TruncatedStreamFails) {
  ContentDigestSink sink;
  std::vector<uint8_t> junk(512, 0);
  EXPECT_FALSE(sink.Write(junk).ok() && sink.Finish().ok());
}

}  // namespace
}  // namespace xcr::engine
