// vhd_bench: throughput of the VHD stream writer, pull reader and push parser on data in
// memory, each next to a baseline that memcpys the same bytes through the same chunk size, and
// peak memory (RSS) of streaming a 64 GiB virtual disk writer -> reader in a child process.
//
//   vhd_bench [--quick]     (--quick: smaller runs, for a smoke test)
//
// Output: one line per figure; ratios are ours/baseline in throughput (1.0 = as fast as memcpy).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "base/stream.h"
#include "vhd/stream_parser.h"
#include "vhd/stream_reader.h"
#include "vhd/stream_writer.h"

namespace xcr::vhd {
namespace {

constexpr uint32_t kBlock = kDefaultBlockSize;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A sink that copies what it gets into a reused buffer, like a socket send buffer would.
class CopySink : public Sink {
 public:
  explicit CopySink(size_t cap) : buf_(cap) {}
  Status Write(std::span<const uint8_t> data) override {
    while (!data.empty()) {
      size_t n = std::min(data.size(), buf_.size());
      std::memcpy(buf_.data(), data.data(), n);
      data = data.subspan(n);
      bytes += n;
    }
    return Status::OK();
  }
  uint64_t bytes = 0;

 private:
  std::vector<uint8_t> buf_;
};

std::vector<uint32_t> Blocks(uint32_t count, uint32_t stride) {
  std::vector<uint32_t> b;
  for (uint32_t i = 0; i < count; ++i) b.push_back(i * stride);
  return b;
}

// A Source producing a VHD stream on the fly from a StreamWriter: metadata, then block by block
// from one data buffer, then the footer. Memory: one block plus the BAT.
class WriterSource : public Source {
 public:
  WriterSource(StreamWriter* w, std::span<const uint8_t> data) : w_(w), data_(data) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    while (pending_.empty() || pos_ == pending_size_) {
      if (stage_ == 3) return size_t{0};
      pending_sink_.chunks.clear();
      pos_ = 0;
      if (stage_ == 0) {
        XCR_RETURN_IF_ERROR(w_->WriteMetadata(pending_sink_));
        stage_ = w_->layout().blocks.empty() ? 2 : 1;
      } else if (stage_ == 1) {
        XCR_RETURN_IF_ERROR(w_->WriteBlock(pending_sink_, w_->layout().blocks[next_], {}, data_));
        if (++next_ == w_->layout().blocks.size()) stage_ = 2;
      } else {
        XCR_RETURN_IF_ERROR(w_->Finish(pending_sink_));
        stage_ = 3;
      }
      pending_.clear();
      for (auto& c : pending_sink_.chunks) pending_.push_back(c);
      pending_size_ = 0;
      for (auto& c : pending_) pending_size_ += c.size();
      chunk_ = 0;
      chunk_pos_ = 0;
    }
    size_t n = 0;
    while (n < buf.size() && chunk_ < pending_.size()) {
      auto& c = pending_[chunk_];
      size_t k = std::min(buf.size() - n, c.size() - chunk_pos_);
      std::memcpy(buf.data() + n, c.data() + chunk_pos_, k);
      n += k;
      chunk_pos_ += k;
      if (chunk_pos_ == c.size()) {
        ++chunk_;
        chunk_pos_ = 0;
      }
    }
    pos_ += n;
    return n;
  }

 private:
  // Keeps spans (the writer's data comes from stable buffers: data_, its own members), copying
  // only metadata that lives in temporaries.
  struct SpanSink : public Sink {
    Status Write(std::span<const uint8_t> d) override {
      chunks.emplace_back(d.begin(), d.end());
      return Status::OK();
    }
    std::deque<std::vector<uint8_t>> chunks;
  };
  StreamWriter* w_;
  std::span<const uint8_t> data_;
  SpanSink pending_sink_;
  std::deque<std::vector<uint8_t>> pending_;
  uint64_t pending_size_ = 0;
  uint64_t pos_ = 0;
  size_t chunk_ = 0, chunk_pos_ = 0;
  int stage_ = 0;
  size_t next_ = 0;
};

void Report(const char* what, uint64_t bytes, double ours, double base) {
  double gbs = bytes / ours / 1e9, base_gbs = bytes / base / 1e9;
  std::printf("%-34s %8.2f GB/s   baseline memcpy %8.2f GB/s   ratio %.2f\n", what, gbs, base_gbs,
              gbs / base_gbs);
}

template <typename Fn>
double Best(int reps, Fn fn) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    double t0 = Now();
    fn();
    best = std::min(best, Now() - t0);
  }
  return best;
}

int Throughput(uint32_t nblocks, int reps) {
  std::vector<uint8_t> data(kBlock, 0x5A);
  StreamLayout l;
  l.virtual_size = uint64_t{nblocks} * 2 * kBlock;
  l.blocks = Blocks(nblocks, 2);
  // Writer: blocks from memory into a copying sink, vs memcpy of the same pieces.
  uint64_t total = 0;
  double w = Best(reps, [&] {
    auto sw = StreamWriter::Create(l);
    CopySink sink(kBlock + 4096);
    (void)sw->WriteMetadata(sink);
    for (uint32_t i : l.blocks) (void)sw->WriteBlock(sink, i, {}, data);
    (void)sw->Finish(sink);
    total = sink.bytes;
  });
  std::vector<uint8_t> bitmap(512, 0xFF);
  double wb = Best(reps, [&] {
    CopySink sink(kBlock + 4096);
    std::vector<uint8_t> meta(2048 + 512);
    (void)sink.Write(meta);
    for (uint32_t k = 0; k < nblocks; ++k) {
      (void)sink.Write(bitmap);
      (void)sink.Write(data);
    }
    (void)sink.Write(std::span(bitmap));
  });
  Report("stream writer (2 MiB blocks)", total, w, wb);

  // An image in memory for the readers.
  auto sw = StreamWriter::Create(l);
  struct VecSink : Sink {
    Status Write(std::span<const uint8_t> d) override {
      v.insert(v.end(), d.begin(), d.end());
      return Status::OK();
    }
    std::vector<uint8_t> v;
  } img;
  img.v.reserve(sw->total_length());
  (void)sw->WriteMetadata(img);
  for (uint32_t i : l.blocks) (void)sw->WriteBlock(img, i, {}, data);
  (void)sw->Finish(img);

  // Pull reader: Source -> block buffer, vs reading the same Source in block-sized chunks.
  double r = Best(reps, [&] {
    MemorySource src(img.v);
    StreamReader reader(&src);
    StreamReader::Block b;
    for (;;) {
      auto more = reader.Next(&b);
      if (!more.ok()) {
        std::fprintf(stderr, "reader: %s\n", more.status().ToString().c_str());
        std::exit(1);
      }
      if (!*more) break;
    }
  });
  std::vector<uint8_t> chunk(kBlock);
  double rb = Best(reps, [&] {
    MemorySource src(img.v);
    while (*src.Read(chunk) > 0) {
    }
  });
  Report("stream reader (pull, Source)", img.v.size(), r, rb);

  // Push parser as a relay uses it: 1 MiB chunks fed in place (no copy), vs memcpy of them.
  constexpr size_t kChunk = 1 << 20;
  double p = Best(reps, [&] {
    StreamVisitor v;
    StreamParser parser(&v);
    std::vector<uint8_t> out(kChunk);
    for (size_t off = 0; off < img.v.size(); off += kChunk) {
      size_t n = std::min(kChunk, img.v.size() - off);
      std::memcpy(out.data(), img.v.data() + off, n);  // the relay forwards the chunk
      (void)parser.Feed(std::span(out).first(n));
    }
    if (!parser.Finish().ok()) std::exit(1);
  });
  double pb = Best(reps, [&] {
    std::vector<uint8_t> out(kChunk);
    for (size_t off = 0; off < img.v.size(); off += kChunk) {
      size_t n = std::min(kChunk, img.v.size() - off);
      std::memcpy(out.data(), img.v.data() + off, n);
    }
  });
  Report("push parser + relay copy (1 MiB)", img.v.size(), p, pb);
  return 0;
}

// Streams a 64 GiB virtual disk writer -> reader in a child; prints its peak RSS.
void Memory(const char* what, uint32_t nblocks, uint32_t stride) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<uint8_t> data(kBlock, 0xA5);
    StreamLayout l;
    l.virtual_size = uint64_t{64} << 30;
    l.blocks = Blocks(nblocks, stride);
    auto sw = StreamWriter::Create(l);
    if (!sw.ok()) _exit(2);
    WriterSource src(&*sw, data);
    StreamReader reader(&src);
    StreamReader::Block b;
    uint32_t seen = 0;
    for (;;) {
      auto more = reader.Next(&b);
      if (!more.ok()) {
        std::fprintf(stderr, "%s\n", more.status().ToString().c_str());
        _exit(1);
      }
      if (!*more) break;
      ++seen;
    }
    _exit(seen == nblocks && reader.total_length() == sw->total_length() ? 0 : 3);
  }
  int status = 0;
  struct rusage ru {};
  double t0 = Now();
  wait4(pid, &status, 0, &ru);
  double t = Now() - t0;
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::printf("%-52s peak RSS %6.1f MiB  (%u blocks, %.1f s)%s\n", what, ru.ru_maxrss / 1024.0,
              nblocks, t, ok ? "" : "  FAILED");
}

}  // namespace
}  // namespace xcr::vhd

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  std::printf(
      "# memory: 64 GiB virtual disk, 2 MiB blocks, BAT of 32768 entries, writer -> reader\n");
  xcr::vhd::Memory("sparse (16 blocks spread over the disk)", 16, 2048);
  xcr::vhd::Memory("streaming pass through many blocks", quick ? 256 : 4096, quick ? 128 : 8);
  std::printf("# throughput, data in memory (best of %d)\n", quick ? 1 : 3);
  return xcr::vhd::Throughput(quick ? 64 : 256, quick ? 1 : 3);
}
