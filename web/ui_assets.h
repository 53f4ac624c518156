// The web UI's files (web/ui/*), compiled into the binary by cmake/embed_files.cmake: nothing
// to install, nothing fetched from elsewhere. Names are paths relative to web/ui with '/'.
// Thread-safety: immutable data.
#ifndef XCR_WEB_UI_ASSETS_H_
#define XCR_WEB_UI_ASSETS_H_

#include <cstddef>
#include <span>
#include <string_view>

namespace xcr::web {

struct EmbeddedAsset {
  const char* name;  // "index.html", "js/app.js"
  const unsigned char* data;
  size_t size;
};

// Generated (ui_assets_data.cc).
extern const EmbeddedAsset kUiAssets[];
extern const size_t kUiAssetsCount;

std::span<const EmbeddedAsset> UiAssets();
// The asset with exactly this name, or null.
const EmbeddedAsset* FindUiAsset(std::string_view name);

}  // namespace xcr::web

#endif  // XCR_WEB_UI_ASSETS_H_
