// VDI.*, VBD.*, SR.*, network.* and VIF.* methods.
#include "sim/schema.h"
#include "sim/service.h"
#include "sim/vm_ops.h"
#include "sim/xapi_names.h"

namespace xcr::sim {
namespace {

// Keeps the fields of `rec` the class defines, normalized; FIELD_TYPE_ERROR on a bad type.
Result<Struct> CleanRecord(const std::string& cls, const Struct& rec) {
  const ClassSpec* c = FindClass(cls);
  Struct out;
  for (const auto& [k, v] : rec) {
    const FieldSpec* f = c->FindField(k);
    if (f == nullptr) continue;
    if (!ValueFits(*f, v)) return XapiError("FIELD_TYPE_ERROR", {k});
    out[k] = Normalize(*f, v);
  }
  return out;
}

bool VdiAttached(Ctx& x, const std::string& vdi) {
  for (const std::string& vbd : FieldRefs(*x.db.Get("VDI", vdi), "VBDs")) {
    const Struct* b = x.db.Get("VBD", vbd);
    if (b && FieldBool(*b, "currently_attached")) return true;
  }
  return false;
}

Result<Value> VdiCreate(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(Struct rec, ArgStruct(x, 1));
  for (const char* k : {"SR", "virtual_size", "type", "sharable", "read_only", "other_config"}) {
    if (!rec.count(k)) return XapiError("FIELD_TYPE_ERROR", {k});
  }
  XCR_ASSIGN_OR_RETURN(Struct clean, CleanRecord("VDI", rec));
  XCR_ASSIGN_OR_RETURN(std::string ref, CreateVdi(x, std::move(clean)));
  return Value(ref);
}

Result<Value> VdiSnapshotOrClone(Ctx& x, bool snapshot) {
  XCR_ASSIGN_OR_RETURN(std::string vdi, ArgRef(x, 1, "VDI"));
  XCR_ASSIGN_OR_RETURN(std::string ref, SnapshotVdi(x, vdi, snapshot));
  return Value(ref);
}

Result<Value> VdiResize(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string vdi, ArgRef(x, 1, "VDI"));
  XCR_ASSIGN_OR_RETURN(int64_t size, ArgInt(x, 2));
  const Struct& rec = *x.db.Get("VDI", vdi);
  if (VdiAttached(x, vdi)) return XapiError("VDI_IN_USE", {vdi, "resize"});
  if (size < FieldInt(rec, "virtual_size")) {
    return XapiError("VDI_TOO_SMALL",
                     {vdi, std::to_string(FieldInt(rec, "virtual_size")), std::to_string(size)});
  }
  std::string disk = FieldString(rec, "location");
  Status s = x.store.Resize(disk, static_cast<uint64_t>(size));
  if (!s.ok()) return StorageError(s);
  x.db.Set("VDI", vdi, "virtual_size", Value(static_cast<int64_t>(*x.store.VirtualSize(disk))));
  x.svc.RefreshUsageLocked(vdi);
  return Value();
}

Result<Value> VdiDestroy(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string vdi, ArgRef(x, 1, "VDI"));
  XCR_RETURN_IF_ERROR(DestroyVdi(x, vdi));
  return Value();
}

// VDI.copy(s, vdi, sr[, base_vdi, into_vdi]): a full copy into sr, or (with into_vdi) the blocks
// that differ from base_vdi (all blocks if base is NULL) written onto into_vdi.
Result<Value> VdiCopy(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string vdi, ArgRef(x, 1, "VDI"));
  XCR_ASSIGN_OR_RETURN(std::string sr, ArgString(x, 2));
  std::string base(kNullRef), into(kNullRef);
  if (x.args.size() > 4) {
    XCR_ASSIGN_OR_RETURN(base, ArgString(x, 3));
    XCR_ASSIGN_OR_RETURN(into, ArgString(x, 4));
  }
  if (into == kNullRef) {
    if (x.db.Get("SR", sr) == nullptr) return XapiError("HANDLE_INVALID", {"SR", sr});
    XCR_ASSIGN_OR_RETURN(std::string ref, CopyVdi(x, vdi, sr));
    return Value(ref);
  }
  if (x.db.Get("VDI", into) == nullptr) return XapiError("HANDLE_INVALID", {"VDI", into});
  std::string src = FieldString(*x.db.Get("VDI", vdi), "location");
  std::string dst = FieldString(*x.db.Get("VDI", into), "location");
  Result<std::vector<uint32_t>> blocks =
      base == kNullRef ? x.store.AllocatedBlocks(src)
      : x.db.Get("VDI", base)
          ? x.store.DiffBlocks(src, FieldString(*x.db.Get("VDI", base), "location"))
          : Result<std::vector<uint32_t>>(XapiError("HANDLE_INVALID", {"VDI", base}));
  if (!blocks.ok()) return blocks.status();
  uint64_t size = *x.store.VirtualSize(src);
  if (*x.store.VirtualSize(dst) < size) {
    return XapiError("VDI_TOO_SMALL", {into, std::to_string(size), ""});
  }
  std::vector<uint8_t> buf(BlockStore::kBlockSize);
  for (uint32_t b : *blocks) {
    uint64_t off = uint64_t{b} * BlockStore::kBlockSize;
    Status s = x.store.ReadBlock(src, b, buf);
    if (s.ok()) {
      s = x.store.Write(
          dst, off,
          std::span<const uint8_t>(buf.data(), std::min<uint64_t>(buf.size(), size - off)));
    }
    if (!s.ok()) return StorageError(s);
  }
  Status s = x.store.Commit();
  if (!s.ok()) return StorageError(s);
  x.svc.RefreshUsageLocked(into);
  return Value(into);
}

Result<Value> VbdCreate(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(Struct rec, ArgStruct(x, 1));
  XCR_ASSIGN_OR_RETURN(Struct clean, CleanRecord("VBD", rec));
  XCR_ASSIGN_OR_RETURN(std::string ref, CreateVbd(x, std::move(clean)));
  return Value(ref);
}

Result<Value> VbdDestroy(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string vbd, ArgRef(x, 1, "VBD"));
  const Struct rec = *x.db.Get("VBD", vbd);
  if (FieldBool(rec, "currently_attached")) {
    return XapiError("OPERATION_NOT_ALLOWED",
                     {"VBD '" + vbd + "' still attached to '" + FieldString(rec, "VM") + "'"});
  }
  x.db.RemoveFromSet("VM", FieldString(rec, "VM"), "VBDs", vbd);
  if (x.db.Get("VDI", FieldString(rec, "VDI"))) {
    x.db.RemoveFromSet("VDI", FieldString(rec, "VDI"), "VBDs", vbd);
  }
  x.db.Destroy("VBD", vbd);
  return Value();
}

Result<Value> VifCreate(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(Struct rec, ArgStruct(x, 1));
  XCR_ASSIGN_OR_RETURN(Struct clean, CleanRecord("VIF", rec));
  XCR_ASSIGN_OR_RETURN(std::string ref, CreateVif(x, std::move(clean)));
  return Value(ref);
}

Result<Value> VifDestroy(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string vif, ArgRef(x, 1, "VIF"));
  const Struct rec = *x.db.Get("VIF", vif);
  if (FieldBool(rec, "currently_attached")) {
    return XapiError("OPERATION_NOT_ALLOWED", {"VIF '" + vif + "' still attached"});
  }
  x.db.RemoveFromSet("VM", FieldString(rec, "VM"), "VIFs", vif);
  x.db.RemoveFromSet("network", FieldString(rec, "network"), "VIFs", vif);
  x.db.Destroy("VIF", vif);
  return Value();
}

Result<Value> NetworkCreate(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(Struct rec, ArgStruct(x, 1));
  XCR_ASSIGN_OR_RETURN(Struct clean, CleanRecord("network", rec));
  clean.erase("uuid");
  clean["VIFs"] = Value(Array{});
  if (FieldString(clean, "bridge").empty()) {
    clean["bridge"] = Value("xapi" + std::to_string(x.db.All("network").size()));
  }
  return Value(x.db.Create("network", clean));
}

Result<Value> NetworkDestroy(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string net, ArgRef(x, 1, "network"));
  std::vector<std::string> vifs = FieldRefs(*x.db.Get("network", net), "VIFs");
  if (!vifs.empty()) return XapiError("NETWORK_CONTAINS_VIF", {vifs[0]});
  x.db.Destroy("network", net);
  return Value();
}

}  // namespace

void RegisterStorageMethods(Service& s) {
  s.Register("VDI.create", {VdiCreate, 2, 2});
  s.Register("VDI.snapshot", {[](Ctx& x) { return VdiSnapshotOrClone(x, true); }, 2, 3});
  s.Register("VDI.clone", {[](Ctx& x) { return VdiSnapshotOrClone(x, false); }, 2, 3});
  s.Register("VDI.resize", {VdiResize, 3, 3});
  s.Register("VDI.destroy", {VdiDestroy, 2, 2});
  s.Register("VDI.copy", {VdiCopy, 3, 5});
  s.Register("VBD.create", {VbdCreate, 2, 2});
  s.Register("VBD.destroy", {VbdDestroy, 2, 2});
  s.Register("SR.scan", {[](Ctx& x) -> Result<Value> {
                           XCR_ASSIGN_OR_RETURN(std::string sr, ArgRef(x, 1, "SR"));
                           x.svc.RefreshUsageLocked(std::string(kNullRef));
                           return Value();
                         },
                         2, 2});
}

void RegisterNetworkMethods(Service& s) {
  s.Register("VIF.create", {VifCreate, 2, 2});
  s.Register("VIF.destroy", {VifDestroy, 2, 2});
  s.Register("network.create", {NetworkCreate, 2, 2});
  s.Register("network.destroy", {NetworkDestroy, 2, 2});
}

}  // namespace xcr::sim
