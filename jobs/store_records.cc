#include "jobs/store_records.h"

namespace xcr::jobs {

std::string_view VmStateName(VmState state) {
  switch (state) {
    case VmState::kNew:
      return "new";
    case VmState::kOk:
      return "ok";
    case VmState::kError:
      return "error";
  }
  return "new";
}

std::optional<VmState> ParseVmState(std::string_view text) {
  for (VmState s : {VmState::kNew, VmState::kOk, VmState::kError}) {
    if (text == VmStateName(s)) return s;
  }
  return std::nullopt;
}

std::string_view RunResultName(RunResult result) {
  switch (result) {
    case RunResult::kRunning:
      return "running";
    case RunResult::kSuccess:
      return "success";
    case RunResult::kFailure:
      return "failure";
    case RunResult::kCancelled:
      return "cancelled";
    case RunResult::kInterrupted:
      return "interrupted";
  }
  return "running";
}

std::optional<RunResult> ParseRunResult(std::string_view text) {
  for (RunResult r : {RunResult::kRunning, RunResult::kSuccess, RunResult::kFailure,
                      RunResult::kCancelled, RunResult::kInterrupted}) {
    if (text == RunResultName(r)) return r;
  }
  return std::nullopt;
}

}  // namespace xcr::jobs
