#include "cli/connect.h"

#include <unistd.h>

#include "base/env.h"
#include "base/redact.h"
#include "cli/login_questions.h"

namespace xcr::cli {

Result<xapi::PoolEndpoint> ResolveEndpoint(const xapi::ClientFlags& flags, const std::string& url) {
  PromptFn prompt = isatty(STDIN_FILENO) || isatty(STDERR_FILENO) ? TerminalPrompt() : nullptr;
  xapi::PoolEndpoint endpoint;
  endpoint.url = url;
  XCR_ASSIGN_OR_RETURN(endpoint.credentials,
                       xapi::ResolveCredentials(flags, url, Env::Default(), AskPassword(prompt)));
  XCR_ASSIGN_OR_RETURN(endpoint.tls, xapi::ResolveTrust(flags, url, AskTrust(prompt)));
  return endpoint;
}

Result<std::unique_ptr<xapi::Connection>> Connect(const xapi::ClientFlags& flags,
                                                  const std::string& url, const std::string& role) {
  std::string context = (role.empty() ? "" : role + " ") + RedactUrl(url);
  Result<xapi::PoolEndpoint> endpoint = ResolveEndpoint(flags, url);
  if (!endpoint.ok()) return endpoint.status().WithContext(context);
  Result<std::unique_ptr<xapi::Connection>> conn = xapi::Connect(*endpoint);
  if (!conn.ok()) return conn.status().WithContext(context);
  return conn;
}

}  // namespace xcr::cli
