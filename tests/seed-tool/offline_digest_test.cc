// seed-tool/offline_digest.h: the one-pass digests equal a reference SHA-256, across buffer
// boundaries, and the file's tail (its VHD footer) is kept.
#include "seed-tool/offline_digest.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::seed {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(OfflineDigestTest, KnownVector) {
  Sha256 sha;
  sha.Update(Bytes("abc"));
  EXPECT_EQ(sha.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(OfflineDigestTest, SinkFileAndSourceAgreeAcrossBufferBoundaries) {
  ::xcr::testing::TempDir dir;
  Env* env = Env::Default();
  // 2.5 buffers of a pattern, written in odd-sized pieces.
  std::vector<uint8_t> data(kSeedBufferSize * 5 / 2 + 123);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + i / 4096);
  Sha256 ref;
  ref.Update(data);
  std::string want = ref.HexDigest();

  std::string path = dir.File("f");
  ASSERT_OK_AND_ASSIGN(auto file, env->NewWritableFile(path, 0644));
  DigestingFileSink sink(std::move(file));
  uint64_t flushed = 0;
  sink.set_on_flush([&](uint64_t n) { flushed = n; });
  for (size_t off = 0; off < data.size();) {
    size_t n = std::min<size_t>(data.size() - off, 300001);
    ASSERT_OK(sink.Write(std::span<const uint8_t>(data).subspan(off, n)));
    off += n;
  }
  ASSERT_OK(sink.Finish());
  EXPECT_EQ(sink.hex(), want);
  EXPECT_EQ(sink.bytes(), data.size());
  EXPECT_EQ(flushed, data.size());

  ASSERT_OK_AND_ASSIGN(FileDigest fd, DigestFile(env, path));
  EXPECT_EQ(fd.sha256, want);
  EXPECT_EQ(fd.size, data.size());
  ASSERT_EQ(fd.tail.size(), 512u);
  EXPECT_TRUE(std::equal(fd.tail.begin(), fd.tail.end(), data.end() - 512));

  MemorySource mem(data);
  DigestingSource src(&mem);
  std::vector<uint8_t> buf(70000);
  for (;;) {
    ASSERT_OK_AND_ASSIGN(size_t n, src.Read(buf));
    if (n == 0) break;
  }
  EXPECT_EQ(src.bytes(), data.size());
  EXPECT_EQ(src.HexDigest(), want);
}

TEST(OfflineDigestTest, SmallFileTail) {
  ::xcr::testing::TempDir dir;
  ASSERT_OK(Env::Default()->WriteFileAtomic(dir.File("s"), "hello"));
  ASSERT_OK_AND_ASSIGN(FileDigest fd, DigestFile(Env::Default(), dir.File("s")));
  EXPECT_EQ(fd.size, 5u);
  EXPECT_EQ(std::string(fd.tail.begin(), fd.tail.end()), "hello");
  EXPECT_STATUS(DigestFile(Env::Default(), dir.File("missing")).status(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace xcr::seed
