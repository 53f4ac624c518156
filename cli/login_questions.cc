#include "cli/login_questions.h"

#include <utility>

namespace xcr::cli {

xapi::PasswordQuestion AskPassword(PromptFn prompt) {
  if (!prompt) return nullptr;
  return [prompt = std::move(prompt)](const std::string& user,
                                      const std::string& base_url) -> Result<std::string> {
    return prompt("Password for " + user + " at " + base_url + ": ", false);
  };
}

xapi::TrustQuestion AskTrust(PromptFn prompt) {
  if (!prompt) return nullptr;
  return [prompt = std::move(prompt)](const std::string& base_url,
                                      const xapi::Fingerprint& fingerprint) -> Result<bool> {
    XCR_ASSIGN_OR_RETURN(
        std::string answer,
        prompt("The certificate of " + base_url +
                   " is not signed by a trusted CA (XAPI hosts use self-signed ones).\n"
                   "Its SHA-256 fingerprint is\n  " +
                   xapi::FormatFingerprint(fingerprint) +
                   "\nCompare it with the one shown on the host (xe host-param-get "
                   "param-name=certificates ... / the console). Trust it for this run? [y/N] ",
               true));
    return IsYes(answer);
  };
}

}  // namespace xcr::cli
