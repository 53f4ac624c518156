// TransferMeter: byte count, progress reports and bandwidth pacing for one HTTP stream of a disk
// transfer, on the clock of TransferOptions::env. Add() reports progress at most every 500 ms
// (and Final() once at the end); Pace() sleeps on the Env until the average rate since the
// meter's start is back under options.max_bytes_per_sec, a cap curl alone does not keep (it lets
// bursts through when the socket has data queued). A fake clock drives it without sleeping.
// Thread-safety: one meter per stream, used by the thread moving that stream.
#ifndef XCR_XAPI_TRANSFER_METER_H_
#define XCR_XAPI_TRANSFER_METER_H_

#include <cstdint>

#include "base/env.h"
#include "xapi/disk_transfer.h"

namespace xcr::xapi {

// options.env, or the process's Env when the options name none.
Env* TransferEnv(const TransferOptions& options);

class TransferMeter {
 public:
  // `options` must outlive the meter; its clock starts now.
  explicit TransferMeter(const TransferOptions& options);

  // `n` more bytes moved; calls options.progress when 500 ms passed since the last report.
  void Add(uint64_t n);
  // Returns once the average rate is within options.max_bytes_per_sec (at once without a cap,
  // or when options.cancel is set), sleeping on the Env in steps of at most 100 ms.
  void Pace();
  // Reports progress one last time (when options.progress is set).
  void Final();

  uint64_t bytes() const { return bytes_; }
  uint64_t total = 0;  // expected total, reported with progress (0 = not known yet)

 private:
  void Report(uint64_t now);

  const TransferOptions& options_;
  Env* env_;
  uint64_t start_;
  uint64_t last_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace xcr::xapi

#endif  // XCR_XAPI_TRANSFER_METER_H_
