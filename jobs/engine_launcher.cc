#include "jobs/engine_launcher.h"

#include <algorithm>
#include <thread>

#include "base/log_line.h"
#include "base/logging.h"
#include "engine/health_check.h"
#include "engine/run_job.h"
#include "engine/task_log.h"
#include "xapi/api.h"

namespace xcr::jobs {

struct EngineLauncher::Active {
  VmRun run;
  std::shared_ptr<engine::RunCanceller> cancel = std::make_shared<engine::RunCanceller>();
  std::thread thread;
};

namespace {

// The pools of one VM run, logged in once each through the PoolConnector, by stored pool id.
class RunPools : public engine::Connector {
 public:
  explicit RunPools(PoolConnector* pools) : pools_(pools) {}
  Result<xapi::Connection*> Connect(const std::string& pool_id) override {
    auto it = conns_.find(pool_id);
    if (it != conns_.end()) return it->second.get();
    XCR_ASSIGN_OR_RETURN(std::unique_ptr<xapi::Connection> conn, pools_->Connect(pool_id));
    xapi::Connection* raw = conn.get();
    conns_[pool_id] = std::move(conn);
    return raw;
  }

 private:
  PoolConnector* pools_;
  std::map<std::string, std::unique_ptr<xapi::Connection>> conns_;
};

// Collects the run's log lines and turns task changes into throttled progress.
class RunCollector : public engine::RunObserver {
 public:
  RunCollector(const VmRun& run, VmRunSink* sink, Env* env, int64_t interval_us, size_t max_lines)
      : run_(run), sink_(sink), env_(env), interval_us_(interval_us), max_lines_(max_lines) {}

  void OnStart(const engine::TaskLog& log, engine::TaskId run_task) override {
    std::lock_guard<std::mutex> lock(progress_mu_);
    log_ = &log;
    run_task_ = run_task;
  }
  void OnTask(const engine::TaskRecord&) override {
    std::lock_guard<std::mutex> lock(progress_mu_);
    if (!log_ || ended_) return;
    int64_t now = env_->NowMicros();
    if (last_us_ && now - last_us_ < interval_us_) return;
    engine::TaskRecord run = log_->Get(run_task_);
    if (run.children.empty()) return;
    last_us_ = now;
    nlohmann::json tasks = nlohmann::json::array({log_->SubtreeJson(run.children.front())});
    sink_->OnVmRunProgress(run_, tasks);
  }
  // Stored as "LEVEL message": the time is the line's time_us, the source file is left out.
  void OnLog(LogLevel level, const std::string& line) override {
    std::lock_guard<std::mutex> lock(lines_mu_);
    if (lines_.size() >= max_lines_) {
      ++dropped_;
      return;
    }
    lines_.push_back({env_->NowUnixMicros(),
                      std::string(LogLevelName(level)) + " " + std::string(LogLineMessage(line))});
  }
  // No progress after this (the run's log goes away when RunJob returns).
  void End() {
    std::lock_guard<std::mutex> lock(progress_mu_);
    ended_ = true;
    log_ = nullptr;
  }
  std::vector<RunLogLine> TakeLines() {
    std::lock_guard<std::mutex> lock(lines_mu_);
    if (dropped_) {
      lines_.push_back({env_->NowUnixMicros(), std::string(LogLevelName(LogLevel::kWARN)) + " " +
                                                   std::to_string(dropped_) +
                                                   " more log line(s) not kept (the limit is " +
                                                   std::to_string(max_lines_) + ")"});
      dropped_ = 0;
    }
    return std::move(lines_);
  }

 private:
  const VmRun run_;
  VmRunSink* sink_;
  Env* env_;
  const int64_t interval_us_;
  const size_t max_lines_;
  std::mutex progress_mu_;
  const engine::TaskLog* log_ = nullptr;  // guarded by progress_mu_
  engine::TaskId run_task_ = engine::kNoParent;
  int64_t last_us_ = 0;
  bool ended_ = false;
  std::mutex lines_mu_;
  std::vector<RunLogLine> lines_;  // guarded by lines_mu_
  size_t dropped_ = 0;
};

std::string PoolLabel(const PoolConfig& pool) { return pool.name.empty() ? pool.id : pool.name; }

// Finds the stored pool holding the VM: the pattern's pools first, then every other one.
Result<std::string> FindSourcePool(const Job& job, const std::string& vm_uuid,
                                   const std::vector<PoolConfig>& pools, RunPools& conns) {
  std::vector<const PoolConfig*> order;
  if (job.vms.pattern) {
    for (const PoolConfig& p : pools) {
      if (std::count(job.vms.pattern->pools.begin(), job.vms.pattern->pools.end(), p.id)) {
        order.push_back(&p);
      }
    }
  }
  for (const PoolConfig& p : pools) {
    if (std::find(order.begin(), order.end(), &p) == order.end()) order.push_back(&p);
  }
  std::string unreachable;
  for (const PoolConfig* p : order) {
    Result<xapi::Connection*> conn = conns.Connect(p->id);
    if (!conn.ok()) {
      unreachable += "; " + conn.status().message();
      continue;
    }
    Result<std::string> ref = xapi::GetByUuid(**conn, "VM", vm_uuid);
    if (ref.ok()) return p->id;
    if (ref.status().error_name() != "UUID_INVALID") {
      unreachable += "; pool '" + PoolLabel(*p) + "': " + ref.status().message();
    }
  }
  return Status::NotFound(
      "VM " + vm_uuid + " is on no stored pool" +
      (unreachable.empty() ? "" : " (not searched: " + unreachable.substr(2) + ")"));
}

// A one-task tree for a run that failed before the engine ran.
nlohmann::json FailedVmTree(Env* env, const std::string& vm, const Status& status) {
  engine::TaskLog log(env);
  engine::TaskId t = log.Begin(engine::kNoParent, "VM " + vm);
  log.Fail(t, status);
  return nlohmann::json::array({log.SubtreeJson(t)});
}

}  // namespace

EngineLauncher::EngineLauncher(Store* store, PoolConnector* pools, VmRunSink* sink,
                               EngineLauncherOptions options)
    : store_(store),
      pools_(pools),
      sink_(sink),
      options_(options),
      env_(options.env ? options.env : Env::Default()) {}

EngineLauncher::~EngineLauncher() {
  CancelAll("the launcher is stopping");
  WaitIdle();
}

void EngineLauncher::StartRun(const VmRun& run) {
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished.swap(finished_);
    if (active_.count(run.id)) {
      XCR_LOG(WARN) << "run " << run.id << " of VM " << run.vm_uuid
                    << " is already under way: not started twice";
    } else {
      auto active = std::make_shared<Active>();
      active->run = run;
      active_[run.id] = active;
      // Under the lock: the worker's end (which moves `thread`) waits for this assignment.
      active->thread = std::thread([this, active] { Work(active); });
    }
  }
  for (std::thread& t : finished) t.join();
}

void EngineLauncher::CancelRun(const VmRun& run) { CancelRun(run.id, "cancelled by request"); }

void EngineLauncher::CancelRun(uint64_t run_id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = active_.find(run_id);
  if (it != active_.end()) it->second->cancel->Cancel(reason);
}

void EngineLauncher::CancelAll(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, active] : active_) active->cancel->Cancel(reason);
}

void EngineLauncher::WaitIdle() {
  std::vector<std::thread> finished;
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return active_.empty(); });
    finished.swap(finished_);
  }
  for (std::thread& t : finished) t.join();
}

size_t EngineLauncher::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_.size();
}

void EngineLauncher::Work(std::shared_ptr<Active> active) {
  RunCollector collector(active->run, sink_, env_, options_.progress_interval_us,
                         options_.max_log_lines);
  VmRunResult result;
  {
    // Every line logged for this run (here, in the engine and its threads) is the run's.
    ScopedThreadLogSink bound(std::make_shared<const LogSinkFn>(
        [&collector](LogLevel level, const std::string& line) { collector.OnLog(level, line); }));
    result = Execute(*active, &collector);
  }
  collector.End();
  result.log = collector.TakeLines();
  sink_->OnVmRunEnded(active->run, std::move(result));
  std::lock_guard<std::mutex> lock(mu_);
  finished_.push_back(std::move(active->thread));
  active_.erase(active->run.id);
  idle_.notify_all();
}

std::vector<VmTargetState> EngineLauncher::TargetStates(
    const Job& job, const std::string& vm_uuid, const std::string& vm_name,
    const std::function<Status(size_t)>& status_of, const std::string& snapshot_uuid,
    uint64_t bytes) {
  std::map<std::pair<std::string, std::string>, VmTargetState> previous;
  Result<std::vector<VmTargetState>> stored = store_->ListVmStates(job.id);
  if (stored.ok()) {
    for (const VmTargetState& s : *stored) {
      if (s.vm_uuid == vm_uuid) previous[{s.pool, s.sr}] = s;
    }
  } else {
    XCR_LOG(WARN) << "job '" << job.name << "': the VM's previous states could not be read: "
                  << stored.status().ToString();
  }
  int64_t now = env_->NowUnixMicros();
  std::vector<VmTargetState> out;
  for (size_t k = 0; k < job.srs.size(); ++k) {
    const TargetSr& t = job.srs[k];
    VmTargetState s = previous[{t.pool, t.sr}];
    s.job_id = job.id;
    s.vm_uuid = vm_uuid;
    s.pool = t.pool;
    s.sr = t.sr;
    s.vm_name = vm_name;
    Status status = status_of(k);
    if (status.ok()) {
      s.state = VmState::kOk;
      s.error.clear();
      s.consecutive_failures = 0;
      s.last_success_us = now;
      s.last_snapshot_uuid = snapshot_uuid;
      s.last_bytes = bytes;
    } else {
      s.state = VmState::kError;
      s.error = status.message();
      ++s.consecutive_failures;
    }
    out.push_back(std::move(s));
  }
  return out;
}

VmRunResult EngineLauncher::Execute(Active& active, engine::RunObserver* observer) {
  const VmRun& run = active.run;
  VmRunResult result;
  result.vm_name = run.vm_uuid;
  const Job* known_job = nullptr;  // once loaded: a failure records the VM's error per target
  auto end_early = [&](const Status& status) {
    bool cancelled = active.cancel->cancelled();
    result.outcome = cancelled ? RunOutcome::kCancelled : RunOutcome::kFailure;
    result.message = cancelled ? active.cancel->ReasonFor(run.vm_uuid) : status.message();
    result.tasks =
        FailedVmTree(env_, run.vm_uuid, cancelled ? Status::Cancelled(result.message) : status);
    XCR_LOG(WARN) << "VM " << run.vm_uuid << " of job " << run.job_id << ": " << result.message;
    if (known_job && !cancelled) {
      result.targets = TargetStates(
          *known_job, run.vm_uuid, result.vm_name, [&](size_t) { return status; }, "", 0);
    }
    return result;
  };

  Result<Job> job = store_->GetJob(run.job_id);
  if (!job.ok()) {
    return end_early(job.status().code() == StatusCode::kNotFound
                         ? Status::NotFound("job " + run.job_id + " no longer exists")
                         : job.status());
  }
  known_job = &*job;
  const Schedule* schedule = job->FindSchedule(run.schedule_id);
  if (!schedule && run.schedule_id.empty() && !job->schedules.empty()) {
    schedule = &job->schedules.front();
  }
  if (!schedule && !run.schedule_id.empty()) {
    return end_early(Status::NotFound("schedule " + run.schedule_id + " of job '" + job->name +
                                      "' no longer exists"));
  }
  if (active.cancel->cancelled()) return end_early(Status::Cancelled("cancelled"));

  Result<std::vector<PoolConfig>> pools = pools_->ListPools();
  if (!pools.ok()) return end_early(pools.status());
  std::map<std::string, const PoolConfig*> by_id;
  for (const PoolConfig& p : *pools) by_id[p.id] = &p;
  RunPools conns(pools_);
  Result<std::string> source = FindSourcePool(*job, run.vm_uuid, *pools, conns);
  if (!source.ok()) return end_early(source.status());
  if (active.cancel->cancelled()) return end_early(Status::Cancelled("cancelled"));

  engine::JobSpec spec;
  spec.vms = {run.vm_uuid};
  spec.source_pool = *source;
  spec.concurrency = 1;
  for (const TargetSr& t : job->srs) {
    auto p = by_id.find(t.pool);
    if (p == by_id.end()) {
      return end_early(
          Status::NotFound("target pool " + t.pool + " of job '" + job->name + "' is not stored"));
    }
    spec.targets.push_back({t.pool, t.sr, PoolLabel(*p->second)});
  }
  engine::ReplicationOptions& o = spec.options;
  o.job_id = job->id;
  o.schedule_id = schedule ? schedule->id : job->id;
  o.job_name = job->name;
  o.copy_retention = schedule ? schedule->copy_retention : 1;
  o.snapshot_retention = schedule ? schedule->snapshot_retention : 1;
  o.max_bytes_per_sec = job->rate;
  o.vm_timeout_micros = job->timeout_ms * 1000;
  o.env = options_.env;

  Result<engine::JobReport> report = engine::RunJob(spec, conns, observer, active.cancel);
  if (!report.ok()) return end_early(report.status());
  const engine::VmOutcome& vm = report->outcome.vms.at(0);
  engine::TaskId vm_task = report->vm_tasks.at(0);
  engine::TaskLog& log = *report->log;
  result.vm_name = vm.vm_name.empty() ? run.vm_uuid : vm.vm_name;

  bool cancelled = active.cancel->cancelled() && !vm.status.ok();
  if (vm.status.ok()) {
    result.outcome = RunOutcome::kSuccess;
    std::string failed;
    for (const engine::TargetOutcome& t : vm.targets) {
      if (!t.status.ok()) failed += (failed.empty() ? "" : "; ") + t.status.message();
    }
    if (!failed.empty()) result.message = "some targets failed: " + failed;
  } else if (cancelled) {
    result.outcome = RunOutcome::kCancelled;
    result.message = active.cancel->ReasonFor(run.vm_uuid);
  } else {
    result.outcome = RunOutcome::kFailure;
    result.message = vm.status.message();
  }

  // Health check of the new replica on the first target that has one.
  Status health;
  size_t health_target = job->srs.size();
  if (job->health_check.enabled && vm_task != engine::kNoParent) {
    for (size_t k = 0; k < vm.targets.size() && k < job->srs.size(); ++k) {
      if (!vm.targets[k].replica_uuid.empty()) {
        health_target = k;
        break;
      }
    }
    if (result.outcome != RunOutcome::kSuccess || health_target == job->srs.size()) {
      log.Skip(log.Add(vm_task, "health check"), "not run: the replication did not succeed");
    } else {
      Result<xapi::Connection*> target = conns.Connect(job->srs[health_target].pool);
      health = target.ok() ? engine::RunHealthCheck(*target, vm.targets[health_target].replica_uuid,
                                                    job->health_check.timeout_ms * 1000, &log,
                                                    vm_task, active.cancel->VmFlag(run.vm_uuid),
                                                    {.env = options_.env})
                           : target.status();
      if (!target.ok()) log.Fail(log.Add(vm_task, "health check"), health);
      if (!health.ok()) {
        if (active.cancel->cancelled()) {
          result.outcome = RunOutcome::kCancelled;
          result.message = active.cancel->ReasonFor(run.vm_uuid);
        } else {
          result.outcome = RunOutcome::kFailure;
          result.message = "replicated, but the health check failed: " + health.message();
        }
      }
    }
  }
  result.tasks = vm_task == engine::kNoParent ? FailedVmTree(env_, run.vm_uuid, vm.status)
                                              : nlohmann::json::array({log.SubtreeJson(vm_task)});

  // Per-target states (not for a run cancelled before its replicas were complete: the VM's
  // state is unchanged).
  if (vm.status.ok() || result.outcome != RunOutcome::kCancelled) {
    result.targets = TargetStates(
        *job, run.vm_uuid, result.vm_name,
        [&](size_t k) {
          return k < vm.targets.size() && vm.status.ok() ? vm.targets[k].status : vm.status;
        },
        vm.snapshot_uuid, vm.bytes);
  }
  if (!health.ok() && health_target < result.targets.size() && !active.cancel->cancelled()) {
    VmTargetState& checked = result.targets[health_target];
    checked.state = VmState::kError;
    checked.error = result.message;
    ++checked.consecutive_failures;
  }
  return result;
}

}  // namespace xcr::jobs
