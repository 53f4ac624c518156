#include "base/env.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(EnvTest, WriteThenReadBack) {
  testing::TempDir dir;
  Env* env = Env::Default();
  std::string path = dir.File("a.txt");
  ASSERT_OK_AND_ASSIGN(auto w, env->NewWritableFile(path));
  ASSERT_OK(w->Write(Bytes("hello ")));
  ASSERT_OK(w->Write(Bytes("world")));
  ASSERT_OK(w->Sync());
  ASSERT_OK(w->Close());
  ASSERT_OK_AND_ASSIGN(std::string got, env->ReadFileToString(path));
  EXPECT_EQ(got, "hello world");
  ASSERT_OK_AND_ASSIGN(uint64_t size, env->GetFileSize(path));
  EXPECT_EQ(size, 11u);
  EXPECT_STATUS(env->ReadFileToString(path, 5), StatusCode::kResourceExhausted);
}

TEST(EnvTest, RandomRWFileIsSparseAndReadsZerosInHoles) {
  testing::TempDir dir;
  Env* env = Env::Default();
  ASSERT_OK_AND_ASSIGN(auto f, env->NewRandomRWFile(dir.File("disk"), true));
  ASSERT_OK(f->Truncate(1 << 30));
  ASSERT_OK(f->WriteAt(4096, Bytes("data")));
  std::vector<uint8_t> buf(8);
  ASSERT_OK_AND_ASSIGN(size_t n, f->ReadAt(4092, buf));
  EXPECT_EQ(n, 8u);
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + 4), std::vector<uint8_t>(4, 0));
  EXPECT_EQ(std::string(buf.begin() + 4, buf.end()), "data");
  ASSERT_OK_AND_ASSIGN(size_t past, f->ReadAt(uint64_t{1} << 30, buf));
  EXPECT_EQ(past, 0u);
}

TEST(EnvTest, MissingFileIsNotFound) {
  testing::TempDir dir;
  EXPECT_STATUS(Env::Default()->NewRandomAccessFile(dir.File("nope")), StatusCode::kNotFound);
  EXPECT_FALSE(Env::Default()->FileExists(dir.File("nope")));
}

TEST(EnvTest, AtomicWriteReplacesAndSetsMode) {
  testing::TempDir dir;
  Env* env = Env::Default();
  std::string path = dir.File("state.json");
  ASSERT_OK(env->WriteFileAtomic(path, "v1", 0600));
  ASSERT_OK(env->WriteFileAtomic(path, "v2", 0600));
  ASSERT_OK_AND_ASSIGN(std::string got, env->ReadFileToString(path));
  EXPECT_EQ(got, "v2");
  ASSERT_OK_AND_ASSIGN(uint32_t mode, env->GetFileMode(path));
  EXPECT_EQ(mode, 0600u);
  EXPECT_FALSE(env->FileExists(path + ".tmp"));
}

TEST(EnvTest, CreateDirsAndList) {
  testing::TempDir dir;
  Env* env = Env::Default();
  ASSERT_OK(env->CreateDirs(dir.File("x/y/z")));
  ASSERT_OK(env->CreateDirs(dir.File("x/y/z")));
  ASSERT_OK(env->WriteFileAtomic(dir.File("x/y/f"), "1"));
  ASSERT_OK_AND_ASSIGN(auto names, env->ListDir(dir.File("x/y")));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"f", "z"}));
  ASSERT_OK(env->RemoveFile(dir.File("x/y/f")));
  EXPECT_STATUS(env->RemoveFile(dir.File("x/y/f")), StatusCode::kNotFound);
}

// A wrapper whose clock is set by the test: how scheduler/retention logic is tested.
class FakeClockEnv : public EnvWrapper {
 public:
  FakeClockEnv() : EnvWrapper(Env::Default()) {}
  uint64_t NowMicros() override { return now_; }
  void SleepForMicros(uint64_t m) override { now_ += m; }

 private:
  uint64_t now_ = 1000;
};

TEST(EnvTest, WrapperOverridesClockAndForwardsFiles) {
  testing::TempDir dir;
  FakeClockEnv env;
  env.SleepForMicros(5000000);
  EXPECT_EQ(env.NowMicros(), 5001000u);
  ASSERT_OK(env.WriteFileAtomic(dir.File("f"), "x"));
  EXPECT_TRUE(env.FileExists(dir.File("f")));
}

TEST(JoinPathTest, OneSlash) {
  EXPECT_EQ(JoinPath("/a/", "/b"), "/a/b");
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
}

}  // namespace
}  // namespace xcr
