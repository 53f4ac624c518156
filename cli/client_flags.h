// The client flags every xcr tool that talks to a pool accepts, on any command (before or
// after its name):
//
//   --credentials FILE   a mode-0600 file of "URL USER PASSWORD" lines (xapi/credentials.h)
//   --user USER          with XCR_PASSWORD or the terminal prompt (default root)
//   --fingerprint [URL=]SHA256:..   pin a certificate, for every pool or for URL's (repeatable)
//   --insecure           no certificate check (explicit; not with --fingerprint)
//
// AddClientFlags registers them on a CLI11 app; Finish() turns what was given into
// xapi::ClientFlags, checking fingerprints and the --insecure/--fingerprint conflict.
// Thread-safety: none; used from main() only.
#ifndef XCR_CLI_CLIENT_FLAGS_H_
#define XCR_CLI_CLIENT_FLAGS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "xapi/credentials.h"

namespace xcr::cli {

// What the flags received, as typed.
struct ClientFlagValues {
  std::string credentials_file;
  std::string user;
  std::vector<std::string> fingerprints;
  bool insecure = false;

  // kInvalidArgument (a usage error) for a bad fingerprint or URL, or --insecure with
  // --fingerprint.
  Result<xapi::ClientFlags> Finish() const;
};

// The usage lines describing the flags above, for a tool's usage text.
extern const char kClientFlagsUsage[];

// Registers the four flags on `app`, storing into `values` (which must outlive the parse).
void AddClientFlags(CLI::App* app, ClientFlagValues* values);

// The flags as a command line would give them again (" --credentials FILE --user USER
// --fingerprint .. --insecure", each value shell-quoted when needed; "" when none), for the next
// command a tool suggests. Holds no secret: passwords are never flags.
std::string ClientFlagsCommandLine(const xapi::ClientFlags& flags);

}  // namespace xcr::cli

#endif  // XCR_CLI_CLIENT_FLAGS_H_
