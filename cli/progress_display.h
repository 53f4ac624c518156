// ProgressDisplay: live transfer progress on stderr for every xcr tool, through one
// ProgressBoard (progress_meter.h): one row per disk (and target), redrawn in place on a
// terminal, plain periodic lines otherwise, nothing when disabled (--json, or a tool that shows
// progress only on a terminal). While it lives and is enabled, log lines go through it, so on a
// terminal they scroll above the progress rows instead of through them.
// Thread-safety: Update/Bytes may be called from transfer threads; all calls lock.
#ifndef XCR_CLI_PROGRESS_DISPLAY_H_
#define XCR_CLI_PROGRESS_DISPLAY_H_

#include <cstdint>
#include <mutex>
#include <string>

#include "cli/progress_board.h"
#include "xapi/disk_transfer.h"

namespace xcr::cli {

class ProgressDisplay {
 public:
  // enabled: draw at all; tty: redraw in place (else plain lines every 5 s).
  ProgressDisplay(bool enabled, bool tty);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;
  ProgressDisplay(ProgressDisplay&&) = delete;

  // A transfer's report (`label` names the disk, e.g. "web-01 disk 0").
  void Update(const std::string& label, const xapi::TransferProgress& p);
  // A byte count for `label` (a file being written or read): done of total (0 = unknown).
  void Bytes(const std::string& label, uint64_t done, uint64_t total);
  // Writes the final rows; later updates are ignored.
  void Done();

 private:
  void Write(const std::string& text);
  bool enabled_;
  bool done_ = false;
  std::mutex mu_;
  ProgressBoard board_;
};

}  // namespace xcr::cli

#endif  // XCR_CLI_PROGRESS_DISPLAY_H_
