#include "sim/faults.h"

#include "base/logging.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

void Faults::FailMethod(const std::string& method, std::vector<std::string> error, int64_t times) {
  std::lock_guard<std::mutex> l(mu_);
  XCR_LOG(WARN) << "fault armed: " << method << " fails " << times << " time(s) with "
                << (error.empty() ? "" : error[0]);
  if (times <= 0) {
    methods_.erase(method);
    return;
  }
  methods_[method] = {std::move(error), times};
}

std::optional<std::vector<std::string>> Faults::TakeMethodFailure(const std::string& method) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = methods_.find(method);
  if (it == methods_.end()) return std::nullopt;
  std::vector<std::string> e = it->second.error;
  if (--it->second.remaining <= 0) methods_.erase(it);
  XCR_LOG(WARN) << "fault fired: " << method << " -> " << (e.empty() ? "" : e[0]);
  return e;
}

void Faults::CutTransfer(const std::string& kind, uint64_t after_bytes) {
  std::lock_guard<std::mutex> l(mu_);
  XCR_LOG(WARN) << "fault armed: next " << kind << " is cut after " << after_bytes << " bytes";
  cuts_[kind] = after_bytes;
}

std::optional<uint64_t> Faults::TakeTransferCut(const std::string& kind) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = cuts_.find(kind);
  if (it == cuts_.end()) return std::nullopt;
  uint64_t n = it->second;
  cuts_.erase(it);
  XCR_LOG(WARN) << "fault fired: this " << kind << " will be cut after " << n << " bytes";
  return n;
}

void Faults::Throttle(uint64_t bytes_per_second) {
  std::lock_guard<std::mutex> l(mu_);
  XCR_LOG(WARN) << "fault armed: transfers throttled to " << bytes_per_second << " B/s";
  throttle_ = bytes_per_second;
}

uint64_t Faults::throttle() const {
  std::lock_guard<std::mutex> l(mu_);
  return throttle_;
}

void Faults::SetSrFull(bool full) {
  std::lock_guard<std::mutex> l(mu_);
  XCR_LOG(WARN) << "fault " << (full ? "armed" : "cleared") << ": SR full";
  sr_full_ = full;
}

bool Faults::sr_full() const {
  std::lock_guard<std::mutex> l(mu_);
  return sr_full_;
}

void Faults::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  XCR_LOG(WARN) << "faults cleared";
  methods_.clear();
  cuts_.clear();
  throttle_ = 0;
  sr_full_ = false;
  delays_ms_.clear();
  guest_silent_ = false;
}

void Faults::Delay(const std::string& method, uint64_t millis) {
  std::lock_guard<std::mutex> l(mu_);
  XCR_LOG(WARN) << "fault armed: " << method << " delayed by " << millis << " ms";
  if (millis == 0) {
    delays_ms_.erase(method);
  } else {
    delays_ms_[method] = millis;
  }
}

uint64_t Faults::DelayMicros(const std::string& method) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = delays_ms_.find(method);
  return it == delays_ms_.end() ? 0 : it->second * 1000;
}

void Faults::SetGuestSilent(bool silent) {
  std::lock_guard<std::mutex> l(mu_);
  XCR_LOG(WARN) << "fault " << (silent ? "armed" : "cleared") << ": guests report no metrics";
  guest_silent_ = silent;
}

bool Faults::guest_silent() const {
  std::lock_guard<std::mutex> l(mu_);
  return guest_silent_;
}

std::map<std::string, std::string> Faults::Describe() const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, std::string> d;
  for (const auto& [m, f] : methods_) {
    d["fail:" + m] = (f.error.empty() ? "" : f.error[0]) + " x" + std::to_string(f.remaining);
  }
  for (const auto& [k, n] : cuts_) d["cut:" + k] = std::to_string(n);
  if (throttle_ != 0) d["throttle"] = std::to_string(throttle_);
  if (sr_full_) d["sr_full"] = "true";
  for (const auto& [m, ms] : delays_ms_) d["delay:" + m] = std::to_string(ms);
  if (guest_silent_) d["guest_silent"] = "true";
  return d;
}

}  // namespace xcr::sim
