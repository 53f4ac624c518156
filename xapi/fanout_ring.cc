#include "xapi/fanout_ring.h"

#include <chrono>
#include <cstring>
#include <string>

namespace xcr::xapi {

void FanoutRing::Start(uint64_t length) {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = true;
  length_ = length;
  cv_.notify_all();
}

Result<uint64_t> FanoutRing::WaitStart() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (started_) return length_;
    if (cancel_ != nullptr && cancel_->load()) return Status::Cancelled("cancelled");
    if (closed_) {
      if (final_.ok()) return Status::Internal("the export ended before its length was known");
      return final_.WithContext("source export failed");
    }
    cv_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

Result<std::span<uint8_t>> FanoutRing::WriteSpace() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (cancel_ != nullptr && cancel_->load()) return Status::Cancelled("cancelled");
    if (!abort_.ok()) return abort_;
    if (started_ && NoneLive()) {
      stopped_by_targets_ = true;
      return Status::Unavailable("the export stopped: every target failed");
    }
    uint64_t space = capacity_ - (write_ - MinRead());
    if (space > 0) {
      size_t off = static_cast<size_t>(write_ % capacity_);
      size_t n = static_cast<size_t>(std::min<uint64_t>(space, capacity_ - off));
      return std::span<uint8_t>(buf_.get() + off, n);
    }
    if (!started_) {
      // Nobody reads before Start(): the ring holds bytes [0, write_) at their own offsets,
      // and a larger ring keeps them there.
      if (capacity_ >= kMaxStartCapacity) {
        return Status::ResourceExhausted("the VHD header and BAT are larger than " +
                                         std::to_string(kMaxStartCapacity >> 20) +
                                         " MiB: not a VHD this tool can stream");
      }
      size_t grown = std::min(capacity_ * 2, kMaxStartCapacity);
      std::unique_ptr<uint8_t[]> bigger(new uint8_t[grown]);
      std::memcpy(bigger.get(), buf_.get(), static_cast<size_t>(write_));
      buf_ = std::move(bigger);
      capacity_ = grown;
      continue;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

void FanoutRing::CommitWrite(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  write_ += n;
  cv_.notify_all();
  for (size_t id = targets_; id < read_.size(); ++id) {
    if (write_ - read_[id] >= observer_batch_) observer_cv_.notify_all();
  }
}

void FanoutRing::Close(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  final_ = std::move(status);
  cv_.notify_all();
  observer_cv_.notify_all();
}

Result<std::span<const uint8_t>> FanoutRing::Peek(size_t id, size_t max) {
  const bool observer = id >= targets_;
  const uint64_t want = observer ? observer_batch_ : 1;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    uint64_t pos = read_[id];
    uint64_t avail = write_ - pos;
    if (avail >= want || (avail > 0 && closed_)) {
      size_t off = static_cast<size_t>(pos % capacity_);
      size_t n = static_cast<size_t>(std::min<uint64_t>({avail, capacity_ - off, max}));
      return std::span<const uint8_t>(buf_.get() + off, n);
    }
    if (closed_) {
      if (final_.ok()) return std::span<const uint8_t>();
      return final_.WithContext("source export failed");
    }
    (observer ? observer_cv_ : cv_).wait_for(lock, std::chrono::milliseconds(200));
  }
}

void FanoutRing::Consume(size_t id, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  read_[id] += n;
  cv_.notify_all();
}

uint64_t FanoutRing::Position(size_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  return read_[id];
}

void FanoutRing::Drop(size_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  live_[id] = false;
  cv_.notify_all();
}

void FanoutRing::Abort(size_t id, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  live_[id] = false;
  if (abort_.ok()) abort_ = std::move(status);
  cv_.notify_all();
}

bool FanoutRing::StoppedByTargets() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_by_targets_;
}

}  // namespace xcr::xapi
