#include "seed-tool/offline_digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace xcr::seed {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_->md); }

void Sha256::Update(std::span<const uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

std::string Sha256::HexDigest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

DigestingFileSink::DigestingFileSink(std::unique_ptr<WritableFile> file)
    : file_(std::move(file)), buf_(kSeedBufferSize) {}

Status DigestingFileSink::Flush() {
  if (used_ == 0) return Status::OK();
  std::span<const uint8_t> chunk(buf_.data(), used_);
  XCR_RETURN_IF_ERROR(file_->Write(chunk));
  sha_.Update(chunk);
  bytes_ += used_;
  used_ = 0;
  if (on_flush_) on_flush_(bytes_);
  return Status::OK();
}

Status DigestingFileSink::Write(std::span<const uint8_t> data) {
  while (!data.empty()) {
    size_t n = std::min(data.size(), buf_.size() - used_);
    std::memcpy(buf_.data() + used_, data.data(), n);
    used_ += n;
    data = data.subspan(n);
    if (used_ == buf_.size()) XCR_RETURN_IF_ERROR(Flush());
  }
  return Status::OK();
}

Status DigestingFileSink::Finish() {
  XCR_RETURN_IF_ERROR(Flush());
  XCR_RETURN_IF_ERROR(file_->Sync());
  XCR_RETURN_IF_ERROR(file_->Close());
  hex_ = sha_.HexDigest();
  return Status::OK();
}

Result<size_t> DigestingSource::Read(std::span<uint8_t> buf) {
  XCR_ASSIGN_OR_RETURN(size_t n, inner_->Read(buf));
  sha_.Update(buf.first(n));
  bytes_ += n;
  return n;
}

Result<FileDigest> DigestFile(Env* env, const std::string& path,
                              const std::function<void(uint64_t)>& progress) {
  XCR_ASSIGN_OR_RETURN(std::unique_ptr<Source> file, env->NewSequentialFile(path));
  std::vector<uint8_t> buf(kSeedBufferSize);
  Sha256 sha;
  FileDigest out;
  for (;;) {
    XCR_ASSIGN_OR_RETURN(size_t n, file->Read(buf));
    if (n == 0) break;
    std::span<const uint8_t> got(buf.data(), n);
    sha.Update(got);
    out.size += n;
    // Keep the last 512 bytes seen.
    if (n >= 512) {
      out.tail.assign(got.end() - 512, got.end());
    } else {
      out.tail.insert(out.tail.end(), got.begin(), got.end());
      if (out.tail.size() > 512) out.tail.erase(out.tail.begin(), out.tail.end() - 512);
    }
    if (progress) progress(out.size);
  }
  out.sha256 = sha.HexDigest();
  return out;
}

}  // namespace xcr::seed
