#include "sim/block_store.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/uuid.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

BlockStore::BlockStore(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}

std::string BlockStore::LayerPath(uint64_t id) const {
  return JoinPath(JoinPath(dir_, "layers"), std::to_string(id) + ".img");
}

Status BlockStore::Open() {
  std::lock_guard<std::mutex> l(mu_);
  XCR_RETURN_IF_ERROR(env_->CreateDirs(JoinPath(dir_, "layers")));
  std::string meta = JoinPath(dir_, "blocks.json");
  if (!env_->FileExists(meta)) return Status::OK();
  XCR_ASSIGN_OR_RETURN(std::string text, env_->ReadFileToString(meta, 1ull << 30));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("bad block store " + meta);
  next_layer_ = j.value("next_layer", uint64_t{1});
  for (auto it = j["layers"].begin(); it != j["layers"].end(); ++it) {
    Layer& layer = layers_[std::stoull(it.key())];
    for (const auto& b : it.value()) layer.blocks.insert(b.get<uint32_t>());
  }
  for (auto it = j["disks"].begin(); it != j["disks"].end(); ++it) {
    Disk& d = disks_[it.key()];
    d.size = it.value()["size"].get<uint64_t>();
    for (const auto& layer_id : it.value()["chain"]) {
      d.chain.push_back(layer_id.get<uint64_t>());
      layers_[d.chain.back()].refs++;
    }
  }
  return Status::OK();
}

void BlockStore::set_capacity(uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  capacity_ = bytes;
}

uint64_t BlockStore::NewLayerLocked() {
  uint64_t id = next_layer_++;
  layers_[id].refs = 1;
  return id;
}

void BlockStore::UnrefLocked(uint64_t id) {
  auto it = layers_.find(id);
  if (it == layers_.end()) return;
  if (--it->second.refs <= 0) {
    layers_.erase(it);
    freed_.push_back(id);
  }
}

Result<std::string> BlockStore::CreateDisk(uint64_t virtual_size) {
  std::lock_guard<std::mutex> l(mu_);
  std::string id = Uuid::Random().ToString();
  Disk& d = disks_[id];
  d.size = (virtual_size + kSectorSize - 1) / kSectorSize * kSectorSize;
  d.chain.push_back(NewLayerLocked());
  XCR_RETURN_IF_ERROR(SaveMetaLocked());
  return id;
}

Status BlockStore::DestroyDisk(const std::string& id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = disks_.find(id);
  if (it == disks_.end()) return Status::NotFound("no disk " + id);
  for (uint64_t layer : it->second.chain) UnrefLocked(layer);
  disks_.erase(it);
  return SaveMetaLocked();
}

Result<std::string> BlockStore::Snapshot(const std::string& id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = disks_.find(id);
  if (it == disks_.end()) return Status::NotFound("no disk " + id);
  std::string nid = Uuid::Random().ToString();
  Disk copy = it->second;
  for (uint64_t layer : copy.chain) layers_[layer].refs++;
  copy.chain.push_back(NewLayerLocked());
  it->second.chain.push_back(NewLayerLocked());
  disks_[nid] = std::move(copy);
  XCR_RETURN_IF_ERROR(SaveMetaLocked());
  return nid;
}

Result<std::string> BlockStore::Copy(const std::string& id) {
  XCR_ASSIGN_OR_RETURN(uint64_t size, VirtualSize(id));
  XCR_ASSIGN_OR_RETURN(std::vector<uint32_t> blocks, AllocatedBlocks(id));
  XCR_ASSIGN_OR_RETURN(std::string nid, CreateDisk(size));
  std::vector<uint8_t> buf(kBlockSize);
  for (uint32_t b : blocks) {
    Status s = ReadBlock(id, b, buf);
    uint64_t off = uint64_t{b} * kBlockSize;
    uint64_t n = std::min<uint64_t>(kBlockSize, size - off);
    if (s.ok()) s = Write(nid, off, std::span<const uint8_t>(buf.data(), n));
    if (!s.ok()) {
      (void)DestroyDisk(nid);
      return s;
    }
  }
  XCR_RETURN_IF_ERROR(Commit());
  return nid;
}

Status BlockStore::Resize(const std::string& id, uint64_t virtual_size) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = disks_.find(id);
  if (it == disks_.end()) return Status::NotFound("no disk " + id);
  uint64_t size = (virtual_size + kSectorSize - 1) / kSectorSize * kSectorSize;
  if (size < it->second.size) return Status::InvalidArgument("shrinking a disk is not supported");
  it->second.size = size;
  return SaveMetaLocked();
}

bool BlockStore::HasDisk(const std::string& id) const {
  std::lock_guard<std::mutex> l(mu_);
  return disks_.count(id) != 0;
}

Result<uint64_t> BlockStore::VirtualSize(const std::string& id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = disks_.find(id);
  if (it == disks_.end()) return Status::NotFound("no disk " + id);
  return it->second.size;
}

Result<std::vector<uint32_t>> BlockStore::AllocatedBlocks(const std::string& id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = disks_.find(id);
  if (it == disks_.end()) return Status::NotFound("no disk " + id);
  std::set<uint32_t> all;
  for (uint64_t layer : it->second.chain) {
    const auto& b = layers_[layer].blocks;
    all.insert(b.begin(), b.end());
  }
  return std::vector<uint32_t>(all.begin(), all.end());
}

Result<uint64_t> BlockStore::AllocatedBytes(const std::string& id) const {
  XCR_ASSIGN_OR_RETURN(std::vector<uint32_t> b, AllocatedBlocks(id));
  return b.size() * kBlockSize;
}

uint64_t BlockStore::AllocatedBytesLocked() const {
  uint64_t n = 0;
  for (const auto& [id, layer] : layers_) n += layer.blocks.size();
  return n * kBlockSize;
}

uint64_t BlockStore::TotalAllocatedBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return AllocatedBytesLocked();
}

Result<std::vector<uint32_t>> BlockStore::DiffBlocks(const std::string& id,
                                                     const std::string& base) const {
  std::lock_guard<std::mutex> l(mu_);
  auto a = disks_.find(id);
  auto b = disks_.find(base);
  if (a == disks_.end()) return Status::NotFound("no disk " + id);
  if (b == disks_.end()) return Status::NotFound("no disk " + base);
  std::set<uint64_t> la(a->second.chain.begin(), a->second.chain.end());
  std::set<uint64_t> lb(b->second.chain.begin(), b->second.chain.end());
  std::set<uint32_t> out;
  for (uint64_t x : la) {
    if (!lb.count(x)) out.insert(layers_[x].blocks.begin(), layers_[x].blocks.end());
  }
  for (uint64_t x : lb) {
    if (!la.count(x)) out.insert(layers_[x].blocks.begin(), layers_[x].blocks.end());
  }
  // Blocks beyond the disk's end (the base was larger) cannot be emitted.
  uint64_t nblocks = (a->second.size + kBlockSize - 1) / kBlockSize;
  std::vector<uint32_t> v;
  for (uint32_t blk : out) {
    if (blk < nblocks) v.push_back(blk);
  }
  return v;
}

uint64_t BlockStore::OwnerLocked(const Disk& disk, uint32_t block) const {
  for (auto it = disk.chain.rbegin(); it != disk.chain.rend(); ++it) {
    if (layers_[*it].blocks.count(block)) return *it;
  }
  return 0;
}

Result<std::shared_ptr<RandomRWFile>> BlockStore::FileLocked(uint64_t id) const {
  Layer& layer = layers_[id];
  if (!layer.file) {
    XCR_ASSIGN_OR_RETURN(std::unique_ptr<RandomRWFile> f,
                         env_->NewRandomRWFile(LayerPath(id), true));
    layer.file = std::move(f);
  }
  return layer.file;
}

Status BlockStore::ReadBlock(const std::string& id, uint32_t index, std::span<uint8_t> buf) const {
  std::shared_ptr<RandomRWFile> file;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = disks_.find(id);
    if (it == disks_.end()) return Status::NotFound("no disk " + id);
    uint64_t owner = OwnerLocked(it->second, index);
    if (owner != 0) {
      XCR_ASSIGN_OR_RETURN(file, FileLocked(owner));
    }
  }
  size_t got = 0;
  if (file) {
    XCR_ASSIGN_OR_RETURN(got, file->ReadAt(uint64_t{index} * kBlockSize, buf));
  }
  std::memset(buf.data() + got, 0, buf.size() - got);
  return Status::OK();
}

Status BlockStore::Read(const std::string& id, uint64_t offset, std::span<uint8_t> buf) const {
  XCR_ASSIGN_OR_RETURN(uint64_t size, VirtualSize(id));
  if (offset > size || buf.size() > size - offset) return Status::InvalidArgument("read past end");
  std::vector<uint8_t> block(kBlockSize);
  size_t done = 0;
  while (done < buf.size()) {
    uint64_t pos = offset + done;
    uint32_t b = static_cast<uint32_t>(pos / kBlockSize);
    uint64_t in = pos % kBlockSize;
    size_t n = std::min<uint64_t>(buf.size() - done, kBlockSize - in);
    XCR_RETURN_IF_ERROR(ReadBlock(id, b, block));
    std::memcpy(buf.data() + done, block.data() + in, n);
    done += n;
  }
  return Status::OK();
}

Status BlockStore::WriteBlockPartLocked(Disk& disk, uint32_t block, uint64_t in_block,
                                        std::span<const uint8_t> data) {
  uint64_t top = disk.chain.back();
  Layer& layer = layers_[top];
  XCR_ASSIGN_OR_RETURN(std::shared_ptr<RandomRWFile> file, FileLocked(top));
  uint64_t base = uint64_t{block} * kBlockSize;
  if (!layer.blocks.count(block)) {
    if (capacity_ != 0 && AllocatedBytesLocked() + kBlockSize > capacity_) {
      return Status::ResourceExhausted("There is insufficient space");
    }
    if (data.size() != kBlockSize) {
      // Copy the block up whole from the chain below (zeros if nowhere).
      std::vector<uint8_t> old(kBlockSize, 0);
      uint64_t owner = OwnerLocked(disk, block);
      if (owner != 0) {
        XCR_ASSIGN_OR_RETURN(std::shared_ptr<RandomRWFile> src, FileLocked(owner));
        XCR_ASSIGN_OR_RETURN(size_t got, src->ReadAt(base, old));
        (void)got;
      }
      std::memcpy(old.data() + in_block, data.data(), data.size());
      XCR_RETURN_IF_ERROR(file->WriteAt(base, old));
    } else {
      XCR_RETURN_IF_ERROR(file->WriteAt(base, data));
    }
    layer.blocks.insert(block);
  } else {
    XCR_RETURN_IF_ERROR(file->WriteAt(base + in_block, data));
  }
  layer.dirty = true;
  return Status::OK();
}

Status BlockStore::Write(const std::string& id, uint64_t offset, std::span<const uint8_t> data) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = disks_.find(id);
  if (it == disks_.end()) return Status::NotFound("no disk " + id);
  if (offset > it->second.size || data.size() > it->second.size - offset) {
    return Status::InvalidArgument("write past the end of the disk");
  }
  size_t done = 0;
  while (done < data.size()) {
    uint64_t pos = offset + done;
    uint32_t b = static_cast<uint32_t>(pos / kBlockSize);
    uint64_t in = pos % kBlockSize;
    size_t n = std::min<uint64_t>(data.size() - done, kBlockSize - in);
    XCR_RETURN_IF_ERROR(WriteBlockPartLocked(it->second, b, in, data.subspan(done, n)));
    done += n;
  }
  return Status::OK();
}

Status BlockStore::SaveMetaLocked() {
  nlohmann::json layers = nlohmann::json::object();
  for (const auto& [id, layer] : layers_) {
    layers[std::to_string(id)] = std::vector<uint32_t>(layer.blocks.begin(), layer.blocks.end());
  }
  nlohmann::json disks = nlohmann::json::object();
  for (const auto& [id, d] : disks_) disks[id] = {{"size", d.size}, {"chain", d.chain}};
  nlohmann::json j = {{"next_layer", next_layer_}, {"layers", layers}, {"disks", disks}};
  XCR_RETURN_IF_ERROR(env_->WriteFileAtomic(JoinPath(dir_, "blocks.json"), j.dump()));
  for (uint64_t id : freed_) {
    if (env_->FileExists(LayerPath(id))) (void)env_->RemoveFile(LayerPath(id));
  }
  freed_.clear();
  return Status::OK();
}

Status BlockStore::Commit() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, layer] : layers_) {
    if (layer.dirty && layer.file) {
      XCR_RETURN_IF_ERROR(layer.file->Sync());
      layer.dirty = false;
    }
  }
  return SaveMetaLocked();
}

}  // namespace xcr::sim
