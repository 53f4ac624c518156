#include "engine/run_report_json.h"

#include <sstream>

namespace xcr::engine {

nlohmann::json RunReportJson(const JobOutcome& job, const TaskLog& log) {
  nlohmann::json j;
  j["ok"] = job.ok();
  j["vms"] = nlohmann::json::array();
  for (const VmOutcome& out : job.vms) {
    nlohmann::json vj;
    vj["ok"] = out.status.ok();
    if (!out.status.ok()) vj["error"] = out.status.ToString();
    vj["uuid"] = out.vm_uuid;
    vj["name"] = out.vm_name;
    vj["snapshot"] = out.snapshot_uuid;
    vj["mode"] = out.delta ? "delta" : "full";
    vj["base"] = out.base_note;
    vj["bytes"] = out.bytes;
    vj["targets"] = nlohmann::json::array();
    for (const TargetOutcome& t : out.targets) {
      nlohmann::json tj = {{"pool", t.pool}, {"sr", t.sr}, {"ok", t.status.ok()}};
      if (!t.status.ok()) tj["error"] = t.status.ToString();
      if (!t.replica_uuid.empty()) tj["replica"] = t.replica_uuid;
      vj["targets"].push_back(tj);
    }
    j["vms"].push_back(vj);
  }
  j["tasks"] = nlohmann::json::parse(log.ToJson());
  return j;
}

std::string RunReportText(const JobOutcome& job, const TaskLog& log) {
  std::ostringstream out;
  out << log.ToText();
  for (const VmOutcome& vm : job.vms) {
    out << (vm.status.ok() ? "replicated" : "FAILED") << " VM '"
        << (vm.vm_name.empty() ? vm.vm_uuid : vm.vm_name) << "': " << (vm.delta ? "delta" : "full")
        << ", " << FormatBytes(vm.bytes) << " exported";
    if (!vm.base_note.empty()) out << " (" << vm.base_note << ")";
    if (!vm.status.ok()) out << ": " << vm.status.message();
    out << "\n";
    for (const TargetOutcome& t : vm.targets) {
      out << "  " << (t.status.ok() ? "ok    " : "FAILED") << " pool " << t.pool << " SR '" << t.sr
          << "'";
      if (!t.replica_uuid.empty()) out << " replica " << t.replica_uuid;
      if (!t.status.ok()) out << ": " << t.status.message();
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace xcr::engine
