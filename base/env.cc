#include "base/env.h"

#include <vector>

namespace xcr {

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  while (!out.empty() && out.back() == '/' && out.size() > 1) out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

Result<std::string> Env::ReadFileToString(const std::string& path, uint64_t max_bytes) {
  XCR_ASSIGN_OR_RETURN(auto file, NewRandomAccessFile(path));
  XCR_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  if (size > max_bytes) {
    return Status::ResourceExhausted(path + " is " + std::to_string(size) +
                                     " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::string out(size, '\0');
  XCR_ASSIGN_OR_RETURN(
      size_t n,
      file->ReadAt(0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  out.resize(n);
  return out;
}

Status Env::WriteFileAtomic(const std::string& path, std::string_view data, int mode) {
  std::string tmp = path + ".tmp";
  XCR_ASSIGN_OR_RETURN(auto file, NewWritableFile(tmp, mode));
  XCR_RETURN_IF_ERROR(file->Write(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size())));
  XCR_RETURN_IF_ERROR(file->Sync());
  XCR_RETURN_IF_ERROR(file->Close());
  XCR_RETURN_IF_ERROR(RenameFile(tmp, path));
  size_t slash = path.rfind('/');
  return SyncDir(slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash)));
}

}  // namespace xcr
