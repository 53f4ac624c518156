#include "vhd/chain.h"

#include <algorithm>
#include <cstring>

namespace xcr::vhd {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseName(std::string path) {
  std::replace(path.begin(), path.end(), '\\', '/');
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Status CheckLink(const VhdFile& parent, const VhdFile& child) {
  if (child.type() != DiskType::kDifferencing) {
    return Status::Corruption("VHD chain: " + child.name() + " is a " +
                              std::string(DiskTypeName(child.type())) +
                              " disk, not a differencing child of " + parent.name());
  }
  if (child.header().parent_uuid != parent.footer().uuid) {
    return Status::Corruption("VHD chain: " + child.name() + " has parent UUID " +
                              child.header().parent_uuid.ToString() + " (header offset 552) but " +
                              parent.name() + " has UUID " + parent.footer().uuid.ToString());
  }
  return Status::OK();
}

Result<Chain> Chain::Open(std::vector<std::unique_ptr<VhdFile>> files) {
  if (files.empty()) return Status::InvalidArgument("VHD chain: no files");
  for (size_t i = 1; i < files.size(); ++i) {
    XCR_RETURN_IF_ERROR(CheckLink(*files[i - 1], *files[i]));
  }
  return Chain(std::move(files));
}

Result<Chain> Chain::OpenPaths(Env* env, const std::vector<std::string>& root_to_leaf) {
  std::vector<std::unique_ptr<VhdFile>> files;
  for (const std::string& p : root_to_leaf) {
    XCR_ASSIGN_OR_RETURN(auto f, VhdFile::Open(env, p));
    files.push_back(std::move(f));
  }
  return Open(std::move(files));
}

Result<Chain> Chain::OpenFromLeaf(Env* env, const std::string& leaf) {
  std::vector<std::unique_ptr<VhdFile>> files;
  XCR_ASSIGN_OR_RETURN(auto f, VhdFile::Open(env, leaf));
  std::string path = leaf;
  files.push_back(std::move(f));
  while (files.back()->type() == DiskType::kDifferencing) {
    if (static_cast<int>(files.size()) >= kMaxDepth) {
      return Status::Corruption("VHD chain from " + leaf + " is deeper than " +
                                std::to_string(kMaxDepth) + " (a loop?)");
    }
    const VhdFile& child = *files.back();
    std::string dir = DirName(path);
    std::vector<std::string> candidates;
    for (int i = 0; i < kNumLocators; ++i) {
      XCR_ASSIGN_OR_RETURN(std::string loc, child.ReadParentLocator(i));
      if (loc.empty()) continue;
      std::string unix_path = loc;
      std::replace(unix_path.begin(), unix_path.end(), '\\', '/');
      if (unix_path.rfind("./", 0) == 0) unix_path = unix_path.substr(2);
      candidates.push_back(unix_path[0] == '/' ? unix_path : JoinPath(dir, unix_path));
      candidates.push_back(JoinPath(dir, BaseName(loc)));
    }
    if (!child.header().parent_name.empty()) {
      candidates.push_back(JoinPath(dir, BaseName(child.header().parent_name)));
    }
    std::string found;
    for (const std::string& c : candidates) {
      if (env->FileExists(c)) {
        found = c;
        break;
      }
    }
    if (found.empty()) {
      return Status::NotFound("VHD chain: parent of " + child.name() + " (UUID " +
                              child.header().parent_uuid.ToString() + ", name '" +
                              child.header().parent_name + "') not found next to it");
    }
    XCR_ASSIGN_OR_RETURN(auto parent, VhdFile::Open(env, found));
    XCR_RETURN_IF_ERROR(CheckLink(*parent, child));
    path = found;
    files.push_back(std::move(parent));
  }
  std::reverse(files.begin(), files.end());
  return Chain(std::move(files));
}

Status Chain::Read(uint64_t offset, std::span<uint8_t> buf) {
  uint64_t size = virtual_size();
  if (offset > size || buf.size() > size - offset) {
    return Status::InvalidArgument("VHD chain: read of " + std::to_string(buf.size()) +
                                   " bytes at " + std::to_string(offset) +
                                   " past the virtual size " + std::to_string(size));
  }
  constexpr uint64_t kPiece = 1 << 20;
  while (!buf.empty()) {
    uint64_t first = offset / kSectorSize;
    uint64_t last =
        (offset + std::min<uint64_t>(buf.size(), kPiece) + kSectorSize - 1) / kSectorSize;
    size_t n = static_cast<size_t>(last - first);
    tmp_.assign(n * kSectorSize, 0);
    need_.assign(n, 1);
    for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
      XCR_RETURN_IF_ERROR((*it)->ReadPresentSectors(first, need_, tmp_));
      if (std::find(need_.begin(), need_.end(), 1) == need_.end()) break;
    }
    size_t skip = static_cast<size_t>(offset - first * kSectorSize);
    size_t len = std::min(buf.size(), tmp_.size() - skip);
    std::memcpy(buf.data(), tmp_.data() + skip, len);
    buf = buf.subspan(len);
    offset += len;
  }
  return Status::OK();
}

}  // namespace xcr::vhd
