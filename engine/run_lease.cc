#include "engine/run_lease.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <functional>
#include <span>
#include <sstream>
#include <vector>

#include "base/logging.h"
#include "base/uuid.h"
#include "engine/other_config_keys.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

// How long a guard (held only for a few calls) may stay before anyone may remove it.
constexpr int64_t kGuardSeconds = 60;
constexpr int kReleaseAttempts = 3;
constexpr uint64_t kReleaseRetryMicros = 200000;

int64_t NowSeconds(Env* env) { return env->NowUnixMicros() / 1000000; }

bool ParseInt(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// Lease fields are written by us; anything that could break the encoding is replaced.
std::string Clean(std::string s) {
  for (char& c : s) {
    if (c == ';' || c == '=' || static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  return s;
}

// "2026-12-07T18:53:47Z".
std::string Rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ThisHost() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

// Runs fn holding keys::kLeaseGuard. A guard older than kGuardSeconds (its holder died between
// two calls) is removed and the add tried again once.
Status WithGuard(LeaseStore& store, Env* env, const std::string& run_id,
                 const std::function<Status()>& fn) {
  const std::string guard(keys::kLeaseGuard);
  for (int attempt = 0;; ++attempt) {
    std::string value = std::to_string(NowSeconds(env) + kGuardSeconds) + ";" + run_id;
    Status s = store.Add(guard, value);
    if (s.ok()) break;
    if (s.code() != StatusCode::kAlreadyExists) return s;
    XCR_ASSIGN_OR_RETURN(StringMap now, store.Read());
    std::string held(ConfigValue(now, guard));
    int64_t until = 0;
    bool stale = held.empty() || !ParseInt(held.substr(0, held.find(';')), &until) ||
                 until < NowSeconds(env);
    // A guard this run left when its removal failed is its own to remove.
    bool ours = held.find(';') != std::string::npos && held.substr(held.find(';') + 1) == run_id;
    if (!(stale || ours) || attempt > 0) {
      return Status::Unavailable("another xcr process is changing the run lease of VM '" +
                                 store.vm_label() + "' right now: try again");
    }
    XCR_RETURN_IF_ERROR(store.Remove(guard));
  }
  Status result = fn();
  Status removed = store.Remove(guard);
  if (!removed.ok()) {
    XCR_LOG(WARN) << "VM '" << store.vm_label()
                  << "': could not remove the lease guard: " << removed.ToString()
                  << " (it expires in " << kGuardSeconds << " s)";
  }
  return result;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A /proc file: its size reads as 0, so read up to a fixed size (4 KiB holds what we read).
Result<std::string> ReadProcFile(Env* env, const std::string& path) {
  XCR_ASSIGN_OR_RETURN(auto file, env->NewRandomAccessFile(path));
  std::string out(4096, '\0');
  XCR_ASSIGN_OR_RETURN(
      size_t n,
      file->ReadAt(0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  out.resize(n);
  return out;
}

// The part of a ProcOwnerProbe boot token before "/": the kernel's boot id.
std::string_view KernelBoot(std::string_view token) { return token.substr(0, token.find('/')); }

}  // namespace

ProcOwnerProbe::ProcOwnerProbe(Env* env) : env_(env ? env : Env::Default()) {}

ProcOwnerProbe* ProcOwnerProbe::Default() {
  static ProcOwnerProbe* probe = new ProcOwnerProbe();
  return probe;
}

std::string ProcOwnerProbe::BootId() {
  auto boot = ReadProcFile(env_, "/proc/sys/kernel/random/boot_id");
  if (!boot.ok() || Trim(*boot).empty()) return "";
  // Another pid namespace on this kernel (a container) has its own pids: "BOOT/pidns:[N]".
  char ns[128] = {};
  ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
  if (n <= 0) return "";
  return Trim(*boot) + "/" + std::string(ns, static_cast<size_t>(n));
}

Result<std::string> ProcOwnerProbe::StartTime(int64_t pid) {
  if (pid <= 0) return Status::InvalidArgument("no pid");
  XCR_ASSIGN_OR_RETURN(std::string stat,
                       ReadProcFile(env_, "/proc/" + std::to_string(pid) + "/stat"));
  // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses; field 22 is the start time.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return Status::Internal("unreadable /proc/PID/stat: " + stat);
  std::istringstream fields(stat.substr(close + 1));
  std::vector<std::string> f;
  for (std::string w; fields >> w;) f.push_back(w);
  if (f.size() < 20) return Status::Internal("unreadable /proc/PID/stat: " + stat);
  // A zombie (killed, not yet reaped by its parent) will never renew or release anything.
  if (f[0] == "Z" || f[0] == "X") return Status::NotFound("process exited");
  return f[19];
}

std::optional<std::string> DeadOwnerReason(const LeaseInfo& held, const std::string& this_host,
                                           OwnerProbe& probe) {
  if (held.host != this_host || held.start.empty() || held.boot.empty()) return std::nullopt;
  std::string boot = probe.BootId();
  if (boot.empty()) return std::nullopt;
  if (boot != held.boot) {
    // The machine booted again: every process of the old boot is gone. The same boot seen from
    // another pid namespace (a container with this host name) cannot be judged.
    if (KernelBoot(boot) == KernelBoot(held.boot)) return std::nullopt;
    return "host " + held.host + " was started again since the lease was taken";
  }
  auto start = probe.StartTime(held.pid);
  if (start.ok()) {
    if (*start == held.start) return std::nullopt;
    return "process " + std::to_string(held.pid) + " is another process (started at " + *start +
           ", the owner at " + held.start + ")";
  }
  if (start.status().code() == StatusCode::kNotFound) {
    return "no process " + std::to_string(held.pid) + " runs on host " + held.host;
  }
  return std::nullopt;
}

Result<StringMap> VmLeaseStore::Read() {
  XCR_ASSIGN_OR_RETURN(xapi::Value v, conn_->Call("VM.get_other_config", {xapi::Value(vm_ref_)}));
  if (!v.is_struct()) return Status::Internal("VM.get_other_config did not answer a map");
  StringMap out;
  for (const auto& [k, val] : v.structure()) {
    if (val.is_string()) out[k] = val.string();
  }
  return out;
}

Status VmLeaseStore::Add(const std::string& key, const std::string& value) {
  Status s = xapi::CallVoid(*conn_, "VM.add_to_other_config", {vm_ref_, key, value});
  if (s.error_name() == "MAP_DUPLICATE_KEY") {
    return Status::AlreadyExists("VM '" + vm_label_ + "' already has " + key);
  }
  return s;
}

Status VmLeaseStore::Remove(const std::string& key) {
  return xapi::CallVoid(*conn_, "VM.remove_from_other_config", {vm_ref_, key});
}

std::string LeaseInfo::Encode() const {
  return "host=" + Clean(host) + ";pid=" + std::to_string(pid) + ";run=" + Clean(run_id) +
         ";job=" + Clean(job_id) + ";since=" + std::to_string(since) +
         ";expires=" + std::to_string(expires) + (start.empty() ? "" : ";start=" + Clean(start)) +
         (boot.empty() ? "" : ";boot=" + Clean(boot));
}

Result<LeaseInfo> LeaseInfo::Decode(const std::string& value) {
  LeaseInfo out;
  bool has_expires = false;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(';', start);
    if (end == std::string::npos) end = value.size();
    std::string_view field(value.data() + start, end - start);
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) return Status::InvalidArgument("not a lease: " + value);
    std::string_view k = field.substr(0, eq), v = field.substr(eq + 1);
    if (k == "host") out.host = v;
    if (k == "run") out.run_id = v;
    if (k == "job") out.job_id = v;
    if (k == "start") out.start = v;
    if (k == "boot") out.boot = v;
    if (k == "pid" && !ParseInt(v, &out.pid)) return Status::InvalidArgument("bad pid: " + value);
    if (k == "since" && !ParseInt(v, &out.since))
      return Status::InvalidArgument("bad since: " + value);
    if (k == "expires") {
      if (!ParseInt(v, &out.expires)) return Status::InvalidArgument("bad expiry: " + value);
      has_expires = true;
    }
    start = end + 1;
  }
  if (!has_expires || out.run_id.empty()) return Status::InvalidArgument("not a lease: " + value);
  return out;
}

std::string LeaseHeldMessage(const LeaseInfo& held, const std::string& vm_label) {
  return "a run of job " + held.job_id + " for VM " + vm_label + " is in progress (host " +
         held.host + ", since " + Rfc3339(held.since) + ")";
}

bool IsLiveLease(const std::string& value, int64_t now_unix_seconds, OwnerProbe* probe,
                 const std::string& this_host) {
  auto info = LeaseInfo::Decode(value);
  if (!info.ok() || info->expires <= now_unix_seconds) return false;
  OwnerProbe& p = probe ? *probe : *ProcOwnerProbe::Default();
  return !DeadOwnerReason(*info, this_host.empty() ? ThisHost() : this_host, p).has_value();
}

RunLease::RunLease(std::unique_ptr<LeaseStore> store, LeaseOptions options, LeaseInfo info)
    : store_(std::move(store)),
      options_(std::move(options)),
      env_(options_.env ? options_.env : Env::Default()),
      info_(std::move(info)) {}

RunLease::~RunLease() { Release().ok(); }

Result<std::unique_ptr<RunLease>> RunLease::Acquire(std::unique_ptr<LeaseStore> store,
                                                    LeaseOptions options) {
  Env* env = options.env ? options.env : Env::Default();
  if (options.job_id.empty() || options.run_id.empty()) {
    return Status::InvalidArgument("a run lease needs a job id and a run id");
  }
  LeaseInfo mine;
  mine.host = options.host.empty() ? ThisHost() : options.host;
  mine.pid = options.pid ? options.pid : static_cast<int64_t>(getpid());
  mine.run_id = options.run_id;
  mine.job_id = options.job_id;
  OwnerProbe* probe = options.probe ? options.probe : ProcOwnerProbe::Default();
  if (auto start = probe->StartTime(mine.pid); start.ok()) {
    mine.start = *start;
    mine.boot = probe->BootId();
  }
  const std::string key(keys::kLease);
  const std::string vm = store->vm_label();
  auto context = [&](Status s) { return s.WithContext("take the run lease of VM '" + vm + "'"); };
  // A few rounds: the lease may vanish or change between our reads (its holder released it).
  for (int round = 0; round < 3; ++round) {
    mine.since = NowSeconds(env);
    mine.expires = mine.since + options.ttl_seconds;
    Status added = store->Add(key, mine.Encode());
    if (added.ok()) {
      return std::unique_ptr<RunLease>(new RunLease(std::move(store), options, mine));
    }
    if (added.code() != StatusCode::kAlreadyExists) return context(added);
    auto map = store->Read();
    if (!map.ok()) return context(map.status());
    std::string seen(ConfigValue(*map, key));
    if (seen.empty()) continue;  // released meanwhile
    auto held = LeaseInfo::Decode(seen);
    std::optional<std::string> dead;
    if (held.ok() && held->expires > NowSeconds(env)) {
      dead = DeadOwnerReason(*held, mine.host, *probe);
      if (!dead) return Status::FailedPrecondition(LeaseHeldMessage(*held, vm));
    }
    // Expired, unreadable or its owner dead: take it over under the guard, if it is still the one
    // we saw.
    bool won = false;
    std::optional<LeaseInfo> other;
    Status s = WithGuard(*store, env, mine.run_id, [&]() -> Status {
      XCR_ASSIGN_OR_RETURN(StringMap again, store->Read());
      if (ConfigValue(again, key) != seen) return Status::OK();  // changed: next round decides
      XCR_RETURN_IF_ERROR(store->Remove(key));
      mine.since = NowSeconds(env);
      mine.expires = mine.since + options.ttl_seconds;
      Status a = store->Add(key, mine.Encode());
      if (a.ok()) {
        won = true;
        return Status::OK();
      }
      if (a.code() != StatusCode::kAlreadyExists) return a;
      XCR_ASSIGN_OR_RETURN(StringMap now, store->Read());
      auto info = LeaseInfo::Decode(std::string(ConfigValue(now, key)));
      if (info.ok()) other = *info;
      return Status::OK();
    });
    if (!s.ok()) return context(s);
    if (won && dead) {
      XCR_LOG(WARN) << "VM '" << vm << "': took over the run lease of a dead owner (host "
                    << held->host << ", pid " << held->pid << ", run " << held->run_id << ", job "
                    << held->job_id << "): " << *dead;
      return std::unique_ptr<RunLease>(new RunLease(std::move(store), options, mine));
    }
    if (won) {
      XCR_LOG(WARN) << "VM '" << vm << "': took over an expired run lease (" << seen << ")";
      return std::unique_ptr<RunLease>(new RunLease(std::move(store), options, mine));
    }
    if (other) return Status::FailedPrecondition(LeaseHeldMessage(*other, vm));
  }
  return Status::Unavailable("the run lease of VM '" + vm + "' keeps changing hands: try again");
}

Status RunLease::Renew() {
  if (!held_) return Status::FailedPrecondition("the run lease was released");
  const std::string key(keys::kLease);
  const std::string vm = store_->vm_label();
  LeaseInfo next = info_;
  Status s = WithGuard(*store_, env_, info_.run_id, [&]() -> Status {
    XCR_ASSIGN_OR_RETURN(StringMap now, store_->Read());
    std::string current(ConfigValue(now, key));
    if (current != info_.Encode()) {
      held_ = false;
      auto other = LeaseInfo::Decode(current);
      return Status::FailedPrecondition(
          "the run lease of VM '" + vm + "' is no longer this run's" +
          (other.ok() ? ": " + LeaseHeldMessage(*other, vm) : std::string(" (removed)")));
    }
    XCR_RETURN_IF_ERROR(store_->Remove(key));
    next.expires = NowSeconds(env_) + options_.ttl_seconds;
    Status a = store_->Add(key, next.Encode());
    if (!a.ok()) {
      held_ = false;
      return a.code() == StatusCode::kAlreadyExists
                 ? Status::FailedPrecondition("the run lease of VM '" + vm +
                                              "' was taken by another run while being renewed")
                 : a;
    }
    info_ = next;
    return Status::OK();
  });
  return s;
}

Status RunLease::Release() {
  if (!held_) return Status::OK();
  held_ = false;
  const std::string key(keys::kLease);
  auto remove_if_ours = [&]() -> Status {
    XCR_ASSIGN_OR_RETURN(StringMap now, store_->Read());
    if (ConfigValue(now, key) != info_.Encode()) return Status::OK();
    return store_->Remove(key);
  };
  // A call failing once (a pool hiccup) must not leave the lease for its whole ttl, refusing
  // every next run until then: tried again a few times.
  Status s;
  for (int attempt = 0; attempt < kReleaseAttempts; ++attempt) {
    if (attempt > 0) env_->SleepForMicros(kReleaseRetryMicros);
    s = WithGuard(*store_, env_, info_.run_id, remove_if_ours);
    if (s.code() == StatusCode::kUnavailable) s = remove_if_ours();  // guard busy: still ours?
    if (s.ok()) break;
  }
  if (!s.ok()) {
    XCR_LOG(WARN) << "VM '" << store_->vm_label()
                  << "': could not release the run lease: " << s.ToString()
                  << " (it expires by itself)";
  }
  return s;
}

Result<std::unique_ptr<RunLease>> AcquireVmLease(xapi::Connection& conn, const std::string& vm_ref,
                                                 const std::string& vm_label,
                                                 const std::string& job_id, Env* env) {
  LeaseOptions o;
  o.job_id = job_id;
  o.run_id = Uuid::Random().ToString();
  o.env = env;
  return RunLease::Acquire(std::make_unique<VmLeaseStore>(&conn, vm_ref, vm_label), o);
}

LeaseKeeper::LeaseKeeper(std::unique_ptr<RunLease> lease, const std::atomic<bool>* external,
                         uint64_t poll_micros)
    : lease_(std::move(lease)), external_(external) {
  thread_ = std::thread(InheritLogSink([this, poll_micros] {
    Env* env = lease_->env();
    int64_t period = std::max<int64_t>(lease_->ttl_seconds() / 3, 1) * 1000000;
    int64_t next = env->NowUnixMicros() + period;
    while (!stop_.load()) {
      if (external_ && external_->load()) cancel_.store(true);
      int64_t now = env->NowUnixMicros();
      if (now >= next) {
        Status s = lease_->Renew();
        // A failed call is retried at the next step while the lease has not expired; a lease
        // that is not ours any more, or expired, stops the run.
        bool expired = now / 1000000 >= lease_->info().expires;
        if (s.ok()) {
          next = now + period;
        } else if (s.code() == StatusCode::kFailedPrecondition || expired) {
          lost_status_ = s;
          lost_.store(true);
          cancel_.store(true);
          XCR_LOG(WARN) << "run lease lost: " << s.ToString();
          return;
        }
      }
      env->SleepForMicros(poll_micros);
    }
  }));
}

LeaseKeeper::~LeaseKeeper() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  lease_.reset();  // releases
}

Status LeaseKeeper::lost_status() const { return lost_.load() ? lost_status_ : Status::OK(); }

}  // namespace xcr::engine
