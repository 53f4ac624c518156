// The human form of the daemon's API answers (docs/api.md), as the xcr client commands print
// them without --json. Pure functions of the JSON: no I/O, no clock (ages come from the API's
// lag_s), so each is tested on fixed input.
//
//   StatusTable  `xcr status`: one row per VM and job, failing first (error, then lag_state
//                critical, then late), then the largest lag; LAG is the age of the recovery
//                point and its lag against the schedule (lag_state):
//                  VM      JOB      STATE  LAST SUCCESS          LAG         NEXT RUN
//                  web-01  nightly  error  2026-12-07 20:15:00Z  1h02m late  2026-12-07 21:45:00Z
//                with each error below its row ("  web-01: <message>").
//   TaskTreeText a run's task tree (TaskLog JSON), one line per task, as TaskLog::ToText():
//                  "✓ transfer to sr-a  1.00 GiB in 2.1 s (487 MiB/s)", "✗ VM db: <error>";
//                a transfer still running with its size known also gets its TransferShare:
//                  "… transfer to sr-a  1.00 GiB in 2.1 s (487 MiB/s), 25 % of 4.00 GiB, ETA 6s"
//   Table        aligned columns under a header (widths in characters, not bytes).
// Times are shown as "YYYY-MM-DD HH:MM:SSZ" (UTC), a missing one as "-" ("never" for a last
// success).
#ifndef XCR_CLI_DAEMON_TEXT_H_
#define XCR_CLI_DAEMON_TEXT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace xcr::cli {

// "45s", "5m10s", "2h05m", "3d04h".
std::string FormatAge(int64_t seconds);
// An API time (RFC 3339 string or null) for people: "2026-12-07 20:15:00Z"; `none` when null.
std::string ShortTime(const nlohmann::json& time, const std::string& none = "-");
// A string member of `object` ("" when absent or not a string).
std::string Str(const nlohmann::json& object, const char* key);

// Rows under a header, columns separated by two spaces, the last column unpadded.
std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows);

std::string StatusTable(const nlohmann::json& status);
std::string TaskTreeText(const nlohmann::json& tasks);
// A running task's share of its expected size, "25 % of 4.00 GiB, ETA 6s" (the ETA when the API
// gave eta_s); "" for a task without total_bytes or not running.
std::string TransferShare(const nlohmann::json& task);

// `xcr runs`: RUN, JOB, START, DURATION, RESULT, ERROR (runs newest first, as the API gives).
std::string RunsTable(const nlohmann::json& runs);
// `xcr run show`: the run's header lines, its task tree, then its log lines.
std::string RunText(const nlohmann::json& run);

// `xcr orphans`: POOL, SR, VM (the replica's name), JOB (its xo:backup:job id), DATETIME,
// COMPLETE, UUID — the "orphans" of GET /api/replicas, by job, pool and SR, newest first — then
// how many there are and the command that removes a job's (`xcr job delete JOB_ID --purge`).
std::string OrphansTable(const nlohmann::json& orphans);

// `xcr pool list`: ID, NAME, URL (the master; "+N" more), USER, CERTIFICATE.
std::string PoolsTable(const nlohmann::json& pools);
// `xcr job list`: ID, NAME, ENABLED, VMS, TARGETS, SCHEDULES, STATE, NEXT RUN, LAST SUCCESS.
std::string JobsTable(const nlohmann::json& jobs);
// `xcr job show`: the job's settings (pools named by `pools`, the GET /api/pools answer), then
// its VMs' status rows (entries of GET /api/status for this job).
std::string JobText(const nlohmann::json& job, const nlohmann::json& pools,
                    const nlohmann::json& status);

}  // namespace xcr::cli

#endif  // XCR_CLI_DAEMON_TEXT_H_
