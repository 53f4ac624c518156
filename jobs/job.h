// The job model: what a continuous-replication job is, in Xen Orchestra's terms, so a user of XO
// recognises it (docs/jobs.md lists every field with its JSON name).
//
//   Job ──< Schedule        a job runs on each of its schedules (cron text in an IANA zone);
//    │                      retention is per schedule, as in XO (copyRetention,
//    │                      snapshotRetention)
//    ├── vms                explicit VM uuids, or a smart pattern (pools, tags, exclusions)
//    │                      resolved at each run, so a VM tagged later is picked up
//    └──< TargetSr          target SRs on any stored pools, never the same SR twice
//
// A job's id is written on replicas and source snapshots as `xo:backup:job`, a schedule's as
// `xo:backup:schedule`. Both are UUIDs the daemon creates (AssignMissingIds).
// Validation (job_validation.h) and JSON (job_json.h) live in their own files.
// Thread-safety: plain values.
#ifndef XCR_JOBS_JOB_H_
#define XCR_JOBS_JOB_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcr::jobs {

// XO's `reportWhen`: when a run's report is sent.
enum class ReportWhen {
  kAlways,   // "always": after every run
  kFailure,  // "failure": only after a run where a VM failed (the default, as XO)
  kNever,    // "never"
};
std::string_view ReportWhenName(ReportWhen when);
std::optional<ReportWhen> ParseReportWhen(std::string_view text);

// What the smart mode knows of a VM when resolving a pattern.
struct VmFacts {
  std::string uuid;
  std::string pool;  // id of the stored pool the VM lives on
  std::vector<std::string> tags;
};

// XO's smart mode: every VM on `pools` (all stored pools if empty) carrying at least one of
// `tags` (any tag if empty), minus those on `not_pools`, carrying one of `not_tags`, or listed
// in `not_vms`.
struct VmPattern {
  std::vector<std::string> pools;      // pool ids
  std::vector<std::string> tags;       // a VM needs one of these
  std::vector<std::string> not_pools;  // pool ids excluded
  std::vector<std::string> not_tags;   // a VM with one of these is excluded (e.g. "xo:no-bak")
  std::vector<std::string> not_vms;    // VM uuids excluded
  bool operator==(const VmPattern&) const = default;

  // Whether the VM belongs to the job under this pattern. UUIDs compare case-insensitively,
  // pool ids and tags exactly.
  bool Matches(const VmFacts& vm) const;
};

// The VMs of a job: explicit uuids, or (when `pattern` is set) a smart pattern.
struct VmSelection {
  std::vector<std::string> ids;      // VM uuids, when pattern is empty
  std::optional<VmPattern> pattern;  // smart mode
  bool operator==(const VmSelection&) const = default;
};

// One target: an SR (uuid, or name label unique on its pool) on a stored pool.
struct TargetSr {
  std::string pool;  // id of a stored pool
  std::string sr;
  bool operator==(const TargetSr&) const = default;
};

struct Schedule {
  std::string id;                   // UUID; written on replicas as xo:backup:schedule
  std::string name;                 // may be empty, as in XO
  std::string cron;                 // cron (5 fields) or calendar-event text
  std::string timezone = "UTC";     // IANA name, e.g. "Europe/Paris"
  bool enabled = true;              // a disabled schedule never triggers
  uint32_t copy_retention = 1;      // replicas kept per target SR (>= 1)
  uint32_t snapshot_retention = 1;  // source snapshots kept (>= 1; the newest is the next base)
  bool operator==(const Schedule&) const = default;
};

struct ReportSettings {
  ReportWhen when = ReportWhen::kFailure;
  std::string webhook_url;              // JSON POST of the run's report; empty: none
  std::vector<std::string> recipients;  // e-mail addresses; empty: no mail
  bool operator==(const ReportSettings&) const = default;
};

// XO's health check for CR: after a run, clone the newest replica, start it, wait for its guest
// agent, destroy the clone.
struct HealthCheck {
  bool enabled = false;
  uint64_t timeout_ms = 600'000;  // how long the guest agent has to report
  bool operator==(const HealthCheck&) const = default;
};

struct Job {
  std::string id;  // UUID; written on replicas as xo:backup:job
  std::string name;
  bool enabled = true;  // a disabled job never triggers on its schedules (run now still works)
  VmSelection vms;
  std::vector<TargetSr> srs;
  uint32_t concurrency = 2;  // VMs of this job replicated at once (>= 1)
  uint64_t timeout_ms = 0;   // per-VM timeout; 0 = none (XO's `timeout`, milliseconds)
  uint64_t rate = 0;         // export bandwidth limit in bytes per second; 0 = none
  ReportSettings report;
  HealthCheck health_check;
  std::vector<Schedule> schedules;
  bool operator==(const Job&) const = default;

  // The schedule with this id, or null.
  const Schedule* FindSchedule(std::string_view schedule_id) const;
};

// Gives a fresh UUID to the job and to each schedule whose id is empty; others are kept.
void AssignMissingIds(Job* job);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_H_
