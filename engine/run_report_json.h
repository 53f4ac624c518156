// The report of one replication run, as `xcr replicate` prints it and as the daemon and the web
// API will serve it: the outcome of every VM and target, with the run's task tree.
//
//   RunReportJson  {"ok", "partial", "vms": [{"ok", "error"?, "uuid", "name", "snapshot", "mode",
//   "base",
//                   "bytes", "warnings": ["cleanup failed: ..."], "targets": [{"pool", "sr", "ok",
//                   "error"?, "replica"?}]}], "tasks": TaskLog::ToJson()}
//   RunReportText  the task tree (TaskLog::ToText()) then one line per VM and per target:
//                   "replicated VM 'web-01': delta, 3.0 MiB exported (base ...)"
//                   "  warning: cleanup failed: ..." (a clean-up that failed; the replica is good)
//                   "  ok     pool https://dst SR 'sr-a' replica <uuid>"
//
// "partial" is JobOutcome::partial(): something was replicated, not everything. "mode" is
// "full", "delta" or "none" (nothing exported). A target is "ok" only once its replica exists.
//
// Pure functions of the outcome and the log: no I/O.
#ifndef XCR_ENGINE_RUN_REPORT_JSON_H_
#define XCR_ENGINE_RUN_REPORT_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "engine/job_run.h"
#include "engine/task_log.h"

namespace xcr::engine {

nlohmann::json RunReportJson(const JobOutcome& job, const TaskLog& log);
std::string RunReportText(const JobOutcome& job, const TaskLog& log);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_RUN_REPORT_JSON_H_
