// The questions a command-line tool asks before it logs in to a pool, with their exact texts:
// the password ("Password for USER at URL: ", no echo) and trust on first use of a certificate
// no trusted CA signed (its SHA-256 fingerprint shown, "Trust it for this run? [y/N] "; "y",
// "Y" or "yes" trusts). They are put through a PromptFn: TerminalPrompt() in the tools, a fake
// in tests. xapi/credentials.h decides when to ask; these decide how.
// Thread-safety: as the PromptFn given.
#ifndef XCR_CLI_LOGIN_QUESTIONS_H_
#define XCR_CLI_LOGIN_QUESTIONS_H_

#include "cli/terminal_prompt.h"
#include "xapi/credentials.h"

namespace xcr::cli {

// The password question through `prompt` (without echo). Null when `prompt` is null.
xapi::PasswordQuestion AskPassword(PromptFn prompt);

// The trust-on-first-use question through `prompt`; a failed prompt (no terminal) is passed on
// as the error, so the caller says which --fingerprint to pass. Null when `prompt` is null.
xapi::TrustQuestion AskTrust(PromptFn prompt);

}  // namespace xcr::cli

#endif  // XCR_CLI_LOGIN_QUESTIONS_H_
