#include "cli/progress_board.h"

#include <algorithm>
#include <cstdio>

namespace xcr::cli {

ProgressBoard::ProgressBoard(Env* env, bool tty, uint64_t plain_interval_us,
                             uint64_t redraw_interval_us)
    : env_(env),
      tty_(tty),
      plain_interval_us_(plain_interval_us),
      redraw_interval_us_(redraw_interval_us),
      last_draw_us_(tty ? 0 : env->NowMicros()) {}

ProgressBoard::Row& ProgressBoard::RowFor(const std::string& key, const std::string& label,
                                          uint64_t total) {
  auto it = rows_.find(key);
  if (it != rows_.end()) return it->second;
  changed_ = true;
  order_.push_back(key);
  Row& row = rows_[key];
  row.meter = std::make_unique<ProgressMeter>(env_, label, total);
  return row;
}

void ProgressBoard::Feed(Row& row, uint64_t total, uint64_t bytes, ProgressMeter::State state) {
  if (total) row.meter->SetTotal(total);
  uint64_t done = row.meter->done();
  if (bytes > done) row.meter->Add(bytes - done);
  if (row.meter->state() != state) {
    row.meter->SetState(state);
    changed_ = true;
  }
}

void ProgressBoard::Update(const std::string& disk, const xapi::TransferProgress& p) {
  using TS = xapi::TargetProgress::State;
  if (p.targets.empty()) {
    bool done = p.total && p.bytes >= p.total;
    Feed(RowFor(disk, disk, p.total), p.total, p.bytes,
         done ? ProgressMeter::State::kDone : ProgressMeter::State::kRunning);
    return;
  }
  for (size_t i = 0; i < p.targets.size(); ++i) {
    const xapi::TargetProgress& t = p.targets[i];
    ProgressMeter::State state = t.state == TS::kDone     ? ProgressMeter::State::kDone
                                 : t.state == TS::kFailed ? ProgressMeter::State::kFailed
                                                          : ProgressMeter::State::kRunning;
    // Keyed by position too: two targets may carry the same label.
    Feed(RowFor(disk + '\n' + std::to_string(i), disk + " -> " + t.label, p.total), p.total,
         t.bytes, state);
  }
}

std::string ProgressBoard::Frame() { return Draw(false); }
std::string ProgressBoard::Finish() { return Draw(true); }

std::string ProgressBoard::Interleave(const std::string& line) {
  if (!tty_ || order_.empty()) return line + "\n";
  std::string out;
  if (drawn_ > 0) out += "\033[" + std::to_string(drawn_) + "A";
  out += "\r\033[J" + line + "\n";  // ESC[J: clear from here to the end of the screen
  drawn_ = 0;
  return out + Draw(/*force=*/false, /*immediate=*/true);
}

std::string ProgressBoard::Draw(bool force, bool immediate) {
  uint64_t now = env_->NowMicros();
  std::string out;
  auto ended = [&](const Row& r) {
    return force || r.meter->state() != ProgressMeter::State::kRunning;
  };
  if (tty_) {
    if (!force && !immediate && !changed_ && now - last_draw_us_ < redraw_interval_us_) return out;
    if (drawn_ > 0) out += "\033[" + std::to_string(drawn_) + "A";
    // Rows that ended are drawn a last time first; they stay above the live ones.
    size_t live = 0;
    for (bool final_pass : {true, false}) {
      for (const std::string& key : order_) {
        Row& r = rows_[key];
        if (r.final_shown || ended(r) != final_pass) continue;
        out += "\r\033[K" + r.meter->Render() + "\n";
        if (final_pass) {
          r.final_shown = true;
        } else {
          ++live;
        }
      }
    }
    drawn_ = live;
  } else {
    bool periodic = now - last_draw_us_ >= plain_interval_us_;
    for (const std::string& key : order_) {
      Row& r = rows_[key];
      if (r.final_shown) continue;
      if (ended(r)) {
        r.final_shown = true;
        out += r.meter->Render() + "\n";
      } else if (periodic) {
        out += r.meter->Render() + "\n";
      }
    }
    if (!periodic) {
      changed_ = false;
      return out;
    }
  }
  last_draw_us_ = now;
  changed_ = false;
  return out;
}

}  // namespace xcr::cli
