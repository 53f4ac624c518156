// daemon_bench: the whole daemon — SqliteStore + Daemon (scheduler, run records) — with issue
// 13's inventory, 10,000 VMs across 1,000 jobs, on the real clock, with a launcher that ends
// every run at once on its own thread (the engine is measured by its own benchmarks).
//
//   daemon_bench [--jobs 1000] [--vms-per-job 10] [--idle-s 5] [--dir DIR]
//
// Reports: the store filled (wall time), the daemon's start (restore + first planning: CPU
// time), its resident memory (VmRSS, VmHWM) idle with that inventory, what it does while idle
// for --idle-s seconds (CPU time and voluntary context switches of the whole process: a loop
// that polled would show one per poll), and one run now of every job (10,000 VM runs through
// the run records and the store) with the memory after it.
// Targets (issue 13): planning under 1 s of CPU, memory under 100 MiB, no polling.
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "base/uuid.h"
#include "bench/jobs/process_usage.h"
#include "cli/command_line.h"
#include "jobs/daemon.h"
#include "jobs/daemon_api.h"
#include "jobs/engine_launcher.h"
#include "jobs/sqlite_store.h"

namespace xcr::jobs {
namespace {

using bench::CpuSeconds;
using bench::VoluntarySwitches;

// "VmRSS" or "VmHWM" of this process, MiB.
double StatusMiB(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::strlen(key) + 1) / 1024.0;
  }
  return -1;
}

// Ends every run successfully, on its own thread (never from inside StartRun).
// GET /api/status asks no pool; every pool operation is refused, so nothing here reaches one.
class NoPools : public PoolAccess {
 public:
  Result<std::string> ProbeFingerprint(const std::string&) override { return Refused(); }
  Status CheckLogin(const PoolConfig&) override { return Refused(); }
  Result<PoolInventory> Inventory(const PoolConfig&) override { return Refused(); }
  Result<PurgeTotals> PurgeJob(const PoolConfig&, const std::string&, const std::string&) override {
    return Refused();
  }
  Result<std::vector<engine::ReplicaEntry>> ListReplicas(const PoolConfig&) override {
    return Refused();
  }
  Result<ReplicaClone> CloneReplica(const PoolConfig&, const std::string&, const std::string&,
                                    bool) override {
    return Refused();
  }
  Result<ReplicaVerification> VerifyReplica(const PoolConfig&, const std::vector<PoolConfig>&,
                                            const std::string&) override {
    return Refused();
  }

 private:
  static Status Refused() { return Status::NotSupported("the benchmark reaches no pool"); }
};

class InstantLauncher : public VmRunLauncher {
 public:
  explicit InstantLauncher(Env* env) : env_(env), worker_([this] { Work(); }) {}
  ~InstantLauncher() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  void SetSink(VmRunSink* sink) { sink_ = sink; }
  void StartRun(const VmRun& run) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(run);
    }
    cv_.notify_all();
  }
  void CancelRun(const VmRun&) override {}
  void WaitEnded(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    ended_cv_.wait(lock, [&] { return ended_ >= n; });
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      VmRun run = queue_.front();
      queue_.pop_front();
      lock.unlock();
      VmRunResult result;
      result.outcome = RunOutcome::kSuccess;
      result.vm_name = "vm-" + run.vm_uuid.substr(0, 8);
      result.tasks = nlohmann::json::object({{"label", "VM " + result.vm_name}});
      VmTargetState t;
      t.job_id = run.job_id;
      t.vm_uuid = run.vm_uuid;
      t.pool = pool_id;
      t.sr = "sr-dr";
      t.vm_name = result.vm_name;
      t.state = VmState::kOk;
      t.last_success_us = env_->NowUnixMicros();
      t.last_bytes = 1 << 20;
      result.targets.push_back(t);
      sink_->OnVmRunEnded(run, std::move(result));
      lock.lock();
      ++ended_;
      ended_cv_.notify_all();
    }
  }

 public:
  std::string pool_id;

 private:
  Env* env_;
  VmRunSink* sink_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_, ended_cv_;
  std::deque<VmRun> queue_;
  size_t ended_ = 0;
  bool done_ = false;
  std::thread worker_;
};

int Main(int argc, char** argv) {
  size_t jobs = 1000, vms_per_job = 10;
  int idle_s = 5;
  std::string dir = "/dev/shm/xcr-daemon-bench";
  CLI::App app("daemon_bench");
  cli::SetUsage(&app,
                "usage: daemon_bench [--jobs N] [--vms-per-job N] [--idle-s S] [--dir DIR]\n");
  app.add_option("--jobs", jobs)->check(CLI::PositiveNumber);
  app.add_option("--vms-per-job", vms_per_job)->check(CLI::PositiveNumber);
  app.add_option("--idle-s", idle_s)->check(CLI::NonNegativeNumber);
  app.add_option("--dir", dir);
  if (auto rc = cli::Parse(&app, "daemon_bench", {argv + 1, argv + argc})) return *rc;
  SetLogLevel(LogLevel::kWARN);
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) return 1;
  Env* env = Env::Default();

  SqliteStoreOptions so;
  so.state_dir = dir;
  auto store = SqliteStore::Open(so);
  if (!store.ok()) {
    std::fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto fill_start = std::chrono::steady_clock::now();
  PoolConfig src{Uuid::Random().ToString(), "src", {"https://10.0.0.1"}, "root", "pw", "", true};
  PoolConfig dst{Uuid::Random().ToString(), "dr", {"https://10.1.0.1"}, "root", "pw", "", true};
  if (!(*store)->PutPool(src).ok() || !(*store)->PutPool(dst).ok()) return 1;
  // Daily schedules spread over the hours that are at least two hours away, so that none fires
  // while the daemon is measured idle.
  time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  for (size_t j = 0; j < jobs; ++j) {
    Job job;
    job.id = Uuid::Random().ToString();
    job.name = "job-" + std::to_string(j);
    for (size_t v = 0; v < vms_per_job; ++v) job.vms.ids.push_back(Uuid::Random().ToString());
    job.srs.push_back({dst.id, "sr-dr"});
    Schedule s;
    s.id = Uuid::Random().ToString();
    int hour = (utc.tm_hour + 2 + static_cast<int>(j % 20)) % 24;
    s.cron = std::to_string(j % 60) + " " + std::to_string(hour) + " * * *";
    s.timezone = "UTC";
    job.schedules.push_back(s);
    Status put = (*store)->PutJob(job);
    if (!put.ok()) {
      std::fprintf(stderr, "job: %s\n", put.ToString().c_str());
      return 1;
    }
  }
  double fill_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();
  double rss_before = StatusMiB("VmRSS:");

  InstantLauncher launcher(env);
  launcher.pool_id = dst.id;
  DaemonOptions o;
  o.env = env;
  o.send_report = [](const Job&, const RunRecord&, std::span<const VmTargetState>) {
    return Status::OK();
  };
  Daemon daemon(store->get(), o);
  launcher.SetSink(&daemon);
  double cpu0 = CpuSeconds();
  Status started = daemon.Start(&launcher);
  if (!started.ok()) {
    std::fprintf(stderr, "start: %s\n", started.ToString().c_str());
    return 1;
  }
  daemon.Sync();
  double start_cpu = CpuSeconds() - cpu0;
  double rss_idle = StatusMiB("VmRSS:");

  long sw0 = VoluntarySwitches();
  double idle_cpu0 = CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(idle_s));
  double idle_cpu = CpuSeconds() - idle_cpu0;
  long idle_switches = VoluntarySwitches() - sw0 - 1;  // the bench's own sleep

  auto jobs_list = (*store)->ListJobs();
  if (!jobs_list.ok()) return 1;
  auto run_start = std::chrono::steady_clock::now();
  double run_cpu0 = CpuSeconds();
  size_t queued = 0;
  for (const Job& job : *jobs_list) {
    auto r = daemon.RunNow(job.id, "");
    if (r.ok()) queued += r->queued;
  }
  launcher.WaitEnded(queued);
  daemon.Sync();
  double run_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  double run_cpu = CpuSeconds() - run_cpu0;
  double rss_after = StatusMiB("VmRSS:");
  double peak_run = StatusMiB("VmHWM:");

  // GET /api/status with every VM run once: each VM's state, lag against its schedule and next
  // run, as `xcr status` and the web dashboard ask for it.
  NoPools no_pools;
  DaemonApiOptions ao;
  ao.store = store->get();
  ao.control = &daemon;
  ao.pools = &no_pools;
  ao.env = env;
  DaemonApi api(ao);
  net::HttpRequest status_req;
  status_req.method = "GET";
  status_req.target = "/api/status";
  status_req.path = "/api/status";
  constexpr int kStatusRequests = 10;
  size_t status_bytes = 0;
  int status_code = 0;
  double status_cpu0 = CpuSeconds();
  for (int i = 0; i < kStatusRequests; ++i) {
    net::HttpResponse r = api.Handle(status_req);
    status_code = r.status;
    status_bytes = r.body.size();
  }
  double status_cpu = (CpuSeconds() - status_cpu0) / kStatusRequests;
  double rss_status = StatusMiB("VmRSS:");
  daemon.Stop();

  std::printf("inventory: %zu jobs, %zu VMs (store filled in %.1f s)\n", jobs, jobs * vms_per_job,
              fill_s);
  std::printf("start (restore + first planning): %.3f s CPU\n", start_cpu);
  std::printf("resident memory: %.1f MiB before the daemon, %.1f MiB idle with the inventory\n",
              rss_before, rss_idle);
  std::printf("idle %d s: %.4f s CPU, %ld voluntary context switches (all threads)\n", idle_s,
              idle_cpu, idle_switches);
  std::printf(
      "run now of every job: %zu VM runs in %.1f s (%.1f s CPU), %.1f MiB after; peak %.1f "
      "MiB\n",
      queued, run_s, run_cpu, rss_after, peak_run);
  std::printf(
      "GET /api/status (HTTP %d, %zu VM entries' lag, state and next run): %.3f s CPU per request, "
      "%.1f MiB answer, %.1f MiB resident after, peak %.1f MiB\n",
      status_code, jobs * vms_per_job, status_cpu, status_bytes / 1048576.0, rss_status,
      StatusMiB("VmHWM:"));
  return 0;
}

}  // namespace
}  // namespace xcr::jobs

int main(int argc, char** argv) { return xcr::jobs::Main(argc, argv); }
