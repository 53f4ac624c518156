// CancelOnSignals: while it lives, SIGINT and SIGTERM set a cancel flag (which transfers poll
// through their `cancel` option) instead of killing the process, and SIGPIPE is ignored; the
// previous handlers are put back when it ends. A tool that was interrupted cleans up, then
// exits kExitInterrupted (130), the shell's convention for Ctrl-C.
// Thread-safety: one instance at a time per process; flag() may be read from any thread.
#ifndef XCR_CLI_SIGNALS_H_
#define XCR_CLI_SIGNALS_H_

#include <atomic>

namespace xcr::cli {

class CancelOnSignals {
 public:
  CancelOnSignals();
  ~CancelOnSignals();
  CancelOnSignals(const CancelOnSignals&) = delete;
  CancelOnSignals& operator=(const CancelOnSignals&) = delete;

  // Set once a signal arrived; for TransferOptions::cancel and the like.
  const std::atomic<bool>* flag() const;
  bool interrupted() const { return flag()->load(); }

 private:
  void (*old_int_)(int);
  void (*old_term_)(int);
  void (*old_pipe_)(int);
};

}  // namespace xcr::cli

#endif  // XCR_CLI_SIGNALS_H_
