#include "jobs/scheduler.h"

#include <algorithm>
#include <chrono>

#include <date/date.h>

#include "base/logging.h"

namespace xcr::jobs {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
// A firing later than this after its time is a catch-up (the daemon was down or stalled).
constexpr int64_t kCatchUpAfterUs = 60 * kMicrosPerSecond;

std::string FormatUs(int64_t us) {
  const std::chrono::sys_seconds t(std::chrono::seconds(us / kMicrosPerSecond));
  return date::format("%FT%TZ", t);
}

}  // namespace

Scheduler::Scheduler(Env* env, VmRunLauncher* launcher, SchedulerOptions options,
                     SchedulerObserver* observer)
    : env_(env), launcher_(launcher), options_(options), observer_(observer) {
  if (options_.max_concurrent_runs == 0) options_.max_concurrent_runs = 1;
}

Scheduler::~Scheduler() = default;

int64_t Scheduler::NowUs() const { return env_->NowUnixMicros(); }

void Scheduler::Emit(SchedulerEventKind kind, const std::string& job_id, const std::string& vm_uuid,
                     uint64_t run_id, std::string message, const std::string& schedule_id,
                     int64_t time_us) {
  SchedulerEvent e;
  e.time_us = time_us != 0 ? time_us : NowUs();
  e.kind = kind;
  e.job_id = job_id;
  e.vm_uuid = vm_uuid;
  e.run_id = run_id;
  if (auto run = runs_.find(run_id); run != runs_.end()) e.trigger_id = run->second.trigger_id;
  e.schedule_id = schedule_id;
  e.message = std::move(message);
  // Skips of a busy VM or one in error, failures and cancellations are logged; the routine
  // (fired, queued, started, succeeded, already queued) goes to the observer only.
  if (kind != SchedulerEventKind::kFired && kind != SchedulerEventKind::kQueued &&
      kind != SchedulerEventKind::kStarted && kind != SchedulerEventKind::kSucceeded &&
      kind != SchedulerEventKind::kSkippedQueued) {
    XCR_LOG(INFO) << "scheduler: job " << job_id << " VM " << vm_uuid << ": "
                  << SchedulerEventKindName(kind) << ": " << e.message;
  }
  if (observer_ != nullptr) observer_->OnSchedulerEvent(e);
}

void Scheduler::PlanFire(JobEntry& job, size_t index, int64_t after_us) {
  ScheduleSlot& slot = job.schedules[index];
  if (slot.next_fire_us != 0) fires_.erase({slot.next_fire_us, job.job.id, index});
  slot.next_fire_us = 0;
  if (!job.job.enabled || !slot.enabled) return;
  const std::chrono::sys_seconds after(std::chrono::seconds(
      after_us >= 0 ? after_us / kMicrosPerSecond
                    : -((-after_us + kMicrosPerSecond - 1) / kMicrosPerSecond)));
  Result<std::chrono::sys_seconds> next = slot.expression->NextAfter(after, *slot.zone);
  if (!next.ok()) return;  // Parse refuses schedules that never run; nothing to plan
  slot.next_fire_us = next->time_since_epoch().count() * kMicrosPerSecond;
  fires_.insert({slot.next_fire_us, job.job.id, index});
}

void Scheduler::UnplanFires(JobEntry& job) {
  for (size_t i = 0; i < job.schedules.size(); ++i) {
    if (job.schedules[i].next_fire_us != 0) {
      fires_.erase({job.schedules[i].next_fire_us, job.job.id, i});
      job.schedules[i].next_fire_us = 0;
    }
  }
}

void Scheduler::SetRetry(JobEntry& job, const std::string& vm, int64_t at_us) {
  VmEntry& e = job.vm_states[vm];
  if (e.retry_at_us != 0) retries_.erase({e.retry_at_us, job.job.id, vm});
  e.retry_at_us = at_us;
  if (at_us != 0) retries_.insert({at_us, job.job.id, vm});
}

std::string Scheduler::DefaultScheduleId(const JobEntry& job) const {
  for (const ScheduleSlot& s : job.schedules) {
    if (s.enabled) return s.id;
  }
  return job.schedules.empty() ? std::string() : job.schedules.front().id;
}

Status Scheduler::PutJob(const Job& job, const std::vector<std::string>& vm_uuids) {
  if (job.id.empty()) return Status::InvalidArgument("the job has no id");
  std::vector<ScheduleSlot> slots;
  for (const Schedule& s : job.schedules) {
    ScheduleSlot slot;
    slot.id = s.id;
    slot.cron = s.cron;
    slot.timezone = s.timezone;
    slot.enabled = s.enabled;
    const std::string name = s.name.empty() ? s.id : s.name;
    Result<ScheduleExpression> e = ScheduleExpression::Parse(s.cron);
    if (!e.ok()) return e.status().WithContext("job '" + job.name + "': schedule '" + name + "'");
    Result<const date::time_zone*> zone = FindTimeZone(s.timezone);
    if (!zone.ok()) {
      return zone.status().WithContext("job '" + job.name + "': schedule '" + name + "'");
    }
    slot.expression = std::move(*e);
    slot.zone = *zone;
    slots.push_back(std::move(slot));
  }
  const int64_t now = NowUs();
  auto [it, inserted] = jobs_.try_emplace(job.id);
  JobEntry& entry = it->second;
  // Schedules unchanged in text and zone keep their planned time.
  std::map<std::string, int64_t> kept;
  for (const ScheduleSlot& old : entry.schedules) {
    for (const ScheduleSlot& s : slots) {
      if (s.id == old.id && s.cron == old.cron && s.timezone == old.timezone &&
          old.next_fire_us != 0) {
        kept[s.id] = old.next_fire_us;
      }
    }
  }
  UnplanFires(entry);
  entry.job = job;
  entry.schedules = std::move(slots);
  for (size_t i = 0; i < entry.schedules.size(); ++i) {
    auto k = kept.find(entry.schedules[i].id);
    if (k != kept.end() && job.enabled && entry.schedules[i].enabled) {
      entry.schedules[i].next_fire_us = k->second;
      fires_.insert({k->second, job.id, i});
    } else {
      PlanFire(entry, i, now);
    }
  }
  // VMs: keep the state of those still there; forget the others (their running runs go on).
  std::vector<std::string> vms;
  for (const std::string& vm : vm_uuids) {
    if (std::find(vms.begin(), vms.end(), vm) == vms.end()) vms.push_back(vm);
  }
  for (auto v = entry.vm_states.begin(); v != entry.vm_states.end();) {
    if (std::find(vms.begin(), vms.end(), v->first) != vms.end()) {
      ++v;
      continue;
    }
    if (v->second.queued_run != 0) RemoveQueued(entry, v->second.queued_run);
    if (v->second.retry_at_us != 0) retries_.erase({v->second.retry_at_us, job.id, v->first});
    v = entry.vm_states.erase(v);
  }
  for (const std::string& vm : vms) entry.vm_states.try_emplace(vm);
  entry.vms = std::move(vms);
  RefreshReady(entry);
  Dispatch();
  return Status::OK();
}

Status Scheduler::RemoveJob(const std::string& job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + job_id + "' in the scheduler");
  JobEntry& job = it->second;
  UnplanFires(job);
  while (!job.pending.empty()) RemoveQueued(job, job.pending.front());
  for (auto& [vm, e] : job.vm_states) {
    if (e.retry_at_us != 0) retries_.erase({e.retry_at_us, job_id, vm});
    if (e.running_run != 0) {
      const VmRun run = runs_.at(e.running_run);
      launcher_->CancelRun(run);
    }
  }
  if (job.ready_key) ready_.erase({*job.ready_key, job_id});
  jobs_.erase(it);
  return Status::OK();
}

Status Scheduler::RestoreScheduleFire(const std::string& job_id, const std::string& schedule_id,
                                      int64_t last_fire_us) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + job_id + "' in the scheduler");
  for (size_t i = 0; i < it->second.schedules.size(); ++i) {
    if (it->second.schedules[i].id == schedule_id) {
      PlanFire(it->second, i, last_fire_us);
      return Status::OK();
    }
  }
  return Status::NotFound("job '" + it->second.job.name + "' has no schedule '" + schedule_id +
                          "'");
}

Status Scheduler::RestoreVm(const VmRestore& state) {
  auto it = jobs_.find(state.job_id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + state.job_id + "' in the scheduler");
  auto v = it->second.vm_states.find(state.vm_uuid);
  if (v == it->second.vm_states.end()) {
    return Status::NotFound("VM " + state.vm_uuid + " is not in job '" + it->second.job.name + "'");
  }
  v->second.state = state.state;
  v->second.last_success_us = state.last_success_us;
  v->second.consecutive_failures = state.consecutive_failures;
  v->second.error = state.error;
  SetRetry(it->second, state.vm_uuid,
           state.state == VmState::kError ? std::max<int64_t>(state.retry_at_us, 1) : 0);
  return Status::OK();
}

bool Scheduler::Enqueue(JobEntry& job, const std::string& vm, RunReason reason,
                        const std::string& schedule_id, uint64_t trigger_id, int64_t now_us) {
  if (auto busy = running_by_vm_.find(vm); busy != running_by_vm_.end()) {
    const VmRun& other = runs_.at(busy->second);
    auto other_job = jobs_.find(other.job_id);
    const std::string other_name =
        other_job == jobs_.end() ? other.job_id : other_job->second.job.name;
    Emit(SchedulerEventKind::kSkippedBusy, job.job.id, vm, 0,
         "VM " + vm + " is being replicated by job '" + other_name + "': this " +
             std::string(RunReasonName(reason)) + " trigger is skipped");
    return false;
  }
  VmEntry& e = job.vm_states[vm];
  if (e.queued_run != 0) {
    Emit(SchedulerEventKind::kSkippedQueued, job.job.id, vm, e.queued_run,
         "VM " + vm + " already waits in the queue of job '" + job.job.name + "'");
    return false;
  }
  VmRun run;
  run.id = next_run_id_++;
  run.trigger_id = trigger_id;
  run.job_id = job.job.id;
  run.vm_uuid = vm;
  run.schedule_id = schedule_id;
  run.reason = reason;
  run.queued_us = now_us;
  runs_.emplace(run.id, run);
  job.pending.push_back(run.id);
  e.queued_run = run.id;
  queued_jobs_by_vm_[vm].insert(job.job.id);
  Emit(SchedulerEventKind::kQueued, job.job.id, vm, run.id, std::string(RunReasonName(reason)),
       schedule_id);
  RefreshReady(job);
  return true;
}

void Scheduler::RemoveQueued(JobEntry& job, uint64_t run_id) {
  auto p = std::find(job.pending.begin(), job.pending.end(), run_id);
  if (p != job.pending.end()) job.pending.erase(p);
  auto r = runs_.find(run_id);
  if (r != runs_.end()) {
    const std::string vm = r->second.vm_uuid;
    auto v = job.vm_states.find(vm);
    if (v != job.vm_states.end() && v->second.queued_run == run_id) v->second.queued_run = 0;
    runs_.erase(r);
    UnmarkQueued(job.job.id, vm);
  }
  RefreshReady(job);
}

void Scheduler::UnmarkQueued(const std::string& job_id, const std::string& vm_uuid) {
  auto waiting = queued_jobs_by_vm_.find(vm_uuid);
  if (waiting == queued_jobs_by_vm_.end()) return;
  waiting->second.erase(job_id);
  if (waiting->second.empty()) queued_jobs_by_vm_.erase(waiting);
}

void Scheduler::RefreshReady(JobEntry& job) {
  if (job.ready_key) {
    ready_.erase({*job.ready_key, job.job.id});
    job.ready_key.reset();
  }
  const size_t limit = std::max<uint32_t>(job.job.concurrency, 1);
  if (job.running >= limit) return;
  // The oldest queued run whose VM is free: a run waiting for its VM does not hold up the
  // others of its job.
  for (uint64_t id : job.pending) {
    if (!VmBusy(runs_.at(id).vm_uuid)) {
      job.ready_key = id;
      ready_.insert({id, job.job.id});
      return;
    }
  }
}

void Scheduler::RefreshJobsWaitingFor(const std::string& vm_uuid) {
  auto waiting = queued_jobs_by_vm_.find(vm_uuid);
  if (waiting == queued_jobs_by_vm_.end()) return;
  const std::set<std::string> job_ids = waiting->second;
  for (const std::string& id : job_ids) {
    auto it = jobs_.find(id);
    if (it != jobs_.end()) RefreshReady(it->second);
  }
}

void Scheduler::Fire(JobEntry& job, size_t index, int64_t now_us, bool catch_up) {
  const ScheduleSlot& slot = job.schedules[index];
  const uint64_t trigger = next_trigger_id_++;
  for (const std::string& vm : job.vms) {
    VmEntry& e = job.vm_states[vm];
    if (e.state == VmState::kError && e.retry_at_us != 0) {
      Emit(SchedulerEventKind::kSkippedInError, job.job.id, vm, 0,
           "VM " + vm + " is in error (" + e.error + "): retried at " + FormatUs(e.retry_at_us) +
               ", not on its schedule");
      continue;
    }
    Enqueue(job, vm, catch_up ? RunReason::kCatchUp : RunReason::kSchedule, slot.id, trigger,
            now_us);
  }
}

void Scheduler::Tick() {
  const int64_t now = NowUs();
  while (!fires_.empty() && std::get<0>(*fires_.begin()) <= now) {
    const auto [when, job_id, index] = *fires_.begin();
    fires_.erase(fires_.begin());
    JobEntry& job = jobs_.at(job_id);
    job.schedules[index].next_fire_us = 0;
    // The next time after now: slots missed while down are not fired one by one.
    const int64_t anchor = std::max(now, when);
    Emit(SchedulerEventKind::kFired, job_id, {}, 0,
         when + kCatchUpAfterUs < now ? "catch-up of " + FormatUs(when) : "on time",
         job.schedules[index].id, anchor);
    Fire(job, index, now, when + kCatchUpAfterUs < now);
    PlanFire(job, index, anchor);
  }
  while (!retries_.empty() && std::get<0>(*retries_.begin()) <= now) {
    const auto [when, job_id, vm] = *retries_.begin();
    retries_.erase(retries_.begin());
    JobEntry& job = jobs_.at(job_id);
    VmEntry& e = job.vm_states[vm];
    e.retry_at_us = 0;
    // Queued or running already (run now): that run is the retry. A disabled job waits.
    if (e.queued_run != 0 || e.running_run != 0 || !job.job.enabled) continue;
    Enqueue(job, vm, RunReason::kRetry,
            e.last_schedule_id.empty() ? DefaultScheduleId(job) : e.last_schedule_id,
            next_trigger_id_++, now);
  }
  Dispatch();
}

std::optional<int64_t> Scheduler::NextWakeupUs() const {
  std::optional<int64_t> wake;
  if (!fires_.empty()) wake = std::get<0>(*fires_.begin());
  if (!retries_.empty()) {
    const int64_t r = std::get<0>(*retries_.begin());
    if (!wake || r < *wake) wake = r;
  }
  return wake;
}

void Scheduler::Dispatch() {
  const int64_t now = NowUs();
  while (running_total_ < options_.max_concurrent_runs && !ready_.empty()) {
    const auto [id, job_id] = *ready_.begin();
    JobEntry& job = jobs_.at(job_id);
    job.pending.erase(std::find(job.pending.begin(), job.pending.end(), id));
    VmRun& run = runs_.at(id);
    VmEntry& e = job.vm_states[run.vm_uuid];
    e.queued_run = 0;
    UnmarkQueued(job_id, run.vm_uuid);
    run.started_us = now;
    running_by_vm_[run.vm_uuid] = id;
    e.running_run = id;
    e.last_schedule_id = run.schedule_id;
    ++job.running;
    ++running_total_;
    const VmRun started = run;
    RefreshReady(job);
    // Other jobs' runs of this VM now wait for it.
    RefreshJobsWaitingFor(started.vm_uuid);
    Emit(SchedulerEventKind::kStarted, started.job_id, started.vm_uuid, id,
         std::string(RunReasonName(started.reason)), started.schedule_id);
    launcher_->StartRun(started);
  }
}

Result<size_t> Scheduler::RunNow(const std::string& job_id, const std::string& vm_uuid) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + job_id + "' in the scheduler");
  JobEntry& job = it->second;
  std::vector<std::string> targets = job.vms;
  if (!vm_uuid.empty()) {
    if (std::find(job.vms.begin(), job.vms.end(), vm_uuid) == job.vms.end()) {
      return Status::NotFound("VM " + vm_uuid + " is not in job '" + job.job.name + "'");
    }
    if (auto busy = running_by_vm_.find(vm_uuid); busy != running_by_vm_.end()) {
      const std::string& other = runs_.at(busy->second).job_id;
      auto other_job = jobs_.find(other);
      return Status::FailedPrecondition(
          "VM " + vm_uuid + " is being replicated already (job '" +
          (other_job == jobs_.end() ? other : other_job->second.job.name) +
          "'): wait for that run to end");
    }
    targets = {vm_uuid};
  }
  const int64_t now = NowUs();
  const uint64_t trigger = next_trigger_id_++;
  size_t queued = 0;
  for (const std::string& vm : targets) {
    if (Enqueue(job, vm, RunReason::kManual, DefaultScheduleId(job), trigger, now)) ++queued;
  }
  Dispatch();
  return queued;
}

Result<size_t> Scheduler::Cancel(const std::string& job_id, const std::string& vm_uuid) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + job_id + "' in the scheduler");
  JobEntry& job = it->second;
  size_t count = 0;
  const std::deque<uint64_t> pending = job.pending;
  for (uint64_t id : pending) {
    const VmRun run = runs_.at(id);
    if (!vm_uuid.empty() && run.vm_uuid != vm_uuid) continue;
    RemoveQueued(job, id);
    Emit(SchedulerEventKind::kCancelled, job_id, run.vm_uuid, id, "dropped from the queue",
         run.schedule_id);
    ++count;
  }
  for (auto& [vm, e] : job.vm_states) {
    if (e.running_run == 0 || (!vm_uuid.empty() && vm != vm_uuid)) continue;
    const VmRun run = runs_.at(e.running_run);
    launcher_->CancelRun(run);
    ++count;
  }
  return count;
}

Status Scheduler::OnRunEnded(uint64_t run_id, RunOutcome outcome, const std::string& message) {
  auto r = runs_.find(run_id);
  if (r == runs_.end() || r->second.started_us == 0) {
    return Status::NotFound("no running run " + std::to_string(run_id));
  }
  const VmRun run = r->second;
  runs_.erase(r);
  if (auto v = running_by_vm_.find(run.vm_uuid); v != running_by_vm_.end() && v->second == run_id) {
    running_by_vm_.erase(v);
  }
  --running_total_;
  const int64_t now = NowUs();
  auto it = jobs_.find(run.job_id);
  if (it != jobs_.end()) {
    JobEntry& job = it->second;
    if (job.running > 0) --job.running;
    auto v = job.vm_states.find(run.vm_uuid);
    if (v != job.vm_states.end()) {
      VmEntry& e = v->second;
      e.running_run = 0;
      switch (outcome) {
        case RunOutcome::kSuccess:
          e.state = VmState::kOk;
          e.last_success_us = now;
          e.consecutive_failures = 0;
          e.error.clear();
          SetRetry(job, run.vm_uuid, 0);
          Emit(SchedulerEventKind::kSucceeded, job.job.id, run.vm_uuid, run_id,
               "replicated; back on its schedule", run.schedule_id);
          break;
        case RunOutcome::kFailure:
          e.state = VmState::kError;
          ++e.consecutive_failures;
          e.error = message;
          SetRetry(job, run.vm_uuid, now + options_.retry_backoff_us);
          Emit(SchedulerEventKind::kFailed, job.job.id, run.vm_uuid, run_id,
               message + " (failure " + std::to_string(e.consecutive_failures) +
                   " in a row; retried at " + FormatUs(e.retry_at_us) + ")",
               run.schedule_id);
          break;
        case RunOutcome::kCancelled:
          // Not a failure; a VM in error keeps waiting a full backoff before its retry.
          if (e.state == VmState::kError) {
            SetRetry(job, run.vm_uuid, now + options_.retry_backoff_us);
          }
          Emit(SchedulerEventKind::kCancelled, job.job.id, run.vm_uuid, run_id,
               message.empty() ? "cancelled" : message, run.schedule_id);
          break;
      }
    }
    RefreshReady(job);
  }
  RefreshJobsWaitingFor(run.vm_uuid);
  Dispatch();
  return Status::OK();
}

Result<VmPlanStatus> Scheduler::VmStatus(const std::string& job_id,
                                         const std::string& vm_uuid) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + job_id + "' in the scheduler");
  auto v = it->second.vm_states.find(vm_uuid);
  if (v == it->second.vm_states.end()) {
    return Status::NotFound("VM " + vm_uuid + " is not in job '" + it->second.job.name + "'");
  }
  const VmEntry& e = v->second;
  VmPlanStatus s;
  s.job_id = job_id;
  s.vm_uuid = vm_uuid;
  s.state = e.state;
  s.last_success_us = e.last_success_us;
  s.consecutive_failures = e.consecutive_failures;
  s.error = e.error;
  s.queued = e.queued_run != 0;
  s.running = e.running_run != 0;
  if (e.state == VmState::kError && e.retry_at_us != 0) {
    s.next_run_us = it->second.job.enabled ? e.retry_at_us : 0;
  } else {
    for (const ScheduleSlot& slot : it->second.schedules) {
      if (slot.next_fire_us != 0 && (s.next_run_us == 0 || slot.next_fire_us < s.next_run_us)) {
        s.next_run_us = slot.next_fire_us;
      }
    }
  }
  return s;
}

std::vector<VmPlanStatus> Scheduler::AllVmStatus() const {
  std::vector<VmPlanStatus> out;
  for (const auto& [job_id, job] : jobs_) {
    for (const auto& [vm, e] : job.vm_states) out.push_back(*VmStatus(job_id, vm));
  }
  return out;
}

Result<std::map<std::string, int64_t>> Scheduler::NextFires(const std::string& job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + job_id + "' in the scheduler");
  std::map<std::string, int64_t> out;
  for (const ScheduleSlot& s : it->second.schedules) out[s.id] = s.next_fire_us;
  return out;
}

size_t Scheduler::queued_count() const { return runs_.size() - running_total_; }

}  // namespace xcr::jobs
