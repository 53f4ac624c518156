// BlockStore: the simulator's disk storage. Each disk (one per VDI) is a chain of copy-on-write
// layers of 2 MiB blocks; each layer is a sparse file in <dir>/layers plus its set of allocated
// blocks. Reads walk the chain from the top; writes go to the disk's own top layer, copying a
// block up whole the first time it is written there.
//
//   disk A: [L1 L2 L5]      Snapshot(A) freezes A's top (L5): both A and the new disk S get a
//   disk S: [L1 L2 L5 L6]   fresh empty top, so the top layer of a disk is never shared and
//   disk A: [L1 L2 L5 L7]   a snapshot costs nothing.
//
// Layers are refcounted by the chains that hold them; DestroyDisk frees layers no chain uses, so
// AllocatedBytes() is real space. Commit() fsyncs written layer files and then atomically
// replaces the metadata file: a crash loses only uncommitted writes.
//
// Thread-safety: all methods are safe to call concurrently (one internal mutex; block reads run
// outside it on pread-based files).
#ifndef XCR_SIM_BLOCK_STORE_H_
#define XCR_SIM_BLOCK_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

class BlockStore {
 public:
  static constexpr uint64_t kBlockSize = 2 << 20;
  static constexpr uint64_t kSectorSize = 512;

  BlockStore(Env* env, std::string dir);

  // Loads the metadata (an absent file is an empty store).
  Status Open();

  // Space limit for allocated blocks; writes needing more fail with kResourceExhausted. 0 means
  // unlimited.
  void set_capacity(uint64_t bytes);

  // A new empty disk of `virtual_size` bytes (rounded up to a sector). Returns its id.
  Result<std::string> CreateDisk(uint64_t virtual_size);
  // Frees the disk and every layer no other disk uses.
  Status DestroyDisk(const std::string& id);
  // A new disk sharing all of id's current data (used for VDI.snapshot and VDI.clone).
  Result<std::string> Snapshot(const std::string& id);
  // A new disk holding a full private copy of id's data (VDI.copy / VM.copy).
  Result<std::string> Copy(const std::string& id);
  // Grows a disk (shrinking is refused with kInvalidArgument).
  Status Resize(const std::string& id, uint64_t virtual_size);

  bool HasDisk(const std::string& id) const;
  Result<uint64_t> VirtualSize(const std::string& id) const;
  // Distinct allocated blocks in the disk's chain, in bytes.
  Result<uint64_t> AllocatedBytes(const std::string& id) const;
  // Bytes allocated by all live layers.
  uint64_t TotalAllocatedBytes() const;

  // Allocated blocks of the disk's chain, ascending.
  Result<std::vector<uint32_t>> AllocatedBlocks(const std::string& id) const;
  // Blocks allocated in layers held by exactly one of the two chains (XAPI's delta), ascending.
  Result<std::vector<uint32_t>> DiffBlocks(const std::string& id, const std::string& base) const;

  // Reads whole block `index` (buf.size() == kBlockSize): zeros where nothing is allocated.
  Status ReadBlock(const std::string& id, uint32_t index, std::span<uint8_t> buf) const;
  // Reads [offset, offset+buf.size()) (must lie inside the disk).
  Status Read(const std::string& id, uint64_t offset, std::span<uint8_t> buf) const;
  // Writes data at offset (must lie inside the disk). Not durable until Commit().
  Status Write(const std::string& id, uint64_t offset, std::span<const uint8_t> data);
  // Makes all writes so far durable.
  Status Commit();

 private:
  struct Layer {
    std::set<uint32_t> blocks;
    int refs = 0;
    bool dirty = false;
    std::shared_ptr<RandomRWFile> file;
  };
  struct Disk {
    uint64_t size = 0;
    std::vector<uint64_t> chain;  // bottom .. top
  };

  Result<std::shared_ptr<RandomRWFile>> FileLocked(uint64_t layer_id) const;
  std::string LayerPath(uint64_t layer_id) const;
  uint64_t NewLayerLocked();
  void UnrefLocked(uint64_t layer_id);
  Status SaveMetaLocked();
  Status WriteBlockPartLocked(Disk& disk, uint32_t block, uint64_t in_block,
                              std::span<const uint8_t> data);
  // The top-most layer of the chain holding block, or 0 if none.
  uint64_t OwnerLocked(const Disk& disk, uint32_t block) const;
  uint64_t AllocatedBytesLocked() const;

  Env* env_;
  std::string dir_;
  mutable std::mutex mu_;
  uint64_t capacity_ = 0;
  uint64_t next_layer_ = 1;
  mutable std::map<uint64_t, Layer> layers_;
  std::map<std::string, Disk> disks_;
  std::vector<uint64_t> freed_;  // layer files to remove at the next Commit
};

}  // namespace xcr::sim

#endif  // XCR_SIM_BLOCK_STORE_H_
