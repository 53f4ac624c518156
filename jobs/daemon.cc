#include "jobs/daemon.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "base/logging.h"
#include "jobs/report_mail.h"
#include "jobs/report_sender.h"

namespace xcr::jobs {

Daemon::Daemon(Store* store, DaemonOptions options)
    : store_(store),
      options_(std::move(options)),
      env_(options_.env ? options_.env : Env::Default()) {}

Daemon::~Daemon() { Stop(); }

Status Daemon::Start(VmRunLauncher* launcher) {
  scheduler_ = std::make_unique<Scheduler>(env_, launcher, options_.scheduler,
                                           static_cast<SchedulerObserver*>(this));
  auto interrupted = store_->MarkRunsInterrupted(env_->NowUnixMicros());
  if (!interrupted.ok()) return interrupted.status();
  if (*interrupted > 0) {
    XCR_LOG(WARN) << *interrupted << " run(s) were under way when the daemon last stopped: "
                  << "marked interrupted";
  }
  XCR_ASSIGN_OR_RETURN(std::vector<Job> jobs, store_->ListJobs());
  for (const Job& job : jobs) {
    Status st = Plan(job);
    if (!st.ok()) {
      XCR_LOG(ERROR) << "job '" << job.name << "' (" << job.id << "): " << st.ToString();
    }
  }
  XCR_ASSIGN_OR_RETURN(std::vector<VmTargetState> states, store_->ListVmStates(""));
  std::map<std::pair<std::string, std::string>, VmRestore> vms;
  for (const VmTargetState& s : states) {
    VmRestore& v = vms[{s.job_id, s.vm_uuid}];
    v.job_id = s.job_id;
    v.vm_uuid = s.vm_uuid;
    if (s.state == VmState::kError) {
      v.state = VmState::kError;
      v.retry_at_us = std::max(v.retry_at_us, s.next_run_us);
      if (v.error.empty()) v.error = s.error;
    } else if (s.state == VmState::kOk && v.state == VmState::kNew) {
      v.state = VmState::kOk;
    }
    v.last_success_us = std::max(v.last_success_us, s.last_success_us);
    v.consecutive_failures = std::max(v.consecutive_failures, s.consecutive_failures);
  }
  for (const auto& [key, v] : vms) {
    Status st = scheduler_->RestoreVm(v);
    if (!st.ok() && st.code() != StatusCode::kNotFound) {
      XCR_LOG(WARN) << st.ToString();
    }
  }
  XCR_ASSIGN_OR_RETURN(std::vector<ScheduleFire> fires, store_->ListScheduleFires());
  for (const ScheduleFire& f : fires) {
    Status st = scheduler_->RestoreScheduleFire(f.job_id, f.schedule_id, f.last_fire_us);
    if (!st.ok() && st.code() != StatusCode::kNotFound) {
      XCR_LOG(WARN) << st.ToString();
    }
  }
  XCR_LOG(INFO) << "daemon: " << jobs.size() << " job(s) planned";
  loop_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void Daemon::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!loop_.joinable()) return;
    stop_requested_ = true;
  }
  cv_.notify_all();
  loop_.join();
}

void Daemon::Poke() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

void Daemon::Sync() {
  (void)OnLoop<bool>([this]() -> Result<bool> {
    if (!stopping_) Step();
    return true;
  });
}

bool Daemon::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (loop_done_) return false;
    tasks_.push_back(std::move(fn));
  }
  cv_.notify_all();
  return true;
}

template <typename T>
Result<T> Daemon::OnLoop(std::function<Result<T>()> fn) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  if (!Post([promise, fn = std::move(fn)] { promise->set_value(fn()); })) {
    return Status::Unavailable("the daemon is stopping");
  }
  return future.get();
}

void Daemon::Loop() {
  bool cancelled_all = false;
  while (true) {
    std::deque<std::function<void()>> batch;
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto ready = [this] { return !tasks_.empty() || poked_ || stop_requested_; };
      if (!ready()) {
        int64_t sleep_us = options_.max_sleep_us;
        if (!stopping_) {
          if (auto wake = scheduler_->NextWakeupUs()) {
            sleep_us = std::clamp<int64_t>(*wake - env_->NowUnixMicros(), 0, sleep_us);
          }
        }
        if (sleep_us > 0) cv_.wait_for(lock, std::chrono::microseconds(sleep_us), ready);
      }
      batch.swap(tasks_);
      poked_ = false;
      stop = stop_requested_;
    }
    for (auto& task : batch) task();
    if (stop && !cancelled_all) {
      cancelled_all = true;
      stopping_ = true;
      size_t n = 0;
      for (const auto& [id, job] : jobs_) {
        auto c = scheduler_->Cancel(id);
        if (c.ok()) n += *c;
      }
      SweepDropped();
      XCR_LOG(INFO) << "daemon: stopping; " << n << " run(s) cancelled, "
                    << scheduler_->running_count() << " to wait for";
    }
    if (stopping_) {
      if (scheduler_->running_count() == 0 && runs_.empty()) break;
      continue;
    }
    Step();
  }
  for (auto& report : reports_) report.wait();
  reports_.clear();
  std::deque<std::function<void()>> rest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    loop_done_ = true;
    rest.swap(tasks_);
  }
  for (auto& task : rest) task();  // answers callers waiting on OnLoop (the daemon is stopping)
  XCR_LOG(INFO) << "daemon: every run ended; the store is consistent";
}

Status Daemon::Plan(const Job& job) {
  std::vector<std::string> vms = job.vms.ids;
  if (job.vms.pattern) {
    vms.clear();
    if (options_.resolve_vms) {
      auto resolved = options_.resolve_vms(job);
      if (resolved.ok()) {
        vms = std::move(*resolved);
      } else if (auto old = scheduler_->AllVmStatus(); true) {
        // Keep the VMs it had: a pool that cannot be reached must not make them forgotten.
        XCR_LOG(WARN) << "job '" << job.name
                      << "': resolving its VMs: " << resolved.status().ToString();
        for (const VmPlanStatus& v : old) {
          if (v.job_id == job.id) vms.push_back(v.vm_uuid);
        }
      }
    }
  }
  XCR_RETURN_IF_ERROR(scheduler_->PutJob(job, vms));
  jobs_[job.id] = job;
  return Status::OK();
}

void Daemon::Step() {
  ResolveDueSmartJobs();
  scheduler_->Tick();
}

void Daemon::ResolveDueSmartJobs() {
  if (!options_.resolve_vms) return;
  const int64_t now = env_->NowUnixMicros();
  for (const auto& [id, job] : jobs_) {
    if (!job.vms.pattern) continue;
    auto fires = scheduler_->NextFires(id);
    if (!fires.ok()) continue;
    bool due = false;
    for (const auto& [sid, at] : *fires) due |= at != 0 && at <= now;
    if (!due) continue;
    Job copy = job;  // Plan replaces jobs_[id]
    Status st = Plan(copy);
    if (!st.ok()) {
      XCR_LOG(WARN) << "job '" << copy.name << "': " << st.ToString();
    }
  }
}

void Daemon::SweepDropped() {
  for (const DaemonRuns::Unstarted& u : runs_.UnstartedRuns()) {
    auto st = scheduler_->VmStatus(u.job_id, u.vm_uuid);
    if (st.ok() && (st->queued || st->running)) continue;
    std::string record = runs_.RecordOf(u.vm_run_id);
    if (auto done = runs_.OnDropped(u.vm_run_id, env_->NowUnixMicros())) {
      Finish(*done);
    } else {
      Publish(record);
    }
  }
}

void Daemon::OnSchedulerEvent(const SchedulerEvent& e) {
  switch (e.kind) {
    case SchedulerEventKind::kFired: {
      Status st = store_->PutScheduleFire(e.job_id, e.schedule_id, e.time_us);
      if (!st.ok()) {
        XCR_LOG(WARN) << "recording a firing: " << st.ToString();
      }
      break;
    }
    case SchedulerEventKind::kQueued: {
      auto job = jobs_.find(e.job_id);
      std::string name = job == jobs_.end() ? e.job_id : job->second.name;
      if (auto created = runs_.OnQueued(e.trigger_id, e.run_id, e.job_id, e.vm_uuid, name,
                                        e.schedule_id, e.time_us)) {
        Status st = store_->SaveRun(*created);
        if (!st.ok()) {
          XCR_LOG(ERROR) << "saving run " << created->id << ": " << st.ToString();
        }
        XCR_LOG(INFO) << "run " << created->id << " of job '" << name << "' (" << e.message << ")";
      }
      last_record_ = runs_.RecordOf(e.run_id);
      Publish(last_record_);
      break;
    }
    case SchedulerEventKind::kStarted:
      runs_.OnStarted(e.run_id);
      break;
    case SchedulerEventKind::kCancelled: {
      std::string record = runs_.RecordOf(e.run_id);
      if (auto done = runs_.OnDropped(e.run_id, e.time_us)) {
        Finish(*done);
      } else if (!record.empty()) {
        Publish(record);
      }
      break;
    }
    default:
      break;
  }
}

void Daemon::HandleEnded(const VmRun& run, const VmRunResult& result) {
  Status st = scheduler_->OnRunEnded(run.id, result.outcome, result.message);
  if (!st.ok()) {
    XCR_LOG(DEBUG) << "scheduler: " << st.ToString();
  }
  std::vector<VmTargetState> states = result.targets;
  if (auto plan = scheduler_->VmStatus(run.job_id, run.vm_uuid); plan.ok()) {
    for (VmTargetState& s : states) s.next_run_us = plan->next_run_us;
  }
  if (!states.empty() && jobs_.count(run.job_id)) {
    st = store_->PutVmStates(states);
    if (!st.ok()) {
      XCR_LOG(ERROR) << "saving the state of VM " << run.vm_uuid << ": " << st.ToString();
    }
  }
  std::string record = runs_.RecordOf(run.id);
  if (!record.empty() && !result.log.empty()) {
    st = store_->AppendRunLog(record, result.log);
    if (!st.ok()) {
      XCR_LOG(ERROR) << "saving the log of run " << record << ": " << st.ToString();
    }
  }
  if (auto done = runs_.OnEnded(run.id, result, env_->NowUnixMicros())) {
    Finish(*done);
  } else if (!record.empty()) {
    Publish(record);
  }
}

void Daemon::Finish(const RunRecord& record) {
  Status st = store_->FinishRun(record, {});
  if (!st.ok()) {
    XCR_LOG(ERROR) << "finishing run " << record.id << ": " << st.ToString();
  }
  XCR_LOG(INFO) << "run " << record.id << " of job '" << record.job_name
                << "' ended: " << RunResultName(record.result)
                << (record.error.empty() ? "" : ": " + record.error);
  {
    std::lock_guard<std::mutex> lock(live_mu_);
    live_.erase(record.id);
  }
  live_cv_.notify_all();
  SendReport(record);
}

void Daemon::SendReport(const RunRecord& record) {
  reports_.remove_if([](std::future<void>& f) {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });
  auto job = jobs_.find(record.job_id);
  if (job == jobs_.end() || job->second.report.when == ReportWhen::kNever) return;
  if (job->second.report.when == ReportWhen::kFailure && record.result == RunResult::kSuccess) {
    return;
  }
  auto states = store_->ListVmStates(record.job_id);
  if (!states.ok()) {
    XCR_LOG(WARN) << "report of run " << record.id << ": " << states.status().ToString();
    return;
  }
  auto send = options_.send_report;
  if (!send) {
    SmtpSettings smtp;
    if (auto url = store_->GetSetting(std::string(kSettingSmtpUrl)); url.ok()) smtp.url = *url;
    if (auto from = store_->GetSetting(std::string(kSettingSmtpFrom)); from.ok()) {
      smtp.from = *from;
    }
    send = [smtp](const Job& j, const RunRecord& r, std::span<const VmTargetState> s) {
      return SendRunReport(j, r, s, smtp);
    };
  }
  reports_.push_back(std::async(
      std::launch::async, [send, job = job->second, record, states = std::move(*states)] {
        Status st = send(job, record, states);
        if (!st.ok()) {
          XCR_LOG(WARN) << "report of run " << record.id << " of job '" << job.name
                        << "' not delivered: " << st.ToString();
        }
      }));
}

void Daemon::Publish(const std::string& record_id) {
  if (record_id.empty()) return;
  nlohmann::json tasks = runs_.Tasks(record_id);
  {
    std::lock_guard<std::mutex> lock(live_mu_);
    LiveRun& live = live_[record_id];
    live.tasks = std::move(tasks);
    ++live.version;
  }
  live_cv_.notify_all();
}

// --- DaemonControl

Status Daemon::PutJob(const Job& job) {
  return OnLoop<bool>([this, job]() -> Result<bool> {
           XCR_RETURN_IF_ERROR(Plan(job));
           SweepDropped();
           return true;
         })
      .status();
}

Status Daemon::RemoveJob(const std::string& job_id) {
  auto left = OnLoop<size_t>([this, job_id]() -> Result<size_t> {
    Status st = scheduler_->RemoveJob(job_id);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    jobs_.erase(job_id);
    SweepDropped();
    return runs_.CountOfJob(job_id);
  });
  // Wait for the cancelled runs' ends (each end publishes or finishes a record, which wakes
  // live_cv_; the timeout covers an end between the count and the wait).
  while (left.ok() && *left > 0) {
    {
      std::unique_lock<std::mutex> lock(live_mu_);
      live_cv_.wait_for(lock, std::chrono::seconds(1));
    }
    left = OnLoop<size_t>([this, job_id]() -> Result<size_t> { return runs_.CountOfJob(job_id); });
  }
  return left.status();
}

Result<RunStarted> Daemon::RunNow(const std::string& job_id, const std::string& vm_uuid) {
  return OnLoop<RunStarted>([this, job_id, vm_uuid]() -> Result<RunStarted> {
    if (stopping_) return Status::FailedPrecondition("the daemon is stopping");
    auto job = jobs_.find(job_id);
    if (job != jobs_.end() && job->second.vms.pattern && options_.resolve_vms) {
      Job copy = job->second;
      XCR_RETURN_IF_ERROR(Plan(copy));
    }
    last_record_.clear();
    XCR_ASSIGN_OR_RETURN(size_t queued, scheduler_->RunNow(job_id, vm_uuid));
    if (queued == 0) {
      return Status::FailedPrecondition("every VM of job " + job_id +
                                        " is already being replicated or queued");
    }
    return RunStarted{last_record_, queued};
  });
}

Result<size_t> Daemon::Cancel(const std::string& job_id, const std::string& vm_uuid) {
  return OnLoop<size_t>([this, job_id, vm_uuid]() -> Result<size_t> {
    XCR_ASSIGN_OR_RETURN(size_t n, scheduler_->Cancel(job_id, vm_uuid));
    SweepDropped();
    return n;
  });
}

std::vector<VmPlanStatus> Daemon::StatusSnapshot() {
  auto r = OnLoop<std::vector<VmPlanStatus>>(
      [this]() -> Result<std::vector<VmPlanStatus>> { return scheduler_->AllVmStatus(); });
  return r.ok() ? *r : std::vector<VmPlanStatus>{};
}

std::map<std::string, int64_t> Daemon::NextFires(const std::string& job_id) {
  auto r = OnLoop<std::map<std::string, int64_t>>(
      [this, job_id]() -> Result<std::map<std::string, int64_t>> {
        return scheduler_->NextFires(job_id);
      });
  return r.ok() ? *r : std::map<std::string, int64_t>{};
}

std::optional<LiveRun> Daemon::GetLiveRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(live_mu_);
  auto it = live_.find(run_id);
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

void Daemon::WaitRunUpdate(const std::string& run_id, uint64_t version, int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(live_mu_);
  live_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0)), [&] {
    auto it = live_.find(run_id);
    return it == live_.end() || it->second.version != version || it->second.ended;
  });
}

// --- VmRunSink

void Daemon::OnVmRunProgress(const VmRun& run, const nlohmann::json& tasks) {
  Post([this, run, tasks] {
    if (runs_.OnProgress(run.id, tasks)) Publish(runs_.RecordOf(run.id));
  });
}

void Daemon::OnVmRunEnded(const VmRun& run, VmRunResult result) {
  auto shared = std::make_shared<VmRunResult>(std::move(result));
  if (!Post([this, run, shared] { HandleEnded(run, *shared); })) {
    XCR_LOG(ERROR) << "run of VM " << run.vm_uuid << " ended after the daemon stopped";
  }
}

}  // namespace xcr::jobs
