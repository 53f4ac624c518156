#include "cli/client_flags.h"

#include "base/redact.h"
#include "xapi/tls.h"

namespace xcr::cli {

const char kClientFlagsUsage[] =
    "client flags: --credentials FILE (mode 0600, lines 'URL USER PASSWORD') | --user USER\n"
    "  (password from XCR_PASSWORD or a prompt), --fingerprint [URL=]SHA256:.. (repeatable;\n"
    "  URL= pins that pool only) | --insecure\n";

void AddClientFlags(CLI::App* app, ClientFlagValues* values) {
  app->add_option("--credentials", values->credentials_file, "credentials file (mode 0600)");
  app->add_option("--user", values->user, "user (default root)");
  app->add_option("--fingerprint", values->fingerprints, "[URL=]SHA256:.. certificate pin");
  app->add_flag("--insecure", values->insecure, "no certificate verification");
}

Result<xapi::ClientFlags> ClientFlagValues::Finish() const {
  xapi::ClientFlags flags;
  flags.credentials_file = credentials_file;
  flags.user = user;
  flags.insecure = insecure;
  if (insecure && !fingerprints.empty()) {
    return Status::InvalidArgument("--insecure and --fingerprint cannot be used together");
  }
  for (const std::string& value : fingerprints) {
    size_t eq = value.rfind('=');  // fingerprints hold no '='
    if (eq == std::string::npos) {
      XCR_RETURN_IF_ERROR(xapi::ParseFingerprint(value).status());
      if (flags.fingerprint.empty()) {
        flags.fingerprint = value;
      } else {
        flags.extra_fingerprints.push_back(value);
      }
      continue;
    }
    Result<std::string> key = xapi::PinKey(std::string_view(value).substr(0, eq));
    if (!key.ok()) {
      return Status::InvalidArgument("--fingerprint URL=SHA256:..: bad URL '" +
                                     RedactUrl(value.substr(0, eq)) + "' (" +
                                     key.status().message() + ")");
    }
    Result<xapi::Fingerprint> fp = xapi::ParseFingerprint(value.substr(eq + 1));
    if (!fp.ok()) return fp.status().WithContext("--fingerprint for " + *key);
    flags.pool_fingerprints.emplace_back(*key, value.substr(eq + 1));
  }
  return flags;
}

namespace {

std::string ShellWord(const std::string& word) {
  bool plain = !word.empty() && word.find_first_not_of(
                                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789@%+=:,./_-") == std::string::npos;
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string ClientFlagsCommandLine(const xapi::ClientFlags& flags) {
  std::string out;
  if (!flags.credentials_file.empty()) out += " --credentials " + ShellWord(flags.credentials_file);
  if (!flags.user.empty()) out += " --user " + ShellWord(flags.user);
  if (!flags.fingerprint.empty()) out += " --fingerprint " + ShellWord(flags.fingerprint);
  for (const std::string& fp : flags.extra_fingerprints) out += " --fingerprint " + ShellWord(fp);
  for (const auto& [pool, fp] : flags.pool_fingerprints) {
    out += " --fingerprint " + ShellWord(pool + "=" + fp);
  }
  if (flags.insecure) out += " --insecure";
  return out;
}

}  // namespace xcr::cli
