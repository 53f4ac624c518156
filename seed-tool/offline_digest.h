// SHA-256 of seed files, computed in the same pass that writes or reads them:
//
//   export:  ExportVdi ──> DigestingFileSink ──> file       (one pass: write + hash)
//   verify:  DigestFile(path)                                (one pass: read + hash)
//   import:  file ──> DigestingSource ──> ImportVdi          (one pass: read + hash + upload)
//
// Data moves through one reused buffer of kSeedBufferSize bytes; nothing holds a disk whole.
// Thread-safety: one object per thread.
#ifndef XCR_SEED_TOOL_OFFLINE_DIGEST_H_
#define XCR_SEED_TOOL_OFFLINE_DIGEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/stream.h"

namespace xcr::seed {

inline constexpr size_t kSeedBufferSize = 1 << 20;

// Progress of one file or transfer: `label` (e.g. "0-disk-0.vhd"), bytes done, expected total
// (0 if not known). Called from the thread doing the work.
using SeedProgressFn = std::function<void(const std::string& label, uint64_t done, uint64_t total)>;

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::span<const uint8_t> data);
  // Lower-case hex of everything passed to Update. Call once.
  std::string HexDigest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// Writes a stream to a file through a reused buffer and hashes it on the way. Finish() flushes,
// fsyncs and closes the file; then hex() and bytes() are valid. On any error the file holds a
// partial stream: the caller removes it.
class DigestingFileSink : public Sink {
 public:
  explicit DigestingFileSink(std::unique_ptr<WritableFile> file);
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override;
  // Called with the byte count after each flush to the file (for progress); may be empty.
  void set_on_flush(std::function<void(uint64_t)> f) { on_flush_ = std::move(f); }
  uint64_t bytes() const { return bytes_; }
  const std::string& hex() const { return hex_; }

 private:
  Status Flush();

  std::unique_ptr<WritableFile> file_;
  std::vector<uint8_t> buf_;
  size_t used_ = 0;
  uint64_t bytes_ = 0;
  Sha256 sha_;
  std::string hex_;
  std::function<void(uint64_t)> on_flush_;
};

// A Source that hashes and counts what passes through it.
class DigestingSource : public Source {
 public:
  explicit DigestingSource(Source* inner) : inner_(inner) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;
  uint64_t bytes() const { return bytes_; }
  std::string HexDigest() { return sha_.HexDigest(); }

 private:
  Source* inner_;
  Sha256 sha_;
  uint64_t bytes_ = 0;
};

struct FileDigest {
  uint64_t size = 0;
  std::string sha256;
  std::vector<uint8_t> tail;  // the file's last 512 bytes (its VHD footer), fewer if smaller
};

// Reads the file once. `progress` (may be empty) gets the byte count so far after each chunk.
Result<FileDigest> DigestFile(Env* env, const std::string& path,
                              const std::function<void(uint64_t)>& progress = {});

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_OFFLINE_DIGEST_H_
