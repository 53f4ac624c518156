#include "web/session_table.h"

#include "web/secret_token.h"

namespace xcr::web {

bool SessionTable::ExpiredLocked(const Session& s, uint64_t now) const {
  return now - s.last_used_us > options_.idle_timeout_us ||
         now - s.created_us > options_.max_age_us;
}

NewSession SessionTable::Create(const std::string& user) {
  NewSession out;
  out.id = RandomToken(32);
  uint64_t now = env_->NowMicros();
  out.session = Session{user, RandomToken(32), now, now};
  std::lock_guard<std::mutex> lock(mu_);
  // Expired sessions go first; then, if still full, the least recently used.
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    it = ExpiredLocked(it->second, now) ? by_hash_.erase(it) : std::next(it);
  }
  while (!by_hash_.empty() && by_hash_.size() >= options_.max_sessions) {
    auto oldest = by_hash_.begin();
    for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it) {
      if (it->second.last_used_us < oldest->second.last_used_us) oldest = it;
    }
    by_hash_.erase(oldest);
  }
  by_hash_[Sha256Hex(out.id)] = out.session;
  return out;
}

std::optional<Session> SessionTable::Lookup(const std::string& id) {
  if (id.empty()) return std::nullopt;
  std::string key = Sha256Hex(id);
  uint64_t now = env_->NowMicros();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return std::nullopt;
  if (ExpiredLocked(it->second, now)) {
    by_hash_.erase(it);
    return std::nullopt;
  }
  it->second.last_used_us = now;
  return it->second;
}

bool SessionTable::Remove(const std::string& id) {
  std::string key = Sha256Hex(id);
  std::lock_guard<std::mutex> lock(mu_);
  return by_hash_.erase(key) > 0;
}

size_t SessionTable::RemoveUser(const std::string& user) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    if (it->second.user == user) {
      it = by_hash_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t SessionTable::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return by_hash_.size();
}

}  // namespace xcr::web
