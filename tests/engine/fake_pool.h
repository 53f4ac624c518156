// FakeXapiPool: an in-memory XAPI pool for unit tests of the engine (the replicator's steps, the
// replica writer, source snapshots) without sockets and without the simulator. A real
// xapi::Connection logs in to it through a fake Transport (Connect()), so every call goes through
// the real XML-RPC codec, result-shape checks and typed decoders.
//
// The model is small: SRs, networks, VMs (snapshots and templates included), VDIs, VBDs and VIFs
// with the fields the engine reads (other_config, blocked_operations, tags, snapshot_of, ...).
// It answers the calls replication makes (get_all_records, get_record, VM.snapshot, VM.create,
// VDI.create/clone, VBD/VIF.create, set_other_config and the other setters, destroy, ...); any
// other method fails with MESSAGE_METHOD_UNKNOWN, so a test sees what it does not model.
//
// Every call is recorded (calls(), CallCount()); FailCall() makes chosen calls fail with an XAPI
// error, OnCall() runs a hook when a method is called (to cancel a run at a step, say).
//
// Disk content is a string per VDI (Vdi::content): snapshots and clones copy it, FakeDiskPipe
// (a stand-in for xapi::PipeVdi, ReplicationOptions::pipe) copies it from a source VDI to its
// targets. Thread-safety: all methods may be called from any thread.
#ifndef XCR_TESTS_ENGINE_FAKE_POOL_H_
#define XCR_TESTS_ENGINE_FAKE_POOL_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"
#include "xapi/value.h"

namespace xcr::engine::testing {

using StringMap = std::map<std::string, std::string>;

class FakeXapiPool {
 public:
  struct Vdi {
    std::string uuid, name_label, sr;  // sr: the SR's ref
    int64_t virtual_size = 0;
    bool is_a_snapshot = false;
    std::string snapshot_of = "OpaqueRef:NULL";  // a VDI ref
    StringMap other_config;
    std::string content;  // what the disk holds (copied by snapshots, clones and FakeDiskPipe)
  };
  struct Vbd {
    std::string vm, vdi, userdevice;
    bool bootable = false;
  };
  struct Vif {
    std::string vm, network, device, mac;
  };
  struct Vm {
    std::string uuid, name_label;
    bool is_a_template = false, is_a_snapshot = false;
    std::string snapshot_of = "OpaqueRef:NULL";  // a VM ref
    std::vector<std::string> snapshots;          // refs
    StringMap other_config, blocked_operations, current_operations;
    std::vector<std::string> tags;
    xapi::Struct extra;  // fields VM.create was given that are not modelled (copied back out)
  };

  // `url` is the pool master's ("https://dr-a"): Connection::master_url() and the pool of
  // messages; FakeDiskPipe finds pools by it.
  explicit FakeXapiPool(std::string url);

  const std::string& url() const { return url_; }
  // The host of the url, as messages name the pool ("dr-a").
  std::string host() const;

  // --- building the pool (each returns the new object's ref) ---
  std::string AddSr(const std::string& name);
  std::string AddNetwork(const std::string& name, const std::string& bridge = "xenbr0");
  std::string AddVm(const std::string& name);
  // A disk of `vm` on `sr`, attached as `userdevice`, holding `content`.
  std::string AddDisk(const std::string& vm, const std::string& sr, const std::string& userdevice,
                      const std::string& name, const std::string& content,
                      int64_t virtual_size = 2 << 20);
  std::string AddVif(const std::string& vm, const std::string& network, const std::string& device,
                     const std::string& mac);

  // A Connection logged in to this pool (any user and password are accepted).
  Result<std::unique_ptr<xapi::Connection>> Connect();

  // --- failures and hooks ---
  // The next `times` calls of `method` after `skip` successful ones fail with XAPI error
  // `error` (an INTERNAL_ERROR by default), changing nothing.
  void FailCall(const std::string& method, int times = 1, int skip = 0,
                const std::string& error = "INTERNAL_ERROR");
  // Runs `hook` (outside the pool's lock) after each successful call of `method`.
  void OnCall(const std::string& method, std::function<void()> hook);

  // --- what happened ---
  std::vector<std::string> calls() const;  // method names, in order (logins included)
  int CallCount(const std::string& method) const;
  // Params (after the session) of each call of `method`.
  std::vector<xapi::Array> ParamsOf(const std::string& method) const;

  // --- the state (copies; refs are the map keys) ---
  std::map<std::string, Vm> vms() const;
  std::map<std::string, Vdi> vdis() const;
  std::map<std::string, Vbd> vbds() const;
  std::map<std::string, Vm> SnapshotsOf(const std::string& vm_ref) const;
  // VMs that are neither snapshots nor templates, by name.
  std::map<std::string, Vm> VmsNamed(const std::string& name) const;
  Vm vm(const std::string& ref) const;
  Vdi vdi(const std::string& ref) const;
  std::string sr_uuid(const std::string& sr_ref) const;
  // The VDIs on an SR / attached to a VM (by VBD), by ref.
  std::map<std::string, Vdi> VdisOn(const std::string& sr_ref) const;
  std::map<std::string, Vdi> DisksOf(const std::string& vm_ref) const;

  // --- changing the state behind the engine's back ---
  void SetVmOtherConfig(const std::string& ref, const std::string& key, const std::string& value);
  void SetVdiOtherConfig(const std::string& ref, const std::string& key, const std::string& value);
  void SetVdiContent(const std::string& ref, const std::string& content);
  void SetCurrentOperation(const std::string& vm_ref, const std::string& op);
  void DestroyVm(const std::string& ref);  // with its disks

 private:
  class HostTransport;
  struct Failure {
    int skip = 0;
    int times = 0;
    std::string error;
  };

  Result<xapi::HttpResponse> Handle(std::string_view body);
  // Answers one call (params after the session), holding mu_.
  Result<xapi::Value> Dispatch(const std::string& method, const xapi::Array& p);
  Result<xapi::Value> GetAll(const std::string& cls);
  Result<xapi::Value> GetRecord(const std::string& cls, const std::string& ref);
  Result<xapi::Value> Snapshot(const xapi::Array& p);
  Result<xapi::Value> CreateVm(const xapi::Struct& rec);
  xapi::Value VmRecord(const std::string& ref) const;
  xapi::Value VdiRecord(const std::string& ref) const;
  StringMap* OtherConfigOf(const std::string& cls, const std::string& ref);
  std::string NewRef(const std::string& cls);
  std::string NewUuid();
  void DestroyVbdsOf(const std::string& key, bool by_vm);

  const std::string url_;
  mutable std::mutex mu_;
  int next_ = 0;
  std::map<std::string, std::pair<std::string, std::string>> srs_;  // ref -> uuid, name
  std::map<std::string, std::array<std::string, 3>> networks_;      // uuid, name, bridge
  std::map<std::string, Vm> vms_;
  std::map<std::string, Vdi> vdis_;
  std::map<std::string, Vbd> vbds_;
  std::map<std::string, Vif> vifs_;
  std::set<std::string> sessions_;
  std::vector<std::string> calls_;
  std::vector<xapi::Array> params_;
  std::map<std::string, Failure> failures_;
  std::map<std::string, std::function<void()>> hooks_;
};

// A stand-in for xapi::PipeVdi (ReplicationOptions::pipe): copies the source VDI's content onto
// each target VDI of the registered pools (found by their connections' master URLs), feeds the
// observer a small valid VHD stream (so a content digest is computed), and reports progress once.
// It honours TransferOptions::cancel (waiting, bounded, for the run's watchdog to raise it when
// a hook asked for a cancel) and can fail the export or the imports onto chosen SRs.
class FakeDiskPipe {
 public:
  struct Call {
    std::string source_vdi;      // ref
    std::string base;            // ref; "" for a full
    FakeXapiPool::Vdi base_vdi;  // the base as it was when the transfer started
    std::vector<std::string> target_vdis;
  };

  void Register(FakeXapiPool* pool) { pools_.push_back(pool); }
  // Imports onto VDIs of this SR (ref, on `pool`) fail with kIOError.
  void FailImportsOn(FakeXapiPool* pool, const std::string& sr_ref);
  // The export fails (every target then fails with it).
  void FailExport(bool fail) { fail_export_ = fail; }
  // Runs before each transfer (from the transfer's thread), to look at the pools mid-run.
  void BeforeTransfer(std::function<void()> hook) { before_ = std::move(hook); }
  // Runs `cancel` before each transfer, then waits (up to 5 s) for the run's watchdog to raise
  // TransferOptions::cancel, so the transfer ends cancelled as a real one would.
  void CancelOnTransfer(std::function<void()> cancel) {
    before_ = std::move(cancel);
    await_cancel_ = true;
  }

  // The function to put in ReplicationOptions::pipe.
  std::function<xapi::PipeResult(xapi::Connection&, const std::string&, const std::string&,
                                 const std::vector<xapi::PipeTarget>&,
                                 const xapi::TransferOptions&)>
  Function();
  std::vector<Call> calls() const;
  // The tagged content digest of the stream the pipe feeds observers.
  static std::string StreamDigest();

 private:
  xapi::PipeResult Pipe(xapi::Connection& source, const std::string& vdi, const std::string& base,
                        const std::vector<xapi::PipeTarget>& targets,
                        const xapi::TransferOptions& options);
  FakeXapiPool* PoolOf(xapi::Connection& conn) const;

  std::vector<FakeXapiPool*> pools_;
  std::set<std::pair<FakeXapiPool*, std::string>> failing_srs_;
  std::atomic<bool> fail_export_{false};
  std::function<void()> before_;
  bool await_cancel_ = false;
  mutable std::mutex mu_;
  std::vector<Call> calls_;
};

// An Env whose clocks stand still unless a test moves them (so run datetimes are known), and whose
// sleeps yield briefly in real time (so the run's lease keeper and watchdog threads poll without
// spinning and without the fake time racing ahead).
class StillClockEnv : public EnvWrapper {
 public:
  StillClockEnv() : EnvWrapper(Env::Default()) {}
  uint64_t NowMicros() override { return mono_us_.load(); }
  int64_t NowUnixMicros() override { return unix_us_.load(); }
  void SleepForMicros(uint64_t micros) override;
  void Advance(uint64_t micros) {
    mono_us_ += micros;
    unix_us_ += static_cast<int64_t>(micros);
  }

 private:
  std::atomic<uint64_t> mono_us_{1000000};
  std::atomic<int64_t> unix_us_{int64_t{1795426867} * 1000000};  // 2026-11-23T09:41:07Z
};

}  // namespace xcr::engine::testing

#endif  // XCR_TESTS_ENGINE_FAKE_POOL_H_
