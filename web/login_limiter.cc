#include "web/login_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace xcr::web {
namespace {

std::string AddressNameKey(const std::string& address, const std::string& name) {
  return ClientAddressKey(address) + "\n" + name;
}

}  // namespace

std::string ClientAddressKey(const std::string& address) {
  unsigned char bytes[16];
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) return address;
  if (inet_pton(AF_INET6, address.c_str(), bytes) != 1) return address;
  char text[INET6_ADDRSTRLEN] = {};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes, kMapped, sizeof(kMapped)) == 0) {
    inet_ntop(AF_INET, bytes + 12, text, sizeof(text));
    return text;
  }
  // One host usually holds a whole /64: count it as one client.
  std::memset(bytes + 8, 0, 8);
  inet_ntop(AF_INET6, bytes, text, sizeof(text));
  return std::string(text) + "/64";
}

void LoginLimiter::DropOldLocked(std::deque<uint64_t>* times, uint64_t now) const {
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

uint64_t LoginLimiter::WaitForKeyLocked(Counts* counts, const std::string& key, size_t limit,
                                        uint64_t now) {
  auto it = counts->find(key);
  if (it == counts->end()) return 0;
  DropOldLocked(&it->second, now);
  if (it->second.empty()) {
    counts->erase(it);
    return 0;
  }
  return WaitLocked(it->second, limit, now);
}

void LoginLimiter::AddLocked(Counts* counts, const std::string& key, uint64_t now) {
  if (counts->find(key) == counts->end() && counts->size() >= options_.max_keys) {
    auto stalest = counts->begin();
    for (auto it = counts->begin(); it != counts->end(); ++it) {
      if (it->second.back() < stalest->second.back()) stalest = it;
    }
    counts->erase(stalest);
  }
  std::deque<uint64_t>& times = (*counts)[key];
  times.push_back(now);
  DropOldLocked(&times, now);
}

uint64_t LoginLimiter::RetryAfterSeconds(const std::string& address, const std::string& name) {
  uint64_t now = env_->NowMicros();
  std::lock_guard<std::mutex> lock(mu_);
  DropOldLocked(&all_, now);
  uint64_t wait = WaitLocked(all_, options_.max_total, now);
  wait = std::max(wait, WaitForKeyLocked(&by_address_, ClientAddressKey(address),
                                         options_.max_per_address, now));
  wait = std::max(wait, WaitForKeyLocked(&by_address_name_, AddressNameKey(address, name),
                                         options_.max_per_address_name, now));
  return wait;
}

void LoginLimiter::RecordFailure(const std::string& address, const std::string& name) {
  uint64_t now = env_->NowMicros();
  std::lock_guard<std::mutex> lock(mu_);
  all_.push_back(now);
  DropOldLocked(&all_, now);
  AddLocked(&by_address_, ClientAddressKey(address), now);
  AddLocked(&by_address_name_, AddressNameKey(address, name), now);
}

void LoginLimiter::RecordSuccess(const std::string& address, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  by_address_name_.erase(AddressNameKey(address, name));
}

}  // namespace xcr::web
