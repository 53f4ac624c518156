// SeedManifest: the description of an offline seed folder, stored as DIR/manifest.json.
//
//   DIR/0-disk-0.vhd       one full VHD export per disk of the source snapshot
//   DIR/1-disk-1.vhd
//   DIR/manifest.json      written LAST and atomically: a folder without it is not a seed
//
// The manifest names the replication run the seed belongs to (job, schedule, source VM), the
// source snapshot (uuid, times, its raw XAPI record: what the replica VM is created from), the
// VIFs, and per disk its place in the VM, size and the SHA-256 of its file. Import trusts
// nothing in it: Parse validates every field and bounds every size, and file names must be
// plain names of the form "<n>-disk-<userdevice>.vhd" (no path can escape the folder).
// Thread-safety: plain values and pure functions.
#ifndef XCR_SEED_TOOL_SEED_MANIFEST_H_
#define XCR_SEED_TOOL_SEED_MANIFEST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "xapi/value.h"

namespace xcr::seed {

inline constexpr std::string_view kManifestName = "manifest.json";
inline constexpr std::string_view kManifestFormat = "xcr-offline-seed";
inline constexpr int kManifestVersion = 1;
// Bounds applied when reading a manifest.
inline constexpr uint64_t kMaxManifestBytes = 16 << 20;
inline constexpr size_t kMaxSeedDisks = 64;
inline constexpr size_t kMaxSeedVifs = 64;
inline constexpr size_t kMaxFieldBytes = 4096;  // any single string field but the record

struct SeedDisk {
  std::string userdevice;  // "0", "1", ...
  bool bootable = false;
  std::string vdi_uuid;  // the source snapshot's VDI (the replica's xo:copy_of / contentKey)
  std::string name_label, name_description;
  uint64_t virtual_size = 0;  // bytes
  std::string file;           // name inside the seed folder
  uint64_t file_size = 0;     // bytes of the VHD file
  std::string sha256;         // lower-case hex of the file
};

struct SeedVif {
  std::string device;
  std::string mac;
  int64_t mtu = 1500;
  std::string network_uuid, network_name;
};

struct SeedManifest {
  int format_version = kManifestVersion;
  std::string tool;         // "cr-seed <version>"
  std::string created;      // ISO 8601 UTC, when the export finished
  std::string source_pool;  // master URL of the source pool
  std::string job_id, schedule_id, job_name;
  std::string vm_uuid, vm_name;  // the source VM (not the snapshot)
  std::string snapshot_uuid;
  std::string snapshot_time;    // XAPI's snapshot_time text
  std::string datetime;         // xo:backup:datetime of the snapshot, "YYYYMMDDTHH:MM:SSZ"
  xapi::Value snapshot_record;  // the snapshot VM's raw record (a struct)
  std::vector<SeedVif> vifs;
  std::vector<SeedDisk> disks;
};

// "<index>-disk-<userdevice>.vhd", the userdevice reduced to [A-Za-z0-9].
std::string SeedDiskFileName(size_t index, std::string_view userdevice);

// Pretty-printed JSON.
std::string ManifestToJson(const SeedManifest& m);
// Parses and validates; kCorruption naming the field for anything missing, mistyped, out of
// bounds or inconsistent (duplicate userdevices or file names, a bad digest, an unsafe name);
// kNotSupported for a newer format version.
Result<SeedManifest> ParseManifest(std::string_view json);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_SEED_MANIFEST_H_
