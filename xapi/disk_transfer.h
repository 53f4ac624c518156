// Disk transfer: VHD streams between XAPI hosts and local Sinks/Sources, and piped host-to-hosts.
//
//   GET /export_raw_vdi?format=vhd&vdi=R&session_id=S&task_id=T[&base=B]   -> Sink
//   Source -> PUT /import_raw_vdi?format=vhd&vdi=R&session_id=S&task_id=T  (exact
//             Content-Length, never Transfer-Encoding or Expect)
//
// Success is judged by the task (created first with task.create, polled after the stream
// ends), never by the HTTP status alone: XAPI answers 200 before moving data and reports later
// failures only by closing the socket and failing the task. An export is also parsed as it
// streams (vhd/stream_parser.h), so a stream cut short is an error even before the task says so.
// A body starting with "HTTP/" (an error page inside a 200) or a non-200 status is an error.
//
// Memory is bounded whatever the disk size: data moves through reused buffers (>= 256 KiB);
// PipeVdi fans one export out to N imports through a bounded ring (fanout_ring.h), the slowest
// target setting the pace; a failing target is dropped while the others finish. An optional
// observer Sink (a digest, say) sees the export's bytes as they pass. Thread-safety: each call is
// independent; PipeVdi uses one thread per target (and one for the observer) internally.
#ifndef XCR_XAPI_DISK_TRANSFER_H_
#define XCR_XAPI_DISK_TRANSFER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/stream.h"
#include "xapi/connection.h"

namespace xcr::xapi {

// One target of PipeVdi, as reported with the export's progress.
struct TargetProgress {
  enum class State { kRunning, kDone, kFailed };
  std::string label;   // PipeTarget::label
  uint64_t bytes = 0;  // bytes of the stream this target's import has taken from the pipe
  State state = State::kRunning;  // kDone once its import task succeeded; kFailed once dropped
};

struct TransferProgress {
  uint64_t bytes = 0;        // bytes moved so far
  uint64_t total = 0;        // expected total (0 = not known yet)
  double bytes_per_sec = 0;  // average since the start
  // PipeVdi only: one entry per target, in order (bytes and total are then the export's).
  std::vector<TargetProgress> targets;
};

struct TransferOptions {
  // Called from the transfer thread about twice a second, and once at the end (for PipeVdi,
  // after every target finished, so each target's final state is reported).
  std::function<void(const TransferProgress&)> progress;
  // Bandwidth cap in bytes/s for each HTTP stream (0 = unlimited).
  uint64_t max_bytes_per_sec = 0;
  // When set to true, the transfer stops with kCancelled and its task is cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // How long to wait for the task to finish after the stream ended.
  uint64_t task_timeout_micros = 600'000'000;
  // Largest piece moved at once: an import's send, ExportVdi's receive buffer (>= 256 KiB).
  size_t chunk_size = 256 << 10;
  // Number of chunks in a pipe's ring (memory = chunk_size * ring_chunks; 4 MiB by default, a
  // size that stays in the processor's caches). Until the targets start, the ring grows as
  // needed (up to 64 MiB) to hold the VHD header and BAT, which give the stream's length.
  size_t ring_chunks = 16;
  // A tap on the export: when set, fed every byte of the export stream exactly once, in order,
  // then Finish() once the stream ended complete. ExportVdi calls it on the receiving thread;
  // PipeVdi on a thread of its own that reads the pipe's ring in place (no extra copy), one
  // more reader the ring waits for, so hashing overlaps the network. A Write or Finish error
  // fails the transfer: the export, and with PipeVdi every target. Imports ignore it. Not owned.
  Sink* observer = nullptr;
  // Host to send the HTTP transfer to ("scheme://host[:port]"); "" = the pool master. A host
  // that cannot see the SR answers 302 to the right one: exports follow it; imports first send
  // an empty PUT to learn the final URL, so the disk is streamed once.
  std::string host_url;
  // Clock and sleep of the transfer: progress timing, bandwidth pacing (transfer_meter.h) and
  // the waits for its task (transfer_task.h). Null: the process's Env. Not owned.
  Env* env = nullptr;
};

// Streams VDI `vdi` (ref or uuid) as VHD into `sink`, a differencing VHD against `base` if not
// empty. Calls sink.Finish() on success. Returns the byte count. On failure the sink holds a
// partial stream that must be discarded.
Result<uint64_t> ExportVdi(Connection& conn, const std::string& vdi, const std::string& base,
                           Sink& sink, const TransferOptions& options = {});

// Streams exactly `length` bytes of VHD from `source` onto the existing VDI `vdi`.
// kCorruption if the source ends early or has more bytes than `length`.
Status ImportVdi(Connection& conn, const std::string& vdi, Source& source, uint64_t length,
                 const TransferOptions& options = {});

struct PipeTarget {
  Connection* conn;   // not owned
  std::string vdi;    // existing VDI to import onto
  std::string label;  // names the target in progress reports (TargetProgress::label)
};

struct PipeResult {
  Status source;                // the export's outcome
  std::vector<Status> targets;  // one per target, in order; OK only if source is OK too
  uint64_t bytes = 0;           // bytes exported
  // The export stopped only because every target had failed first: `source` says so, and each
  // target's status is that target's own failure (not the export's).
  bool stopped_by_targets = false;
  // True when the export and at least one target succeeded.
  bool any_succeeded() const;
};

// One export of `vdi` (against `base` if not empty) piped to an import onto each target at
// once. The Content-Length of the imports is taken from the VHD's header and BAT as they
// arrive. Targets failing are dropped; the export stops only when every target has failed.
PipeResult PipeVdi(Connection& source, const std::string& vdi, const std::string& base,
                   const std::vector<PipeTarget>& targets, const TransferOptions& options = {});

}  // namespace xcr::xapi

#endif  // XCR_XAPI_DISK_TRANSFER_H_
