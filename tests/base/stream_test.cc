#include "base/stream.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr {
namespace {

// Returns at most `step` bytes per Read, to exercise short reads.
class TrickleSource : public Source {
 public:
  TrickleSource(std::string data, size_t step) : data_(std::move(data)), step_(step) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min({buf.size(), step_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t step_;
  size_t pos_ = 0;
};

class StringSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> d) override {
    out.append(reinterpret_cast<const char*>(d.data()), d.size());
    return Status::OK();
  }
  std::string out;
};

TEST(StreamTest, ReadFullAssemblesShortReads) {
  TrickleSource src("abcdefghij", 3);
  std::vector<uint8_t> buf(7);
  ASSERT_OK(ReadFull(src, buf, "header"));
  EXPECT_EQ(std::string(buf.begin(), buf.end()), "abcdefg");
}

TEST(StreamTest, ReadFullReportsTruncation) {
  TrickleSource src("abc", 2);
  std::vector<uint8_t> buf(5);
  Status s = ReadFull(src, buf, "VHD footer");
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("after 3 of 5 bytes of VHD footer"), std::string::npos) << s.message();
}

TEST(StreamTest, CopyStreamCopiesEverything) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  TrickleSource src(data, 4096);
  StringSink sink;
  ASSERT_OK_AND_ASSIGN(uint64_t n, CopyStream(src, sink, 1000));
  EXPECT_EQ(n, data.size());
  EXPECT_EQ(sink.out, data);
}

TEST(StreamTest, MemorySourceEndsWithZero) {
  const uint8_t bytes[] = {1, 2, 3};
  MemorySource src(bytes);
  uint8_t buf[8];
  ASSERT_OK_AND_ASSIGN(size_t n, src.Read(buf));
  EXPECT_EQ(n, 3u);
  ASSERT_OK_AND_ASSIGN(size_t m, src.Read(buf));
  EXPECT_EQ(m, 0u);
}

}  // namespace
}  // namespace xcr
