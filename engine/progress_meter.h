// ProgressMeter: bytes moved over time for one transfer -> percentage, rate and ETA, and the
// one-line rendering `xcr replicate` redraws on a terminal:
//
//   web-01 xvda -> sr-a   45.0%  1.17 GiB / 2.60 GiB  480.00 MiB/s  ETA 3s
//   web-01 xvda -> sr-b  FAILED at 12.0%  320.00 MiB / 2.60 GiB
//
// The rate is averaged over a sliding window (default 5 s) so it follows speed changes without
// jitter. Time comes from the Env. Thread-safety: Add() may be called from a transfer thread
// while another thread renders; both lock.
//
// ProgressBoard: the live display of `xcr replicate`, one ProgressMeter per disk and target fed
// from the transfers' TransferProgress reports, rendered as text to write (no I/O here):
//   - on a terminal, Frame() redraws every row in place (cursor up, erase line); a row whose
//     target finished or failed is printed a last time and then left above the live rows;
//   - otherwise, Frame() gives one plain line per running row every `plain_interval_us`, and
//     each row's final line once, when its target finishes or fails.
// Thread-safety: none; callers serialise Update/Frame/Finish.
#ifndef XCR_ENGINE_PROGRESS_METER_H_
#define XCR_ENGINE_PROGRESS_METER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/env.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {

class ProgressMeter {
 public:
  enum class State { kRunning, kDone, kFailed };

  // total: expected byte count, 0 if unknown.
  ProgressMeter(Env* env, std::string label, uint64_t total, uint64_t window_us = 5000000);

  void SetTotal(uint64_t total);
  void Add(uint64_t bytes);
  // Done: rendered without rate or ETA. Failed: "FAILED at N%".
  void SetState(State state);
  State state() const;

  uint64_t done() const;
  // Percentage in [0, 100], or -1 when the total is unknown.
  double Percent() const;
  // Bytes per second over the window (over the whole run until a window has passed).
  double Rate() const;
  // Seconds left at the current rate, or -1 if unknown.
  int64_t EtaSeconds() const;
  std::string Render() const;

 private:
  void Trim(uint64_t now) const;

  Env* env_;
  std::string label_;
  uint64_t window_us_;
  mutable std::mutex mu_;
  uint64_t total_;
  uint64_t done_ = 0;
  State state_ = State::kRunning;
  uint64_t start_us_;
  mutable std::deque<std::pair<uint64_t, uint64_t>> samples_;  // (time, done) pairs
};

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

// "3s", "2m05s", "1h02m".
std::string FormatDuration(int64_t seconds);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_PROGRESS_METER_H_
