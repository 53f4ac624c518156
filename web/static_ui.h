// StaticUi: serves the embedded UI files (ui_assets.h). A request names a file only by its exact
// entry in the embedded table — "/" is index.html, "/js/app.js" is "js/app.js" — so no path,
// encoded or not ("..", "%2e%2e", "//", "\"), can reach anything else: there is no file system
// behind it. GET and HEAD only (405 otherwise); 404 for any other name. Content types by
// extension; an ETag (SHA-256 prefix) with 304 for If-None-Match; Cache-Control: no-cache (the
// browser revalidates, so a new binary's UI shows at once).
// Thread-safety: immutable after construction.
#ifndef XCR_WEB_STATIC_UI_H_
#define XCR_WEB_STATIC_UI_H_

#include <map>
#include <string>

#include "net/http_types.h"
#include "web/ui_assets.h"

namespace xcr::web {

// "text/html; charset=utf-8" for "index.html", ...; application/octet-stream if unknown.
std::string ContentTypeFor(std::string_view name);

class StaticUi : public net::HttpHandler {
 public:
  StaticUi();
  bool IsStreaming(const net::HttpRequest&) override { return false; }
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest&, net::HttpConnection&) override {}

 private:
  std::map<std::string, std::string> etags_;  // asset name -> quoted ETag
};

}  // namespace xcr::web

#endif  // XCR_WEB_STATIC_UI_H_
