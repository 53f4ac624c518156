// The exit status of every xcr tool (xcr, xcr-demo, cr-seed, xcr-xapi, xcr-vhd), documented in
// docs/user-guide.md. Scripts rely on these numbers: they never change meaning.
#ifndef XCR_CLI_EXIT_CODES_H_
#define XCR_CLI_EXIT_CODES_H_

namespace xcr::cli {

inline constexpr int kExitOk = 0;       // done (or nothing to change)
inline constexpr int kExitFailed = 1;   // failed or refused; the message says why
inline constexpr int kExitUsage = 2;    // the command line is wrong; usage on stderr
inline constexpr int kExitPartial = 3;  // xcr replicate: some targets or VMs failed, others not
inline constexpr int kExitInterrupted = 130;  // SIGINT/SIGTERM: stopped and cleaned up (128 + 2)

}  // namespace xcr::cli

#endif  // XCR_CLI_EXIT_CODES_H_
