// Health check of a replica (Xen Orchestra has it for CR): boot a throwaway clone of the replica
// and wait for its guest agent to report, proving the replica boots, then remove the clone.
//
//   clone ──> made startable ──> VM.start ──> wait for VM_guest_metrics ──> pass
//     │              │               │              │ timeout / halted / cancelled
//     └──────────────┴───────────────┴──────────────┴──> fail
//   (whatever happened once the clone exists) ──> hard shutdown, destroy the clone and its disks
//
// The clone is a VM.clone of the replica named "[xcr health check] <replica name>", made startable
// as `xcr clone` makes a DR clone (no blocked operations, not a template, replication keys and the
// replica tag removed) and marked with keys::kHealthCheckClone. The guest has reported when the
// clone's VM.guest_metrics is set and its record shows an OS version or PV drivers. The wait
// watches the clone through event.from (each wait at most tuning.wait_step_micros, so
// cancellation is seen), against a deadline on the Env clock. An interrupted copy is refused.
//
// The result is a task "health check" under `parent` in the log, with data "clone" (its uuid),
// "os" and "pv_drivers" (what the guest reported), and one step per phase ("clone", "start",
// "wait for the guest agent", "destroy the clone"). Thread-safety: as the Connection.
#ifndef XCR_ENGINE_HEALTH_CHECK_H_
#define XCR_ENGINE_HEALTH_CHECK_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "base/env.h"
#include "base/status.h"
#include "engine/task_log.h"
#include "xapi/connection.h"

namespace xcr::engine {

struct HealthCheckTuning {
  Env* env = nullptr;                     // the deadline's clock; null = Env::Default()
  uint64_t wait_step_micros = 5'000'000;  // longest single event.from wait
};

// Checks the replica with this uuid (or name) on `target`. OK when the guest reported within
// `timeout_micros`; else kTimeout ("... no report from its guest agent (VM_guest_metrics) within
// N s ..."), kCancelled, kFailedPrecondition (an interrupted copy), kNotFound (no such replica),
// or the XAPI error of the failing step. A clone that cannot be destroyed fails the check too,
// and the message names it so it can be removed by hand.
Status RunHealthCheck(xapi::Connection* target, const std::string& replica, uint64_t timeout_micros,
                      TaskLog* log, TaskId parent, const std::atomic<bool>* cancel,
                      const HealthCheckTuning& tuning = {});

}  // namespace xcr::engine

#endif  // XCR_ENGINE_HEALTH_CHECK_H_
