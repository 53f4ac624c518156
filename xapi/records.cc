#include "xapi/records.h"

namespace xcr::xapi {

namespace {

// Reads typed fields out of one record struct, remembering the first type error.
class Reader {
 public:
  Reader(const Value& v, const char* cls) : cls_(cls) {
    if (!v.is_struct()) {
      status_ = WrongType(std::string(cls) + " record", "a struct", v);
    } else {
      s_ = &v.structure();
    }
  }

  // A string, ref, uuid or enum field: XAPI sends these as strings only.
  void Str(const char* name, std::string* out) {
    const Value* v = Get(name);
    if (v == nullptr) return;
    if (!v->is_string()) {
      status_ = WrongType(Field(name), "a string", *v);
      return;
    }
    *out = v->string();
  }
  // A datetime field, kept as text: a dateTime.iso8601, or a string (JSON-RPC's form).
  void Time(const char* name, std::string* out) {
    const Value* v = Get(name);
    if (v == nullptr) return;
    if (v->is_datetime()) {
      *out = v->datetime().iso8601;
    } else if (v->is_string()) {
      *out = v->string();
    } else {
      status_ = WrongType(Field(name), "a dateTime", *v);
    }
  }
  void Int(const char* name, int64_t* out) {
    const Value* v = Get(name);
    if (v == nullptr) return;
    Check(v->AsInt(), name, out);
  }
  void Dbl(const char* name, double* out) {
    const Value* v = Get(name);
    if (v == nullptr) return;
    Check(v->AsDouble(), name, out);
  }
  void Bool(const char* name, bool* out) {
    const Value* v = Get(name);
    if (v == nullptr) return;
    Check(v->AsBool(), name, out);
  }
  void Map(const char* name, StringMap* out) {
    const Value* v = Get(name);
    if (v == nullptr) return;
    Check(DecodeStringMap(*v, Field(name)), name, out);
  }
  void List(const char* name, std::vector<std::string>* out) {
    const Value* v = Get(name);
    if (v == nullptr) return;
    Check(DecodeStringList(*v, Field(name)), name, out);
  }

  // Finishes: the raw struct into *raw, the first error if any.
  Status Done(Struct* raw) {
    if (status_.ok() && s_ != nullptr) *raw = *s_;
    return status_;
  }

 private:
  const Value* Get(const char* name) {
    if (s_ == nullptr || !status_.ok()) return nullptr;
    auto it = s_->find(name);
    return it == s_->end() ? nullptr : &it->second;
  }
  std::string Field(const char* name) const { return std::string(cls_) + "." + name; }
  template <typename T>
  void Check(Result<T> r, const char* name, T* out) {
    if (!r.ok()) {
      status_ = r.status().WithContext(Field(name));
      return;
    }
    *out = std::move(r).value();
  }

  const char* cls_;
  const Struct* s_ = nullptr;
  Status status_;
};

}  // namespace

Result<StringMap> DecodeStringMap(const Value& v, std::string_view what) {
  if (!v.is_struct()) return WrongType(what, "a map (struct)", v);
  StringMap out;
  for (const auto& [k, val] : v.structure()) {
    if (!val.is_string()) return WrongType(std::string(what) + "[" + k + "]", "a string", val);
    out.emplace(k, val.string());
  }
  return out;
}

Result<RefList> DecodeStringList(const Value& v, std::string_view what) {
  if (!v.is_array()) return WrongType(what, "an array", v);
  RefList out;
  out.reserve(v.array().size());
  for (size_t i = 0; i < v.array().size(); ++i) {
    const Value& e = v.array()[i];
    if (!e.is_string()) {
      return WrongType(std::string(what) + "[" + std::to_string(i) + "]", "a string", e);
    }
    out.push_back(e.string());
  }
  return out;
}

Result<VmRecord> VmRecord::Decode(const Value& v) {
  VmRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("name_label", &r.name_label);
  rd.Str("name_description", &r.name_description);
  rd.Str("power_state", &r.power_state);
  rd.Bool("is_a_template", &r.is_a_template);
  rd.Bool("is_a_snapshot", &r.is_a_snapshot);
  rd.Bool("is_control_domain", &r.is_control_domain);
  rd.Str("snapshot_of", &r.snapshot_of);
  rd.List("snapshots", &r.snapshots);
  rd.Time("snapshot_time", &r.snapshot_time);
  rd.List("VBDs", &r.VBDs);
  rd.List("VIFs", &r.VIFs);
  rd.Map("other_config", &r.other_config);
  rd.Map("blocked_operations", &r.blocked_operations);
  rd.Map("current_operations", &r.current_operations);
  rd.List("allowed_operations", &r.allowed_operations);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<VdiRecord> VdiRecord::Decode(const Value& v) {
  VdiRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("name_label", &r.name_label);
  rd.Str("name_description", &r.name_description);
  rd.Str("SR", &r.SR);
  rd.Int("virtual_size", &r.virtual_size);
  rd.Int("physical_utilisation", &r.physical_utilisation);
  rd.Str("type", &r.type);
  rd.Bool("sharable", &r.sharable);
  rd.Bool("read_only", &r.read_only);
  rd.Bool("is_a_snapshot", &r.is_a_snapshot);
  rd.Bool("cbt_enabled", &r.cbt_enabled);
  rd.Map("other_config", &r.other_config);
  rd.Map("sm_config", &r.sm_config);
  rd.List("VBDs", &r.VBDs);
  rd.List("snapshots", &r.snapshots);
  rd.Str("snapshot_of", &r.snapshot_of);
  rd.Time("snapshot_time", &r.snapshot_time);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<VbdRecord> VbdRecord::Decode(const Value& v) {
  VbdRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("VM", &r.VM);
  rd.Str("VDI", &r.VDI);
  rd.Str("userdevice", &r.userdevice);
  rd.Bool("bootable", &r.bootable);
  rd.Bool("empty", &r.empty);
  rd.Bool("currently_attached", &r.currently_attached);
  rd.Str("mode", &r.mode);
  rd.Str("type", &r.type);
  rd.Map("other_config", &r.other_config);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<VifRecord> VifRecord::Decode(const Value& v) {
  VifRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("device", &r.device);
  rd.Str("network", &r.network);
  rd.Str("VM", &r.VM);
  rd.Str("MAC", &r.MAC);
  rd.Int("MTU", &r.MTU);
  rd.Map("other_config", &r.other_config);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<SrRecord> SrRecord::Decode(const Value& v) {
  SrRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("name_label", &r.name_label);
  rd.Str("name_description", &r.name_description);
  rd.Str("type", &r.type);
  rd.Str("content_type", &r.content_type);
  rd.Int("physical_size", &r.physical_size);
  rd.Int("physical_utilisation", &r.physical_utilisation);
  rd.Int("virtual_allocation", &r.virtual_allocation);
  rd.Bool("shared", &r.shared);
  rd.List("PBDs", &r.PBDs);
  rd.List("VDIs", &r.VDIs);
  rd.Map("other_config", &r.other_config);
  rd.Map("sm_config", &r.sm_config);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<PbdRecord> PbdRecord::Decode(const Value& v) {
  PbdRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("host", &r.host);
  rd.Str("SR", &r.SR);
  rd.Bool("currently_attached", &r.currently_attached);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  if (const Value* dc = v.Find("device_config"); dc != nullptr && dc->is_struct()) {
    for (const auto& [k, unused] : dc->structure()) r.device_config_keys_only.emplace(k, "");
  }
  return r;
}

Result<NetworkRecord> NetworkRecord::Decode(const Value& v) {
  NetworkRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("name_label", &r.name_label);
  rd.Str("name_description", &r.name_description);
  rd.Str("bridge", &r.bridge);
  rd.Int("MTU", &r.MTU);
  rd.List("VIFs", &r.VIFs);
  rd.List("PIFs", &r.PIFs);
  rd.Map("other_config", &r.other_config);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<HostRecord> HostRecord::Decode(const Value& v) {
  HostRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("name_label", &r.name_label);
  rd.Str("hostname", &r.hostname);
  rd.Str("address", &r.address);
  rd.Int("API_version_major", &r.API_version_major);
  rd.Int("API_version_minor", &r.API_version_minor);
  rd.Bool("enabled", &r.enabled);
  rd.Map("software_version", &r.software_version);
  rd.Map("other_config", &r.other_config);
  rd.List("resident_VMs", &r.resident_VMs);
  rd.List("PBDs", &r.PBDs);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<PoolRecord> PoolRecord::Decode(const Value& v) {
  PoolRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("name_label", &r.name_label);
  rd.Str("master", &r.master);
  rd.Str("default_SR", &r.default_SR);
  rd.Map("other_config", &r.other_config);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<TaskRecord> TaskRecord::Decode(const Value& v) {
  TaskRecord r;
  Reader rd(v, kClass);
  rd.Str("uuid", &r.uuid);
  rd.Str("name_label", &r.name_label);
  rd.Str("name_description", &r.name_description);
  rd.Str("status", &r.status);
  rd.Dbl("progress", &r.progress);
  rd.Str("result", &r.result);
  rd.List("error_info", &r.error_info);
  rd.Time("created", &r.created);
  rd.Time("finished", &r.finished);
  rd.Map("other_config", &r.other_config);
  XCR_RETURN_IF_ERROR(rd.Done(&r.raw));
  return r;
}

Result<EventBatch> EventBatch::Decode(const Value& v) {
  EventBatch batch;
  Struct unused;
  Reader rd(v, "event.from");
  rd.Str("token", &batch.token);
  XCR_RETURN_IF_ERROR(rd.Done(&unused));
  const Value* events = v.Find("events");
  if (events == nullptr) return batch;
  if (!events->is_array()) return WrongType("event.from.events", "an array", *events);
  for (const Value& e : events->array()) {
    Event ev;
    Reader er(e, "event");
    er.Int("id", &ev.id);
    er.Str("class", &ev.class_name);
    er.Str("operation", &ev.operation);
    er.Str("ref", &ev.ref);
    XCR_RETURN_IF_ERROR(er.Done(&unused).WithContext("event.from"));
    if (const Value* f = e.Find("snapshot")) ev.snapshot = *f;
    batch.events.push_back(std::move(ev));
  }
  return batch;
}

}  // namespace xcr::xapi
