#include "sim/vm_ops.h"

#include <cstdio>
#include <set>

#include "base/uuid.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

Status SrFullError() {
  return XapiError("SR_BACKEND_FAILURE_44", {"", "There is insufficient space", ""});
}

Status StorageError(const Status& s) {
  if (s.code() == StatusCode::kResourceExhausted) return SrFullError();
  if (s.code() == StatusCode::kRemoteError) return s;
  return XapiError("SR_BACKEND_FAILURE_1200", {"", s.ToString(), ""});
}

std::string RandomMac() {
  Uuid u = Uuid::Random();
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", (u.bytes[0] | 0x02) & 0xfe,
                u.bytes[1], u.bytes[2], u.bytes[3], u.bytes[4], u.bytes[5]);
  return buf;
}

Result<std::string> CreateVdi(Ctx& x, Struct fields) {
  if (x.svc.faults().sr_full()) return SrFullError();
  std::string sr = fields.count("SR") && fields["SR"].is_string() ? fields["SR"].string() : "";
  if (x.db.Get("SR", sr) == nullptr) return XapiError("HANDLE_INVALID", {"SR", sr});
  auto size =
      fields.count("virtual_size") ? fields["virtual_size"].AsInt() : Result<int64_t>(int64_t{-1});
  if (!size.ok() || *size < 0) return XapiError("FIELD_TYPE_ERROR", {"virtual_size"});
  auto disk = x.store.CreateDisk(static_cast<uint64_t>(*size));
  if (!disk.ok()) return StorageError(disk.status());
  auto vsize = x.store.VirtualSize(*disk);
  fields["uuid"] = Value(*disk);
  fields["location"] = Value(*disk);
  fields["virtual_size"] = Value(static_cast<int64_t>(*vsize));
  fields["physical_utilisation"] = Value(int64_t{0});
  fields["managed"] = Value(true);
  fields["missing"] = Value(false);
  fields["VBDs"] = Value(Array{});
  fields["snapshots"] = Value(Array{});
  fields["allowed_operations"] =
      Value(Array{Value("snapshot"), Value("clone"), Value("copy"), Value("resize"),
                  Value("destroy"), Value("update"), Value("forget")});
  if (!fields.count("type")) fields["type"] = Value("user");
  std::string ref = x.db.Create("VDI", fields);
  x.db.AddToSet("SR", sr, "VDIs", ref);
  x.svc.RefreshUsageLocked(ref);
  return ref;
}

Result<std::string> SnapshotVdi(Ctx& x, const std::string& vdi, bool snapshot) {
  if (x.svc.faults().sr_full()) return SrFullError();
  const Struct src = *x.db.Get("VDI", vdi);
  auto disk = x.store.Snapshot(FieldString(src, "location"));
  if (!disk.ok()) return StorageError(disk.status());
  Struct f;
  for (const char* k : {"name_label", "name_description", "type", "sharable", "other_config",
                        "tags", "SR", "virtual_size", "sm_config", "xenstore_data", "read_only",
                        "allowed_operations", "on_boot", "allow_caching"}) {
    f[k] = src.at(k);
  }
  f["uuid"] = Value(*disk);
  f["location"] = Value(*disk);
  f["managed"] = Value(true);
  f["is_a_snapshot"] = Value(snapshot);
  if (snapshot) {
    f["snapshot_of"] = Value(vdi);
    f["snapshot_time"] = x.svc.NowDateTime();
  } else {
    f["read_only"] = Value(false);
  }
  std::string ref = x.db.Create("VDI", f);
  x.db.AddToSet("SR", FieldString(src, "SR"), "VDIs", ref);
  if (snapshot) x.db.AddToSet("VDI", vdi, "snapshots", ref);
  x.svc.RefreshUsageLocked(ref);
  x.svc.RefreshUsageLocked(vdi);
  return ref;
}

Result<std::string> CopyVdi(Ctx& x, const std::string& vdi, const std::string& sr) {
  if (x.svc.faults().sr_full()) return SrFullError();
  const Struct src = *x.db.Get("VDI", vdi);
  auto disk = x.store.Copy(FieldString(src, "location"));
  if (!disk.ok()) return StorageError(disk.status());
  Struct f;
  for (const char* k :
       {"name_label", "name_description", "type", "sharable", "other_config", "tags",
        "virtual_size", "sm_config", "xenstore_data", "allowed_operations"}) {
    f[k] = src.at(k);
  }
  f["SR"] = Value(sr);
  f["uuid"] = Value(*disk);
  f["location"] = Value(*disk);
  f["managed"] = Value(true);
  std::string ref = x.db.Create("VDI", f);
  x.db.AddToSet("SR", sr, "VDIs", ref);
  x.svc.RefreshUsageLocked(ref);
  return ref;
}

Status DestroyVdi(Ctx& x, const std::string& vdi) {
  const Struct rec = *x.db.Get("VDI", vdi);
  for (const std::string& vbd : FieldRefs(rec, "VBDs")) {
    const Struct* b = x.db.Get("VBD", vbd);
    if (b && FieldBool(*b, "currently_attached")) return XapiError("VDI_IN_USE", {vdi, "destroy"});
  }
  for (const std::string& vbd : FieldRefs(rec, "VBDs")) {
    const Struct* b = x.db.Get("VBD", vbd);
    if (b == nullptr) continue;
    x.db.RemoveFromSet("VM", FieldString(*b, "VM"), "VBDs", vbd);
    x.db.Destroy("VBD", vbd);
  }
  Status s = x.store.DestroyDisk(FieldString(rec, "location"));
  if (!s.ok() && s.code() != StatusCode::kNotFound) return StorageError(s);
  x.db.RemoveFromSet("SR", FieldString(rec, "SR"), "VDIs", vdi);
  std::string parent = FieldString(rec, "snapshot_of");
  if (x.db.Get("VDI", parent)) x.db.RemoveFromSet("VDI", parent, "snapshots", vdi);
  x.db.Destroy("VDI", vdi);
  x.svc.RefreshUsageLocked(std::string(kNullRef));
  return Status::OK();
}

Result<std::string> CreateVbd(Ctx& x, Struct rec) {
  std::string vm = FieldString(rec, "VM");
  if (x.db.Get("VM", vm) == nullptr) return XapiError("HANDLE_INVALID", {"VM", vm});
  std::string vdi = FieldString(rec, "VDI");
  bool empty = FieldBool(rec, "empty");
  std::string type = rec.count("type") ? FieldString(rec, "type") : "Disk";
  std::string mode = rec.count("mode") ? FieldString(rec, "mode") : "RW";
  if (!empty && x.db.Get("VDI", vdi) == nullptr) return XapiError("HANDLE_INVALID", {"VDI", vdi});
  if (type == "CD" && mode != "RO") return XapiError("VBD_CDS_MUST_BE_READONLY");
  if (empty && type == "Disk") return XapiError("VBD_NOT_REMOVABLE_MEDIA", {vm});
  if (!empty && mode == "RW" && FieldBool(*x.db.Get("VDI", vdi), "read_only")) {
    return XapiError("VDI_READONLY", {vdi});
  }
  std::string dev = FieldString(rec, "userdevice");
  std::set<std::string> used;
  for (const std::string& b : FieldRefs(*x.db.Get("VM", vm), "VBDs")) {
    const Struct* r = x.db.Get("VBD", b);
    if (r) used.insert(FieldString(*r, "userdevice"));
  }
  if (dev.empty() || dev == "autodetect") {
    int i = 0;
    while (used.count(std::to_string(i))) ++i;
    dev = std::to_string(i);
  } else if (dev.find_first_not_of("0123456789") != std::string::npos) {
    return XapiError("INVALID_DEVICE", {dev});
  } else if (used.count(dev)) {
    return XapiError("DEVICE_ALREADY_EXISTS", {dev});
  }
  rec["userdevice"] = Value(dev);
  rec["device"] = Value("xvd" + std::string(1, static_cast<char>('a' + std::stoi(dev) % 26)));
  rec["type"] = Value(type);
  rec["mode"] = Value(mode);
  rec["currently_attached"] = Value(false);
  if (empty) rec["VDI"] = Value(std::string(kNullRef));
  rec.erase("uuid");
  std::string ref = x.db.Create("VBD", rec);
  x.db.AddToSet("VM", vm, "VBDs", ref);
  if (!empty) x.db.AddToSet("VDI", vdi, "VBDs", ref);
  return ref;
}

Result<std::string> CreateVif(Ctx& x, Struct rec) {
  std::string vm = FieldString(rec, "VM");
  std::string net = FieldString(rec, "network");
  if (x.db.Get("VM", vm) == nullptr) return XapiError("HANDLE_INVALID", {"VM", vm});
  if (x.db.Get("network", net) == nullptr) return XapiError("HANDLE_INVALID", {"network", net});
  std::string dev = FieldString(rec, "device");
  for (const std::string& v : FieldRefs(*x.db.Get("VM", vm), "VIFs")) {
    const Struct* r = x.db.Get("VIF", v);
    if (r && FieldString(*r, "device") == dev) return XapiError("DEVICE_ALREADY_EXISTS", {dev});
  }
  if (FieldString(rec, "MAC").empty()) {
    rec["MAC"] = Value(RandomMac());
    rec["MAC_autogenerated"] = Value(true);
  }
  if (!rec.count("MTU")) rec["MTU"] = Value(int64_t{1500});
  rec.erase("uuid");
  std::string ref = x.db.Create("VIF", rec);
  x.db.AddToSet("VM", vm, "VIFs", ref);
  x.db.AddToSet("network", net, "VIFs", ref);
  return ref;
}

void RefreshVmAllowed(Ctx& x, const std::string& vm) {
  const Struct* r = x.db.Get("VM", vm);
  if (r == nullptr) return;
  std::string ps = FieldString(*r, "power_state");
  Array ops;
  auto add = [&](const char* op) { ops.push_back(Value(op)); };
  if (FieldBool(*r, "is_control_domain")) {
    add("snapshot");
  } else if (FieldBool(*r, "is_a_snapshot")) {
    for (const char* op : {"revert", "clone", "copy", "export", "destroy"}) add(op);
  } else if (FieldBool(*r, "is_a_template")) {
    for (const char* op : {"clone", "copy", "export", "destroy", "provision"}) add(op);
  } else if (ps == "Halted") {
    for (const char* op : {"start", "start_on", "clone", "copy", "snapshot", "export", "destroy",
                           "changing_memory_limits", "changing_VCPUs", "make_into_template"}) {
      add(op);
    }
  } else if (ps == "Running") {
    for (const char* op : {"clean_shutdown", "hard_shutdown", "clean_reboot", "hard_reboot",
                           "snapshot", "checkpoint", "pause", "suspend"}) {
      add(op);
    }
  } else {
    add("hard_shutdown");
  }
  if (!(Value(ops) == r->at("allowed_operations"))) {
    x.db.Set("VM", vm, "allowed_operations", Value(std::move(ops)));
  }
}

}  // namespace xcr::sim
