// Every other_config key xcr reads or writes, with its meaning. These follow Xen Orchestra's
// conventions (see docs/xo-compat.md) so a chain started by one tool can be continued by the
// other. All values are strings.
#ifndef XCR_ENGINE_OTHER_CONFIG_KEYS_H_
#define XCR_ENGINE_OTHER_CONFIG_KEYS_H_

#include <string_view>

namespace xcr::engine::keys {

// Job id. On the source snapshot VM and its VDIs; on the replica VM and its VDIs.
inline constexpr std::string_view kJob = "xo:backup:job";
// Schedule id. Same objects as kJob.
inline constexpr std::string_view kSchedule = "xo:backup:schedule";
// UUID of the source VM (not of the snapshot). Same objects as kJob.
inline constexpr std::string_view kVm = "xo:backup:vm";
// "YYYYMMDDTHH:MM:SSZ" (UTC). On a source snapshot: the time right after the snapshot. On a
// replica: the time of the run, written LAST; kDatetimePlaceholder while data is flowing, so an
// interrupted copy sorts oldest and is removed by the next run.
inline constexpr std::string_view kDatetime = "xo:backup:datetime";
inline constexpr std::string_view kDatetimePlaceholder = "19700101T000000Z";
// UUID of the target SR. On the replica VM and its VDIs.
inline constexpr std::string_view kSr = "xo:backup:sr";
// "true" on a source snapshot VM and its VDIs once a transfer from it succeeded: only such a
// snapshot may serve as a delta base.
inline constexpr std::string_view kExported = "xo:backup:exported";
// "true" on every object given the full key set (marks writes by fixed XO code; harmless).
inline constexpr std::string_view kIncludeNonNbdQcow2Fix = "xo:backup:includeNonNbdQcow2Fix";
// Number of deltas since the last full, decimal. On the replica VM + VDIs and the source snapshot.
inline constexpr std::string_view kDeltaChainLength = "xo:backup:deltaChainLength";
// UUID of the source snapshot VDI (on replica VDIs) or snapshot VM (on the replica VM) whose
// content this object holds: how the next run finds the replica of its base.
inline constexpr std::string_view kCopyOf = "xo:copy_of";
// UUID of the source snapshot VDI whose content this VDI holds, direction-agnostic. On source
// snapshot VDIs (their own UUID) and replica VDIs.
inline constexpr std::string_view kContentKey = "xo:backup:contentKey";
// On a target VDI during an upload: the import task's uuid and the byte count; removed after.
inline constexpr std::string_view kImportTask = "xo:import:task";
inline constexpr std::string_view kImportLength = "xo:import:length";

// xcr's own keys are namespaced "xcr:" (Xen Orchestra ignores them).
// On a VM seeded by cr-seed: JSON undo record of every field the seed changed (seed_undo.h).
inline constexpr std::string_view kSeedUndo = "xcr:seed:undo";
// On a source VM while a run of it is in progress: the run lease (engine/run_lease.h),
// "host=H;pid=P;run=RUN;job=JOB;since=S;expires=E" (S, E: Unix seconds). Added atomically with
// VM.add_to_other_config (a second run's add fails with MAP_DUPLICATE_KEY and is refused),
// renewed while the run lasts, removed at its end; once expired, another run may take it over.
inline constexpr std::string_view kLease = "xcr:lease";
// On a source VM for a few calls while a run lease is taken over, renewed or released:
// "EXPIRY;RUN" (EXPIRY: Unix seconds). Whoever adds it first may remove-and-add kLease; one
// left by a killed process is removed once EXPIRY has passed.
inline constexpr std::string_view kLeaseGuard = "xcr:lease:guard";
// On the throwaway clone a health check boots (engine/health_check.h): the uuid of the replica it
// checks. The check destroys the clone at its end; one found later was left by a killed process.
inline constexpr std::string_view kHealthCheckClone = "xcr:health_check";
// On a replica VDI: the content digest of the stream its run imported, computed as it streamed
// (engine/content_digest.h), "xcr-content-v2:<64 hex>". What it covers is kContentDigestScope.
inline constexpr std::string_view kContentDigest = "xcr:content_digest";
// On a replica VDI, with kContentDigest: kDigestScopeFull when the run sent the whole disk (the
// digest then equals a full re-export of this VDI, so `xcr verify` can check the replica without
// the source), kDigestScopeDelta when it sent a delta (the digest covers only the blocks that
// delta carried and says nothing about the rest of the disk).
inline constexpr std::string_view kContentDigestScope = "xcr:content_digest_scope";
// On a replica VDI, with kContentDigest: the UUID of the source snapshot VDI whose stream the
// digest is of (kContentKey as it was written). A digest is used only while this still equals
// kContentKey: a tool that wrote the disk later but kept xcr's keys leaves it stale.
inline constexpr std::string_view kContentDigestOf = "xcr:content_digest_of";
inline constexpr std::string_view kDigestScopeFull = "full";
inline constexpr std::string_view kDigestScopeDelta = "delta";

// blocked_operations value on replicas (Xen Orchestra's exact message) and during import.
inline constexpr std::string_view kBlockedStartMessage =
    "Start operation for this vm is blocked, clone it if you want to use it.";
inline constexpr std::string_view kBlockedImportingMessage = "Importing…";
// Tag on every replica VM.
inline constexpr std::string_view kReplicaTag = "Continuous Replication";
// Prefix of the replica name while data is flowing.
inline constexpr std::string_view kImportingNamePrefix = "[Importing…] ";
// Source disks whose name contains this are left out of snapshots and replication.
inline constexpr std::string_view kNoBackupMarker = "[NOBAK]";

}  // namespace xcr::engine::keys

#endif  // XCR_ENGINE_OTHER_CONFIG_KEYS_H_
