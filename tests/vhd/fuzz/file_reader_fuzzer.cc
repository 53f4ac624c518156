// libFuzzer target: VhdFile::Open over arbitrary bytes, then bitmaps and reads of the first and
// last megabyte of the virtual disk (bounded work per input), alone and as a one-file chain.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "base/env.h"
#include "vhd/bitmap.h"
#include "vhd/chain.h"
#include "vhd/file_reader.h"

namespace {

class FuzzFile : public xcr::RandomAccessFile {
 public:
  FuzzFile(const uint8_t* d, size_t n) : data_(d, d + n) {}
  xcr::Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const override {
    if (offset >= data_.size()) return size_t{0};
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), data_.size() - offset));
    std::memcpy(buf.data(), data_.data() + offset, n);
    return n;
  }
  xcr::Result<uint64_t> Size() const override { return data_.size(); }

 private:
  std::vector<uint8_t> data_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = xcr::vhd::VhdFile::Open(std::make_unique<FuzzFile>(data, size), "fuzz");
  if (!f.ok()) return 0;
  xcr::vhd::VhdFile& v = **f;
  if (v.type() != xcr::vhd::DiskType::kFixed) {
    std::vector<uint8_t> bm(xcr::vhd::BitmapSize(v.block_size()));
    for (uint32_t i = 0; i < v.bat().size() && i < 64; ++i) {
      auto has = v.ReadBitmap(i, bm);
      if (has.ok() && *has) {
        xcr::vhd::ForEachSetRun(bm, xcr::vhd::SectorsPerBlock(v.block_size()),
                                [](xcr::vhd::SectorRun) {});
      }
    }
    for (int i = 0; i < xcr::vhd::kNumLocators; ++i) (void)v.ReadParentLocator(i);
  }
  uint64_t vs = v.virtual_size();
  std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(vs, 1 << 20)));
  (void)v.Read(0, buf);
  (void)v.Read(vs - buf.size(), buf);
  std::vector<std::unique_ptr<xcr::vhd::VhdFile>> files;
  files.push_back(std::move(*f));
  auto chain = xcr::vhd::Chain::Open(std::move(files));
  if (chain.ok() && vs > 0) {
    std::vector<uint8_t> small(static_cast<size_t>(std::min<uint64_t>(vs, 4096)));
    (void)chain->Read(vs / 2 / 512 * 512 > vs - small.size() ? 0 : vs / 2 / 512 * 512, small);
  }
  return 0;
}
