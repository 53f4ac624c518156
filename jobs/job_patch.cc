#include "jobs/job_patch.h"

#include "jobs/job_json.h"

namespace xcr::jobs {

FieldErrors PatchJob(const Job& stored, const nlohmann::json& patch, Job* out) {
  if (!patch.is_object()) return {{"", "the edit must be a JSON object"}};
  FieldErrors errors;
  nlohmann::json edit = patch;
  if (edit.contains("id") && edit["id"] != nlohmann::json(stored.id)) {
    errors.push_back({"id", "a job's id cannot change"});
  }
  if (edit.contains("schedules") && edit["schedules"].is_array()) {
    for (nlohmann::json& s : edit["schedules"]) {
      if (!s.is_object() || !s.contains("id") || !s["id"].is_string()) continue;
      const Schedule* old = stored.FindSchedule(s["id"].get<std::string>());
      if (old == nullptr) continue;
      nlohmann::json merged = ScheduleToJson(*old);
      merged.merge_patch(s);
      s = std::move(merged);
    }
  }
  nlohmann::json json = JobToJson(stored);
  json.merge_patch(edit);
  *out = Job{};
  for (FieldError& e : JobFromJson(json, out)) errors.push_back(std::move(e));
  if (!errors.empty()) return errors;
  out->id = stored.id;
  AssignMissingIds(out);
  return errors;
}

}  // namespace xcr::jobs
