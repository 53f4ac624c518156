#include "engine/content_digest.h"

#include <gtest/gtest.h>

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
    XCR_RETURN_IF_ERROR(w.WriteBlock(buf, b.index, b.bitmap, data));
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

TEST(ContentDigestTest, TruncatedStreamFails) {
  ContentDigestSink sink;
  std::vector<uint8_t> junk(512, 0);
  EXPECT_FALSE(sink.Write(junk).ok() && sink.Finish().ok());
}

}  // namespace
}  // namespace xcr::engine
