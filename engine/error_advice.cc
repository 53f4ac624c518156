#include "engine/error_advice.h"

namespace xcr::engine {
namespace {

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

std::string Where(const ErrorContext& c) {
  std::string w;
  if (!c.vm.empty()) w += "VM " + Quoted(c.vm);
  if (!c.operation.empty()) w += (w.empty() ? "" : ", ") + c.operation;
  if (!c.pool.empty()) w += (w.empty() ? "pool " : " on pool ") + Quoted(c.pool);
  return w;
}

}  // namespace

Status Advise(const Status& status, const ErrorContext& ctx) {
  if (status.ok()) return status;
  const std::string& name = status.error_name();
  std::string sr = ctx.sr.empty() ? "the SR" : "SR " + Quoted(ctx.sr);
  std::string side = ctx.target ? "target " : "source ";
  std::string pool = ctx.pool.empty() ? "" : " on pool " + Quoted(ctx.pool);
  std::string advice;

  if (name == "SR_BACKEND_FAILURE_44" || name == "SR_FULL") {
    advice = side + sr + pool + " is full (" + name + "): free space" +
             (ctx.target ? " or lower copyRetention" : " or lower snapshotRetention");
  } else if (name == "SESSION_AUTHENTICATION_FAILED") {
    advice = "pool" + (ctx.pool.empty() ? std::string() : " " + Quoted(ctx.pool)) +
             " refused the user name or password (" + name +
             "): check the line for this pool in the credentials file";
  } else if (name == "OPERATION_BLOCKED") {
    advice = Where(ctx) + ": the operation is blocked on the object (" + name +
             "): a replica must be cloned to be used (xcr clone-replica)";
  } else if (name == "VM_BAD_POWER_STATE") {
    advice = Where(ctx) + ": the VM is in the wrong power state (" + name + ")";
  } else if (name == "HANDLE_INVALID" || name == "UUID_INVALID") {
    advice = Where(ctx) + ": an object was deleted while the run used it (" + name + "): run again";
  } else if (name == "VDI_IN_USE") {
    advice = Where(ctx) + ": the disk is attached to a running VM (" + name + ")";
  } else if (name == "SR_BACKEND_FAILURE_47" || name == "SR_NOT_ATTACHED" ||
             name == "PBD_NOT_PLUGGED") {
    advice = side + sr + pool + " is not available (" + name + "): check that it is attached";
  } else if (status.code() == StatusCode::kUnavailable) {
    advice = "cannot reach " +
             (ctx.pool.empty() ? std::string("the pool") : "pool " + Quoted(ctx.pool)) + ": " +
             status.message() + ": check the address, the network and that XAPI runs";
  } else if (status.code() == StatusCode::kPermissionDenied && name.empty()) {
    advice = (ctx.pool.empty() ? std::string("the pool") : "pool " + Quoted(ctx.pool)) + ": " +
             status.message();
  } else if (status.code() == StatusCode::kTimeout) {
    advice = Where(ctx) + ": timed out: " + status.message();
  }

  if (advice.empty()) {
    std::string w = Where(ctx);
    return w.empty() ? status : status.WithContext(w);
  }
  return status.WithMessage(std::move(advice));
}

}  // namespace xcr::engine
