// RunLease: a lock on a source VM held by one run, stored in the VM's own other_config, so every
// xcr process on every machine sees it and no lock server is needed.
//
// The lease is the key keys::kLease holding LeaseInfo (owner host, pid and run id, job, since,
// expiry on the wall clock of the Env). VM.add_to_other_config is atomic (MAP_DUPLICATE_KEY when
// the key exists), so an add is the only way to win a lease. Every other change of the lease
// (takeover of an expired lease, renewal, release) removes it first, and is done holding the
// guard key keys::kLeaseGuard (itself won by an atomic add and short-lived), so two processes
// never both remove-then-add: read -> check expiry -> remove -> add happens under the guard, and
// the final add still decides.
//
//          Acquire                 Renew (every ttl/3)             Release (destructor too)
//   (none) ───────> [held] ─────────────────────────> [held] ─────────────────────> (none)
//      │  add fails:       │ the lease is not ours any more
//      │  live: refused    └──────────> [lost]  (the run is cancelled by its caller)
//      └─ expired, or its owner is dead: taken over under the guard
//
// A dead owner: a lease whose owner host is this host (the name this run would write), whose
// owner process is certainly gone — no process with its pid, a process with its pid that started
// at another time (the pid was reused), or this machine was booted again since — is taken over at
// once, exactly like an expired one, and the takeover is logged naming the dead owner. The lease
// records its owner's start time and boot id (OwnerProbe) for that; a lease without them (written
// by an older xcr), one of another host, or one whose owner cannot be told is judged by its
// expiry only. A live owner's lease is never taken over.
//
// LeaseStore is the narrow view of one VM's other_config the lease needs (tested in memory);
// VmLeaseStore implements it over XAPI. Thread-safety: a RunLease is used by one thread at a
// time; LeaseKeeper renews it on its own thread and owns it while it runs.
#ifndef XCR_ENGINE_RUN_LEASE_H_
#define XCR_ENGINE_RUN_LEASE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/env.h"
#include "base/result.h"
#include "base/status.h"
#include "engine/catalog.h"
#include "xapi/connection.h"

namespace xcr::engine {

// One VM's other_config, as the lease uses it.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // The whole map.
  virtual Result<StringMap> Read() = 0;
  // Adds key=value atomically: kAlreadyExists when the key is present (XAPI MAP_DUPLICATE_KEY).
  virtual Status Add(const std::string& key, const std::string& value) = 0;
  // Removes key; OK when absent.
  virtual Status Remove(const std::string& key) = 0;
  // Names the VM in messages.
  virtual std::string vm_label() const = 0;
};

// LeaseStore over VM.get_other_config / add_to_other_config / remove_from_other_config.
class VmLeaseStore : public LeaseStore {
 public:
  VmLeaseStore(xapi::Connection* conn, std::string vm_ref, std::string vm_label)
      : conn_(conn), vm_ref_(std::move(vm_ref)), vm_label_(std::move(vm_label)) {}
  Result<StringMap> Read() override;
  Status Add(const std::string& key, const std::string& value) override;
  Status Remove(const std::string& key) override;
  std::string vm_label() const override { return vm_label_; }

 private:
  xapi::Connection* conn_;
  std::string vm_ref_;
  std::string vm_label_;
};

// Whether the process that wrote a lease on this machine still runs: the boot of the machine and
// the start time of a process tell a live owner from a pid reused after its death. Thread-safe.
class OwnerProbe {
 public:
  virtual ~OwnerProbe() = default;
  // What tells this boot of this machine (and its process namespace) from any other; "" when it
  // cannot be told.
  virtual std::string BootId() = 0;
  // A token of when process `pid` started: the same for the whole life of the process, another
  // for a later process given the same pid. kNotFound when no process has that pid; another error
  // when it cannot be told (then the owner counts as alive).
  virtual Result<std::string> StartTime(int64_t pid) = 0;
};

// OwnerProbe over Linux /proc: /proc/sys/kernel/random/boot_id and the pid namespace
// (/proc/self/ns/pid) for the boot, field 22 of /proc/PID/stat (ticks since boot) for the start.
class ProcOwnerProbe : public OwnerProbe {
 public:
  explicit ProcOwnerProbe(Env* env = nullptr);  // null = Env::Default()
  std::string BootId() override;
  Result<std::string> StartTime(int64_t pid) override;
  // The one shared by every lease that is given none.
  static ProcOwnerProbe* Default();

 private:
  Env* env_;
};

// What a lease says. Encoded "host=H;pid=P;run=R;job=J;since=S;expires=E;start=T;boot=B"
// (S, E: Unix seconds; T, B: OwnerProbe tokens, absent in leases of older versions).
struct LeaseInfo {
  std::string host;
  int64_t pid = 0;
  std::string run_id;
  std::string job_id;
  int64_t since = 0;    // Unix seconds
  int64_t expires = 0;  // Unix seconds
  std::string start;    // the owner's OwnerProbe::StartTime; "" when unknown or an old lease
  std::string boot;     // the owner's OwnerProbe::BootId; "" when unknown or an old lease
  std::string Encode() const;
  // kInvalidArgument for a value that is not a lease (then treated as expired by Acquire).
  static Result<LeaseInfo> Decode(const std::string& value);
};

struct LeaseOptions {
  std::string job_id;           // required
  std::string run_id;           // required: unique per run (a UUID)
  std::string host;             // default: this machine's host name
  int64_t pid = 0;              // default: this process
  int64_t ttl_seconds = 300;    // a lease not renewed for this long may be taken over
  Env* env = nullptr;           // wall clock; null = Env::Default()
  OwnerProbe* probe = nullptr;  // tells dead owners on this host; null = ProcOwnerProbe::Default()
};

// Why the owner of `held` is certainly dead, judged from `this_host` (the host name this run
// writes in its lease): "no process 42 runs", ...; nullopt when it may be alive, runs on another
// host, or the lease is of an older format (then only its expiry counts).
std::optional<std::string> DeadOwnerReason(const LeaseInfo& held, const std::string& this_host,
                                           OwnerProbe& probe);

class RunLease {
 public:
  // Takes the lease of the VM behind `store`. kFailedPrecondition when a live lease of another run
  // (unexpired, and its owner not dead on this host) holds it: "a run of job X for VM Y is in
  // progress (host H, since T)"; kUnavailable when the store fails or another process is changing
  // the lease right now (try again).
  static Result<std::unique_ptr<RunLease>> Acquire(std::unique_ptr<LeaseStore> store,
                                                   LeaseOptions options);
  // Releases (best effort) when still held.
  ~RunLease();

  // Pushes the expiry to now + ttl. kFailedPrecondition when the lease is no longer this run's
  // (expired and taken over, or removed by hand): the run must stop.
  Status Renew();
  // Removes the lease if it is still this run's, trying again (3 times in all) when a call fails,
  // so one failed call does not leave the lease for its whole ttl. Idempotent.
  Status Release();

  const LeaseInfo& info() const { return info_; }
  int64_t ttl_seconds() const { return options_.ttl_seconds; }
  Env* env() const { return env_; }

 private:
  RunLease(std::unique_ptr<LeaseStore> store, LeaseOptions options, LeaseInfo info);

  std::unique_ptr<LeaseStore> store_;
  LeaseOptions options_;
  Env* env_;
  LeaseInfo info_;
  bool held_ = true;
};

// The lease of a source VM for one run of `job_id` (a fresh run id), over XAPI.
Result<std::unique_ptr<RunLease>> AcquireVmLease(xapi::Connection& conn, const std::string& vm_ref,
                                                 const std::string& vm_label,
                                                 const std::string& job_id, Env* env);

// "a run of job X for VM Y is in progress (host H, since T)".
std::string LeaseHeldMessage(const LeaseInfo& held, const std::string& vm_label);

// True if `value` (keys::kLease of a VM) is a lease that has not expired at `now_unix_seconds`
// and whose owner is not certainly dead (DeadOwnerReason seen from `this_host`, "" = this
// machine's name, asking `probe`, null = ProcOwnerProbe::Default()): what another run, a purge
// or a heal must respect.
bool IsLiveLease(const std::string& value, int64_t now_unix_seconds, OwnerProbe* probe = nullptr,
                 const std::string& this_host = "");

// Renews a lease every ttl/3 on its own thread, watching the Env clock in steps of `poll` so
// it stops promptly. cancel_flag() becomes true when the caller's `external` flag does or a
// renewal fails (the run must then stop; the reason is lost_status()). The destructor stops the
// thread and releases the lease.
class LeaseKeeper {
 public:
  LeaseKeeper(std::unique_ptr<RunLease> lease, const std::atomic<bool>* external,
              uint64_t poll_micros = 50000);
  ~LeaseKeeper();
  const std::atomic<bool>* cancel_flag() const { return &cancel_; }
  // The renewal failure that set the flag; OK if none.
  Status lost_status() const;

 private:
  std::unique_ptr<RunLease> lease_;
  const std::atomic<bool>* external_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> lost_{false};
  Status lost_status_;
  std::thread thread_;
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_RUN_LEASE_H_
