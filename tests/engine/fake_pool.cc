#include "tests/engine/fake_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "engine/content_digest.h"
#include "vhd/stream_writer.h"
#include "xapi/xmlrpc.h"

namespace xcr::engine::testing {
namespace {

using xapi::Array;
using xapi::Struct;
using xapi::Value;

constexpr const char* kNull = "OpaqueRef:NULL";

Value MapValue(const StringMap& m) {
  Struct s;
  for (const auto& [k, v] : m) s[k] = Value(v);
  return Value(std::move(s));
}

Value ListValue(const std::vector<std::string>& l) {
  Array a;
  for (const std::string& s : l) a.emplace_back(s);
  return Value(std::move(a));
}

StringMap MapOf(const Struct& rec, const std::string& field) {
  StringMap out;
  auto it = rec.find(field);
  if (it == rec.end() || !it->second.is_struct()) return out;
  for (const auto& [k, v] : it->second.structure()) {
    if (v.is_string()) out[k] = v.string();
  }
  return out;
}

std::string StringOf(const Struct& rec, const std::string& field) {
  auto it = rec.find(field);
  return it != rec.end() && it->second.is_string() ? it->second.string() : std::string();
}

bool BoolOf(const Struct& rec, const std::string& field) {
  auto it = rec.find(field);
  if (it == rec.end()) return false;
  if (it->second.is_bool()) return it->second.bool_value();
  return it->second.is_string() && it->second.string() == "true";
}

Status Invalid(const std::string& ref) { return Status::Remote("HANDLE_INVALID", {ref}); }

// A small dynamic VHD of 2 MiB with one block of data: what FakeDiskPipe streams to observers.
class StringSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    bytes.insert(bytes.end(), data.begin(), data.end());
    return Status::OK();
  }
  Status Finish() override { return Status::OK(); }
  std::vector<uint8_t> bytes;
};

const std::vector<uint8_t>& VhdStream() {
  static const std::vector<uint8_t> stream = [] {
    vhd::StreamLayout layout;
    layout.virtual_size = 2 << 20;
    layout.blocks = {0};
    auto writer = vhd::StreamWriter::Create(layout);
    StringSink sink;
    std::vector<uint8_t> block(layout.block_size, 0x5a);
    if (!writer.ok() || !writer->WriteMetadata(sink).ok() || !writer->BeginBlock(sink, 0).ok() ||
        !writer->WriteBlockData(sink, block).ok() || !writer->Finish(sink).ok()) {
      std::abort();
    }
    return sink.bytes;
  }();
  return stream;
}

}  // namespace

// --- the transport ---

class FakeXapiPool::HostTransport : public xapi::Transport {
 public:
  HostTransport(FakeXapiPool* pool, std::string url) : pool_(pool), url_(std::move(url)) {}
  Result<xapi::HttpResponse> Post(std::string_view, std::string_view body,
                                  const xapi::HttpHeaders&) override {
    if (url_ != pool_->url()) return Status::Unavailable("connect to " + url_ + " refused");
    return pool_->Handle(body);
  }
  std::string base_url() const override { return url_; }

 private:
  FakeXapiPool* pool_;
  std::string url_;
};

FakeXapiPool::FakeXapiPool(std::string url) : url_(std::move(url)) {}

std::string FakeXapiPool::host() const {
  size_t p = url_.find("://");
  return p == std::string::npos ? url_ : url_.substr(p + 3);
}

Result<std::unique_ptr<xapi::Connection>> FakeXapiPool::Connect() {
  xapi::SessionOptions o;
  o.user = "root";
  o.password = "fake";
  return xapi::Connection::Open(
      url_, o, [this](const std::string& url) -> Result<std::unique_ptr<xapi::Transport>> {
        return std::unique_ptr<xapi::Transport>(std::make_unique<HostTransport>(this, url));
      });
}

Result<xapi::HttpResponse> FakeXapiPool::Handle(std::string_view body) {
  auto call = xapi::DecodeMethodCall(body);
  if (!call.ok()) return xapi::HttpResponse{500, {}, "bad request"};
  const std::string& m = call->method;
  Result<Value> r = Value();
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back(m);
    const Array& p = call->params;
    params_.push_back(p.empty() ? p : Array(p.begin() + 1, p.end()));
    auto f = failures_.find(m);
    if (m == "session.login_with_password") {
      std::string ref = NewRef("session");
      sessions_.insert(ref);
      r = Value(ref);
    } else if (p.empty() || !p[0].is_string() || !sessions_.count(p[0].string())) {
      r = Status::Remote("SESSION_INVALID", {});
    } else if (f != failures_.end() && f->second.skip > 0) {
      --f->second.skip;
      r = Dispatch(m, params_.back());
    } else if (f != failures_.end() && f->second.times > 0) {
      if (--f->second.times == 0) {
        r = Status::Remote(f->second.error, {m});
        failures_.erase(f);
      } else {
        r = Status::Remote(f->second.error, {m});
      }
    } else if (m == "session.logout") {
      sessions_.erase(p[0].string());
      r = Value();
    } else {
      r = Dispatch(m, params_.back());
    }
    if (r.ok()) {
      auto h = hooks_.find(m);
      if (h != hooks_.end()) hook = h->second;
    }
  }
  if (hook) hook();
  xapi::HttpResponse resp{200, {}, ""};
  if (r.ok()) {
    resp.body = xapi::EncodeSuccess(*r);
  } else {
    std::vector<std::string> d{r.status().error_name().empty() ? "INTERNAL_ERROR"
                                                               : r.status().error_name()};
    d.insert(d.end(), r.status().params().begin(), r.status().params().end());
    resp.body = xapi::EncodeFailure(d);
  }
  return resp;
}

// --- building ---

std::string FakeXapiPool::NewRef(const std::string& cls) {
  return "OpaqueRef:" + cls + "-" + std::to_string(++next_);
}

std::string FakeXapiPool::NewUuid() {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "00000000-0000-4000-8000-%012d", ++next_);
  return buf;
}

std::string FakeXapiPool::AddSr(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  std::string ref = NewRef("SR");
  srs_[ref] = {NewUuid(), name};
  return ref;
}

std::string FakeXapiPool::AddNetwork(const std::string& name, const std::string& bridge) {
  std::lock_guard<std::mutex> l(mu_);
  std::string ref = NewRef("network");
  networks_[ref] = {NewUuid(), name, bridge};
  return ref;
}

std::string FakeXapiPool::AddVm(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  std::string ref = NewRef("VM");
  Vm vm;
  vm.uuid = NewUuid();
  vm.name_label = name;
  vms_[ref] = vm;
  return ref;
}

std::string FakeXapiPool::AddDisk(const std::string& vm, const std::string& sr,
                                  const std::string& userdevice, const std::string& name,
                                  const std::string& content, int64_t virtual_size) {
  std::lock_guard<std::mutex> l(mu_);
  std::string ref = NewRef("VDI");
  Vdi d;
  d.uuid = NewUuid();
  d.name_label = name;
  d.sr = sr;
  d.virtual_size = virtual_size;
  d.content = content;
  vdis_[ref] = d;
  vbds_[NewRef("VBD")] = {vm, ref, userdevice, userdevice == "0"};
  return ref;
}

std::string FakeXapiPool::AddVif(const std::string& vm, const std::string& network,
                                 const std::string& device, const std::string& mac) {
  std::lock_guard<std::mutex> l(mu_);
  std::string ref = NewRef("VIF");
  vifs_[ref] = {vm, network, device, mac};
  return ref;
}

void FakeXapiPool::FailCall(const std::string& method, int times, int skip,
                            const std::string& error) {
  std::lock_guard<std::mutex> l(mu_);
  failures_[method] = {skip, times, error};
}

void FakeXapiPool::OnCall(const std::string& method, std::function<void()> hook) {
  std::lock_guard<std::mutex> l(mu_);
  hooks_[method] = std::move(hook);
}

// --- records ---

Value FakeXapiPool::VmRecord(const std::string& ref) const {
  const Vm& vm = vms_.at(ref);
  Struct r = vm.extra;
  std::vector<std::string> vbds, vifs;
  for (const auto& [vref, b] : vbds_) {
    if (b.vm == ref) vbds.push_back(vref);
  }
  for (const auto& [fref, f] : vifs_) {
    if (f.vm == ref) vifs.push_back(fref);
  }
  r["uuid"] = vm.uuid;
  r["name_label"] = vm.name_label;
  r["power_state"] = "Halted";
  r["is_a_template"] = vm.is_a_template;
  r["is_a_snapshot"] = vm.is_a_snapshot;
  r["is_control_domain"] = false;
  r["snapshot_of"] = vm.snapshot_of;
  r["snapshots"] = ListValue(vm.snapshots);
  r["snapshot_time"] = xapi::FormatXapiDateTime(0);
  r["VBDs"] = ListValue(vbds);
  r["VIFs"] = ListValue(vifs);
  r["other_config"] = MapValue(vm.other_config);
  r["blocked_operations"] = MapValue(vm.blocked_operations);
  r["current_operations"] = MapValue(vm.current_operations);
  r["tags"] = ListValue(vm.tags);
  return Value(std::move(r));
}

Value FakeXapiPool::VdiRecord(const std::string& ref) const {
  const Vdi& d = vdis_.at(ref);
  std::vector<std::string> vbds;
  for (const auto& [vref, b] : vbds_) {
    if (b.vdi == ref) vbds.push_back(vref);
  }
  return Value(Struct{{"uuid", d.uuid},
                      {"name_label", d.name_label},
                      {"SR", d.sr},
                      {"virtual_size", std::to_string(d.virtual_size)},
                      {"type", "user"},
                      {"is_a_snapshot", d.is_a_snapshot},
                      {"snapshot_of", d.snapshot_of},
                      {"other_config", MapValue(d.other_config)},
                      {"VBDs", ListValue(vbds)}});
}

Result<Value> FakeXapiPool::GetRecord(const std::string& cls, const std::string& ref) {
  if (cls == "VM" && vms_.count(ref)) return VmRecord(ref);
  if (cls == "VDI" && vdis_.count(ref)) return VdiRecord(ref);
  if (cls == "VBD" && vbds_.count(ref)) {
    const Vbd& b = vbds_.at(ref);
    return Value(Struct{{"uuid", ref},
                        {"VM", b.vm},
                        {"VDI", b.vdi},
                        {"userdevice", b.userdevice},
                        {"bootable", b.bootable},
                        {"type", "Disk"},
                        {"empty", false}});
  }
  if (cls == "VIF" && vifs_.count(ref)) {
    const Vif& f = vifs_.at(ref);
    return Value(Struct{{"uuid", ref},
                        {"VM", f.vm},
                        {"network", f.network},
                        {"device", f.device},
                        {"MAC", f.mac},
                        {"MTU", "1500"}});
  }
  if (cls == "network" && networks_.count(ref)) {
    const auto& n = networks_.at(ref);
    return Value(Struct{{"uuid", n[0]}, {"name_label", n[1]}, {"bridge", n[2]}});
  }
  if (cls == "SR" && srs_.count(ref)) {
    const auto& s = srs_.at(ref);
    return Value(Struct{{"uuid", s.first}, {"name_label", s.second}, {"type", "ext"}});
  }
  return Invalid(ref);
}

Result<Value> FakeXapiPool::GetAll(const std::string& cls) {
  std::vector<std::string> refs;
  if (cls == "VM") {
    for (const auto& [r, v] : vms_) refs.push_back(r);
  } else if (cls == "VDI") {
    for (const auto& [r, v] : vdis_) refs.push_back(r);
  } else if (cls == "VBD") {
    for (const auto& [r, v] : vbds_) refs.push_back(r);
  } else if (cls == "VIF") {
    for (const auto& [r, v] : vifs_) refs.push_back(r);
  } else if (cls == "network") {
    for (const auto& [r, v] : networks_) refs.push_back(r);
  } else if (cls == "SR") {
    for (const auto& [r, v] : srs_) refs.push_back(r);
  } else if (cls == "host") {
    return Value(Struct{{"OpaqueRef:host-1", Value(Struct{{"address", host()}})}});
  } else {
    return Status::Remote("MESSAGE_METHOD_UNKNOWN", {cls + ".get_all_records"});
  }
  Struct all;
  for (const std::string& r : refs) {
    XCR_ASSIGN_OR_RETURN(all[r], GetRecord(cls, r));
  }
  return Value(std::move(all));
}

StringMap* FakeXapiPool::OtherConfigOf(const std::string& cls, const std::string& ref) {
  if (cls == "VM" && vms_.count(ref)) return &vms_[ref].other_config;
  if (cls == "VDI" && vdis_.count(ref)) return &vdis_[ref].other_config;
  return nullptr;
}

void FakeXapiPool::DestroyVbdsOf(const std::string& key, bool by_vm) {
  for (auto it = vbds_.begin(); it != vbds_.end();) {
    it = (by_vm ? it->second.vm : it->second.vdi) == key ? vbds_.erase(it) : std::next(it);
  }
}

// --- calls that change the pool ---

Result<Value> FakeXapiPool::Snapshot(const Array& p) {
  if (p.size() < 2) return Status::Remote("MESSAGE_PARAMETER_COUNT_MISMATCH", {"VM.snapshot"});
  const std::string& ref = p[0].string();
  if (!vms_.count(ref)) return Invalid(ref);
  std::set<std::string> ignore;
  if (p.size() > 2 && p[2].is_array()) {
    for (const Value& v : p[2].array()) ignore.insert(v.string());
  }
  Vm snap = vms_[ref];
  snap.uuid = NewUuid();
  snap.name_label = p[1].string();
  snap.is_a_snapshot = true;
  snap.snapshot_of = ref;
  snap.snapshots.clear();
  snap.current_operations.clear();
  std::string snap_ref = NewRef("VM");
  std::vector<std::pair<std::string, Vbd>> new_vbds;
  for (const auto& [vref, b] : vbds_) {
    if (b.vm != ref || ignore.count(b.vdi)) continue;
    Vdi d = vdis_.at(b.vdi);
    d.uuid = NewUuid();
    d.is_a_snapshot = true;
    d.snapshot_of = b.vdi;
    std::string dref = NewRef("VDI");
    vdis_[dref] = d;
    new_vbds.push_back({NewRef("VBD"), {snap_ref, dref, b.userdevice, b.bootable}});
  }
  for (auto& [r, b] : new_vbds) vbds_[r] = b;
  std::vector<std::pair<std::string, Vif>> new_vifs;
  for (const auto& [fref, f] : vifs_) {
    if (f.vm == ref) new_vifs.push_back({NewRef("VIF"), {snap_ref, f.network, f.device, f.mac}});
  }
  for (auto& [r, f] : new_vifs) vifs_[r] = f;
  vms_[snap_ref] = snap;
  vms_[ref].snapshots.push_back(snap_ref);
  return Value(snap_ref);
}

Result<Value> FakeXapiPool::CreateVm(const Struct& rec) {
  Vm vm;
  vm.uuid = NewUuid();
  vm.name_label = StringOf(rec, "name_label");
  vm.is_a_template = BoolOf(rec, "is_a_template");
  vm.other_config = MapOf(rec, "other_config");
  vm.blocked_operations = MapOf(rec, "blocked_operations");
  for (const auto& [k, v] : rec) {
    if (k != "name_label" && k != "is_a_template" && k != "other_config" &&
        k != "blocked_operations" && k != "tags") {
      vm.extra[k] = v;
    }
  }
  std::string ref = NewRef("VM");
  vms_[ref] = vm;
  return Value(ref);
}

Result<Value> FakeXapiPool::Dispatch(const std::string& method, const Array& p) {
  size_t dot = method.find('.');
  std::string cls = method.substr(0, dot), op = method.substr(dot + 1);
  auto arg = [&](size_t i) -> std::string {
    return i < p.size() && p[i].is_string() ? p[i].string() : std::string();
  };
  if (op == "get_all_records") return GetAll(cls);
  if (op == "get_record") return GetRecord(cls, arg(0));
  if (op == "get_other_config") {
    StringMap* oc = OtherConfigOf(cls, arg(0));
    if (!oc) return Invalid(arg(0));
    return MapValue(*oc);
  }
  if (op == "set_other_config" || op == "add_to_other_config" || op == "remove_from_other_config") {
    StringMap* oc = OtherConfigOf(cls, arg(0));
    if (!oc) return Invalid(arg(0));
    if (op == "set_other_config") {
      *oc = p.size() > 1 && p[1].is_struct() ? MapOf(Struct{{"m", p[1]}}, "m") : StringMap{};
    } else if (op == "add_to_other_config") {
      if (oc->count(arg(1)))
        return Status::Remote("MAP_DUPLICATE_KEY", {cls, "other_config", arg(1)});
      (*oc)[arg(1)] = arg(2);
    } else {
      oc->erase(arg(1));
    }
    return Value();
  }
  if (method == "VM.snapshot") return Snapshot(p);
  if (method == "VM.create") {
    if (p.empty() || !p[0].is_struct()) return Status::Remote("FIELD_TYPE_ERROR", {"VM"});
    return CreateVm(p[0].structure());
  }
  if (cls == "VM" && !vms_.count(arg(0))) return Invalid(arg(0));
  if (method == "VM.destroy") {
    const std::string& ref = arg(0);
    std::string parent = vms_[ref].snapshot_of;
    if (vms_.count(parent)) std::erase(vms_[parent].snapshots, ref);
    DestroyVbdsOf(ref, true);
    for (auto it = vifs_.begin(); it != vifs_.end();) {
      it = it->second.vm == ref ? vifs_.erase(it) : std::next(it);
    }
    vms_.erase(ref);
    return Value();
  }
  if (method == "VM.set_name_label") {
    vms_[arg(0)].name_label = arg(1);
    return Value();
  }
  if (method == "VM.set_blocked_operations") {
    vms_[arg(0)].blocked_operations = MapOf(Struct{{"m", p.at(1)}}, "m");
    return Value();
  }
  if (method == "VM.add_tags") {
    std::vector<std::string>& tags = vms_[arg(0)].tags;
    if (std::find(tags.begin(), tags.end(), arg(1)) == tags.end()) tags.push_back(arg(1));
    return Value();
  }
  if (method == "VDI.create") {
    if (p.empty() || !p[0].is_struct()) return Status::Remote("FIELD_TYPE_ERROR", {"VDI"});
    const Struct& rec = p[0].structure();
    if (!srs_.count(StringOf(rec, "SR"))) return Invalid(StringOf(rec, "SR"));
    Vdi d;
    d.uuid = NewUuid();
    d.name_label = StringOf(rec, "name_label");
    d.sr = StringOf(rec, "SR");
    d.virtual_size = std::stoll(StringOf(rec, "virtual_size"));
    d.other_config = MapOf(rec, "other_config");
    std::string ref = NewRef("VDI");
    vdis_[ref] = d;
    return Value(ref);
  }
  if (cls == "VDI" && !vdis_.count(arg(0))) return Invalid(arg(0));
  if (method == "VDI.clone") {
    Vdi d = vdis_[arg(0)];
    d.uuid = NewUuid();
    d.is_a_snapshot = false;
    d.snapshot_of = kNull;
    std::string ref = NewRef("VDI");
    vdis_[ref] = d;
    return Value(ref);
  }
  if (method == "VDI.destroy") {
    DestroyVbdsOf(arg(0), false);
    vdis_.erase(arg(0));
    return Value();
  }
  if (method == "VDI.set_name_label") {
    vdis_[arg(0)].name_label = arg(1);
    return Value();
  }
  if (method == "VBD.create" || method == "VIF.create") {
    if (p.empty() || !p[0].is_struct()) return Status::Remote("FIELD_TYPE_ERROR", {cls});
    const Struct& rec = p[0].structure();
    std::string vm = StringOf(rec, "VM");
    if (!vms_.count(vm)) return Invalid(vm);
    std::string ref = NewRef(cls);
    if (cls == "VBD") {
      if (!vdis_.count(StringOf(rec, "VDI"))) return Invalid(StringOf(rec, "VDI"));
      vbds_[ref] = {vm, StringOf(rec, "VDI"), StringOf(rec, "userdevice"), BoolOf(rec, "bootable")};
    } else {
      if (!networks_.count(StringOf(rec, "network"))) return Invalid(StringOf(rec, "network"));
      vifs_[ref] = {vm, StringOf(rec, "network"), StringOf(rec, "device"), StringOf(rec, "MAC")};
    }
    return Value(ref);
  }
  return Status::Remote("MESSAGE_METHOD_UNKNOWN", {method});
}

// --- what happened, the state ---

std::vector<std::string> FakeXapiPool::calls() const {
  std::lock_guard<std::mutex> l(mu_);
  return calls_;
}

int FakeXapiPool::CallCount(const std::string& method) const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int>(std::count(calls_.begin(), calls_.end(), method));
}

std::vector<Array> FakeXapiPool::ParamsOf(const std::string& method) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Array> out;
  for (size_t i = 0; i < calls_.size(); ++i) {
    if (calls_[i] == method) out.push_back(params_[i]);
  }
  return out;
}

std::map<std::string, FakeXapiPool::Vm> FakeXapiPool::vms() const {
  std::lock_guard<std::mutex> l(mu_);
  return vms_;
}

std::map<std::string, FakeXapiPool::Vdi> FakeXapiPool::vdis() const {
  std::lock_guard<std::mutex> l(mu_);
  return vdis_;
}

std::map<std::string, FakeXapiPool::Vbd> FakeXapiPool::vbds() const {
  std::lock_guard<std::mutex> l(mu_);
  return vbds_;
}

std::map<std::string, FakeXapiPool::Vm> FakeXapiPool::SnapshotsOf(const std::string& vm_ref) const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, Vm> out;
  for (const auto& [r, v] : vms_) {
    if (v.is_a_snapshot && v.snapshot_of == vm_ref) out[r] = v;
  }
  return out;
}

std::map<std::string, FakeXapiPool::Vm> FakeXapiPool::VmsNamed(const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, Vm> out;
  for (const auto& [r, v] : vms_) {
    if (!v.is_a_snapshot && !v.is_a_template && v.name_label == name) out[r] = v;
  }
  return out;
}

FakeXapiPool::Vm FakeXapiPool::vm(const std::string& ref) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = vms_.find(ref);
  return it == vms_.end() ? Vm{} : it->second;
}

FakeXapiPool::Vdi FakeXapiPool::vdi(const std::string& ref) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = vdis_.find(ref);
  return it == vdis_.end() ? Vdi{} : it->second;
}

std::string FakeXapiPool::sr_uuid(const std::string& sr_ref) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = srs_.find(sr_ref);
  return it == srs_.end() ? std::string() : it->second.first;
}

std::map<std::string, FakeXapiPool::Vdi> FakeXapiPool::VdisOn(const std::string& sr_ref) const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, Vdi> out;
  for (const auto& [r, d] : vdis_) {
    if (d.sr == sr_ref) out[r] = d;
  }
  return out;
}

std::map<std::string, FakeXapiPool::Vdi> FakeXapiPool::DisksOf(const std::string& vm_ref) const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, Vdi> out;
  for (const auto& [r, b] : vbds_) {
    if (b.vm == vm_ref && vdis_.count(b.vdi)) out[b.vdi] = vdis_.at(b.vdi);
  }
  return out;
}

void FakeXapiPool::SetVmOtherConfig(const std::string& ref, const std::string& key,
                                    const std::string& value) {
  std::lock_guard<std::mutex> l(mu_);
  vms_.at(ref).other_config[key] = value;
}

void FakeXapiPool::SetVdiOtherConfig(const std::string& ref, const std::string& key,
                                     const std::string& value) {
  std::lock_guard<std::mutex> l(mu_);
  vdis_.at(ref).other_config[key] = value;
}

void FakeXapiPool::SetVdiContent(const std::string& ref, const std::string& content) {
  std::lock_guard<std::mutex> l(mu_);
  vdis_.at(ref).content = content;
}

void FakeXapiPool::SetCurrentOperation(const std::string& vm_ref, const std::string& op) {
  std::lock_guard<std::mutex> l(mu_);
  vms_.at(vm_ref).current_operations["OpaqueRef:task-op"] = op;
}

void FakeXapiPool::DestroyVm(const std::string& ref) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = vbds_.begin(); it != vbds_.end();) {
    if (it->second.vm == ref) {
      vdis_.erase(it->second.vdi);
      it = vbds_.erase(it);
    } else {
      ++it;
    }
  }
  std::string parent = vms_.at(ref).snapshot_of;
  if (vms_.count(parent)) std::erase(vms_[parent].snapshots, ref);
  vms_.erase(ref);
}

// --- FakeDiskPipe ---

void FakeDiskPipe::FailImportsOn(FakeXapiPool* pool, const std::string& sr_ref) {
  std::lock_guard<std::mutex> l(mu_);
  failing_srs_.insert({pool, sr_ref});
}

std::function<xapi::PipeResult(xapi::Connection&, const std::string&, const std::string&,
                               const std::vector<xapi::PipeTarget>&, const xapi::TransferOptions&)>
FakeDiskPipe::Function() {
  return
      [this](xapi::Connection& source, const std::string& vdi, const std::string& base,
             const std::vector<xapi::PipeTarget>& targets, const xapi::TransferOptions& options) {
        return Pipe(source, vdi, base, targets, options);
      };
}

std::vector<FakeDiskPipe::Call> FakeDiskPipe::calls() const {
  std::lock_guard<std::mutex> l(mu_);
  return calls_;
}

std::string FakeDiskPipe::StreamDigest() {
  ContentDigestSink sink;
  if (!sink.Write(VhdStream()).ok() || !sink.Finish().ok()) return "";
  return sink.Tagged();
}

FakeXapiPool* FakeDiskPipe::PoolOf(xapi::Connection& conn) const {
  for (FakeXapiPool* p : pools_) {
    if (p->url() == conn.master_url()) return p;
  }
  return nullptr;
}

xapi::PipeResult FakeDiskPipe::Pipe(xapi::Connection& source, const std::string& vdi,
                                    const std::string& base,
                                    const std::vector<xapi::PipeTarget>& targets,
                                    const xapi::TransferOptions& options) {
  FakeXapiPool* src = PoolOf(source);
  Call call{vdi, base, {}, {}};
  if (src && !base.empty()) call.base_vdi = src->vdi(base);
  for (const xapi::PipeTarget& t : targets) call.target_vdis.push_back(t.vdi);
  {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back(call);
  }
  if (before_) before_();
  xapi::PipeResult r;
  auto cancelled = [&] {
    if (!options.cancel) return false;
    // The run's watchdog raises the flag from its own thread: give it time to (bounded).
    for (int i = 0; i < 5000 && !options.cancel->load(); ++i) {
      if (!await_cancel_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return options.cancel->load();
  };
  if (cancelled()) {
    r.source = Status::Cancelled("transfer cancelled");
  } else if (fail_export_ || !src) {
    r.source = Status::IOError("export of " + vdi + " failed: connection reset");
  } else if (src->vdi(vdi).uuid.empty() || (!base.empty() && src->vdi(base).uuid.empty())) {
    r.source = Status::Remote("HANDLE_INVALID", {base.empty() ? vdi : base});
  }
  if (!r.source.ok()) {
    r.targets.assign(targets.size(), r.source);
    return r;
  }
  if (options.observer) {
    Status s = options.observer->Write(VhdStream());
    if (s.ok()) s = options.observer->Finish();
    if (!s.ok()) {
      r.source = s;
      r.targets.assign(targets.size(), s);
      return r;
    }
  }
  std::string content = src->vdi(vdi).content;
  r.bytes = VhdStream().size();
  xapi::TransferProgress progress;
  progress.bytes = progress.total = r.bytes;
  for (const xapi::PipeTarget& t : targets) {
    FakeXapiPool* pool = PoolOf(*t.conn);
    FakeXapiPool::Vdi target = pool ? pool->vdi(t.vdi) : FakeXapiPool::Vdi{};
    bool failing;
    {
      std::lock_guard<std::mutex> l(mu_);
      failing = failing_srs_.count({pool, target.sr}) > 0;
    }
    Status s = target.uuid.empty() ? Status::Remote("HANDLE_INVALID", {t.vdi})
               : failing           ? Status::IOError("import onto " + t.vdi + " failed: disk full")
                                   : Status::OK();
    if (s.ok()) pool->SetVdiContent(t.vdi, content);
    r.targets.push_back(s);
    progress.targets.push_back(
        {t.label, s.ok() ? r.bytes : 0,
         s.ok() ? xapi::TargetProgress::State::kDone : xapi::TargetProgress::State::kFailed});
  }
  if (!r.any_succeeded() && !targets.empty()) {
    r.source = Status::Unavailable("every target failed");
    r.stopped_by_targets = true;
  }
  if (options.progress) options.progress(progress);
  return r;
}

// --- StillClockEnv ---

void StillClockEnv::SleepForMicros(uint64_t micros) {
  std::this_thread::sleep_for(std::chrono::microseconds(std::min<uint64_t>(micros, 1000)));
}

}  // namespace xcr::engine::testing
