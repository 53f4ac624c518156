#include "engine/content_digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

// Header-only xxHash (libxxhash-dev): no library to link, and the compiler sees the hot loop.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "vhd/format.h"

namespace xcr::engine {

struct ContentDigestSink::BlockHasher {
  XXH3_state_t* state = XXH3_createState();
  ~BlockHasher() { XXH3_freeState(state); }
};

namespace {

constexpr size_t kSector = 512;
constexpr size_t kZerosSize = 64 << 10;
const uint8_t kZeros[kZerosSize] = {};

void PutBe(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// True if all n bytes are zero (memcmp of the buffer against itself shifted by one byte).
bool AllZero(const uint8_t* p, size_t n) {
  return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

bool BitSet(const std::vector<uint8_t>& bitmap, uint64_t sector) {
  return (bitmap[sector >> 3] & (0x80 >> (sector & 7))) != 0;  // bit 0 = MSB of byte 0
}

}  // namespace

ContentDigestSink::ContentDigestSink()
    : block_hasher_(std::make_unique<BlockHasher>()), parser_(this) {}
ContentDigestSink::~ContentDigestSink() = default;

Status ContentDigestSink::Write(std::span<const uint8_t> data) { return parser_.Feed(data); }

Status ContentDigestSink::OnMetadata(const vhd::StreamParser& p) {
  if (block_hasher_->state == nullptr) return Status::ResourceExhausted("XXH3_createState");
  virtual_size_ = p.footer().current_size;
  block_size_ = p.header().block_size;
  return Status::OK();
}

Status ContentDigestSink::OnBlockBegin(uint32_t index, std::span<const uint8_t> bitmap) {
  bitmap_.assign(bitmap.begin(), bitmap.end());
  uint64_t start = static_cast<uint64_t>(index) * block_size_;
  block_len_ = start >= virtual_size_ ? 0 : std::min(block_size_, virtual_size_ - start);
  next_offset_ = 0;
  block_nonzero_ = false;
  XXH3_128bits_reset(block_hasher_->state);
  return Status::OK();
}

void ContentDigestSink::HashRun(const uint8_t* data, uint64_t len) {
  if (data != nullptr) {
    if (!block_nonzero_ && !AllZero(data, len)) block_nonzero_ = true;
    XXH3_128bits_update(block_hasher_->state, data, len);
    return;
  }
  while (len > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, kZerosSize));
    XXH3_128bits_update(block_hasher_->state, kZeros, n);
    len -= n;
  }
}

Status ContentDigestSink::OnBlockData(uint32_t index, uint64_t offset,
                                      std::span<const uint8_t> data) {
  if (offset != next_offset_ || offset + data.size() > block_size_) {
    return Status::Internal("block " + std::to_string(index) + " data out of order at offset " +
                            std::to_string(offset));
  }
  next_offset_ += data.size();
  // Only the part inside the virtual size counts.
  uint64_t end = std::min<uint64_t>(offset + data.size(), block_len_);
  uint64_t pos = offset;
  while (pos < end) {
    // The run of sectors from `pos` sharing its bitmap bit (whole bitmap bytes at a time).
    uint64_t sector = pos / kSector;
    bool set = BitSet(bitmap_, sector);
    uint64_t last = (end + kSector - 1) / kSector;  // first sector not in this piece
    uint64_t s = sector + 1;
    while (s < last) {
      if ((s & 7) == 0 && s + 8 <= last && bitmap_[s >> 3] == (set ? 0xff : 0x00)) {
        s += 8;
      } else if (BitSet(bitmap_, s) == set) {
        ++s;
      } else {
        break;
      }
    }
    uint64_t run_end = std::min<uint64_t>(s * kSector, end);
    HashRun(set ? data.data() + (pos - offset) : nullptr, run_end - pos);
    pos = run_end;
  }
  return Status::OK();
}

Status ContentDigestSink::OnBlockEnd(uint32_t index) {
  if (next_offset_ != block_size_) {
    return Status::Internal("block " + std::to_string(index) + " ended early");
  }
  if (!block_nonzero_) return Status::OK();
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits_digest(block_hasher_->state));
  Record r;
  r.index = index;
  std::memcpy(r.hash.data(), c.digest, r.hash.size());
  records_.push_back(r);
  return Status::OK();
}

// Idempotent: a second call recomputes the same digest.
Status ContentDigestSink::Finish() {
  XCR_RETURN_IF_ERROR(parser_.Finish());
  std::sort(records_.begin(), records_.end(),
            [](const Record& a, const Record& b) { return a.index < b.index; });
  std::vector<uint8_t> head(kDefinition.begin(), kDefinition.end());
  PutBe(&head, virtual_size_, 8);
  std::array<uint8_t, 32> d{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, head.data(), head.size()) == 1;
  for (size_t i = 0; ok && i < records_.size(); ++i) {
    uint8_t rec[20];
    for (int k = 0; k < 4; ++k) rec[k] = static_cast<uint8_t>(records_[i].index >> (24 - 8 * k));
    std::memcpy(rec + 4, records_[i].hash.data(), 16);
    ok = EVP_DigestUpdate(ctx, rec, sizeof rec) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, d.data(), &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::Internal("SHA-256 failed");
  static const char* kHex = "0123456789abcdef";
  hex_.clear();
  for (uint8_t b : d) {
    hex_ += kHex[b >> 4];
    hex_ += kHex[b & 15];
  }
  return Status::OK();
}

}  // namespace xcr::engine
