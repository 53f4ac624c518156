#include "cli/progress_display.h"

#include <unistd.h>

#include <cstdio>

#include "base/env.h"
#include "base/logging.h"

namespace xcr::cli {

ProgressDisplay::ProgressDisplay(bool enabled, bool tty)
    : enabled_(enabled), board_(Env::Default(), tty) {
  if (!enabled_) return;
  SetLogSink([this](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    Write(board_.Interleave(line));
  });
}

ProgressDisplay::~ProgressDisplay() {
  Done();
  if (enabled_) SetLogSink(nullptr);
}

void ProgressDisplay::Update(const std::string& label, const xapi::TransferProgress& p) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  board_.Update(label, p);
  Write(board_.Frame());
}

void ProgressDisplay::Bytes(const std::string& label, uint64_t done, uint64_t total) {
  xapi::TransferProgress p;
  p.bytes = done;
  p.total = total;
  Update(label, p);
}

void ProgressDisplay::Done() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  done_ = true;
  Write(board_.Finish());
}

void ProgressDisplay::Write(const std::string& text) {
  if (text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace xcr::cli
