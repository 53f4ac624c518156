// Typed XAPI calls replication needs, over a Connection. Each returns the decoded result or the
// call's Status (XAPI failures keep their error name and parameters, see base/status.h).
//
//   XCR_ASSIGN_OR_RETURN(auto vms, GetAllRecords<VmRecord>(conn));
//   XCR_ASSIGN_OR_RETURN(std::string snap, VmSnapshot(conn, vm_ref, "xcr snapshot", {}));
//
// Record classes are those of records.h (VmRecord, VdiRecord, ..., TaskRecord).
//
// No answer is trusted for its type: Connection::Call checks every answer's shape by the
// method's name (result_shape.h), each call here checks again the shape it returns (a ref is a
// string, a void call answers nothing, a record set is a struct of structs) and records.h checks
// each field it reads. A wrong type is kCorruption naming the method (and the ref and field), the
// expected and the received type:
//   VM.get_all_records: expected a struct of records, got an int (42)
//   VM.get_record OpaqueRef:1: VM.power_state: expected a string, got an array ([])
// Thread-safety: as Connection (safe from many threads).
#ifndef XCR_XAPI_API_H_
#define XCR_XAPI_API_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "xapi/connection.h"
#include "xapi/records.h"

namespace xcr::xapi {

using Ref = std::string;

// Any call answering a ref (VM.create with a record the caller built, ...): the ref, or
// kCorruption if the answer is not a string.
Result<Ref> CallRef(Connection& conn, std::string_view method, Array params);
// Any call answering void (VM.start, VM.add_tags, VDI.set_name_label, ...): kCorruption if the
// answer is not nil or "".
Status CallVoid(Connection& conn, std::string_view method, Array params);
// <Class>.get_all_records as the Value XAPI sent, checked to be a struct of records (ref ->
// struct); the records' fields are not decoded (for tools printing them whole, and decoders of
// their own).
Result<Value> GetAllRecordsValue(Connection& conn, std::string_view cls);

// <Class>.get_all_records -> ref -> record.
template <typename R>
Result<std::map<Ref, R>> GetAllRecords(Connection& conn);
// <Class>.get_record(ref).
template <typename R>
Result<R> GetRecord(Connection& conn, const Ref& ref);
// <Class>.get_by_uuid(uuid) -> ref. UUID_INVALID if no such object.
Result<Ref> GetByUuid(Connection& conn, std::string_view cls, const std::string& uuid);

// --- VM ---
// VM.snapshot(vm, name, ignore_vdis); on hosts older than 21.4 (MESSAGE_PARAMETER_COUNT_MISMATCH)
// the 2-argument form, which snapshots every disk (only allowed if ignore_vdis is empty).
Result<Ref> VmSnapshot(Connection& conn, const Ref& vm, const std::string& name,
                       const std::vector<Ref>& ignore_vdis);
Result<Ref> VmClone(Connection& conn, const Ref& vm, const std::string& name);
// VM.copy(vm, name, sr): full disks into `sr` (OpaqueRef:NULL: each disk stays in its SR).
Result<Ref> VmCopy(Connection& conn, const Ref& vm, const std::string& name, const Ref& sr);
Status VmDestroy(Connection& conn, const Ref& vm);
Status VmSetIsATemplate(Connection& conn, const Ref& vm, bool value);
Status VmSetNameLabel(Connection& conn, const Ref& vm, const std::string& name);
Status VmSetBlockedOperations(Connection& conn, const Ref& vm, const StringMap& ops);
Status VmAddToBlockedOperations(Connection& conn, const Ref& vm, const std::string& op,
                                const std::string& reason);
Status VmRemoveFromBlockedOperations(Connection& conn, const Ref& vm, const std::string& op);

// --- other_config of any class ("VM", "VDI", ...) ---
// Adds key=value; an existing key is removed first (XAPI refuses MAP_DUPLICATE_KEY).
Status AddToOtherConfig(Connection& conn, std::string_view cls, const Ref& ref,
                        const std::string& key, const std::string& value);
Status RemoveFromOtherConfig(Connection& conn, std::string_view cls, const Ref& ref,
                             const std::string& key);
Status SetOtherConfig(Connection& conn, std::string_view cls, const Ref& ref, const StringMap& map);

// --- VDI, VBD, VIF ---
struct VdiSpec {
  Ref SR;
  int64_t virtual_size = 0;
  std::string name_label, name_description;
  std::string type = "user";
  bool sharable = false, read_only = false;
  StringMap other_config, sm_config;
};
Result<Ref> VdiCreate(Connection& conn, const VdiSpec& spec);
Status VdiDestroy(Connection& conn, const Ref& vdi);
Result<Ref> VdiClone(Connection& conn, const Ref& vdi);
Result<Ref> VdiSnapshot(Connection& conn, const Ref& vdi);
Status VdiResize(Connection& conn, const Ref& vdi, int64_t size);

struct VbdSpec {
  Ref VM, VDI;
  std::string userdevice = "autodetect";
  bool bootable = false;
  std::string mode = "RW";
  std::string type = "Disk";
  bool empty = false;
  StringMap other_config;
};
Result<Ref> VbdCreate(Connection& conn, const VbdSpec& spec);
Status VbdDestroy(Connection& conn, const Ref& vbd);

struct VifSpec {
  Ref VM, network;
  std::string device = "0";
  std::string MAC;  // "" = generated
  int64_t MTU = 1500;
  StringMap other_config;
};
Result<Ref> VifCreate(Connection& conn, const VifSpec& spec);
Status VifDestroy(Connection& conn, const Ref& vif);

// --- task ---
Result<Ref> TaskCreate(Connection& conn, const std::string& label, const std::string& description);
Status TaskDestroy(Connection& conn, const Ref& task);
Status TaskCancel(Connection& conn, const Ref& task);

struct WaitOptions {
  uint64_t timeout_micros = 0;                // 0 = no deadline
  uint64_t poll_interval_micros = 200'000;    // at most; the first polls come after 1, 2, 4 .. ms
  const std::atomic<bool>* cancel = nullptr;  // set -> kCancelled (the task is not cancelled)
  Env* env = nullptr;                         // clock and sleep; null = Env::Default()
};
// Waits until the task leaves pending/cancelling. success -> the record; failure -> Status::Remote
// of its error_info; cancelled -> kCancelled; deadline -> kTimeout.
Result<TaskRecord> WaitTask(Connection& conn, const Ref& task, const WaitOptions& options = {});
// Calls Async.<method>, waits for the task, destroys it, and returns its decoded result
// (nil for void).
Result<Value> CallAsync(Connection& conn, std::string_view method, Array params,
                        const WaitOptions& options = {});

// --- event ---
// event.from(classes, token, timeout): blocks up to timeout_s for events after `token` ("" =
// current state). The transport's idle timeout must exceed timeout_s.
Result<EventBatch> EventFrom(Connection& conn, const std::vector<std::string>& classes,
                             const std::string& token, double timeout_s);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_API_H_
