#include "engine/health_check.h"

#include <algorithm>
#include <optional>

#include "base/logging.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "engine/replica_metadata.h"
#include "engine/replica_ops.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

using xapi::Value;

std::string Seconds(uint64_t micros) {
  uint64_t s = micros / 1000000;
  uint64_t ms = micros % 1000000 / 1000;
  return std::to_string(s) + (ms ? "." + std::to_string(1000 + ms).substr(1) : "") + " s";
}

std::string MapText(const xapi::Struct& rec, const std::string& field,
                    std::initializer_list<const char*> parts, const char* sep) {
  auto it = rec.find(field);
  if (it == rec.end() || !it->second.is_struct()) return "";
  std::string out;
  for (const char* p : parts) {
    auto v = it->second.structure().find(p);
    if (v == it->second.structure().end() || !v->second.is_string() || v->second.string().empty())
      continue;
    out += (out.empty() ? "" : sep) + v->second.string();
  }
  return out;
}

struct GuestReport {
  std::string os;          // "Debian GNU/Linux 12 (bookworm)"
  std::string pv_drivers;  // "8.2.1"
};

// The clone's guest report, if its agent has reported; kFailedPrecondition once it is not
// running any more.
Result<std::optional<GuestReport>> ReadGuest(xapi::Connection& conn, const std::string& vm) {
  XCR_ASSIGN_OR_RETURN(xapi::VmRecord rec, xapi::GetRecord<xapi::VmRecord>(conn, vm));
  if (rec.power_state != "Running") {
    return Status::FailedPrecondition("the clone is " + rec.power_state +
                                      " instead of running: the guest did not boot");
  }
  auto m = rec.raw.find("guest_metrics");
  if (m == rec.raw.end() || !m->second.is_string() || m->second.string().empty() ||
      m->second.string() == xapi::kNullRef) {
    return std::optional<GuestReport>();
  }
  XCR_ASSIGN_OR_RETURN(Value metrics, conn.Call("VM_guest_metrics.get_record", {m->second}));
  if (!metrics.is_struct()) return std::optional<GuestReport>();
  GuestReport r;
  r.os = MapText(metrics.structure(), "os_version", {"name"}, " ");
  if (r.os.empty()) r.os = MapText(metrics.structure(), "os_version", {"distro", "major"}, " ");
  r.pv_drivers =
      MapText(metrics.structure(), "PV_drivers_version", {"major", "minor", "micro"}, ".");
  if (r.os.empty() && r.pv_drivers.empty()) return std::optional<GuestReport>();
  return std::optional<GuestReport>(std::move(r));
}

// Makes the clone startable and marks it as the health check's.
Status MakeStartable(xapi::Connection& conn, const std::string& ref, const std::string& replica) {
  XCR_ASSIGN_OR_RETURN(xapi::VmRecord rec, xapi::GetRecord<xapi::VmRecord>(conn, ref));
  StringMap oc;
  for (const auto& [k, v] : rec.other_config) {
    if (!IsReplicationKey(k)) oc[k] = v;
  }
  oc[std::string(keys::kHealthCheckClone)] = replica;
  XCR_RETURN_IF_ERROR(xapi::SetOtherConfig(conn, "VM", ref, oc));
  XCR_RETURN_IF_ERROR(xapi::VmSetBlockedOperations(conn, ref, {}));
  if (rec.is_a_template) XCR_RETURN_IF_ERROR(xapi::VmSetIsATemplate(conn, ref, false));
  return conn.Call("VM.remove_tags", {Value(ref), Value(std::string(keys::kReplicaTag))}).status();
}

// Stops and destroys the clone with the disks VM.clone gave it. Best effort; the first error.
Status DestroyClone(xapi::Connection& conn, const std::string& ref) {
  auto rec = xapi::GetRecord<xapi::VmRecord>(conn, ref);
  if (!rec.ok()) return rec.status();
  std::vector<std::string> vdis;
  for (const std::string& vbd : rec->VBDs) {
    auto b = xapi::GetRecord<xapi::VbdRecord>(conn, vbd);
    if (b.ok() && b->type == "Disk" && !b->empty && b->VDI != xapi::kNullRef) {
      vdis.push_back(b->VDI);
    }
  }
  if (rec->power_state != "Halted") {
    XCR_RETURN_IF_ERROR(conn.Call("VM.hard_shutdown", {Value(ref)}).status());
  }
  XCR_RETURN_IF_ERROR(xapi::VmDestroy(conn, ref));
  Status first;
  for (const std::string& vdi : vdis) {
    Status s = xapi::VdiDestroy(conn, vdi);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace

Status RunHealthCheck(xapi::Connection* target, const std::string& replica, uint64_t timeout_micros,
                      TaskLog* log, TaskId parent, const std::atomic<bool>* cancel,
                      const HealthCheckTuning& tuning) {
  Env* env = tuning.env ? tuning.env : Env::Default();
  xapi::Connection& conn = *target;
  TaskId task = log->Begin(parent, "health check");
  auto cancelled = [&] { return cancel != nullptr && cancel->load(); };

  // Clone.
  TaskId step = log->Begin(task, "clone");
  auto catalog = LoadPoolCatalog(conn);
  if (!catalog.ok()) {
    log->Fail(step, catalog.status());
    return log->End(task, catalog.status());
  }
  auto found = FindReplica(*catalog, replica);
  if (!found.ok()) {
    log->Fail(step, found.status());
    return log->End(task, found.status());
  }
  const VmView& r = **found;
  log->SetData(task, "replica", r.uuid);
  if (ConfigValue(r.other_config, keys::kDatetime) == keys::kDatetimePlaceholder) {
    Status s = Status::FailedPrecondition("replica '" + r.name_label +
                                          "' is an interrupted copy: nothing to boot");
    log->Fail(step, s);
    return log->End(task, s);
  }
  auto clone = xapi::VmClone(conn, r.ref, "[xcr health check] " + r.name_label);
  if (!clone.ok()) {
    Status s = clone.status().WithContext("clone replica '" + r.name_label + "'");
    log->Fail(step, s);
    return log->End(task, s);
  }
  const std::string ref = *clone;
  std::string clone_uuid = ref;
  if (auto rec = xapi::GetRecord<xapi::VmRecord>(conn, ref); rec.ok()) clone_uuid = rec->uuid;
  log->SetData(task, "clone", clone_uuid);

  // From here on the clone exists: whatever happens, it is destroyed at the end.
  Status result = MakeStartable(conn, ref, r.uuid).WithContext("make the clone startable");
  log->Fail(step, result);
  if (result.ok() && cancelled()) result = Status::Cancelled("health check cancelled");
  if (result.ok()) {
    step = log->Begin(task, "start");
    result = log->End(step, conn.Call("VM.start", {Value(ref), Value(false), Value(false)})
                                .status()
                                .WithContext("start the clone of replica '" + r.name_label + "'"));
  }

  // Wait for the guest agent.
  if (result.ok()) {
    step = log->Begin(task, "wait for the guest agent");
    uint64_t deadline = env->NowMicros() + timeout_micros;
    const std::vector<std::string> watched = {"VM/" + ref};
    std::string token;
    for (;;) {
      if (token.empty()) {
        auto first = xapi::EventFrom(conn, watched, "", 0);
        if (!first.ok()) {
          result = first.status().WithContext("watch the clone");
          break;
        }
        token = first->token;
      }
      auto report = ReadGuest(conn, ref);
      if (!report.ok()) {
        result = report.status().WithContext("clone of replica '" + r.name_label + "'");
        break;
      }
      if (report->has_value()) {
        log->SetData(task, "os", (*report)->os);
        log->SetData(task, "pv_drivers", (*report)->pv_drivers);
        break;
      }
      if (cancelled()) {
        result = Status::Cancelled("health check cancelled");
        break;
      }
      uint64_t now = env->NowMicros();
      if (now >= deadline) {
        result = Status::Timeout(
            "health check of replica '" + r.name_label + "': no report from its guest agent " +
            "(VM_guest_metrics) within " + Seconds(timeout_micros) +
            " of starting the clone: the guest did not boot, or has no guest agent / PV drivers");
        break;
      }
      uint64_t wait = std::min(deadline - now, tuning.wait_step_micros);
      auto events = xapi::EventFrom(conn, watched, token, static_cast<double>(wait) / 1e6);
      if (!events.ok()) {
        result = events.status().WithContext("watch the clone");
        break;
      }
      token = events->token;
    }
    log->Fail(step, result);
  }

  // Destroy the clone, whatever happened.
  step = log->Begin(task, "destroy the clone");
  Status destroyed = DestroyClone(conn, ref);
  log->Fail(step, destroyed);
  if (!destroyed.ok()) {
    XCR_LOG(WARN) << "health check: the clone " << clone_uuid << " of replica '" << r.name_label
                  << "' could not be destroyed: " << destroyed.ToString();
    if (result.ok()) {
      result = destroyed.WithContext("destroy the health check's clone " + clone_uuid +
                                     " (remove it by hand)");
    }
  }
  return log->End(task, result);
}

}  // namespace xcr::engine
