#include "xapi/api.h"

#include <algorithm>

#include "xapi/result_shape.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi {

namespace {

Value MapValue(const StringMap& m) {
  Struct s;
  for (const auto& [k, v] : m) s.emplace(k, Value(v));
  return s;
}

// The answer of a call that returns a ref, checked to be one whatever the method's name.
Result<Ref> RefResultOf(Result<Value> r, std::string_view method) {
  if (!r.ok()) return r.status();
  XCR_RETURN_IF_ERROR(CheckResultShape(method, ResultShape::kRef, *r));
  return r->string();
}

std::string Method(std::string_view cls, std::string_view msg) {
  return std::string(cls) + "." + std::string(msg);
}

}  // namespace

Result<Ref> CallRef(Connection& conn, std::string_view method, Array params) {
  return RefResultOf(conn.Call(method, std::move(params)), method);
}

Status CallVoid(Connection& conn, std::string_view method, Array params) {
  XCR_ASSIGN_OR_RETURN(Value v, conn.Call(method, std::move(params)));
  return CheckResultShape(method, ResultShape::kVoid, v);
}

Result<Value> GetAllRecordsValue(Connection& conn, std::string_view cls) {
  std::string method = Method(cls, "get_all_records");
  XCR_ASSIGN_OR_RETURN(Value all, conn.Call(method, {}));
  XCR_RETURN_IF_ERROR(CheckResultShape(method, ResultShape::kRecordSet, all));
  return all;
}

template <typename R>
Result<std::map<Ref, R>> GetAllRecords(Connection& conn) {
  std::string method = Method(R::kClass, "get_all_records");
  XCR_ASSIGN_OR_RETURN(Value all, GetAllRecordsValue(conn, R::kClass));
  std::map<Ref, R> out;
  for (const auto& [ref, v] : all.structure()) {
    Result<R> rec = R::Decode(v);
    if (!rec.ok()) return rec.status().WithContext(method + " " + ref);
    out.emplace(ref, std::move(rec).value());
  }
  return out;
}

template <typename R>
Result<R> GetRecord(Connection& conn, const Ref& ref) {
  std::string method = Method(R::kClass, "get_record");
  XCR_ASSIGN_OR_RETURN(Value v, conn.Call(method, {ref}));
  Result<R> rec = R::Decode(v);
  if (!rec.ok()) return rec.status().WithContext(method + " " + ref);
  return rec;
}

#define XCR_INSTANTIATE_RECORD(R)                                  \
  template Result<std::map<Ref, R>> GetAllRecords<R>(Connection&); \
  template Result<R> GetRecord<R>(Connection&, const Ref&);
XCR_INSTANTIATE_RECORD(VmRecord)
XCR_INSTANTIATE_RECORD(VdiRecord)
XCR_INSTANTIATE_RECORD(VbdRecord)
XCR_INSTANTIATE_RECORD(VifRecord)
XCR_INSTANTIATE_RECORD(SrRecord)
XCR_INSTANTIATE_RECORD(PbdRecord)
XCR_INSTANTIATE_RECORD(NetworkRecord)
XCR_INSTANTIATE_RECORD(HostRecord)
XCR_INSTANTIATE_RECORD(PoolRecord)
XCR_INSTANTIATE_RECORD(TaskRecord)
#undef XCR_INSTANTIATE_RECORD

Result<Ref> GetByUuid(Connection& conn, std::string_view cls, const std::string& uuid) {
  std::string method = Method(cls, "get_by_uuid");
  return RefResultOf(conn.Call(method, {uuid}), method);
}

Result<Ref> VmSnapshot(Connection& conn, const Ref& vm, const std::string& name,
                       const std::vector<Ref>& ignore_vdis) {
  Array ignore;
  for (const Ref& r : ignore_vdis) ignore.emplace_back(r);
  Result<Value> r = conn.Call("VM.snapshot", {vm, name, Value(std::move(ignore))});
  if (!r.ok() && r.status().error_name() == "MESSAGE_PARAMETER_COUNT_MISMATCH") {
    if (!ignore_vdis.empty()) {
      return Status::NotSupported(
          "VM.snapshot: this host's XAPI predates ignore_vdis (21.4); cannot leave disks out");
    }
    r = conn.Call("VM.snapshot", {vm, name});
  }
  return RefResultOf(std::move(r), "VM.snapshot");
}

Result<Ref> VmClone(Connection& conn, const Ref& vm, const std::string& name) {
  return CallRef(conn, "VM.clone", {vm, name});
}

Result<Ref> VmCopy(Connection& conn, const Ref& vm, const std::string& name, const Ref& sr) {
  return CallRef(conn, "VM.copy", {vm, name, sr});
}

Status VmDestroy(Connection& conn, const Ref& vm) { return CallVoid(conn, "VM.destroy", {vm}); }

Status VmSetIsATemplate(Connection& conn, const Ref& vm, bool value) {
  return CallVoid(conn, "VM.set_is_a_template", {vm, value});
}

Status VmSetNameLabel(Connection& conn, const Ref& vm, const std::string& name) {
  return CallVoid(conn, "VM.set_name_label", {vm, name});
}

Status VmSetBlockedOperations(Connection& conn, const Ref& vm, const StringMap& ops) {
  return CallVoid(conn, "VM.set_blocked_operations", {vm, MapValue(ops)});
}

Status VmAddToBlockedOperations(Connection& conn, const Ref& vm, const std::string& op,
                                const std::string& reason) {
  Status s = VmRemoveFromBlockedOperations(conn, vm, op);
  if (!s.ok()) return s;
  return CallVoid(conn, "VM.add_to_blocked_operations", {vm, op, reason});
}

Status VmRemoveFromBlockedOperations(Connection& conn, const Ref& vm, const std::string& op) {
  return CallVoid(conn, "VM.remove_from_blocked_operations", {vm, op});
}

Status AddToOtherConfig(Connection& conn, std::string_view cls, const Ref& ref,
                        const std::string& key, const std::string& value) {
  XCR_RETURN_IF_ERROR(RemoveFromOtherConfig(conn, cls, ref, key));
  return CallVoid(conn, Method(cls, "add_to_other_config"), {ref, key, value});
}

Status RemoveFromOtherConfig(Connection& conn, std::string_view cls, const Ref& ref,
                             const std::string& key) {
  return CallVoid(conn, Method(cls, "remove_from_other_config"), {ref, key});
}

Status SetOtherConfig(Connection& conn, std::string_view cls, const Ref& ref,
                      const StringMap& map) {
  return CallVoid(conn, Method(cls, "set_other_config"), {ref, MapValue(map)});
}

Result<Ref> VdiCreate(Connection& conn, const VdiSpec& spec) {
  Struct rec{{"SR", spec.SR},
             {"virtual_size", Value(std::to_string(spec.virtual_size))},
             {"name_label", spec.name_label},
             {"name_description", spec.name_description},
             {"type", spec.type},
             {"sharable", spec.sharable},
             {"read_only", spec.read_only},
             {"other_config", MapValue(spec.other_config)},
             {"sm_config", MapValue(spec.sm_config)},
             {"xenstore_data", Value(Struct{})},
             {"tags", Value(Array{})}};
  return CallRef(conn, "VDI.create", {Value(std::move(rec))});
}

Status VdiDestroy(Connection& conn, const Ref& vdi) { return CallVoid(conn, "VDI.destroy", {vdi}); }

Result<Ref> VdiClone(Connection& conn, const Ref& vdi) {
  return CallRef(conn, "VDI.clone", {vdi, Value(Struct{})});
}

Result<Ref> VdiSnapshot(Connection& conn, const Ref& vdi) {
  return CallRef(conn, "VDI.snapshot", {vdi, Value(Struct{})});
}

Status VdiResize(Connection& conn, const Ref& vdi, int64_t size) {
  return CallVoid(conn, "VDI.resize", {vdi, Value(std::to_string(size))});
}

Result<Ref> VbdCreate(Connection& conn, const VbdSpec& spec) {
  Struct rec{{"VM", spec.VM},
             {"VDI", spec.VDI},
             {"userdevice", spec.userdevice},
             {"bootable", spec.bootable},
             {"mode", spec.mode},
             {"type", spec.type},
             {"empty", spec.empty},
             {"other_config", MapValue(spec.other_config)},
             {"qos_algorithm_type", ""},
             {"qos_algorithm_params", Value(Struct{})}};
  return CallRef(conn, "VBD.create", {Value(std::move(rec))});
}

Status VbdDestroy(Connection& conn, const Ref& vbd) { return CallVoid(conn, "VBD.destroy", {vbd}); }

Result<Ref> VifCreate(Connection& conn, const VifSpec& spec) {
  Struct rec{{"VM", spec.VM},
             {"network", spec.network},
             {"device", spec.device},
             {"MAC", spec.MAC},
             {"MTU", Value(std::to_string(spec.MTU))},
             {"other_config", MapValue(spec.other_config)},
             {"qos_algorithm_type", ""},
             {"qos_algorithm_params", Value(Struct{})}};
  return CallRef(conn, "VIF.create", {Value(std::move(rec))});
}

Status VifDestroy(Connection& conn, const Ref& vif) { return CallVoid(conn, "VIF.destroy", {vif}); }

Result<Ref> TaskCreate(Connection& conn, const std::string& label, const std::string& description) {
  return CallRef(conn, "task.create", {label, description});
}

Status TaskDestroy(Connection& conn, const Ref& task) {
  return CallVoid(conn, "task.destroy", {task});
}

Status TaskCancel(Connection& conn, const Ref& task) {
  return CallVoid(conn, "task.cancel", {task});
}

Result<TaskRecord> WaitTask(Connection& conn, const Ref& task, const WaitOptions& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  uint64_t start = env->NowMicros();
  for (int polls = 0;; ++polls) {
    XCR_ASSIGN_OR_RETURN(TaskRecord rec, GetRecord<TaskRecord>(conn, task));
    if (rec.status == "success") return rec;
    if (rec.status == "failure") {
      if (rec.error_info.empty()) {
        return Status::Remote("INTERNAL_ERROR", {"task failed without error_info"},
                              "task " + rec.name_label);
      }
      std::vector<std::string> params(rec.error_info.begin() + 1, rec.error_info.end());
      return Status::Remote(rec.error_info[0], std::move(params), "task " + rec.name_label);
    }
    if (rec.status == "cancelled") {
      return Status::Cancelled("task " + rec.name_label + " was cancelled");
    }
    if (rec.status != "pending" && rec.status != "cancelling") {
      return Status::Corruption("task " + rec.name_label + " has unknown status '" + rec.status +
                                "'");
    }
    if (options.cancel != nullptr && options.cancel->load()) {
      return Status::Cancelled("waiting for task " + rec.name_label + " cancelled");
    }
    if (options.timeout_micros > 0 && env->NowMicros() - start > options.timeout_micros) {
      return Status::Timeout("task " + rec.name_label + " still " + rec.status + " after " +
                             std::to_string(options.timeout_micros / 1000000) + " s");
    }
    // Most tasks a caller waits on are about to finish (a transfer whose stream ended): poll
    // again after 1 ms, then back off (2, 4, 8 .. ms) to the interval.
    env->SleepForMicros(
        std::min<uint64_t>(options.poll_interval_micros, uint64_t{1'000} << std::min(polls, 10)));
  }
}

Result<Value> CallAsync(Connection& conn, std::string_view method, Array params,
                        const WaitOptions& options) {
  std::string async = "Async." + std::string(method);
  XCR_ASSIGN_OR_RETURN(Ref task, RefResultOf(conn.Call(async, std::move(params)), async));
  Result<TaskRecord> rec = WaitTask(conn, task, options);
  (void)TaskDestroy(conn, task);
  if (!rec.ok()) return rec.status().WithContext(std::string(method));
  if (rec->result.empty()) return Value();
  return DecodeValue(rec->result);
}

Result<EventBatch> EventFrom(Connection& conn, const std::vector<std::string>& classes,
                             const std::string& token, double timeout_s) {
  Array cls;
  for (const auto& c : classes) cls.emplace_back(c);
  XCR_ASSIGN_OR_RETURN(Value v, conn.Call("event.from", {Value(std::move(cls)), token, timeout_s}));
  return EventBatch::Decode(v);
}

}  // namespace xcr::xapi
