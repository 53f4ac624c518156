#include "sim/service.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/logging.h"
#include "base/uuid.h"
#include "sim/vm_ops.h"
#include "sim/xapi_names.h"
#include "xapi/xmlrpc.h"

namespace xcr::sim {

Status XapiError(std::string code, std::vector<std::string> params) {
  return Status::Remote(std::move(code), std::move(params));
}

namespace {
// A call's arguments after the session, for the debug call log: strings (cut at 60 characters),
// "{..}" for a struct, "[..]" for an array, "#" for anything else.
std::string ArgsSummary(const Array& params, size_t from) {
  std::string out;
  for (size_t i = from; i < params.size(); ++i) {
    const Value& v = params[i];
    std::string s = v.is_string()   ? v.string().substr(0, 60)
                    : v.is_struct() ? "{..}"
                    : v.is_array()  ? "[..]"
                                    : "#";
    out += " " + s;
  }
  return out;
}

Status TypeError(const Ctx& c, size_t i, const char* want) {
  return XapiError("FIELD_TYPE_ERROR",
                   {c.method + " argument " + std::to_string(i) + " (" + want + ")"});
}
}  // namespace

Result<std::string> ArgString(const Ctx& c, size_t i) {
  if (i >= c.args.size() || !c.args[i].is_string()) return TypeError(c, i, "string");
  return c.args[i].string();
}
Result<int64_t> ArgInt(const Ctx& c, size_t i) {
  if (i >= c.args.size()) return TypeError(c, i, "int");
  auto v = c.args[i].AsInt();
  if (!v.ok()) return TypeError(c, i, "int");
  return *v;
}
Result<bool> ArgBool(const Ctx& c, size_t i) {
  if (i >= c.args.size() || !c.args[i].is_bool()) return TypeError(c, i, "bool");
  return c.args[i].bool_value();
}
Result<Struct> ArgStruct(const Ctx& c, size_t i) {
  if (i >= c.args.size() || !c.args[i].is_struct()) return TypeError(c, i, "struct");
  return c.args[i].structure();
}
Result<Array> ArgArray(const Ctx& c, size_t i) {
  if (i >= c.args.size() || !c.args[i].is_array()) return TypeError(c, i, "array");
  return c.args[i].array();
}
Result<std::string> ArgRef(const Ctx& c, size_t i, const std::string& cls) {
  XCR_ASSIGN_OR_RETURN(std::string ref, ArgString(c, i));
  if (c.db.Get(cls, ref) == nullptr) return XapiError("HANDLE_INVALID", {cls, ref});
  return ref;
}

std::string FieldString(const Struct& r, const std::string& f) {
  auto it = r.find(f);
  return it != r.end() && it->second.is_string() ? it->second.string() : std::string();
}
int64_t FieldInt(const Struct& r, const std::string& f) {
  auto it = r.find(f);
  if (it == r.end()) return 0;
  auto v = it->second.AsInt();
  return v.ok() ? *v : 0;
}
bool FieldBool(const Struct& r, const std::string& f) {
  auto it = r.find(f);
  return it != r.end() && it->second.is_bool() && it->second.bool_value();
}
std::vector<std::string> FieldRefs(const Struct& r, const std::string& f) {
  std::vector<std::string> out;
  auto it = r.find(f);
  if (it == r.end() || !it->second.is_array()) return out;
  for (const Value& v : it->second.array()) {
    if (v.is_string()) out.push_back(v.string());
  }
  return out;
}

Value IntsAsStrings(const Value& v) {
  switch (v.type()) {
    case Value::Type::kInt:
      return Value(std::to_string(v.int_value()));
    case Value::Type::kArray: {
      Array a;
      a.reserve(v.array().size());
      for (const Value& e : v.array()) a.push_back(IntsAsStrings(e));
      return Value(std::move(a));
    }
    case Value::Type::kStruct: {
      Struct s;
      for (const auto& [k, e] : v.structure()) s[k] = IntsAsStrings(e);
      return Value(std::move(s));
    }
    default:
      return v;
  }
}

Service::Service(Env* env, std::string state_dir, ServiceOptions options)
    : env_(env),
      dir_(std::move(state_dir)),
      options_(std::move(options)),
      db_(env, JoinPath(dir_, "pool.json")),
      store_(env, dir_) {
  RegisterGenericMethods(*this);
  RegisterSessionMethods(*this);
  RegisterVmMethods(*this);
  RegisterStorageMethods(*this);
  RegisterNetworkMethods(*this);
  RegisterSimMethods(*this);
}

Service::~Service() { Shutdown(); }

void Service::Register(const std::string& name, MethodSpec spec) {
  methods_[name] = std::move(spec);
}

std::vector<std::string> Service::MethodNames() const {
  std::vector<std::string> names;
  for (const auto& [name, spec] : methods_) {
    names.push_back(name);
    if (spec.async) names.push_back("Async." + name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status Service::Open() {
  XCR_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  std::unique_lock<std::mutex> lock(mu_);
  XCR_RETURN_IF_ERROR(store_.Open());
  XCR_RETURN_IF_ERROR(db_.Load());
  if (db_.All("pool").empty()) XCR_RETURN_IF_ERROR(BootstrapLocked());
  // The SR's capacity bounds the store.
  std::string sr = DefaultSrLocked();
  const Struct* rec = db_.Get("SR", sr);
  if (rec != nullptr) store_.set_capacity(static_cast<uint64_t>(FieldInt(*rec, "physical_size")));
  // Tasks that were pending when the process stopped can never finish.
  for (const auto& [ref, task] : std::map<std::string, Struct>(db_.All("task"))) {
    if (FieldString(task, "status") == "pending") {
      FinishTaskLocked(ref, XapiError("INTERNAL_ERROR", {"xapi-sim restarted"}));
    }
  }
  return db_.SaveIfDirty();
}

Status Service::BootstrapLocked() {
  XCR_LOG(INFO) << "creating a new pool in " << dir_;
  std::string host =
      db_.Create("host", {{"name_label", Value("xapi-sim-host")},
                          {"name_description", Value("Simulated XAPI host")},
                          {"hostname", Value("xapi-sim")},
                          {"address", Value(options_.address)},
                          {"enabled", Value(true)},
                          {"API_version_major", Value(int64_t{2})},
                          {"API_version_minor", Value(int64_t{21})},
                          {"API_version_vendor", Value("XenSource")},
                          {"software_version", Value(Struct{{"product_version", Value("8.2.1")},
                                                            {"product_brand", Value("XCP-ng")},
                                                            {"platform_name", Value("XCP")},
                                                            {"platform_version", Value("3.2.1")},
                                                            {"xapi", Value("1.249")},
                                                            {"xen", Value("4.13.5")}})},
                          {"cpu_info", Value(Struct{{"cpu_count", Value("2")}})},
                          {"memory_overhead", Value(int64_t{0})}});
  std::string sr = db_.Create(
      "SR", {{"name_label", Value("Local storage")},
             {"name_description", Value("Simulated copy-on-write storage")},
             {"type", Value("ext")},
             {"content_type", Value("user")},
             {"physical_size", Value(static_cast<int64_t>(options_.sr_size))},
             {"allowed_operations",
              Value(Array{Value("vdi_create"), Value("vdi_destroy"), Value("vdi_snapshot"),
                          Value("vdi_clone"), Value("vdi_resize"), Value("scan")})}});
  std::string pbd = db_.Create(
      "PBD", {{"host", Value(host)}, {"SR", Value(sr)}, {"currently_attached", Value(true)}});
  db_.AddToSet("host", host, "PBDs", pbd);
  db_.AddToSet("SR", sr, "PBDs", pbd);
  db_.Create("network", {{"name_label", Value("Pool-wide network associated with eth0")},
                         {"bridge", Value("xenbr0")},
                         {"MTU", Value(int64_t{1500})}});
  std::string dom0 =
      db_.Create("VM", {{"name_label", Value("Control domain on host: xapi-sim-host")},
                        {"is_control_domain", Value(true)},
                        {"power_state", Value("Running")},
                        {"resident_on", Value(host)},
                        {"memory_static_max", Value(int64_t{4} << 30)},
                        {"memory_dynamic_max", Value(int64_t{4} << 30)},
                        {"VCPUs_max", Value(int64_t{2})},
                        {"VCPUs_at_startup", Value(int64_t{2})}});
  db_.AddToSet("host", host, "resident_VMs", dom0);
  db_.Create("pool", {{"name_label", Value("xapi-sim")},
                      {"master", Value(host)},
                      {"default_SR", Value(sr)},
                      {"suspend_image_SR", Value(sr)},
                      {"crash_dump_SR", Value(sr)}});
  return Status::OK();
}

std::string Service::PoolLocked() const {
  const auto& pools = db_.All("pool");
  return pools.empty() ? std::string(kNullRef) : pools.begin()->first;
}
std::string Service::MasterLocked() const {
  const Struct* p = db_.Get("pool", PoolLocked());
  return p ? FieldString(*p, "master") : std::string(kNullRef);
}
std::string Service::DefaultSrLocked() const {
  const Struct* p = db_.Get("pool", PoolLocked());
  return p ? FieldString(*p, "default_SR") : std::string(kNullRef);
}

Value Service::NowDateTime() {
  return Value(DateTime{FormatXapiDateTime(env_->NowUnixMicros() / 1000000)});
}

bool Service::SessionValidLocked(const std::string& ref) const {
  return db_.Get("session", ref) != nullptr;
}

bool Service::CheckPassword(const std::string& user, const std::string& password) const {
  return user == options_.user && password == options_.password;
}

std::string Service::NewSessionLocked(const std::string& user, const std::string& originator) {
  return db_.Create("session", {{"this_host", Value(MasterLocked())},
                                {"this_user", Value(std::string(kNullRef))},
                                {"last_active", NowDateTime()},
                                {"pool", Value(true)},
                                {"is_local_superuser", Value(true)},
                                {"auth_user_name", Value(user)},
                                {"originator", Value(originator)},
                                {"validation_time", NowDateTime()}});
}

std::string Service::NewTaskLocked(const std::string& label, const std::string& session) {
  return db_.Create("task", {{"name_label", Value(label)},
                             {"status", Value("pending")},
                             {"created", NowDateTime()},
                             {"resident_on", Value(MasterLocked())},
                             {"allowed_operations", Value(Array{Value("cancel")})}});
}

void Service::FinishTaskLocked(const std::string& task, const Result<Value>& outcome) {
  if (db_.Get("task", task) == nullptr) return;
  db_.Set("task", task, "progress", Value(1.0));
  db_.Set("task", task, "finished", NowDateTime());
  db_.Set("task", task, "allowed_operations", Value(Array{}));
  if (outcome.ok()) {
    db_.Set("task", task, "result",
            Value(outcome->is_nil() ? std::string() : EncodeValue(*outcome)));
    db_.Set("task", task, "status", Value("success"));
    return;
  }
  const Status& s = outcome.status();
  Array info;
  if (s.code() == StatusCode::kRemoteError) {
    info.push_back(Value(s.error_name()));
    for (const std::string& p : s.params()) info.push_back(Value(p));
  } else {
    info.push_back(Value("INTERNAL_ERROR"));
    info.push_back(Value(s.ToString()));
  }
  db_.Set("task", task, "error_info", Value(std::move(info)));
  db_.Set("task", task, "status",
          Value(s.code() == StatusCode::kCancelled ? "cancelled" : "failure"));
}

void Service::RefreshUsageLocked(const std::string& vdi) {
  const Struct* v = db_.Get("VDI", vdi);
  if (v != nullptr) {
    auto used = store_.AllocatedBytes(FieldString(*v, "location"));
    if (used.ok() && static_cast<int64_t>(*used) != FieldInt(*v, "physical_utilisation")) {
      db_.Set("VDI", vdi, "physical_utilisation", Value(static_cast<int64_t>(*used)));
    }
  }
  for (const auto& [sr, rec] : std::map<std::string, Struct>(db_.All("SR"))) {
    int64_t virt = 0;
    for (const std::string& r : FieldRefs(rec, "VDIs")) {
      const Struct* x = db_.Get("VDI", r);
      if (x) virt += FieldInt(*x, "virtual_size");
    }
    int64_t phys = static_cast<int64_t>(store_.TotalAllocatedBytes());
    if (FieldInt(rec, "physical_utilisation") != phys) {
      db_.Set("SR", sr, "physical_utilisation", Value(phys));
    }
    if (FieldInt(rec, "virtual_allocation") != virt) {
      db_.Set("SR", sr, "virtual_allocation", Value(virt));
    }
  }
}

void Service::CommitLocked() {
  Status s = db_.SaveIfDirty();
  if (!s.ok()) {
    XCR_LOG(ERROR) << "saving the pool state failed: " << s.ToString();
  }
  events_cv_.notify_all();
}

void Service::WaitForEvents(std::unique_lock<std::mutex>& lock, uint64_t deadline_micros) {
  uint64_t now = env_->NowMicros();
  if (now >= deadline_micros || shutdown_) return;
  events_cv_.wait_for(lock, std::chrono::microseconds(deadline_micros - now));
}

void Service::Shutdown() {
  std::unique_lock<std::mutex> l(mu_);
  shutdown_ = true;
  events_cv_.notify_all();
  workers_cv_.wait(l, [&] { return workers_ == 0; });
}

void Service::RunLaterLocked(uint64_t delay_micros,
                             std::function<void(std::unique_lock<std::mutex>&)> work) {
  ++workers_;
  uint64_t deadline = env_->NowMicros() + delay_micros;
  std::thread([this, deadline, work = std::move(work)] {
    std::unique_lock<std::mutex> lock(mu_);
    SleepLocked(lock, deadline);
    work(lock);
    --workers_;
    workers_cv_.notify_all();
  }).detach();
}

bool Service::TaskStoppedLocked(const std::string& task) const {
  const Struct* t = db_.Get("task", task);
  return t == nullptr || FieldString(*t, "status") != "pending";
}

void Service::SetTaskProgressLocked(const std::string& task, double progress) {
  if (TaskStoppedLocked(task)) return;
  db_.Set("task", task, "progress", Value(progress));
  CommitLocked();
}

void Service::SleepLocked(std::unique_lock<std::mutex>& lock, uint64_t deadline_micros,
                          const std::string& task) {
  uint64_t start = env_->NowMicros();
  if (deadline_micros <= start) return;
  uint64_t span = deadline_micros - start;
  int step = 0;
  while (!shutdown_) {
    uint64_t now = env_->NowMicros();
    if (now >= deadline_micros) return;
    if (!task.empty()) {
      if (TaskStoppedLocked(task)) return;
      int reached = static_cast<int>((now - start) * kProgressSteps / span);
      if (reached > step) {
        step = reached;
        SetTaskProgressLocked(task, static_cast<double>(step) / kProgressSteps);
      }
    }
    uint64_t next = task.empty()
                        ? deadline_micros
                        : std::min(deadline_micros, start + span * (step + 1) / kProgressSteps);
    events_cv_.wait_for(lock, std::chrono::microseconds(std::max<uint64_t>(next - now, 1)));
  }
}

Result<Value> Service::RunLocked(const std::string& name, const Array& params,
                                 const std::string& session, std::unique_lock<std::mutex>& lock,
                                 const std::string& task) {
  if (uint64_t delay = faults_.DelayMicros(name); delay > 0) {
    SleepLocked(lock, env_->NowMicros() + delay, task);
    if (shutdown_) return XapiError("INTERNAL_ERROR", {"xapi-sim is stopping"});
    if (!task.empty() && TaskStoppedLocked(task)) return Status::Cancelled("task cancelled");
  }
  if (auto fail = faults_.TakeMethodFailure(name)) {
    std::string code = fail->empty() ? "INTERNAL_ERROR" : (*fail)[0];
    std::vector<std::string> p(fail->size() > 1 ? fail->begin() + 1 : fail->end(), fail->end());
    return XapiError(code, p);
  }
  auto it = methods_.find(name);
  Ctx ctx{*this, db_, store_, name, params, session, lock};
  return it->second.fn(ctx);
}

Result<Value> Service::Dispatch(const std::string& method, const Array& params,
                                std::unique_lock<std::mutex>& lock) {
  bool async = method.rfind("Async.", 0) == 0;
  std::string name = async ? method.substr(6) : method;
  auto it = methods_.find(name);
  if (it == methods_.end() || (async && !it->second.async)) {
    return XapiError("MESSAGE_METHOD_UNKNOWN", {method});
  }
  const MethodSpec& spec = it->second;
  int n = static_cast<int>(params.size());
  if (n < spec.min_args || n > spec.max_args) {
    return XapiError("MESSAGE_PARAMETER_COUNT_MISMATCH",
                     {method, std::to_string(spec.max_args), std::to_string(n)});
  }
  std::string session;
  if (spec.needs_session) {
    session = params[0].is_string() ? params[0].string() : std::string();
    if (!SessionValidLocked(session)) return XapiError("SESSION_INVALID", {session});
  }
  XCR_LOG(DEBUG) << "call " << method << ArgsSummary(params, spec.needs_session ? 1 : 0);
  if (!async) return RunLocked(name, params, session, lock, "");
  // Async: a pending task is returned at once; the call runs on a worker, after the method's
  // delay (progress advancing meanwhile), unless the task was cancelled by then.
  std::string task = NewTaskLocked("Async." + name, session);
  RunLaterLocked(0, [this, task, name, params, session](std::unique_lock<std::mutex>& worker_lock) {
    Result<Value> r = shutdown_
                          ? Result<Value>(XapiError("INTERNAL_ERROR", {"xapi-sim is stopping"}))
                          : RunLocked(name, params, session, worker_lock, task);
    if (!TaskStoppedLocked(task)) FinishTaskLocked(task, r);
    CommitLocked();
  });
  return Value(task);
}

Result<Value> Service::Call(const std::string& method, const Array& params) {
  std::unique_lock<std::mutex> lock(mu_);
  Result<Value> r = Dispatch(method, params, lock);
  CommitLocked();
  return r;
}

std::vector<std::string> ErrorDescription(const Status& s) {
  if (s.code() == StatusCode::kRemoteError) {
    std::vector<std::string> desc{s.error_name()};
    desc.insert(desc.end(), s.params().begin(), s.params().end());
    return desc;
  }
  return {"INTERNAL_ERROR", s.ToString()};
}

Value Service::ListMethodsValue() const {
  Array names;
  for (const std::string& m : MethodNames()) names.push_back(Value(m));
  names.push_back(Value("system.listMethods"));
  return Value(std::move(names));
}

void Service::CountCall(Protocol p) {
  (p == Protocol::kXmlRpc ? xmlrpc_calls_ : jsonrpc_calls_).fetch_add(1);
}

int64_t Service::calls_served(Protocol p) const {
  return (p == Protocol::kXmlRpc ? xmlrpc_calls_ : jsonrpc_calls_).load();
}

Service::RpcReply Service::HandleXmlRpc(std::string_view body) {
  auto call = DecodeMethodCall(body);
  if (!call.ok()) {
    XCR_LOG(WARN) << "malformed XML-RPC request: " << call.status().ToString();
    return {500, std::string(kInternalErrorPage)};
  }
  CountCall(Protocol::kXmlRpc);
  if (call->method == "system.listMethods") return {200, EncodeResponse(ListMethodsValue())};
  Result<Value> r = Call(call->method, call->params);
  if (r.ok()) {
    EncodeOptions opts;
    if (call->method == "event.from" || call->method == "Async.event.from") opts.ints_as_i4 = true;
    return {200, EncodeSuccess(opts.ints_as_i4 ? *r : IntsAsStrings(*r), opts)};
  }
  return {200, EncodeFailure(ErrorDescription(r.status()))};
}

}  // namespace xcr::sim

namespace xcr::sim {

Result<std::vector<std::string>> Service::Populate(int n, uint64_t disk_size) {
  std::unique_lock<std::mutex> lock(mu_);
  const std::string method = "sim.populate";
  const Array none;
  Ctx ctx{*this, db_, store_, method, none, "", lock};
  Result<std::vector<std::string>> r = PopulateLocked(ctx, n, disk_size);
  CommitLocked();
  return r;
}

}  // namespace xcr::sim
