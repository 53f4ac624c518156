// /api/status (one entry per protected VM and job: the scheduler's view merged with the stored
// per-target states, and its lag against the job's schedules, schedule_lag.h) and /api/replicas
// (the replicas the store knows, per VM and target).
#include <map>
#include <tuple>

#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"
#include "jobs/schedule_lag.h"

namespace xcr::jobs {

net::HttpResponse DaemonApi::GetStatus() {
  auto jobs = store_->ListJobs();
  if (!jobs.ok()) return ErrorResponse(jobs.status());
  auto states = store_->ListVmStates("");
  if (!states.ok()) return ErrorResponse(states.status());
  auto fires = store_->ListScheduleFires();
  if (!fires.ok()) return ErrorResponse(fires.status());
  std::map<std::string, std::string> job_names;
  for (const Job& j : *jobs) job_names[j.id] = j.name;
  const std::map<std::string, JobLagBasis> bases = JobLagBases(*jobs, *fires);
  std::map<std::pair<std::string, std::string>, std::vector<const VmTargetState*>> targets;
  for (const VmTargetState& s : *states) targets[{s.job_id, s.vm_uuid}].push_back(&s);

  const int64_t now_us = env_->NowUnixMicros();
  nlohmann::json out = nlohmann::json::array();
  for (const VmPlanStatus& v : control_->StatusSnapshot()) {
    auto name = job_names.find(v.job_id);
    if (name == job_names.end()) continue;  // deleted while we looked
    std::string vm_name;
    nlohmann::json tj = nlohmann::json::array();
    for (const VmTargetState* t : targets[{v.job_id, v.vm_uuid}]) {
      if (vm_name.empty()) vm_name = t->vm_name;
      tj.push_back({{"pool", t->pool},
                    {"sr", t->sr},
                    {"last_success", TimeJson(t->last_success_us)},
                    {"state", VmStateName(t->state)},
                    {"error", t->error}});
    }
    std::string state = v.running  ? "running"
                        : v.queued ? "queued"
                                   : std::string(VmStateName(v.state));
    nlohmann::json lag = nullptr;
    if (v.last_success_us != 0) lag = std::max<int64_t>(0, (now_us - v.last_success_us) / 1000000);
    const JobLagBasis& basis = bases.at(v.job_id);
    LagInput in;
    in.now_us = now_us;
    in.last_success_us = v.last_success_us;
    in.expected_since_us = basis.expected_since_us;
    const ScheduleLag sl = ComputeScheduleLag(basis.timetable, in);
    out.push_back(
        {{"job", v.job_id},
         {"job_name", name->second},
         {"vm", v.vm_uuid},
         {"vm_name", vm_name},
         {"last_success", TimeJson(v.last_success_us)},
         {"lag_s", lag},
         {"lag_state", LagStateName(sl.state)},
         {"due", TimeJson(sl.due_us)},
         {"rpo_s", sl.rpo_us == 0 ? nlohmann::json(nullptr) : nlohmann::json(sl.rpo_us / 1000000)},
         {"behind_s", sl.behind_us / 1000000},
         {"state", state},
         {"error", v.error},
         {"next_run", TimeJson(v.next_run_us)},
         {"targets", tj}});
  }
  return JsonResponse(200, out);
}

net::HttpResponse DaemonApi::ListReplicas(const net::HttpRequest& req) {
  std::string job = req.Query("job");
  if (!job.empty()) {
    auto stored = store_->GetJob(job);
    if (!stored.ok()) return ErrorResponse(stored.status());
  }
  auto states = store_->ListVmStates(job);
  if (!states.ok()) return ErrorResponse(states.status());
  const int64_t now_us = env_->NowUnixMicros();
  nlohmann::json out = nlohmann::json::array();
  for (const VmTargetState& s : *states) {
    if (s.last_success_us == 0) continue;  // nothing replicated there yet
    out.push_back({{"job", s.job_id},
                   {"vm", s.vm_uuid},
                   {"vm_name", s.vm_name},
                   {"pool", s.pool},
                   {"sr", s.sr},
                   {"last_success", TimeJson(s.last_success_us)},
                   {"age_s", std::max<int64_t>(0, (now_us - s.last_success_us) / 1000000)},
                   {"snapshot", s.last_snapshot_uuid},
                   {"bytes", s.last_bytes}});
  }
  PoolReplicaCache cache;
  AddReplicaVms(out, cache);
  nlohmann::json answer = {{"replicas", out}};
  if (job.empty()) answer["orphans"] = ListOrphans(cache);
  return JsonResponse(200, answer);
}

}  // namespace xcr::jobs
