#include "engine/content_digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "vhd/format.h"

namespace xcr::engine {

struct ContentDigestSink::Hasher {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hasher() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~Hasher() { EVP_MD_CTX_free(ctx); }
  void Update(const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); }
  std::array<uint8_t, 32> Final() {
    std::array<uint8_t, 32> out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, out.data(), &len);
    return out;
  }
};

namespace {

void PutBe(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

ContentDigestSink::ContentDigestSink() : outer_(std::make_unique<Hasher>()), parser_(this) {}
ContentDigestSink::~ContentDigestSink() = default;

Status ContentDigestSink::Write(std::span<const uint8_t> data) { return parser_.Feed(data); }

Status ContentDigestSink::OnMetadata(const vhd::StreamParser& p) {
  virtual_size_ = p.footer().current_size;
  std::vector<uint8_t> head = {'x', 'c', 'r', '-', 'c', 'o', 'n',
                               't', 'e', 'n', 't', '-', 'v', '1'};
  PutBe(&head, virtual_size_, 8);
  outer_->Update(head.data(), head.size());
  block_.assign(p.header().block_size, 0);
  return Status::OK();
}

Status ContentDigestSink::OnBlockBegin(uint32_t, std::span<const uint8_t> bitmap) {
  bitmap_.assign(bitmap.begin(), bitmap.end());
  std::fill(block_.begin(), block_.end(), 0);
  return Status::OK();
}

Status ContentDigestSink::OnBlockData(uint32_t, uint64_t offset, std::span<const uint8_t> data) {
  if (offset + data.size() > block_.size()) return Status::Internal("block data past block end");
  std::memcpy(block_.data() + offset, data.data(), data.size());
  return Status::OK();
}

Status ContentDigestSink::OnBlockEnd(uint32_t index) {
  // Sectors with a clear bitmap bit read as zeros (bit 0 = MSB of byte 0).
  const size_t sectors = block_.size() / 512;
  for (size_t s = 0; s < sectors; ++s) {
    if (!(bitmap_[s >> 3] & (0x80 >> (s & 7)))) std::memset(block_.data() + s * 512, 0, 512);
  }
  // The last block may extend past the virtual size: only the part inside counts.
  uint64_t start = static_cast<uint64_t>(index) * block_.size();
  size_t len = start >= virtual_size_
                   ? 0
                   : static_cast<size_t>(std::min<uint64_t>(block_.size(), virtual_size_ - start));
  bool zero = std::all_of(block_.begin(), block_.begin() + static_cast<ptrdiff_t>(len),
                          [](uint8_t b) { return b == 0; });
  if (zero) return Status::OK();
  Hasher h;
  h.Update(block_.data(), len);
  std::array<uint8_t, 32> d = h.Final();
  std::vector<uint8_t> rec;
  PutBe(&rec, index, 4);
  rec.insert(rec.end(), d.begin(), d.end());
  outer_->Update(rec.data(), rec.size());
  ++nonzero_blocks_;
  return Status::OK();
}

Status ContentDigestSink::Finish() {
  XCR_RETURN_IF_ERROR(parser_.Finish());
  std::array<uint8_t, 32> d = outer_->Final();
  static const char* kHex = "0123456789abcdef";
  hex_.clear();
  for (uint8_t b : d) {
    hex_ += kHex[b >> 4];
    hex_ += kHex[b & 15];
  }
  return Status::OK();
}

}  // namespace xcr::engine
