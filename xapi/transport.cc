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
  if (budget_->fetch_sub(1) <= 0) {
    return Status::Unavailable("injected failure: " + inner_->base_url() + " unreachable");
  }
  return inner_->Post(path, body, headers);
}

TransportFactory FailAfterTransport::Factory(TransportFactory inner, int successes) {
  auto budget = std::make_shared<std::atomic<int>>(successes);
  return [inner = std::move(inner),
          budget](const std::string& url) -> Result<std::unique_ptr<Transport>> {
    XCR_ASSIGN_OR_RETURN(std::unique_ptr<Transport> t, inner(url));
    return std::unique_ptr<Transport>(std::make_unique<FailAfterTransport>(std::move(t), budget));
  };
}

}  // namespace xcr::xapi
