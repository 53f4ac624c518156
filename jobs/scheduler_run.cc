#include "jobs/scheduler_run.h"

#include "jobs/scheduler_event.h"

namespace xcr::jobs {

std::string_view RunReasonName(RunReason reason) {
  switch (reason) {
    case RunReason::kSchedule:
      return "schedule";
    case RunReason::kCatchUp:
      return "catch-up";
    case RunReason::kRetry:
      return "retry";
    case RunReason::kManual:
      return "manual";
  }
  return "unknown";
}

std::string_view SchedulerEventKindName(SchedulerEventKind kind) {
  switch (kind) {
    case SchedulerEventKind::kFired:
      return "fired";
    case SchedulerEventKind::kQueued:
      return "queued";
    case SchedulerEventKind::kStarted:
      return "started";
    case SchedulerEventKind::kSkippedBusy:
      return "skipped-busy";
    case SchedulerEventKind::kSkippedQueued:
      return "skipped-queued";
    case SchedulerEventKind::kSkippedInError:
      return "skipped-in-error";
    case SchedulerEventKind::kSucceeded:
      return "succeeded";
    case SchedulerEventKind::kFailed:
      return "failed";
    case SchedulerEventKind::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

}  // namespace xcr::jobs
