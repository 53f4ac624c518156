// sim.*: playing the guest (writing into disks), reading disks back for checks, population, and
// the fault knobs (see docs/simulator.md).
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "base/logging.h"
#include "base/uuid.h"
#include "sim/service.h"
#include "sim/vm_ops.h"
#include "sim/xapi_names.h"

namespace xcr::sim {
namespace {

constexpr uint64_t kChunk = 1 << 20;

Result<std::string> DiskOf(Ctx& x, size_t arg) {
  XCR_ASSIGN_OR_RETURN(std::string vdi, ArgRef(x, arg, "VDI"));
  return FieldString(*x.db.Get("VDI", vdi), "location");
}

Status CheckRange(Ctx& x, const std::string& disk, int64_t offset, int64_t length) {
  uint64_t size = *x.store.VirtualSize(disk);
  if (offset < 0 || length < 0 || static_cast<uint64_t>(offset) > size ||
      static_cast<uint64_t>(length) > size - static_cast<uint64_t>(offset)) {
    return XapiError("VALUE_NOT_SUPPORTED",
                     {"offset/length", std::to_string(offset), "outside the disk"});
  }
  return Status::OK();
}

Status Finish(Ctx& x, size_t vdi_arg, Status s) {
  if (s.ok()) s = x.store.Commit();
  if (!s.ok()) return StorageError(s);
  x.svc.RefreshUsageLocked(x.args[vdi_arg].string());
  return Status::OK();
}

Result<Value> WritePattern(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string disk, DiskOf(x, 1));
  XCR_ASSIGN_OR_RETURN(int64_t offset, ArgInt(x, 2));
  XCR_ASSIGN_OR_RETURN(int64_t length, ArgInt(x, 3));
  XCR_ASSIGN_OR_RETURN(int64_t byte, ArgInt(x, 4));
  XCR_RETURN_IF_ERROR(CheckRange(x, disk, offset, length));
  if (x.svc.faults().sr_full()) return SrFullError();
  std::vector<uint8_t> buf(std::min<uint64_t>(kChunk, static_cast<uint64_t>(length)),
                           static_cast<uint8_t>(byte));
  Status s;
  for (uint64_t done = 0; s.ok() && done < static_cast<uint64_t>(length);) {
    uint64_t n = std::min<uint64_t>(buf.size(), static_cast<uint64_t>(length) - done);
    s = x.store.Write(disk, static_cast<uint64_t>(offset) + done,
                      std::span<const uint8_t>(buf.data(), n));
    done += n;
  }
  XCR_RETURN_IF_ERROR(Finish(x, 1, s));
  return Value();
}

Result<Value> WriteRandomMethod(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string disk, DiskOf(x, 1));
  XCR_ASSIGN_OR_RETURN(int64_t offset, ArgInt(x, 2));
  XCR_ASSIGN_OR_RETURN(int64_t length, ArgInt(x, 3));
  XCR_ASSIGN_OR_RETURN(int64_t seed, ArgInt(x, 4));
  XCR_RETURN_IF_ERROR(CheckRange(x, disk, offset, length));
  if (x.svc.faults().sr_full()) return SrFullError();
  Status s = WriteRandom(x.store, disk, static_cast<uint64_t>(offset),
                         static_cast<uint64_t>(length), static_cast<uint64_t>(seed));
  XCR_RETURN_IF_ERROR(Finish(x, 1, s));
  return Value();
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(d[p[i] >> 4]);
    out.push_back(d[p[i] & 15]);
  }
  return out;
}

Result<Value> VdiSha256(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string disk, DiskOf(x, 1));
  uint64_t size = *x.store.VirtualSize(disk);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  std::vector<uint8_t> buf(BlockStore::kBlockSize);
  Status s;
  for (uint64_t off = 0; off < size; off += buf.size()) {
    s = x.store.ReadBlock(disk, static_cast<uint32_t>(off / buf.size()), buf);
    if (!s.ok()) break;
    EVP_DigestUpdate(md, buf.data(), std::min<uint64_t>(buf.size(), size - off));
  }
  uint8_t out[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, out, &len);
  EVP_MD_CTX_free(md);
  if (!s.ok()) return StorageError(s);
  return Value(Hex(out, len));
}

Result<Value> ReadHex(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string disk, DiskOf(x, 1));
  XCR_ASSIGN_OR_RETURN(int64_t offset, ArgInt(x, 2));
  XCR_ASSIGN_OR_RETURN(int64_t length, ArgInt(x, 3));
  XCR_RETURN_IF_ERROR(CheckRange(x, disk, offset, length));
  if (length > static_cast<int64_t>(kChunk)) {
    return XapiError("VALUE_NOT_SUPPORTED", {"length", std::to_string(length), "at most 1 MiB"});
  }
  std::vector<uint8_t> buf(static_cast<size_t>(length));
  Status s = x.store.Read(disk, static_cast<uint64_t>(offset), buf);
  if (!s.ok()) return StorageError(s);
  return Value(Hex(buf.data(), buf.size()));
}

Result<Value> Populate(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(int64_t n, ArgInt(x, 1));
  XCR_ASSIGN_OR_RETURN(int64_t size, ArgInt(x, 2));
  if (n < 0 || n > 10000 || size <= 0) {
    return XapiError("VALUE_NOT_SUPPORTED", {"n/disk_size", std::to_string(n), "out of range"});
  }
  XCR_ASSIGN_OR_RETURN(std::vector<std::string> vms,
                       PopulateLocked(x, static_cast<int>(n), static_cast<uint64_t>(size)));
  Array out;
  for (const std::string& v : vms) out.push_back(Value(v));
  return Value(std::move(out));
}

Result<Value> FaultFailMethod(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string method, ArgString(x, 1));
  std::vector<std::string> error;
  if (x.args[2].is_array()) {
    for (const Value& v : x.args[2].array())
      error.push_back(v.AsString().ok() ? *v.AsString() : "");
  } else {
    XCR_ASSIGN_OR_RETURN(std::string code, ArgString(x, 2));
    error.push_back(code);
  }
  if (error.empty() || error[0].empty()) return XapiError("FIELD_TYPE_ERROR", {"error"});
  XCR_ASSIGN_OR_RETURN(int64_t times, ArgInt(x, 3));
  x.svc.faults().FailMethod(method, error, times);
  return Value();
}

Result<Value> FaultCut(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string kind, ArgString(x, 1));
  XCR_ASSIGN_OR_RETURN(int64_t bytes, ArgInt(x, 2));
  if ((kind != "export" && kind != "import") || bytes < 0) {
    return XapiError("VALUE_NOT_SUPPORTED", {"kind", kind, "export or import"});
  }
  x.svc.faults().CutTransfer(kind, static_cast<uint64_t>(bytes));
  return Value();
}

Result<Value> FaultThrottle(Ctx& x) {
  auto mbps = x.args[1].AsDouble();
  if (!mbps.ok() || *mbps < 0) return XapiError("FIELD_TYPE_ERROR", {"mb_per_s"});
  x.svc.faults().Throttle(static_cast<uint64_t>(*mbps * 1e6));
  return Value();
}

Result<Value> FaultExpireSessions(Ctx& x) {
  std::vector<std::string> refs;
  for (const auto& [ref, rec] : x.db.All("session")) refs.push_back(ref);
  for (const std::string& r : refs) x.db.Destroy("session", r);
  XCR_LOG(WARN) << "fault fired: expired " << refs.size() << " session(s)";
  return Value();
}

Result<Value> FaultSrFull(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(bool on, ArgBool(x, 1));
  x.svc.faults().SetSrFull(on);
  return Value();
}

// sim.fault_delay(session, method, milliseconds): see Faults::Delay.
Result<Value> FaultDelay(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string method, ArgString(x, 1));
  XCR_ASSIGN_OR_RETURN(int64_t ms, ArgInt(x, 2));
  if (ms < 0) return XapiError("VALUE_NOT_SUPPORTED", {"milliseconds", std::to_string(ms)});
  x.svc.faults().Delay(method, static_cast<uint64_t>(ms));
  return Value();
}

Result<Value> FaultGuestSilent(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(bool on, ArgBool(x, 1));
  x.svc.faults().SetGuestSilent(on);
  return Value();
}

// sim.stats(session): calls served per wire protocol, counting this one.
Result<Value> Stats(Ctx& x) {
  return Value(Struct{{"xmlrpc_calls", Value(x.svc.calls_served(Service::Protocol::kXmlRpc))},
                      {"jsonrpc_calls", Value(x.svc.calls_served(Service::Protocol::kJsonRpc))}});
}

// sim.add_sr(session, name): another SR attached to the pool master, for tests with several SRs
// in one pool. It shares the host's block store (and so the first SR's capacity and fault
// knobs); VDIs created on it are ordinary disks. Returns the new SR's ref.
Result<Value> AddSr(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(std::string name, ArgString(x, 1));
  if (name.empty()) return XapiError("INVALID_VALUE", {"name", ""});
  const auto& pools = x.db.All("pool");
  if (pools.empty()) return XapiError("INTERNAL_ERROR", {"no pool"});
  std::string host = FieldString(pools.begin()->second, "master");
  const Struct* first = x.db.Get("SR", FieldString(pools.begin()->second, "default_SR"));
  Struct fields{{"name_label", Value(name)},
                {"name_description", Value("Simulated copy-on-write storage (shared store)")},
                {"type", Value("ext")},
                {"content_type", Value("user")}};
  if (first != nullptr) {
    for (const char* k : {"physical_size", "allowed_operations"}) {
      auto it = first->find(k);
      if (it != first->end()) fields[k] = it->second;
    }
  }
  std::string sr = x.db.Create("SR", fields);
  std::string pbd = x.db.Create(
      "PBD", {{"host", Value(host)}, {"SR", Value(sr)}, {"currently_attached", Value(true)}});
  x.db.AddToSet("host", host, "PBDs", pbd);
  x.db.AddToSet("SR", sr, "PBDs", pbd);
  return Value(sr);
}

}  // namespace

Status WriteRandom(BlockStore& store, const std::string& disk, uint64_t offset, uint64_t length,
                   uint64_t seed) {
  std::vector<uint8_t> buf(std::min<uint64_t>(kChunk, length));
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  for (uint64_t done = 0; done < length;) {
    uint64_t n = std::min<uint64_t>(buf.size(), length - done);
    for (size_t i = 0; i < n; i += 8) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      std::memcpy(buf.data() + i, &state, std::min<size_t>(8, n - i));
    }
    XCR_RETURN_IF_ERROR(store.Write(disk, offset + done, std::span<const uint8_t>(buf.data(), n)));
    done += n;
  }
  return Status::OK();
}

Result<std::vector<std::string>> PopulateLocked(Ctx& x, int n, uint64_t disk_size) {
  std::string sr = x.svc.DefaultSrLocked();
  std::string net;
  for (const auto& [ref, rec] : x.db.All("network")) {
    net = ref;
    break;
  }
  std::vector<std::string> vms;
  size_t base = x.db.All("VM").size();
  for (int i = 0; i < n; ++i) {
    std::string name = "sim-vm-" + std::to_string(base + static_cast<size_t>(i));
    std::string vm = x.db.Create(
        "VM", {{"name_label", Value(name)},
               {"name_description", Value("Populated by xapi-sim")},
               {"memory_static_max", Value(int64_t{1} << 30)},
               {"memory_dynamic_max", Value(int64_t{1} << 30)},
               {"memory_dynamic_min", Value(int64_t{1} << 30)},
               {"memory_static_min", Value(int64_t{512} << 20)},
               {"VCPUs_max", Value(int64_t{1})},
               {"VCPUs_at_startup", Value(int64_t{1})},
               {"HVM_boot_policy", Value("BIOS order")},
               {"HVM_boot_params", Value(Struct{{"order", Value("cd")}})},
               {"platform", Value(Struct{{"acpi", Value("1")}, {"apic", Value("true")}})},
               {"other_config", Value(Struct{{"mac_seed", Value(Uuid::Random().ToString())}})}});
    XCR_ASSIGN_OR_RETURN(std::string vdi,
                         CreateVdi(x, {{"SR", Value(sr)},
                                       {"name_label", Value(name + " disk 0")},
                                       {"virtual_size", Value(static_cast<int64_t>(disk_size))},
                                       {"type", Value("user")},
                                       {"sharable", Value(false)},
                                       {"read_only", Value(false)}}));
    std::string disk = FieldString(*x.db.Get("VDI", vdi), "location");
    uint64_t size = *x.store.VirtualSize(disk);
    for (uint64_t off = 0; off < size; off += 4 * BlockStore::kBlockSize) {
      uint64_t len = std::min<uint64_t>(BlockStore::kBlockSize, size - off);
      Status s = WriteRandom(x.store, disk, off, len, off ^ (uint64_t{1} << 40) * (i + 1));
      if (!s.ok()) return StorageError(s);
    }
    Status s = x.store.Commit();
    if (!s.ok()) return StorageError(s);
    x.svc.RefreshUsageLocked(vdi);
    XCR_ASSIGN_OR_RETURN(std::string vbd, CreateVbd(x, {{"VM", Value(vm)},
                                                        {"VDI", Value(vdi)},
                                                        {"userdevice", Value("0")},
                                                        {"bootable", Value(true)},
                                                        {"mode", Value("RW")},
                                                        {"type", Value("Disk")}}));
    (void)vbd;
    if (!net.empty()) {
      XCR_ASSIGN_OR_RETURN(std::string vif, CreateVif(x, {{"VM", Value(vm)},
                                                          {"network", Value(net)},
                                                          {"device", Value("0")},
                                                          {"MAC", Value("")}}));
      (void)vif;
    }
    RefreshVmAllowed(x, vm);
    vms.push_back(vm);
  }
  return vms;
}

void RegisterSimMethods(Service& s) {
  s.Register("sim.write_pattern", {WritePattern, 5, 5});
  s.Register("sim.write_random", {WriteRandomMethod, 5, 5});
  s.Register("sim.vdi_sha256", {VdiSha256, 2, 2});
  s.Register("sim.read", {ReadHex, 4, 4});
  s.Register("sim.populate", {Populate, 3, 3});
  s.Register("sim.fault_fail_method", {FaultFailMethod, 4, 4});
  s.Register("sim.fault_cut_transfer", {FaultCut, 3, 3});
  s.Register("sim.fault_throttle", {FaultThrottle, 2, 2});
  s.Register("sim.fault_expire_sessions", {FaultExpireSessions, 1, 1});
  s.Register("sim.fault_sr_full", {FaultSrFull, 2, 2});
  s.Register("sim.add_sr", {AddSr, 2, 2});
  s.Register("sim.fault_delay", {FaultDelay, 3, 3});
  s.Register("sim.fault_guest_silent", {FaultGuestSilent, 2, 2});
  s.Register("sim.stats", {Stats, 1, 1});
  s.Register("sim.fault_clear", {[](Ctx& x) -> Result<Value> {
                                   x.svc.faults().Clear();
                                   return Value();
                                 },
                                 1, 1});
  s.Register("sim.faults", {[](Ctx& x) -> Result<Value> {
                              Struct out;
                              for (const auto& [k, v] : x.svc.faults().Describe()) {
                                out[k] = Value(v);
                              }
                              return Value(std::move(out));
                            },
                            1, 1});
}

}  // namespace xcr::sim
