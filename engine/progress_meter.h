// ProgressMeter: bytes moved over time for one transfer -> percentage, rate and ETA, and the
// one-line rendering `xcr replicate` redraws on a terminal:
//
//   web-01 xvda -> sr-a   45.0%  1.17 GiB / 2.60 GiB  480.00 MiB/s  ETA 3s
//   web-01 xvda -> sr-b  FAILED at 12.0%  320.00 MiB / 2.60 GiB
//
// The rate is averaged over a sliding window (default 5 s) so it follows speed changes without
// jitter. Time comes from the Env. Thread-safety: Add() may be called from a transfer thread
// while another thread renders; both lock.

#ifndef XCR_ENGINE_PROGRESS_METER_H_
#define XCR_ENGINE_PROGRESS_METER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "base/env.h"

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

// "3s", "2m05s", "1h02m".
std::string FormatDuration(int64_t seconds);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_PROGRESS_METER_H_
