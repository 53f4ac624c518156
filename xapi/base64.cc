#include "xapi/base64.h"

#include <openssl/evp.h>

#include <climits>

namespace xcr::xapi {

Result<std::string> DecodeBase64(std::string_view text) {
  // Normalise to what EVP_DecodeBlock takes: no blanks, the standard alphabet, padded.
  std::string clean;
  clean.reserve(text.size() + 3);
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return Status::Corruption("invalid base64 text: '=' before the end");
    clean.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  }
  if (clean.size() % 4 == 1) return Status::Corruption("truncated base64 text");
  const size_t needed = (4 - clean.size() % 4) % 4;
  if (padding > needed) return Status::Corruption("invalid base64 text: too much '=' padding");
  clean.append(needed, '=');
  if (clean.size() > static_cast<size_t>(INT_MAX)) {
    return Status::ResourceExhausted("base64 text over 2 GiB");
  }
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return Status::Corruption("invalid base64 text");
  // EVP_DecodeBlock counts the zero bytes the padding stands for: drop them.
  out.resize(static_cast<size_t>(n) - needed);
  return out;
}

}  // namespace xcr::xapi
