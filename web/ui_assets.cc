#include "web/ui_assets.h"

namespace xcr::web {

std::span<const EmbeddedAsset> UiAssets() { return {kUiAssets, kUiAssetsCount}; }

const EmbeddedAsset* FindUiAsset(std::string_view name) {
  for (const EmbeddedAsset& a : UiAssets()) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

}  // namespace xcr::web
