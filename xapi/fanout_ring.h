// FanoutRing: a bounded byte ring with one producer and N consumers, each reading every byte,
// all in place, the heart of PipeVdi (disk_transfer.h): one export fanned out to N imports.
// The producer fills the space it is lent (WriteSpace/CommitWrite), consumers read the bytes
// where they lie (Peek/Consume). The producer waits while the slowest live consumer is a full
// ring behind. Consumers 0..targets-1 are the imports, woken as soon as bytes arrive; the ones
// after are observers, woken only once `observer_batch` bytes wait for them (not on every
// write), and not counted when deciding that every target failed.
//
//   [filling] ──Start(length)──> [started] ──Close(status)──> [closed]
//      │ (grows when full,          │ (the producer waits for the slowest live consumer;
//      │  up to 64 MiB)             │  every target dropped: WriteSpace says so, and
//      └──Close──> [closed]         │  StoppedByTargets() is true)
//                                   └──cancel flag / Abort(id): WriteSpace fails
//
// Waits are woken by the other side and re-check the cancel flag at least every 200 ms.
// Thread-safety: every method may be called from any thread; one producer thread, and one thread
// per consumer id.
#ifndef XCR_XAPI_FANOUT_RING_H_
#define XCR_XAPI_FANOUT_RING_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace xcr::xapi {

class FanoutRing {
 public:
  // capacity: bytes (the ring's size once started); targets, observers: consumer counts (ids
  // 0..targets-1 are the targets); observer_batch: bytes an observer waits for (clamped to
  // [1, capacity/2]); cancel (may be null): when set, every wait ends with kCancelled.
  FanoutRing(size_t capacity, size_t targets, size_t observers, size_t observer_batch,
             const std::atomic<bool>* cancel)
      : buf_(new uint8_t[capacity]),
        capacity_(capacity),
        read_(targets + observers, 0),
        live_(targets + observers, true),
        targets_(targets),
        observer_batch_(std::min(std::max<size_t>(observer_batch, 1), capacity / 2)),
        cancel_(cancel) {}

  // The producer found the stream's `length`: consumers may read. Until then the ring grows
  // when full.
  void Start(uint64_t length);
  // For consumers: the stream's length once the ring started; the export's error if it ended
  // first, kCancelled if cancelled.
  Result<uint64_t> WaitStart();

  // Contiguous free space at the write position (never empty); waits while the ring is full.
  Result<std::span<uint8_t>> WriteSpace();
  // The first `n` bytes of the last WriteSpace() are written.
  void CommitWrite(size_t n);

  // The producer is done: `status` OK for a complete stream, else the export's error, which
  // consumers then get. A later Close replaces the status (PipeVdi closes again with the
  // transfer's final outcome, which wakes consumers if the stream never closed).
  void Close(Status status);

  // For consumer `id`: the next contiguous bytes, at most `max`, in place, valid until
  // Consume(id, ...); targets get them as soon as there are any, observers once a batch is
  // there (or the stream ended). Empty at the end of a complete stream; the export's error
  // otherwise.
  Result<std::span<const uint8_t>> Peek(size_t id, size_t max);
  void Consume(size_t id, size_t n);

  // Bytes consumer `id` has taken so far.
  uint64_t Position(size_t id);

  // Consumer `id` is gone (done or failed): the producer no longer waits for it.
  void Drop(size_t id);

  // Consumer `id` failed in a way that must stop the export: the producer's next WriteSpace
  // returns `status`. The consumer is dropped.
  void Abort(size_t id, Status status);

  // The producer was told to stop because every target had failed (not a failure of its own).
  bool StoppedByTargets();

 private:
  bool NoneLive() const {
    return std::none_of(live_.begin(), live_.begin() + static_cast<ptrdiff_t>(targets_),
                        [](bool b) { return b; });
  }
  uint64_t MinRead() const {
    uint64_t m = write_;
    for (size_t i = 0; i < read_.size(); ++i) {
      if (live_[i]) m = std::min(m, read_[i]);
    }
    return m;
  }

  // A VHD of the largest size (2040 GiB) has a 4 MiB BAT.
  static constexpr size_t kMaxStartCapacity = 64 << 20;

  // Not value-initialised: the ring is written before it is read, and zeroing it would touch
  // every page up front.
  std::unique_ptr<uint8_t[]> buf_;
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable observer_cv_;  // observers wait here
  uint64_t write_ = 0;                   // guarded by mu_
  std::vector<uint64_t> read_;           // guarded by mu_
  std::vector<bool> live_;               // guarded by mu_
  size_t targets_;
  size_t observer_batch_;
  Status abort_;                     // guarded by mu_
  bool started_ = false;             // guarded by mu_
  uint64_t length_ = 0;              // guarded by mu_
  bool closed_ = false;              // guarded by mu_
  bool stopped_by_targets_ = false;  // guarded by mu_
  Status final_;                     // guarded by mu_
  const std::atomic<bool>* cancel_;
};

}  // namespace xcr::xapi

#endif  // XCR_XAPI_FANOUT_RING_H_
