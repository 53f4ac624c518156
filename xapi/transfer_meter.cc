#include "xapi/transfer_meter.h"

#include <algorithm>

namespace xcr::xapi {
namespace {

constexpr uint64_t kProgressEveryMicros = 500'000;
constexpr uint64_t kLongestPaceSleepMicros = 100'000;

}  // namespace

Env* TransferEnv(const TransferOptions& options) {
  return options.env != nullptr ? options.env : Env::Default();
}

TransferMeter::TransferMeter(const TransferOptions& options)
    : options_(options), env_(TransferEnv(options)), start_(env_->NowMicros()) {}

void TransferMeter::Add(uint64_t n) {
  bytes_ += n;
  uint64_t now = env_->NowMicros();
  if (options_.progress && now - last_ >= kProgressEveryMicros) {
    last_ = now;
    Report(now);
  }
}

void TransferMeter::Pace() {
  if (options_.max_bytes_per_sec == 0) return;
  for (;;) {
    uint64_t due = bytes_ * 1'000'000 / options_.max_bytes_per_sec;
    uint64_t elapsed = env_->NowMicros() - start_;
    if (due <= elapsed) return;
    if (options_.cancel != nullptr && options_.cancel->load()) return;
    env_->SleepForMicros(std::min<uint64_t>(due - elapsed, kLongestPaceSleepMicros));
  }
}

void TransferMeter::Final() {
  if (options_.progress) Report(env_->NowMicros());
}

void TransferMeter::Report(uint64_t now) {
  double secs = static_cast<double>(now - start_) / 1e6;
  options_.progress({bytes_, total, secs > 0 ? static_cast<double>(bytes_) / secs : 0});
}

}  // namespace xcr::xapi
