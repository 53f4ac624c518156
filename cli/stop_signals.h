// StopSignals: how a server's main (xcr serve, xapi-sim) waits for SIGTERM or SIGINT. Made
// before any thread starts, it blocks both in the calling thread, so that every thread started
// afterwards inherits the mask and none is interrupted by them, and ignores SIGPIPE (a peer that
// closes a socket must not kill the server). Wait() returns the first of them that arrives.
// (A tool that runs a transfer and must clean up while the signal arrives uses
// CancelOnSignals, signals.h, instead.)
//
//   StopSignals() ──> blocked ──Wait()──> signal taken, returned
//
// Thread-safety: one instance per process, made and waited on from main().
#ifndef XCR_CLI_STOP_SIGNALS_H_
#define XCR_CLI_STOP_SIGNALS_H_

#include <signal.h>

namespace xcr::cli {

class StopSignals {
 public:
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until SIGTERM or SIGINT arrives (or is already pending); returns its number.
  int Wait();

 private:
  sigset_t set_;
};

}  // namespace xcr::cli

#endif  // XCR_CLI_STOP_SIGNALS_H_
