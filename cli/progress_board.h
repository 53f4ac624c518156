// ProgressBoard: the live transfer display of the xcr tools (cli/progress_display.h draws it), one
// ProgressMeter per disk and target fed from the transfers' TransferProgress reports, rendered as
// text to write (no I/O here):
//   - on a terminal, Frame() redraws every row in place (cursor up, erase line); a row whose
//     target finished or failed is printed a last time and then left above the live rows;
//   - otherwise, Frame() gives one plain line per running row every `plain_interval_us`, and
//     each row's final line once, when its target finishes or fails.
// Thread-safety: none; callers serialise Update/Frame/Finish.
#ifndef XCR_CLI_PROGRESS_BOARD_H_
#define XCR_CLI_PROGRESS_BOARD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/env.h"
#include "engine/progress_meter.h"
#include "xapi/disk_transfer.h"

namespace xcr::cli {

using engine::ProgressMeter;

class ProgressBoard {
 public:
  // tty: redraw in place; else plain lines every plain_interval_us.
  ProgressBoard(Env* env, bool tty, uint64_t plain_interval_us = 5000000,
                uint64_t redraw_interval_us = 200000);

  // A progress report of the transfer of `disk` ("web-01 disk 0"). With targets (PipeVdi), one
  // row per target "DISK -> TARGET-LABEL" with that target's bytes and state; without, one row
  // "DISK" with the export's bytes.
  void Update(const std::string& disk, const xapi::TransferProgress& p);
  // What to write now; "" when nothing is due (a terminal is redrawn at most every
  // redraw_interval_us unless a row changed state).
  std::string Frame();
  // The last text: every row not yet shown in its final form.
  std::string Finish();
  // What to write to print `line` (a log line, no newline) while rows are live: on a terminal,
  // the live rows are cleared, the line written, and the rows drawn again below it, so log lines
  // scroll above the progress instead of through it. Off a terminal: the line alone.
  std::string Interleave(const std::string& line);

 private:
  struct Row {
    std::unique_ptr<ProgressMeter> meter;
    bool final_shown = false;  // its last line was written: no longer redrawn
  };
  Row& RowFor(const std::string& key, const std::string& label, uint64_t total);
  void Feed(Row& row, uint64_t total, uint64_t bytes, ProgressMeter::State state);
  // `force`: every row is final (Finish). `immediate`: draw even within the redraw interval.
  std::string Draw(bool force, bool immediate = false);

  Env* env_;
  bool tty_;
  uint64_t plain_interval_us_;
  uint64_t redraw_interval_us_;
  std::vector<std::string> order_;   // row keys, first seen first
  std::map<std::string, Row> rows_;  // by key: the disk, and the target's position
  size_t drawn_ = 0;                 // tty: live lines currently on screen below the retired ones
  uint64_t last_draw_us_ = 0;
  bool changed_ = false;  // a row appeared or changed state since the last frame
};

}  // namespace xcr::cli

#endif  // XCR_CLI_PROGRESS_BOARD_H_
