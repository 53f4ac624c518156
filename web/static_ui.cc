#include "web/static_ui.h"

#include "web/http_util.h"
#include "web/secret_token.h"

namespace xcr::web {

std::string ContentTypeFor(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext) {
      return std::string(type);
    }
  }
  return "application/octet-stream";
}

StaticUi::StaticUi() {
  for (const EmbeddedAsset& a : UiAssets()) {
    etags_[a.name] =
        "\"" +
        Sha256Hex(std::string_view(reinterpret_cast<const char*>(a.data), a.size)).substr(0, 32) +
        "\"";
  }
}

net::HttpResponse StaticUi::Handle(const net::HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    net::HttpResponse r = ErrorResponse(405, "the UI's files are read with GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  // The raw target's path, not a decoded one: a name is matched as sent.
  std::string name = req.target.substr(0, req.target.find('?'));
  if (name == "/" || name.empty()) name = "/index.html";
  const EmbeddedAsset* asset = FindUiAsset(std::string_view(name).substr(1));
  if (asset == nullptr) return ErrorResponse(404, "no such page: " + name.substr(0, 200));
  net::HttpResponse r;
  const std::string& etag = etags_.at(asset->name);
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  if (req.Header("if-none-match") == etag) {
    r.status = 304;
    return r;
  }
  r.headers.emplace_back("Content-Type", ContentTypeFor(asset->name));
  if (req.method == "GET") r.body.assign(reinterpret_cast<const char*>(asset->data), asset->size);
  return r;
}

}  // namespace xcr::web
