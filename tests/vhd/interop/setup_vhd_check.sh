#!/bin/sh
# CTest fixture: copies shared/tools/vhd-check into the build tree and installs its npm
# dependencies (vhd-lib pinned by its package.json). Fails loudly when a prerequisite is missing.
# usage: setup_vhd_check.sh SRC_DIR DEST_DIR
set -eu
src=$1
dst=$2
if [ ! -f "$src/check.mjs" ]; then
  echo "vhd-check not found at $src (set -DXCR_SHARED_DIR=/path/to/shared)" >&2
  exit 1
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is required for the vhd-lib interop tests (apt-get install nodejs npm)" >&2
    exit 1
  fi
done
mkdir -p "$dst"
# Re-install only when the sources changed.
if [ -d "$dst/node_modules" ] && cmp -s "$src/package.json" "$dst/package.json" &&
   cmp -s "$src/check.mjs" "$dst/check.mjs"; then
  echo "vhd-check already installed in $dst"
  exit 0
fi
cp -r "$src/." "$dst/"
cd "$dst"
npm install --no-audit --no-fund
test -d node_modules/vhd-lib || { echo "npm install did not provide vhd-lib" >&2; exit 1; }
