#include "xapi/session.h"

namespace xcr::xapi {

std::string RedactRef(std::string_view ref) {
  constexpr std::string_view kPrefix = "OpaqueRef:";
  std::string_view body = ref;
  std::string out;
  if (body.substr(0, kPrefix.size()) == kPrefix) {
    body.remove_prefix(kPrefix.size());
    out = std::string(kPrefix);
  }
  out += std::string(body.substr(0, 4));
  out += "...";
  return out;
}

}  // namespace xcr::xapi
