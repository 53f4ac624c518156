// Chain: the virtual content of a differencing VHD and its ancestors, resolved sector by sector
// from the bitmaps: a sector comes from the nearest file (leaf first) whose bitmap bit for it is
// set; a sector no file holds (or beyond an ancestor's smaller size) reads as zeros. This is the
// semantics of the VHD spec and of XAPI; vhd-lib's block-granular merge differs when a child
// block's bitmap is partial.
//
// A chain is given explicitly (files root -> leaf) or found from the leaf through its parent
// locators. Each link is checked: a child is a differencing disk whose header parent UUID is the
// parent's footer UUID (kCorruption otherwise, naming both files). The root may be fixed,
// dynamic, or a differencing disk whose parent is absent.
//
// Thread-safety: none.
#ifndef XCR_VHD_CHAIN_H_
#define XCR_VHD_CHAIN_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "vhd/file_reader.h"

namespace xcr::vhd {

class Chain {
 public:
  // Most files a chain found through locators may have (a loop guard).
  static constexpr int kMaxDepth = 64;

  // files: root first, leaf last; at least one.
  static Result<Chain> Open(std::vector<std::unique_ptr<VhdFile>> files);
  static Result<Chain> OpenPaths(Env* env, const std::vector<std::string>& root_to_leaf);
  // Opens `leaf` and follows parent locators (W2ru, W2ku, MacX; relative to the child's
  // directory, then the bare file name there, then the header's parent name) until a disk that
  // is not differencing. kNotFound if a parent cannot be found.
  static Result<Chain> OpenFromLeaf(Env* env, const std::string& leaf);

  uint64_t virtual_size() const { return files_.back()->virtual_size(); }
  const VhdFile& leaf() const { return *files_.back(); }
  const std::vector<std::unique_ptr<VhdFile>>& files() const { return files_; }

  // Reads [offset, offset + buf.size()) of the virtual content; kInvalidArgument past the
  // virtual size.
  Status Read(uint64_t offset, std::span<uint8_t> buf);

 private:
  explicit Chain(std::vector<std::unique_ptr<VhdFile>> files) : files_(std::move(files)) {}
  std::vector<std::unique_ptr<VhdFile>> files_;
  std::vector<uint8_t> tmp_;
  std::vector<uint8_t> need_;
};

// Checks that `child` may sit on top of `parent` (differencing, parent UUID matches).
Status CheckLink(const VhdFile& parent, const VhdFile& child);

}  // namespace xcr::vhd

#endif  // XCR_VHD_CHAIN_H_
