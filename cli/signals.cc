#include "cli/signals.h"

#include <csignal>

namespace xcr::cli {
namespace {

std::atomic<bool> g_cancel{false};
void OnSignal(int) { g_cancel.store(true); }

}  // namespace

CancelOnSignals::CancelOnSignals() {
  g_cancel.store(false);
  old_int_ = std::signal(SIGINT, OnSignal);
  old_term_ = std::signal(SIGTERM, OnSignal);
  old_pipe_ = std::signal(SIGPIPE, SIG_IGN);
}

CancelOnSignals::~CancelOnSignals() {
  std::signal(SIGINT, old_int_);
  std::signal(SIGTERM, old_term_);
  std::signal(SIGPIPE, old_pipe_);
}

const std::atomic<bool>* CancelOnSignals::flag() const { return &g_cancel; }

}  // namespace xcr::cli
