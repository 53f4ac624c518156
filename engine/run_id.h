// Run ids: the job and schedule ids a run writes into metadata (other_config values, names and
// descriptions of snapshots and replicas) and matches its chains by. The daemon creates UUIDs;
// the command line accepts any id of 1 to 128 characters from a safe set:
//
//   A-Z a-z 0-9 . _ : @ + -
//
// so no id can carry a newline, tab, space or slash into a name, a log line or a key. Checked at
// the engine's entry (VmReplicator::Run, the seed) and by each tool where the user types it, with
// a message naming the flag. Thread-safety: pure functions.
#ifndef XCR_ENGINE_RUN_ID_H_
#define XCR_ENGINE_RUN_ID_H_

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace xcr::engine {

inline constexpr size_t kMaxRunIdLength = 128;

// OK when `id` is a valid run id; otherwise kInvalidArgument whose message starts with `what`
// (the flag or field: "--job-id", "job id") and shows the id with control characters escaped
// ("\n", "\t", "\x01") and the first character refused.
Status CheckRunId(std::string_view id, std::string_view what);

// Both ids of a run: "job id" and "schedule id".
Status CheckRunIds(std::string_view job_id, std::string_view schedule_id);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_RUN_ID_H_
