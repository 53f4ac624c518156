// ExportSeed: the first half of an offline seed — a VM's disks carried to a folder (a removable
// disk) instead of over the network.
//
//   check DIR ──> snapshot the VM (as a replication run does) ──> each disk: full VHD export
//   ──> DIR/.<file>.partial (written and hashed in one pass, fsync) ──> rename to DIR/<file>
//   ──> DIR/manifest.json (atomic, LAST) ──> mark the source snapshot exported
//
// Any failure removes what this export wrote and the snapshot: a folder without manifest.json
// is never a seed, and a snapshot not marked exported is never a delta base. Marking the
// snapshot exported before the import is safe: the engine takes it as a base only when the
// target also holds its replica, which the import creates (ImportSeed, offline_import.h).
// Thread-safety: one export per object; the connection may be shared.
#ifndef XCR_SEED_TOOL_OFFLINE_EXPORT_H_
#define XCR_SEED_TOOL_OFFLINE_EXPORT_H_

#include <atomic>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "seed-tool/offline_digest.h"
#include "seed-tool/seed_manifest.h"
#include "xapi/connection.h"

namespace xcr::seed {

struct ExportOptions {
  std::string vm;                             // uuid or unique name of the source VM; required
  std::string job_id;                         // the replication job the seed starts; required
  std::string schedule_id;                    // required
  std::string job_name;                       // for the snapshot's name; defaults to the job id
  std::string dir;                            // the seed folder (created if missing); required
  std::string tool;                           // recorded in the manifest, e.g. "cr-seed 0.1"
  Env* env = nullptr;                         // files and clock; null = Env::Default()
  const std::atomic<bool>* cancel = nullptr;  // set -> kCancelled, everything cleaned up
  SeedProgressFn progress;                    // per disk file; may be empty
};

// Checks that `dir` may receive a seed: it is created if missing; kAlreadyExists if it holds a
// manifest.json (a seed already), kFailedPrecondition if it holds files of an unfinished
// export. Other files (lost+found, ...) are left alone.
Status CheckSeedDir(Env* env, const std::string& dir);

// Runs the export; returns the manifest written. kResourceExhausted when the folder's disk is
// full; the message names the folder. On any failure nothing is left in `dir` by this export.
Result<SeedManifest> ExportSeed(xapi::Connection& source, const ExportOptions& options);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_OFFLINE_EXPORT_H_
