// TerminalPrompt: a PromptFn that asks on the controlling terminal (/dev/tty), without echo for
// secrets. Returns the answer without its newline, or kFailedPrecondition when the process has
// no terminal. The questions themselves are cli/login_questions.h's and the commands'.
// Thread-safety: one prompt at a time.
#ifndef XCR_CLI_TERMINAL_PROMPT_H_
#define XCR_CLI_TERMINAL_PROMPT_H_

#include <functional>
#include <string>

#include "base/result.h"

namespace xcr::cli {

// Asks the user `question`; echo=false for passwords. Returns the answer without newline, or
// kFailedPrecondition when there is no one to ask.
using PromptFn = std::function<Result<std::string>(const std::string& question, bool echo)>;

PromptFn TerminalPrompt();

// Whether `answer` to a "[y/N]" question says yes ("y", "Y" or "yes").
bool IsYes(const std::string& answer);

}  // namespace xcr::cli

#endif  // XCR_CLI_TERMINAL_PROMPT_H_
