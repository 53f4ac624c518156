// engine_bench: the engine's disk transfer (the real `xcr replicate` binary) between xapi-sim
// processes over loopback HTTP, next to two baselines moving the same export side by side:
//
//   curl pipe  `curl -sN GET | curl -T - PUT` (exact Content-Length: imports refuse chunked)
//   C relay    bench/engine/relay.c: GET -> PUT through one 256 KiB buffer, one thread
//   xcr 1      `xcr replicate` of the VM to one target SR (one full run: snapshot, replica VM,
//              transfer, retention); its rate is the transfer's, from the "full export of disk"
//              task of --json (task.create to task finished, every byte through the engine)
//   xcr 3      the same to three target SRs (three target simulators), the export read once
//   3 relays   three C relays at once, each with its own export, one per target simulator: what
//              this machine can do with three target simulators sharing its cores
//
// Contenders alternate within each repetition (the order rotates) and the median of the
// repetitions is reported, so a noisy, shared machine slows all of them alike. Every run is
// checked (statuses, the import task or xcr's own result, sampled content of every target VDI
// against the source); a failed run makes the exit status 1, a slow one never does.
// Peak RSS is the xcr process's (wait4), for a disk of --virtual-gib (the BAT covers all of it).
// CPU seconds per GB are reported for the client (the contender's processes, wait4) and for all
// the simulators together (/proc), to show where a run's time goes.
// With --https 1 the source and one target are restarted on the same state with HTTPS and the
// engine alone is measured again.
//
// The simulators keep their disks under --dir (default /dev/shm, memory, else /tmp).
// With --link-mbps M (default 250), xcr to 1 and to 3 targets is measured again with each
// target simulator pacing its imports to M MB/s: targets as other hosts behind their own links,
// as on real pools, where the fan-out rather than this machine's two cores sets the pace.
//
//   engine_bench [--data-mib N (512)] [--virtual-gib G (64)] [--reps R (3)] [--https 0|1 (1)]
//                [--dir DIR (/dev/shm)] [--link-mbps M (250; 0 = skip)]
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/logging.h"
#include "cli/command_line.h"
#include "xapi/api.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"

#ifndef XCR_SIM_BINARY
#error "XCR_SIM_BINARY must name the xapi-sim binary"
#endif
#ifndef XCR_BINARY
#error "XCR_BINARY must name the xcr binary"
#endif
#ifndef XCR_RELAY_BINARY
#error "XCR_RELAY_BINARY must name the relay binary"
#endif

namespace xcr::xapi {
namespace {

constexpr uint64_t kMiB = 1 << 20;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct ChildResult {
  int status = -1;  // wait status
  double seconds = 0;
  double max_rss_mib = 0;
  double cpu_seconds = 0;  // user + system, the child's and its waited-for children's
  std::string out;         // stdout
  bool ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

// Runs argv, capturing stdout (stderr appended to `err_file`), and measures wall time, CPU time
// and peak RSS.
ChildResult RunChild(const std::vector<std::string>& argv, const std::string& err_file) {
  ChildResult r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return r;
  double t0 = Now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) dup2(err, STDERR_FILENO);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[65536];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    r.out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  rusage ru{};
  wait4(pid, &r.status, 0, &ru);
  r.seconds = Now() - t0;
  r.max_rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  r.cpu_seconds = secs(ru.ru_utime) + secs(ru.ru_stime);
  return r;
}

// One xapi-sim process.
class Sim {
 public:
  ~Sim() { Stop(); }
  Status Start(const std::string& state, bool https, const std::vector<std::string>& extra) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Status::IOError("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      int err = open((state + ".log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) dup2(err, STDERR_FILENO);
      std::vector<std::string> args = {XCR_SIM_BINARY, "--state", state, "--listen", "127.0.0.1:0"};
      if (https) args.push_back("--https");
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> a;
      for (auto& s : args) a.push_back(s.data());
      a.push_back(nullptr);
      execv(a[0], a.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];  // kept open: the simulator must never write to a closed pipe
    std::string line;
    char c;
    while (read(out_, &c, 1) == 1 && c != '\n') line += c;
    const std::string prefix = "xapi-sim listening on ";
    if (line.rfind(prefix, 0) != 0) return Status::IOError("xapi-sim did not start: " + line);
    url_ = line.substr(prefix.size());
    url_ = url_.substr(0, url_.find(' '));
    SessionOptions o;
    o.password = "xapi-sim";
    o.learn_pool_members = false;
    if (https) o.tls.mode = TlsTrust::Mode::kInsecure;
    XCR_ASSIGN_OR_RETURN(conn_, Connection::Open(url_, o));
    return Status::OK();
  }
  void Stop() {
    conn_.reset();
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
  }
  const std::string& url() const { return url_; }
  Connection& conn() { return *conn_; }
  // User + system CPU seconds used so far (from /proc).
  double CpuSeconds() const {
    std::FILE* f = std::fopen(("/proc/" + std::to_string(pid_) + "/stat").c_str(), "r");
    if (f == nullptr) return 0;
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    const char* p = std::strrchr(buf, ')');  // fields after the command name
    unsigned long long utime = 0, stime = 0;
    if (p == nullptr || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                                    &utime, &stime) != 2) {
      return 0;
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string url_;
  std::unique_ptr<Connection> conn_;
};

std::string Str(const Value& v) { return v.is_string() ? v.string() : std::string(); }

Result<Ref> FirstSr(Connection& conn) {
  XCR_ASSIGN_OR_RETURN(auto srs, GetAllRecords<SrRecord>(conn));
  for (const auto& [ref, sr] : srs) {
    if (sr.content_type != "iso") return ref;
  }
  return Status::NotFound("no SR");
}

// Compares sampled ranges of `dst` on `tconn` with the source VDI: spread over the written
// data, its last bytes, and one range past it (zeros on both sides).
Status SpotCheck(Connection& sconn, const Ref& src, Connection& tconn, const Ref& dst,
                 uint64_t data_bytes, uint64_t virtual_size) {
  std::vector<uint64_t> offsets;
  const uint64_t len = 64 << 10;
  for (int i = 0; i < 8; ++i) offsets.push_back(data_bytes / 8 * i + 4096 * i);
  offsets.push_back(data_bytes - len);
  if (data_bytes + len <= virtual_size) offsets.push_back(data_bytes);
  for (uint64_t off : offsets) {
    Array args_s = {src, std::to_string(off), std::to_string(len)};
    Array args_d = {dst, std::to_string(off), std::to_string(len)};
    XCR_ASSIGN_OR_RETURN(Value a, sconn.Call("sim.read", args_s));
    XCR_ASSIGN_OR_RETURN(Value b, tconn.Call("sim.read", args_d));
    if (Str(a).empty() || Str(a) != Str(b)) {
      return Status::Corruption("target VDI differs from the source at offset " +
                                std::to_string(off));
    }
  }
  return Status::OK();
}

// The VDIs of a replica VM (by uuid) on a target.
Result<std::vector<Ref>> ReplicaVdis(Connection& conn, const std::string& vm_uuid, Ref* vm) {
  XCR_ASSIGN_OR_RETURN(*vm, GetByUuid(conn, "VM", vm_uuid));
  XCR_ASSIGN_OR_RETURN(VmRecord rec, GetRecord<VmRecord>(conn, *vm));
  std::vector<Ref> vdis;
  for (const Ref& vbd : rec.VBDs) {
    XCR_ASSIGN_OR_RETURN(VbdRecord b, GetRecord<VbdRecord>(conn, vbd));
    if (b.VDI != "OpaqueRef:NULL" && !b.VDI.empty()) vdis.push_back(b.VDI);
  }
  return vdis;
}

// Finds the first task labelled "full export of disk ..." in xcr's --json task tree.
const nlohmann::json* FindExportTask(const nlohmann::json& tasks) {
  for (const auto& t : tasks) {
    if (t.value("label", "").rfind("full export of disk", 0) == 0) return &t;
    if (t.contains("children")) {
      if (const auto* f = FindExportTask(t["children"])) return f;
    }
  }
  return nullptr;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One timed run.
struct Sample {
  double seconds = 0;   // the transfer (xcr: its export task; baselines: the process)
  double wall = 0;      // the whole process
  double cpu = 0;       // the client process(es)
  double sims_cpu = 0;  // every simulator, during the run
  double rss_mib = 0;   // the client's peak
};

struct Bench {
  std::string dir;
  Sim src;
  std::vector<std::unique_ptr<Sim>> targets;
  std::vector<Ref> target_srs;        // refs, for VDI.create
  std::vector<std::string> sr_uuids;  // for xcr --sr
  Ref src_vdi;
  std::string vm_uuid;
  uint64_t data_bytes = 0, virtual_size = 0, stream_bytes = 0;
  int job = 0;
  std::string scheme_flags;  // "--insecure" for https

  // A fresh VDI on target i.
  Result<Ref> NewVdi(size_t i) {
    VdiSpec spec;
    spec.SR = target_srs[i];
    spec.virtual_size = static_cast<int64_t>(virtual_size);
    spec.name_label = "engine-bench";
    return VdiCreate(targets[i]->conn(), spec);
  }

  std::string ExportUrl() {
    return src.url() + "/export_raw_vdi?format=vhd&vdi=" + src_vdi +
           "&session_id=" + src.conn().session_ref();
  }
  std::string ImportUrl(size_t i, const Ref& vdi, const Ref& task) {
    Connection& c = targets[i]->conn();
    return targets[i]->url() + "/import_raw_vdi?format=vhd&vdi=" + vdi +
           "&session_id=" + c.session_ref() + "&task_id=" + task;
  }

  double SimsCpu() const {
    double t = src.CpuSeconds();
    for (const auto& s : targets) t += s->CpuSeconds();
    return t;
  }
  std::string ErrFile() const { return dir + "/client.log"; }

  // curl pipe (relay = false) or the C relay onto a fresh VDI of target 0; with n > 1, n relays
  // at once, each with its own export, onto targets 0..n-1 (the time is the last one's end).
  Result<Sample> RunBaseline(bool relay, size_t n = 1) {
    std::vector<Ref> vdis, tasks;
    std::vector<std::string> urls;
    for (size_t i = 0; i < n; ++i) {
      XCR_ASSIGN_OR_RETURN(Ref vdi, NewVdi(i));
      XCR_ASSIGN_OR_RETURN(Ref task, TaskCreate(targets[i]->conn(), "engine-bench import", ""));
      vdis.push_back(vdi);
      tasks.push_back(task);
      urls.push_back(ImportUrl(i, vdi, task));
    }
    ChildResult r;
    double sims0 = SimsCpu();
    if (relay && n == 1) {
      r = RunChild({XCR_RELAY_BINARY, ExportUrl(), urls[0]}, ErrFile());
    } else if (relay) {
      std::string script = "r=0; p=(); for u in \"${@:2}\"; do \"$1\" '" + ExportUrl() +
                           "' \"$u\" & p+=($!); done; for q in \"${p[@]}\"; do wait $q || r=1; "
                           "done; exit $r";
      std::vector<std::string> argv = {"/bin/bash", "-c", script, "relays", XCR_RELAY_BINARY};
      argv.insert(argv.end(), urls.begin(), urls.end());
      r = RunChild(argv, ErrFile());
    } else {
      std::string cmd = "curl -sfN '" + ExportUrl() +
                        "' | curl -sf -o /dev/null -T - -H 'Transfer-Encoding:' -H 'Expect:'" +
                        " -H 'Content-Length: " + std::to_string(stream_bytes) + "' '" + urls[0] +
                        "'";
      r = RunChild({"/bin/bash", "-o", "pipefail", "-c", cmd}, ErrFile());
    }
    Sample out{r.seconds, r.seconds, r.cpu_seconds, SimsCpu() - sims0, r.max_rss_mib};
    std::string what = relay ? std::to_string(n) + " C relay(s)" : "curl pipe";
    if (!r.ok()) {
      return Status::IOError(what + " failed (wait status " + std::to_string(r.status) + ")");
    }
    for (size_t i = 0; i < n; ++i) {
      Connection& c = targets[i]->conn();
      WaitOptions w;
      w.timeout_micros = 60'000'000;
      Result<TaskRecord> t = WaitTask(c, tasks[i], w);
      if (!t.ok()) return t.status().WithContext(what + ": import task");
      (void)TaskDestroy(c, tasks[i]);
      XCR_RETURN_IF_ERROR(
          SpotCheck(src.conn(), src_vdi, c, vdis[i], data_bytes, virtual_size).WithContext(what));
      XCR_RETURN_IF_ERROR(VdiDestroy(c, vdis[i]));
    }
    return out;
  }

  // `xcr replicate` of the VM to the first n targets, with a new job id (so a full run).
  Result<Sample> RunXcr(size_t n) {
    std::vector<std::string> argv = {XCR_BINARY, "--user", "root"};
    if (!scheme_flags.empty()) argv.push_back(scheme_flags);
    argv.insert(argv.end(), {"replicate", "--source", src.url(), "--vm", vm_uuid, "--job-id",
                             "bench-" + std::to_string(++job), "--json"});
    for (size_t i = 0; i < n; ++i) {
      argv.insert(argv.end(), {"--target", targets[i]->url(), "--sr", sr_uuids[i]});
    }
    double sims0 = SimsCpu();
    ChildResult r = RunChild(argv, ErrFile());
    double sims_cpu = SimsCpu() - sims0;
    std::string what = "xcr replicate to " + std::to_string(n) + " target(s)";
    if (!r.ok()) {
      return Status::IOError(what + " failed (wait status " + std::to_string(r.status) +
                             "): " + r.out.substr(0, 2000));
    }
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.value("ok", false) || j["vms"].size() != 1) {
      return Status::IOError(what + ": unexpected output " + r.out.substr(0, 2000));
    }
    const auto& vm = j["vms"][0];
    if (vm.value("mode", "") != "full" || vm.value("bytes", uint64_t{0}) != stream_bytes) {
      return Status::IOError(what + ": not a full run of the whole stream: " + vm.dump());
    }
    const nlohmann::json* t = FindExportTask(j["tasks"]);
    if (t == nullptr || !t->contains("duration_s")) {
      return Status::IOError(what + ": no export task in the output");
    }
    Sample out{(*t)["duration_s"].get<double>(), r.seconds, r.cpu_seconds, sims_cpu, r.max_rss_mib};
    if (vm["targets"].size() != n) return Status::IOError(what + ": wrong target count");
    for (size_t i = 0; i < n; ++i) {
      const auto& tj = vm["targets"][i];
      if (!tj.value("ok", false)) return Status::IOError(what + ": " + tj.dump());
      Connection& c = targets[i]->conn();
      Ref vm_ref;
      XCR_ASSIGN_OR_RETURN(std::vector<Ref> vdis, ReplicaVdis(c, tj.value("replica", ""), &vm_ref));
      if (vdis.size() != 1) return Status::IOError(what + ": replica without its disk");
      XCR_RETURN_IF_ERROR(
          SpotCheck(src.conn(), src_vdi, c, vdis[0], data_bytes, virtual_size).WithContext(what));
      // Free the target's space; the next run has a new job id, so it is a full run again.
      XCR_RETURN_IF_ERROR(VmDestroy(c, vm_ref));
      for (const Ref& v : vdis) XCR_RETURN_IF_ERROR(VdiDestroy(c, v));
    }
    return out;
  }
};

class CountingSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> d) override {
    n += d.size();
    return Status::OK();
  }
  uint64_t n = 0;
};

Status Setup(Bench& b, uint64_t data_mib, uint64_t virtual_gib) {
  b.virtual_size = virtual_gib << 30;
  b.data_bytes = data_mib * kMiB;
  XCR_RETURN_IF_ERROR(b.src.Start(b.dir + "/src", false, {"--populate", "1", "--disk-size", "8M"}));
  for (int i = 0; i < 3; ++i) {
    b.targets.push_back(std::make_unique<Sim>());
    XCR_RETURN_IF_ERROR(b.targets.back()->Start(b.dir + "/dst" + std::to_string(i), false, {}));
    XCR_ASSIGN_OR_RETURN(Ref sr, FirstSr(b.targets.back()->conn()));
    XCR_ASSIGN_OR_RETURN(SrRecord rec, GetRecord<SrRecord>(b.targets.back()->conn(), sr));
    b.target_srs.push_back(sr);
    b.sr_uuids.push_back(rec.uuid);
  }
  Connection& c = b.src.conn();
  XCR_ASSIGN_OR_RETURN(auto vms, GetAllRecords<VmRecord>(c));
  for (const auto& [ref, vm] : vms) {
    if (vm.is_control_domain || vm.is_a_template || vm.is_a_snapshot || vm.VBDs.empty()) continue;
    XCR_ASSIGN_OR_RETURN(VbdRecord vbd, GetRecord<VbdRecord>(c, vm.VBDs[0]));
    b.src_vdi = vbd.VDI;
    b.vm_uuid = vm.uuid;
  }
  if (b.src_vdi.empty()) return Status::NotFound("no populated VM on the source");
  // Populating fills a quarter of the disk; grow a small one instead, then write the data.
  XCR_RETURN_IF_ERROR(VdiResize(c, b.src_vdi, static_cast<int64_t>(b.virtual_size)));
  XCR_ASSIGN_OR_RETURN(VdiRecord disk, GetRecord<VdiRecord>(c, b.src_vdi));
  if (static_cast<uint64_t>(disk.virtual_size) != b.virtual_size || b.data_bytes > b.virtual_size) {
    return Status::InvalidArgument("--data-mib larger than the disk");
  }
  const uint64_t step = 256 * kMiB;  // one call per 256 MiB keeps each call short
  for (uint64_t off = 0; off < b.data_bytes; off += step) {
    uint64_t n = std::min(step, b.data_bytes - off);
    XCR_RETURN_IF_ERROR(c.Call("sim.write_random", {b.src_vdi, std::to_string(off),
                                                    std::to_string(n), std::to_string(off + 1)})
                            .status());
  }
  CountingSink count;
  XCR_ASSIGN_OR_RETURN(b.stream_bytes, ExportVdi(c, b.src_vdi, "", count));
  return Status::OK();
}

// Where the simulators keep their disks: memory (/dev/shm) when there is one, so what is
// measured is the transfer, not this machine's disk writeback (three targets write three copies
// of every byte; on a disk-backed /tmp the kernel's writeback of gigabytes of dirty pages takes
// the CPU the transfer needs). Every run's target disks are destroyed after its check.
std::string DefaultParentDir() { return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"; }

int Main(int argc, char** argv) {
  uint64_t data_mib = 512, virtual_gib = 64;
  int reps = 3;
  bool https = true;
  uint64_t link_mbps = 250;
  std::string parent = DefaultParentDir();
  int https_flag = 1;
  CLI::App app("engine_bench");
  cli::SetUsage(&app,
                "usage: engine_bench [--data-mib N] [--virtual-gib G] [--reps R] [--https 0|1]\n"
                "                    [--dir DIR] [--link-mbps M]\n");
  app.add_option("--data-mib", data_mib)->check(CLI::PositiveNumber);
  app.add_option("--virtual-gib", virtual_gib)->check(CLI::PositiveNumber);
  app.add_option("--reps", reps)->check(CLI::PositiveNumber);
  app.add_option("--https", https_flag)->check(CLI::Range(0, 1));
  app.add_option("--dir", parent);
  app.add_option("--link-mbps", link_mbps)->check(CLI::NonNegativeNumber);
  if (auto rc = cli::Parse(&app, "engine_bench", {argv + 1, argv + argc})) return *rc;
  https = https_flag != 0;
  SetLogLevel(LogLevel::kWARN);
  setenv("XCR_PASSWORD", "xapi-sim", 1);
  std::string tmpl = parent + "/xcr-engine-bench-XXXXXX";
  Bench b;
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "engine_bench: cannot create a folder in " << parent << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  b.dir = tmpl;
  std::printf("simulator state in %s\n", b.dir.c_str());
  int rc = 0;
  auto done = [&](const Status& s) {
    if (!s.ok()) {
      std::cerr << "engine_bench: " << s.ToString() << "\n";
      rc = 1;
    }
    b.src.Stop();
    for (auto& t : b.targets) t->Stop();
    std::string rm = "rm -rf " + b.dir;
    (void)!std::system(rm.c_str());
    return rc;
  };
  if (Status s = Setup(b, data_mib, virtual_gib); !s.ok()) return done(s);
  // Contenders: 0 curl pipe, 1 C relay, 2 xcr 1 target, 3 xcr 3 targets, 4 three C relays at
  // once (three exports: what this machine can do with three target simulators on its cores),
  // 5 xcr 1 target over HTTPS.
  const char* names[8] = {"curl -sN GET | curl -T - PUT",   "C relay, 256 KiB buffer",
                          "xcr replicate, 1 target",        "xcr replicate, 3 targets",
                          "3 C relays at once (3 exports)", "xcr replicate, 1 target, HTTPS",
                          "xcr, 1 target on its link",      "xcr, 3 targets on their links"};
  std::vector<Sample> samples[8];
  auto run = [&](int which) -> Status {
    Result<Sample> t = which < 2 || which == 4 ? b.RunBaseline(which != 0, which == 4 ? 3 : 1)
                                               : b.RunXcr(which == 3 || which == 7 ? 3 : 1);
    if (!t.ok()) return t.status();
    samples[which].push_back(*t);
    return Status::OK();
  };
  for (int r = 0; r < reps; ++r) {
    for (int k = 0; k < 5; ++k) {
      if (Status s = run((k + r) % 5); !s.ok()) return done(s);
    }
  }
  if (link_mbps > 0) {
    // Targets as other hosts behind their own links: each target simulator paces its imports
    // to --link-mbps, so the engine's fan-out, not this machine's two cores, sets the pace.
    for (auto& t : b.targets) {
      Status s = t->conn().Call("sim.fault_throttle", {static_cast<double>(link_mbps)}).status();
      if (!s.ok()) return done(s);
    }
    for (int r = 0; r < reps; ++r) {
      for (int k = 0; k < 2; ++k) {
        if (Status s = run(6 + (k + r) % 2); !s.ok()) return done(s);
      }
    }
    for (auto& t : b.targets) (void)t->conn().Call("sim.fault_clear", {});
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  if (https) {
    // The same state, served over HTTPS by the source and the first target.
    b.src.Stop();
    b.targets[0]->Stop();
    Status s = b.src.Start(b.dir + "/src", true, {});
    if (s.ok()) s = b.targets[0]->Start(b.dir + "/dst0", true, {});
    if (!s.ok()) return done(s);
    b.scheme_flags = "--insecure";
    for (int r = 0; r < reps; ++r) {
      if (Status s2 = run(5); !s2.ok()) return done(s2);
    }
  }
  double mb = static_cast<double>(b.stream_bytes) / 1e6;
  auto med = [&](int w, double Sample::*f) {
    std::vector<double> v;
    for (const Sample& x : samples[w]) v.push_back(x.*f);
    return Median(v);
  };
  auto rate = [&](int w) { return mb / med(w, &Sample::seconds); };
  std::printf(
      "VHD stream of %.0f MB (%llu MiB of random data in a %llu GiB disk), HTTP on "
      "loopback;\nmedian of %d alternating runs; load average %.2f at the end\n\n",
      mb, static_cast<unsigned long long>(data_mib), static_cast<unsigned long long>(virtual_gib),
      reps, load[0]);
  std::printf("%-32s %6s %9s %10s %11s %11s %9s\n", "contender", "MB/s", "(range)", "whole run",
              "client CPU", "sims CPU", "peak RSS");
  std::printf("%-32s %6s %9s %10s %11s %11s %9s\n", "", "", "", "MB/s", "s per GB", "s per GB",
              "MiB");
  for (int w = 0; w < 8; ++w) {
    if (samples[w].empty()) continue;
    double rss = 0, lo = 1e30, hi = 0;
    for (const Sample& x : samples[w]) {
      rss = std::max(rss, x.rss_mib);
      lo = std::min(lo, mb / x.seconds);
      hi = std::max(hi, mb / x.seconds);
    }
    std::string range =
        std::to_string(static_cast<int>(lo)) + "-" + std::to_string(static_cast<int>(hi));
    std::printf("%-32s %6.0f %9s %10.0f %11.2f %11.2f %9.1f\n", names[w], rate(w), range.c_str(),
                mb / med(w, &Sample::wall), med(w, &Sample::cpu) / (mb / 1000),
                med(w, &Sample::sims_cpu) / (mb / 1000), rss);
  }
  // The same ratios within each repetition (contenders run minutes apart at most).
  auto per_rep = [&](int a, int b2) {
    std::string out;
    for (size_t i = 0; i < samples[a].size() && i < samples[b2].size(); ++i) {
      char buf[16];
      std::snprintf(buf, sizeof buf, " %.2f", samples[b2][i].seconds / samples[a][i].seconds);
      out += buf;
    }
    return out;
  };
  std::printf("\nratio of medians (per repetition)\n");
  std::printf("engine / curl pipe    %5.2f (%s)  goal >= 2\n", rate(2) / rate(0),
              per_rep(2, 0).c_str());
  std::printf("engine / C relay      %5.2f (%s)  goal >= 0.90\n", rate(2) / rate(1),
              per_rep(2, 1).c_str());
  std::printf("3 targets / 1 target  %5.2f (%s)  goal >= 0.80\n", rate(3) / rate(2),
              per_rep(3, 2).c_str());
  std::printf("3 targets / 3 relays  %5.2f (%s)  same on-box ceiling\n", rate(3) / rate(4),
              per_rep(3, 4).c_str());
  if (https) std::printf("HTTPS / HTTP, engine  %5.2f\n", rate(5) / rate(2));
  if (link_mbps > 0) {
    std::printf("3 targets / 1 target, each on a %llu MB/s link  %5.2f (%s)  goal >= 0.80\n",
                static_cast<unsigned long long>(link_mbps), rate(7) / rate(6),
                per_rep(7, 6).c_str());
  }
  return done(Status::OK());
}

}  // namespace
}  // namespace xcr::xapi

int main(int argc, char** argv) { return xcr::xapi::Main(argc, argv); }
