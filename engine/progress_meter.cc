#include "engine/progress_meter.h"

#include <cstdio>

#include "engine/task_log.h"

namespace xcr::engine {

std::string FormatDuration(int64_t s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  }
  return buf;
}

ProgressMeter::ProgressMeter(Env* env, std::string label, uint64_t total, uint64_t window_us)
    : env_(env),
      label_(std::move(label)),
      window_us_(window_us),
      total_(total),
      start_us_(env->NowMicros()) {
  samples_.emplace_back(start_us_, 0);
}

void ProgressMeter::SetTotal(uint64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  total_ = total;
}

void ProgressMeter::Add(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ += bytes;
  uint64_t now = env_->NowMicros();
  samples_.emplace_back(now, done_);
  Trim(now);
}

void ProgressMeter::Trim(uint64_t now) const {
  // Keep one sample at or before the window start so the window is fully covered.
  while (samples_.size() > 2 && samples_[1].first + window_us_ <= now) samples_.pop_front();
}

void ProgressMeter::SetState(State state) {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = state;
}

ProgressMeter::State ProgressMeter::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

uint64_t ProgressMeter::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

double ProgressMeter::Percent() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (total_ == 0) return -1;
  double p = 100.0 * static_cast<double>(done_) / static_cast<double>(total_);
  return p > 100 ? 100 : p;
}

double ProgressMeter::Rate() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t now = env_->NowMicros();
  Trim(now);
  const auto& first = samples_.front();
  if (now <= first.first) return 0;
  return static_cast<double>(done_ - first.second) * 1e6 / static_cast<double>(now - first.first);
}

int64_t ProgressMeter::EtaSeconds() const {
  double rate = Rate();
  std::lock_guard<std::mutex> lock(mu_);
  if (total_ == 0 || rate <= 0) return -1;
  if (done_ >= total_) return 0;
  return static_cast<int64_t>(static_cast<double>(total_ - done_) / rate + 0.5);
}

std::string ProgressMeter::Render() const {
  double pct = Percent();
  double rate = Rate();
  int64_t eta = EtaSeconds();
  uint64_t done, total;
  State state;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done = done_;
    total = total_;
    state = state_;
  }
  std::string out = label_;
  char buf[64];
  if (state == State::kFailed) out += "  FAILED";
  if (pct >= 0) {
    std::snprintf(buf, sizeof buf, state == State::kFailed ? " at %.1f%%" : "  %5.1f%%", pct);
    out += buf;
  }
  out += "  " + FormatBytes(done);
  if (total) out += " / " + FormatBytes(total);
  if (state == State::kDone) return out + "  done";
  if (state == State::kFailed) return out;
  out += "  " + FormatBytes(static_cast<uint64_t>(rate)) + "/s";
  if (eta >= 0) out += "  ETA " + FormatDuration(eta);
  return out;
}

}  // namespace xcr::engine
