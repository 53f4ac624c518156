#include "web/login_limiter.h"

#include <algorithm>

namespace xcr::web {

void LoginLimiter::DropOldLocked(std::deque<uint64_t>* times, uint64_t now) {
  while (!times->empty() && now - times->front() >= options_.window_us) times->pop_front();
}

uint64_t LoginLimiter::WaitLocked(const std::deque<uint64_t>& times, size_t limit,
                                  uint64_t now) const {
  if (times.size() < limit) return 0;
  // The failure whose leaving brings the count under the limit.
  uint64_t frees_at = times[times.size() - limit] + options_.window_us;
  uint64_t wait_us = frees_at > now ? frees_at - now : 0;
  return std::max<uint64_t>(1, (wait_us + 999999) / 1000000);
}

uint64_t LoginLimiter::RetryAfterSeconds(const std::string& name) {
  uint64_t now = env_->NowMicros();
  std::lock_guard<std::mutex> lock(mu_);
  DropOldLocked(&all_, now);
  uint64_t wait = WaitLocked(all_, options_.max_total, now);
  auto it = by_name_.find(name);
  if (it != by_name_.end()) {
    DropOldLocked(&it->second, now);
    if (it->second.empty()) {
      by_name_.erase(it);
    } else {
      wait = std::max(wait, WaitLocked(it->second, options_.max_per_name, now));
    }
  }
  return wait;
}

void LoginLimiter::RecordFailure(const std::string& name) {
  uint64_t now = env_->NowMicros();
  std::lock_guard<std::mutex> lock(mu_);
  all_.push_back(now);
  DropOldLocked(&all_, now);
  if (by_name_.find(name) == by_name_.end() && by_name_.size() >= options_.max_names) {
    auto stalest = by_name_.begin();
    for (auto it = by_name_.begin(); it != by_name_.end(); ++it) {
      if (it->second.back() < stalest->second.back()) stalest = it;
    }
    by_name_.erase(stalest);
  }
  std::deque<uint64_t>& times = by_name_[name];
  times.push_back(now);
  DropOldLocked(&times, now);
}

void LoginLimiter::RecordSuccess(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  by_name_.erase(name);
}

}  // namespace xcr::web
