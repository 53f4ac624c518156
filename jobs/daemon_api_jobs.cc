// /api/jobs: create (ids given here), read, edit (merge patch), delete (optionally purging the
// job's replicas and snapshots), run now, cancel; and purge by id for a job the store lost.
#include <algorithm>
#include <set>

#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"
#include "jobs/job_json.h"
#include "jobs/job_patch.h"
#include "jobs/job_validation.h"

namespace xcr::jobs {
namespace {

// The optional {"vm": uuid} of run and cancel; InvalidArgument for anything else.
Result<std::string> VmOfBody(const net::HttpRequest& req) {
  XCR_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(req, /*allow_empty=*/true));
  std::string vm;
  for (const auto& [key, value] : body.items()) {
    if (key != "vm") return Status::InvalidArgument("unknown field '" + key + "' (only \"vm\")");
    if (!value.is_string()) return Status::InvalidArgument("\"vm\" must be a VM uuid (a string)");
    vm = value.get<std::string>();
  }
  return vm;
}

// The status of a job as a whole, from its VMs' (docs/api.md "GET /api/jobs").
nlohmann::json JobStatusJson(const std::vector<const VmPlanStatus*>& vms,
                             const std::map<std::string, int64_t>& fires) {
  bool running = false, queued = false, error = false, all_ok = !vms.empty();
  int64_t next = 0, oldest_success = 0;
  bool missing_success = vms.empty();
  for (const VmPlanStatus* v : vms) {
    running |= v->running;
    queued |= v->queued;
    error |= v->state == VmState::kError;
    all_ok &= v->state == VmState::kOk;
    if (v->next_run_us != 0 && (next == 0 || v->next_run_us < next)) next = v->next_run_us;
    if (v->last_success_us == 0) {
      missing_success = true;
    } else if (oldest_success == 0 || v->last_success_us < oldest_success) {
      oldest_success = v->last_success_us;
    }
  }
  for (const auto& [id, at] : fires) {
    if (at != 0 && (next == 0 || at < next)) next = at;
  }
  std::string state = running  ? "running"
                      : queued ? "queued"
                      : error  ? "error"
                      : all_ok ? "ok"
                               : "new";
  return {{"state", state},
          {"next_run", TimeJson(next)},
          {"last_success", TimeJson(missing_success ? 0 : oldest_success)}};
}

net::HttpResponse PurgeErrorResponse(const Status& st) {
  if (st.code() == StatusCode::kNotFound || st.code() == StatusCode::kNotSupported ||
      st.code() == StatusCode::kFailedPrecondition) {
    return ErrorResponse(st);
  }
  return PoolErrorResponse(st);
}

nlohmann::json PurgedJson(const PurgeTotals& t) {
  return {{"replicas", t.replicas}, {"snapshots", t.snapshots}};
}

}  // namespace

Result<FieldErrors> DaemonApi::CheckJob(const Job& job) {
  XCR_ASSIGN_OR_RETURN(std::vector<PoolConfig> pools, store_->ListPools());
  std::set<std::string> ids;
  for (const PoolConfig& p : pools) ids.insert(p.id);
  FieldErrors errors = ValidateJob(job, {&ids});
  if (job.vms.pattern && !options_.smart_mode) {
    errors.push_back({"vms",
                      "this daemon replicates VMs listed by id only: send "
                      "{\"ids\": [VM uuids]} instead of a smart pattern"});
  }
  return errors;
}

net::HttpResponse DaemonApi::ListJobs() {
  auto jobs = store_->ListJobs();
  if (!jobs.ok()) return ErrorResponse(jobs.status());
  std::vector<VmPlanStatus> status = control_->StatusSnapshot();
  nlohmann::json out = nlohmann::json::array();
  for (const Job& job : *jobs) {
    std::vector<const VmPlanStatus*> vms;
    for (const VmPlanStatus& v : status) {
      if (v.job_id == job.id) vms.push_back(&v);
    }
    nlohmann::json j = JobToJson(job);
    j["status"] = JobStatusJson(vms, control_->NextFires(job.id));
    out.push_back(std::move(j));
  }
  return JsonResponse(200, out);
}

net::HttpResponse DaemonApi::GetJob(const std::string& id) {
  auto job = store_->GetJob(id);
  if (!job.ok()) return ErrorResponse(job.status());
  return JsonResponse(200, JobToJson(*job));
}

net::HttpResponse DaemonApi::CreateJob(const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  Job job;
  FieldErrors errors = JobFromJson(*body, &job);
  if (!errors.empty()) return FieldErrorResponse("the job is invalid", errors);
  if (!job.id.empty()) errors.push_back({"id", "the daemon gives the id: leave it out"});
  for (size_t i = 0; i < job.schedules.size(); ++i) {
    if (!job.schedules[i].id.empty()) {
      errors.push_back({FieldPath(FieldIndex("schedules", i), "id"),
                        "the daemon gives schedule ids: leave it out"});
    }
  }
  if (!errors.empty()) return FieldErrorResponse("the job is invalid", errors);
  AssignMissingIds(&job);
  auto problems = CheckJob(job);
  if (!problems.ok()) return ErrorResponse(problems.status());
  if (!problems->empty()) return FieldErrorResponse("the job is invalid", *problems);
  Status st = store_->PutJob(job);
  if (!st.ok()) return ErrorResponse(st);
  st = control_->PutJob(job);
  if (!st.ok()) {
    (void)store_->DeleteJob(job.id);
    return ErrorResponse(st);
  }
  return JsonResponse(201, JobToJson(job));
}

net::HttpResponse DaemonApi::PatchJob(const std::string& id, const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto stored = store_->GetJob(id);
  if (!stored.ok()) return ErrorResponse(stored.status());
  Job job;
  FieldErrors errors = jobs::PatchJob(*stored, *body, &job);
  if (!errors.empty()) return FieldErrorResponse("the edit is invalid", errors);
  auto problems = CheckJob(job);
  if (!problems.ok()) return ErrorResponse(problems.status());
  if (!problems->empty()) return FieldErrorResponse("the edited job is invalid", *problems);
  Status st = store_->PutJob(job);
  if (!st.ok()) return ErrorResponse(st);
  st = control_->PutJob(job);
  if (!st.ok()) {
    (void)store_->PutJob(*stored);
    return ErrorResponse(st);
  }
  return JsonResponse(200, JobToJson(job));
}

Result<PurgeTotals> DaemonApi::Purge(const std::string& job_id, const std::string& job_name,
                                     const std::vector<std::string>& pool_ids) {
  std::vector<PoolConfig> pools;
  if (pool_ids.empty()) {
    XCR_ASSIGN_OR_RETURN(pools, store_->ListPools());
  } else {
    for (const std::string& id : pool_ids) {
      XCR_ASSIGN_OR_RETURN(PoolConfig p, store_->GetPool(id));
      pools.push_back(std::move(p));
    }
  }
  PurgeTotals total;
  for (const PoolConfig& pool : pools) {
    auto t = pools_->PurgeJob(pool, job_id, job_name);
    if (!t.ok())
      return t.status().WithContext("purging job " + job_id + " on pool '" + pool.name + "'");
    total.replicas += t->replicas;
    total.snapshots += t->snapshots;
  }
  return total;
}

net::HttpResponse DaemonApi::DeleteJob(const std::string& id, const net::HttpRequest& req) {
  auto job = store_->GetJob(id);
  if (!job.ok()) return ErrorResponse(job.status());
  std::string purge = req.Query("purge");
  bool purging = purge == "1" || purge == "true";
  Status st = control_->RemoveJob(id);
  if (!st.ok()) return ErrorResponse(st);
  PurgeTotals purged;
  if (purging) {
    auto t = Purge(id, job->name, {});
    if (!t.ok()) {
      (void)control_->PutJob(*job);  // the job stays, planned as before
      return PurgeErrorResponse(t.status());
    }
    purged = *t;
  }
  st = store_->DeleteJob(id);
  if (!st.ok()) {
    (void)control_->PutJob(*job);
    return ErrorResponse(st);
  }
  return JsonResponse(200, {{"purged", PurgedJson(purged)}});
}

net::HttpResponse DaemonApi::RunJob(const std::string& id, const net::HttpRequest& req) {
  auto vm = VmOfBody(req);
  if (!vm.ok()) return ErrorResponse(vm.status());
  auto job = store_->GetJob(id);
  if (!job.ok()) return ErrorResponse(job.status());
  auto started = control_->RunNow(id, *vm);
  if (!started.ok()) return ErrorResponse(started.status());
  return JsonResponse(202, {{"run", started->run_id}, {"queued", started->queued}});
}

net::HttpResponse DaemonApi::CancelJob(const std::string& id, const net::HttpRequest& req) {
  auto vm = VmOfBody(req);
  if (!vm.ok()) return ErrorResponse(vm.status());
  auto job = store_->GetJob(id);
  if (!job.ok()) return ErrorResponse(job.status());
  auto n = control_->Cancel(id, *vm);
  if (!n.ok()) return ErrorResponse(n.status());
  return JsonResponse(200, {{"cancelled", *n}});
}

net::HttpResponse DaemonApi::PurgeLostJob(const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  FieldErrors errors;
  std::string job_id;
  std::vector<std::string> pools;
  for (const auto& [key, value] : body->items()) {
    if (key == "job") {
      if (value.is_string()) job_id = value.get<std::string>();
    } else if (key == "pools") {
      if (!value.is_array()) {
        errors.push_back({"pools", "must be an array of pool ids"});
        continue;
      }
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string()) {
          errors.push_back({FieldIndex("pools", i), "must be a pool id (a string)"});
        } else {
          pools.push_back(value[i].get<std::string>());
        }
      }
    } else {
      errors.push_back({key, "unknown field"});
    }
  }
  if (job_id.empty()) errors.push_back({"job", "required: the id of the job to purge"});
  if (!errors.empty()) return FieldErrorResponse("the purge request is invalid", errors);
  auto stored = store_->GetJob(job_id);
  if (stored.ok()) {
    return ErrorResponse(409, "job " + job_id + " ('" + stored->name +
                                  "') is stored: delete it with purge (DELETE /api/jobs/" + job_id +
                                  "?purge=1)");
  }
  auto t = Purge(job_id, "", pools);
  if (!t.ok()) return PurgeErrorResponse(t.status());
  return JsonResponse(200, {{"purged", PurgedJson(*t)}});
}

}  // namespace xcr::jobs
