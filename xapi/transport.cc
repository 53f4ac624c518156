#include "xapi/transport.h"

#include <strings.h>

namespace xcr::xapi {

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

Result<HttpResponse> FailAfterTransport::Post(std::string_view path, std::string_view body,
                                              const HttpHeaders& headers) {
  if (remaining_.fetch_sub(1) <= 0) {
    failures_.fetch_add(1);
    return Status::Unavailable("injected failure: " + inner_->base_url() + " unreachable");
  }
  return inner_->Post(path, body, headers);
}

}  // namespace xcr::xapi
