#include "engine/run_report_json.h"

#include <sstream>

namespace xcr::engine {
namespace {

// "none" when no byte was exported (the run failed before or at its first disk).
const char* Mode(const VmOutcome& vm) {
  if (vm.bytes == 0 && !vm.delta) return "none";
  return vm.delta ? "delta" : "full";
}

// A target is ok only once its replica exists: a run that failed on the source before the
// transfer leaves the targets' own status untouched.
Status TargetStatus(const VmOutcome& vm, const TargetOutcome& t) {
  if (!t.status.ok() || !t.replica_uuid.empty()) return t.status;
  if (!vm.status.ok()) return Status::FailedPrecondition("nothing written: " + vm.status.message());
  return t.status;
}

}  // namespace

nlohmann::json RunReportJson(const JobOutcome& job, const TaskLog& log) {
  nlohmann::json j;
  j["ok"] = job.ok();
  j["partial"] = job.partial();
  j["vms"] = nlohmann::json::array();
  for (const VmOutcome& out : job.vms) {
    nlohmann::json vj;
    vj["ok"] = out.status.ok();
    if (!out.status.ok()) vj["error"] = out.status.ToString();
    vj["uuid"] = out.vm_uuid;
    vj["name"] = out.vm_name;
    vj["snapshot"] = out.snapshot_uuid;
    vj["mode"] = Mode(out);
    vj["base"] = out.base_note;
    vj["bytes"] = out.bytes;
    vj["warnings"] = out.warnings;
    vj["targets"] = nlohmann::json::array();
    for (const TargetOutcome& t : out.targets) {
      Status s = TargetStatus(out, t);
      nlohmann::json tj = {{"pool", t.pool}, {"sr", t.sr}, {"ok", s.ok()}};
      if (!s.ok()) tj["error"] = s.ToString();
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
        << (vm.vm_name.empty() ? vm.vm_uuid : vm.vm_name) << "': ";
    if (std::string(Mode(vm)) == "none") {
      out << "nothing exported";
    } else {
      out << Mode(vm) << ", " << FormatBytes(vm.bytes) << " exported";
    }
    if (!vm.base_note.empty()) out << " (" << vm.base_note << ")";
    if (!vm.status.ok()) out << ": " << vm.status.message();
    out << "\n";
    for (const std::string& w : vm.warnings) out << "  warning: " << w << "\n";
    for (const TargetOutcome& t : vm.targets) {
      Status s = TargetStatus(vm, t);
      out << "  " << (s.ok() ? "ok    " : "FAILED") << " pool " << t.pool << " SR '" << t.sr << "'";
      if (!t.replica_uuid.empty()) out << " replica " << t.replica_uuid;
      if (!s.ok()) out << ": " << s.message();
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace xcr::engine
