#include "engine/run_job.h"

#include <algorithm>
#include <condition_variable>
#include <thread>

namespace xcr::engine {

Result<xapi::Connection*> FixedConnector::Connect(const std::string& pool) {
  auto it = pools_.find(pool);
  if (it == pools_.end()) return Status::NotFound("no connection to pool " + pool);
  return it->second;
}

RunCanceller::VmCancel& RunCanceller::Entry(const std::string& vm) {
  std::unique_ptr<VmCancel>& e = vms_[vm];
  if (!e) {
    e = std::make_unique<VmCancel>();
    if (run_flag_.load()) {
      e->reason = run_reason_;
      e->flag.store(true);
    }
  }
  return *e;
}

void RunCanceller::Cancel(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (run_flag_.load()) return;
  run_reason_ = reason;
  run_flag_.store(true);
  for (auto& [vm, e] : vms_) {
    if (e->flag.load()) continue;
    e->reason = reason;
    e->flag.store(true);
  }
}

void RunCanceller::CancelVm(const std::string& vm, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  VmCancel& e = Entry(vm);
  if (e.flag.load()) return;
  e.reason = reason;
  e.flag.store(true);
}

std::string RunCanceller::ReasonFor(const std::string& vm) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vms_.find(vm);
  if (it != vms_.end() && it->second->flag.load()) return it->second->reason;
  return run_flag_.load() ? run_reason_ : std::string();
}

const std::atomic<bool>* RunCanceller::VmFlag(const std::string& vm) {
  std::lock_guard<std::mutex> lock(mu_);
  return &Entry(vm).flag;
}

namespace {

// Cancels the run when the external flag (the CLI's interrupt) is set; stops on destruction.
class ExternalCancelWatch {
 public:
  ExternalCancelWatch(const std::atomic<bool>* external, RunCanceller* canceller) {
    if (!external) return;
    thread_ = std::thread([this, external, canceller] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        if (external->load()) {
          canceller->Cancel("cancelled");
          return;
        }
        cv_.wait_for(lock, std::chrono::milliseconds(50));
      }
    });
  }
  ~ExternalCancelWatch() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

Status CheckSpec(const JobSpec& spec) {
  if (spec.vms.empty()) return Status::InvalidArgument("the run has no VM");
  if (spec.targets.empty()) return Status::InvalidArgument("the run has no target SR");
  if (spec.options.job_id.empty()) return Status::InvalidArgument("the run has no job id");
  if (spec.options.schedule_id.empty()) {
    return Status::InvalidArgument("the run has no schedule id");
  }
  return Status::OK();
}

}  // namespace

Result<JobReport> RunJob(const JobSpec& spec, Connector& pools, RunObserver* observer,
                         CancelToken cancel) {
  XCR_RETURN_IF_ERROR(CheckSpec(spec));
  if (!cancel) cancel = std::make_shared<RunCanceller>();
  Env* env = spec.options.env ? spec.options.env : Env::Default();

  // Bind the run's log sink on this thread; the workers and their transfers inherit it.
  std::unique_ptr<ScopedThreadLogSink> bound;
  if (observer) {
    bound = std::make_unique<ScopedThreadLogSink>(std::make_shared<const LogSinkFn>(
        [observer](LogLevel level, const std::string& line) { observer->OnLog(level, line); }));
  }

  // Connect every pool once, before any VM starts.
  XCR_ASSIGN_OR_RETURN(xapi::Connection * source, pools.Connect(spec.source_pool));
  std::map<std::string, xapi::Connection*> conns;
  std::vector<TargetSpec> targets;
  for (const TargetRef& t : spec.targets) {
    if (!conns.count(t.pool)) {
      XCR_ASSIGN_OR_RETURN(conns[t.pool], pools.Connect(t.pool));
    }
    targets.push_back({conns[t.pool], t.sr, t.pool_label});
  }

  std::vector<std::string> unique;
  for (const std::string& v : spec.vms) {
    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
  }
  for (const std::string& v : unique) cancel->VmFlag(v);  // registered before any cancel

  JobReport report;
  report.log = std::make_unique<TaskLog>(env);
  TaskLog* log = report.log.get();
  if (observer) log->SetListener([observer](const TaskRecord& t) { observer->OnTask(t); });
  report.run_task = log->Begin(kNoParent, "replication run of job " + spec.options.job_id);
  if (observer) observer->OnStart(*log, report.run_task);
  report.outcome.vms.resize(unique.size());
  report.vm_tasks.assign(unique.size(), kNoParent);

  ExternalCancelWatch watch(spec.options.cancel, cancel.get());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < unique.size(); i = next++) {
      const std::string& vm = unique[i];
      VmOutcome& out = report.outcome.vms[i];
      const std::atomic<bool>* flag = cancel->VmFlag(vm);
      if (flag->load()) {
        std::string reason = cancel->ReasonFor(vm);
        out.vm_name = vm;
        out.status = Status::Cancelled("run cancelled before VM " + vm + " started" +
                                       (reason == "cancelled" ? "" : ": " + reason));
      } else {
        ReplicationOptions options = spec.options;
        options.cancel = flag;
        options.cancel_reason = [c = cancel.get(), vm] { return c->ReasonFor(vm); };
        if (observer) {
          options.on_task_progress = [observer](TaskId t, const xapi::TransferProgress& p) {
            observer->OnTransfer(t, p);
          };
        }
        VmReplicator replicator(source, targets, std::move(options), log);
        out = replicator.Run(vm, report.run_task);
        TaskRecord run = log->Get(report.run_task);
        // The VM's task: by the uuid it records once the VM is found (its label then is the
        // VM's name), else by the label it started with.
        for (TaskId c : run.children) {
          TaskRecord t = log->Get(c);
          auto uuid = t.data.find("uuid");
          if (out.vm_uuid.empty() ? uuid == t.data.end() && t.label == "VM " + vm
                                  : uuid != t.data.end() && uuid->second == out.vm_uuid) {
            report.vm_tasks[i] = c;
          }
        }
      }
      if (observer) observer->OnVmEnded(i, out, report.vm_tasks[i]);
    }
  };
  size_t n = std::clamp<size_t>(spec.concurrency, 1, unique.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(InheritLogSink(worker));
  worker();
  for (std::thread& t : threads) t.join();

  const JobOutcome& job = report.outcome;
  log->End(report.run_task,
           job.ok() ? Status::OK()
                    : Status::Unavailable(std::to_string(job.failed()) + " of " +
                                          std::to_string(job.vms.size()) + " VM(s) failed"))
      .ok();
  return report;
}

}  // namespace xcr::engine
