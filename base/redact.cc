#include "base/redact.h"

namespace xcr {

std::string RedactUrl(std::string_view url) {
  size_t sep = url.find("://");
  size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, start));
  out += "<user info>";
  out += url.substr(start + at);
  return out;
}

}  // namespace xcr
