// The outcome of VerifyReplica (replica_ops.h) told to people and scripts, in one place for both
// `xcr verify` and the daemon's POST /api/replicas/UUID/verify:
//
//   VerifyPassed(disks)           every disk compared, every comparison equal (false for none)
//   VerifyDiskLine(disk)          "disk 0 (VDI u): identical to ... (xcr-content-v2:ab…)", or
//                                 "ERROR ..." — one line of `xcr verify`'s text
//   VerifySummary(disks)          one sentence for a user: "replica verified: content equals
//                                 ..." or each disk's problem and what to do about it
//   VerifyReportJson(replica, disks)
//                                 {"replica", "ok", "summary", "disks": [{"userdevice",
//                                 "replica_vdi", "source_vdi", "compared", "equal",
//                                 "replica_digest", "source_digest", "equal_source",
//                                 "recorded_digest", "recorded_scope", "equal_recorded",
//                                 "note", "error"}]} (the digests, note and error only when known)
// Thread-safety: pure functions.
#ifndef XCR_ENGINE_REPLICA_VERIFY_REPORT_H_
#define XCR_ENGINE_REPLICA_VERIFY_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/replica_ops.h"

namespace xcr::engine {

bool VerifyPassed(const std::vector<DiskVerification>& disks);
std::string VerifyDiskLine(const DiskVerification& disk);
std::string VerifySummary(const std::vector<DiskVerification>& disks);
nlohmann::json VerifyReportJson(const std::string& replica,
                                const std::vector<DiskVerification>& disks);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_REPLICA_VERIFY_REPORT_H_
