// Conversions between raw images and VHDs, all streaming through one block-sized buffer:
//
//  - WriteDynamicFromRaw: a raw image -> a dynamic VHD holding only its non-zero blocks
//    (two passes over the raw file: find the blocks, then write them).
//  - WriteDeltaFromRaws: two raw images (old, new) -> a differencing VHD holding the blocks that
//    differ, each whole with every bitmap bit set: what XAPI exports for a VDI against a base.
//  - WriteChainContent: a chain's virtual content -> raw bytes.
//  - ApplyBlock: what XAPI's importer does with one block of a VHD stream: write onto the
//    target only the sectors whose bitmap bits are set.
//
// Thread-safety: none; pure functions over the objects passed.
#ifndef XCR_VHD_CONVERT_H_
#define XCR_VHD_CONVERT_H_

#include <cstdint>
#include <span>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "base/stream.h"
#include "vhd/chain.h"
#include "vhd/stream_writer.h"

namespace xcr::vhd {

struct ConvertOptions {
  uint32_t block_size = kDefaultBlockSize;
  Uuid disk_uuid;          // nil: random
  uint32_t timestamp = 0;  // footer timestamp (VHD epoch seconds)
  // Differencing output only (WriteDeltaFromRaws): the parent's identity.
  Uuid parent_uuid;
  std::string parent_name;
  uint32_t parent_timestamp = 0;
};

// The layout WriteDynamicFromRaw would use: virtual size = raw size rounded up to 512, blocks =
// the indices of non-zero blocks.
Result<StreamLayout> PlanDynamicFromRaw(const RandomAccessFile& raw, const ConvertOptions& opt);
// Writes a dynamic VHD of `raw` to `out`. Returns the bytes written (= the planned total).
Result<uint64_t> WriteDynamicFromRaw(const RandomAccessFile& raw, Sink& out,
                                     const ConvertOptions& opt);

// Writes a differencing VHD holding every block of `new_raw` that differs from `old_raw` (bytes
// past the end of old_raw count as zeros). Virtual size = new_raw's size rounded up to 512.
// opt.parent_uuid must be set. Returns the bytes written.
Result<uint64_t> WriteDeltaFromRaws(const RandomAccessFile& old_raw,
                                    const RandomAccessFile& new_raw, Sink& out,
                                    const ConvertOptions& opt);

// Writes the chain's whole virtual content to `out` in 1 MiB pieces. Returns the bytes written.
Result<uint64_t> WriteChainContent(Chain& chain, Sink& out);

// Writes onto `target` the sectors of block `index` whose bits are set in `bitmap`, from
// `data` (block_size bytes), clipped to `virtual_size`. One WriteAt per run of set sectors.
Status ApplyBlock(RandomRWFile& target, uint32_t index, uint32_t block_size,
                  std::span<const uint8_t> bitmap, std::span<const uint8_t> data,
                  uint64_t virtual_size);

}  // namespace xcr::vhd

#endif  // XCR_VHD_CONVERT_H_
