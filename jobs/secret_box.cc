#include "jobs/secret_box.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <memory>

#include "base/text.h"

namespace xcr::jobs {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string ModeText(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

}  // namespace

SecretBox::Key SecretBox::RandomKey() {
  Key key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) std::abort();
  return key;
}

Result<SecretBox> SecretBox::FromKeyFile(Env* env, const std::string& path, bool create) {
  if (!env->FileExists(path)) {
    if (!create) {
      return Status::FailedPrecondition("key file " + path + " is missing");
    }
    Key key = RandomKey();
    std::string hex;
    for (uint8_t b : key) {
      static const char kDigits[] = "0123456789abcdef";
      hex += kDigits[b >> 4];
      hex += kDigits[b & 15];
    }
    hex += '\n';
    XCR_RETURN_IF_ERROR(env->WriteFileAtomic(path, hex, 0600).WithContext("creating key file"));
  }
  XCR_ASSIGN_OR_RETURN(uint32_t mode, env->GetFileMode(path));
  if ((mode & 077) != 0) {
    return Status::PermissionDenied("key file " + path + " has mode " + ModeText(mode) +
                                    ": group or others may access it; run `chmod 600 " + path +
                                    "` (and keep it owned by the daemon's user)");
  }
  XCR_ASSIGN_OR_RETURN(std::string text, env->ReadFileToString(path, 4096));
  std::string_view hex = TrimBlanks(text);
  if (!hex.empty() && hex.back() == '\n') hex = TrimBlanks(hex.substr(0, hex.size() - 1));
  Key key;
  bool ok = hex.size() == 2 * key.size();
  for (size_t i = 0; ok && i < key.size(); ++i) {
    int hi = HexDigitValue(hex[2 * i]);
    int lo = HexDigitValue(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    key[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (!ok) {
    return Status::Corruption("key file " + path +
                              " does not hold a key (64 hex digits): restore it from a backup");
  }
  return SecretBox(key);
}

Result<std::string> SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  std::string out(1 + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = kVersion;
  unsigned char* nonce = p + 1;
  unsigned char* cipher = nonce + kNonceSize;
  if (RAND_bytes(nonce, kNonceSize) != 1) return Status::Internal("RAND_bytes failed");
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                              static_cast<int>(context.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), cipher, &len, Bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                                cipher + plaintext.size()) == 1;
  if (!ok) return Status::Internal("AES-256-GCM encryption failed in OpenSSL");
  return out;
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  if (sealed.size() < 1 + kNonceSize + kTagSize || static_cast<uint8_t>(sealed[0]) != kVersion) {
    return Status::Corruption("not a sealed secret (unknown format or truncated)");
  }
  const unsigned char* nonce = Bytes(sealed) + 1;
  const unsigned char* cipher = nonce + kNonceSize;
  size_t cipher_len = sealed.size() - 1 - kNonceSize - kTagSize;
  std::string plain(cipher_len, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  unsigned char tag[kTagSize];
  std::copy(cipher + cipher_len, cipher + cipher_len + kTagSize, tag);
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                              static_cast<int>(context.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out, &len, cipher, static_cast<int>(cipher_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), out + len, &len) == 1;
  if (!ok) {
    return Status::PermissionDenied(
        "a stored secret does not open with this key (another key file, or altered data)");
  }
  return plain;
}

}  // namespace xcr::jobs
