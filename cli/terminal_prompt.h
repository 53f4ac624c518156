// TerminalPrompt: an xapi::PromptFn that asks on the controlling terminal (/dev/tty), without
// echo for secrets. Returns the answer without its newline, or kFailedPrecondition when the
// process has no terminal.
// Thread-safety: one prompt at a time.
#ifndef XCR_CLI_TERMINAL_PROMPT_H_
#define XCR_CLI_TERMINAL_PROMPT_H_

#include "xapi/credentials.h"

namespace xcr::cli {

xapi::PromptFn TerminalPrompt();

}  // namespace xcr::cli

#endif  // XCR_CLI_TERMINAL_PROMPT_H_
