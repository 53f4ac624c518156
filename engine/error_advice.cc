#include "engine/error_advice.h"

#include "base/redact.h"

namespace xcr::engine {
namespace {

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

// "https://10.0.0.1:443" -> "10.0.0.1:443"; a pool name stays as it is.
std::string PoolHost(const std::string& pool) {
  std::string p = RedactUrl(pool);
  size_t scheme = p.find("://");
  if (scheme != std::string::npos) p = p.substr(scheme + 3);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}

// "source pool 'h'" / "target pool 'h'"; "the source pool" when the pool is not known.
std::string PoolName(const ErrorContext& c) {
  std::string side = c.target ? "target" : "source";
  return c.pool.empty() ? "the " + side + " pool" : side + " pool " + Quoted(PoolHost(c.pool));
}

std::string Where(const ErrorContext& c) {
  std::string w;
  if (!c.vm.empty()) w += "VM " + Quoted(c.vm);
  if (!c.operation.empty()) w += (w.empty() ? "" : ", ") + c.operation;
  if (!c.pool.empty()) w += (w.empty() ? "" : " on ") + PoolName(c);
  return w;
}

}  // namespace

Status Advise(const Status& status, const ErrorContext& ctx) {
  if (status.ok()) return status;
  const std::string& name = status.error_name();
  std::string side = ctx.target ? "target " : "source ";
  std::string sr = side + (ctx.sr.empty() ? "SR" : "SR " + Quoted(ctx.sr));
  std::string pool = ctx.pool.empty() ? "" : " on pool " + Quoted(PoolHost(ctx.pool));
  std::string step = ctx.operation.empty() ? "" : " (" + ctx.operation + ")";
  std::string advice;

  if (name == "SR_BACKEND_FAILURE_44" || name == "SR_FULL") {
    advice = sr + pool + " is full" + step + " (" + name + "): free space" +
             (ctx.target ? " or lower copyRetention" : " or lower snapshotRetention");
  } else if (name == "SESSION_AUTHENTICATION_FAILED") {
    advice = (ctx.pool.empty() ? "the " + side + "pool" : PoolName(ctx)) +
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
    advice = sr + pool + " is not available" + step + " (" + name + "): check that it is attached";
  } else if (status.code() == StatusCode::kUnavailable) {
    advice = "cannot reach " + PoolName(ctx) + step + ": " + status.message() +
             ": check the address, the network and that XAPI runs";
  } else if (status.code() == StatusCode::kPermissionDenied && name.empty()) {
    advice = PoolName(ctx) + step + ": " + status.message();
  } else if (status.code() == StatusCode::kTimeout) {
    advice = Where(ctx) + ": timed out: " + status.message();
  }

  if (advice.empty()) {
    std::string w = Where(ctx);
    return w.empty() ? status : status.WithContext(w);
  }
  return status.WithMessage(std::move(advice));
}

Status SourceFailedForTarget(const Status& source_advised) {
  if (source_advised.ok() || source_advised.code() == StatusCode::kCancelled ||
      source_advised.code() == StatusCode::kTimeout) {
    return source_advised;
  }
  return Status::FailedPrecondition("nothing written, the source failed: " +
                                    source_advised.message());
}

}  // namespace xcr::engine
