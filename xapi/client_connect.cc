#include "xapi/client_connect.h"

#include <unistd.h>

namespace xcr::xapi {

Result<std::unique_ptr<Connection>> ConnectWithFlags(const ClientFlags& flags,
                                                     const std::string& url) {
  PromptFn prompt = isatty(STDIN_FILENO) || isatty(STDERR_FILENO) ? TerminalPrompt() : nullptr;
  XCR_ASSIGN_OR_RETURN(Credentials creds, ResolveCredentials(flags, url, Env::Default(), prompt));
  SessionOptions options;
  options.user = creds.user;
  options.password = std::move(creds.password);
  XCR_ASSIGN_OR_RETURN(options.tls, ResolveTrust(flags, url, prompt));
  return Connection::Open(url, std::move(options));
}

}  // namespace xcr::xapi
