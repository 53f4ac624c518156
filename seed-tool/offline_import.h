// ImportSeed: the second half of an offline seed — the folder written by ExportSeed becomes a
// replica on the target pool, exactly as a replication run's full copy would be:
//
//   read + validate manifest.json ──> verify EVERY file (size, SHA-256, VHD footer) ──┐
//        │ error: nothing created                │ error: nothing created          │
//        ▼                                       ▼                                  ▼
//   ReplicaWriter: Resolve SR ──> refuse if already imported ──> Prepare (VM "[Importing…]",
//   disks, VIFs) ──> each file uploaded (hashed again on the way) ──> Finish (keys, datetime last)
//        │ any error: Abort (the replica VM and its disks destroyed)
//
// The replica carries xo:copy_of / xo:backup:contentKey = the source snapshot's VDI uuids and
// the snapshot's datetime, so the next replication run of the same job and schedule finds it as
// the base of a delta.
// Thread-safety: one import per object; the connection may be shared.
#ifndef XCR_SEED_TOOL_OFFLINE_IMPORT_H_
#define XCR_SEED_TOOL_OFFLINE_IMPORT_H_

#include <atomic>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "seed-tool/offline_digest.h"
#include "seed-tool/seed_manifest.h"
#include "xapi/connection.h"

namespace xcr::seed {

struct ImportOptions {
  std::string dir;     // the seed folder; required
  std::string sr;      // target SR uuid or name; required
  Env* env = nullptr;  // null = Env::Default()
  const std::atomic<bool>* cancel = nullptr;
  SeedProgressFn progress;  // verification ("verify <file>") and upload (<file>); may be empty
};

struct ImportResult {
  SeedManifest manifest;
  std::string replica_uuid;
  uint64_t bytes = 0;  // bytes uploaded
};

// Reads DIR/manifest.json (bounded) and validates it. kNotFound when the folder holds no
// manifest (not a seed, or an export that never finished).
Result<SeedManifest> ReadSeedManifest(Env* env, const std::string& dir);

// Checks every file of the seed: present, of the recorded size, with the recorded SHA-256, and
// a VHD of the recorded virtual size. kNotFound / kCorruption naming each bad file, with the
// expected and actual size or digest.
Status VerifySeedFiles(Env* env, const std::string& dir, const SeedManifest& m,
                       const SeedProgressFn& progress = {});

// Verifies, then creates the replica on `target`. kAlreadyExists if the SR already holds a
// replica of this seed's snapshot. On any failure nothing is left on the target.
Result<ImportResult> ImportSeed(xapi::Connection& target, const ImportOptions& options);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_OFFLINE_IMPORT_H_
