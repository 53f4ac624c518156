// WaitForRun: `xcr job run --wait` and `xcr run wait`: follows a run of the daemon until it
// ends (GET /api/runs/ID?wait=SECONDS, which answers at the end or after the seconds), then
// prints it (the task tree, as `xcr run show`; with --json the run's JSON) and returns the exit
// code: 0 only when the run's result is "success", 1 for any other end (failure, cancelled,
// interrupted). On a terminal (stderr), a progress line is redrawn while the run lasts.
// SIGINT/SIGTERM stop the waiting only (the run goes on in the daemon; the message says how to
// cancel it): exit 130.
#ifndef XCR_XCR_RUN_WAIT_H_
#define XCR_XCR_RUN_WAIT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "xcr/daemon_session.h"

namespace xcr::cmd {

// `cancel_hint`: the command that cancels the run ("xcr job cancel nightly").
int WaitForRun(DaemonSession& s, const std::string& run_id, const std::string& cancel_hint);

// One line of progress for a run still going: "running: 3 of 7 tasks done, 1.2 GiB moved; now
// transfer to sr-a (25 % of 4.00 GiB, ETA 6s)" (the share once the size is known). Pure.
std::string RunProgressLine(const nlohmann::json& run);

}  // namespace xcr::cmd

#endif  // XCR_XCR_RUN_WAIT_H_
