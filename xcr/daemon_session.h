// What the client commands (`xcr pool`, `xcr job`, `xcr runs`, `xcr run`, `xcr status`) share:
// the daemon flags each command group carries, and a DaemonSession for one command's run: the
// API client on the chosen socket, failure and JSON output, and the lookups that turn what a
// user types into API ids:
//
//   --socket PATH   the daemon's socket (else $XCR_SOCKET, else /var/lib/xcr/xcr.sock)
//   --json          print the API's answers as JSON on stdout (failures too:
//                   {"ok": false, "error", "code", "exit", "fields"})
//
//   FindJob   JOB by id, else by unique name (GET /api/jobs; the entry carries "status")
//   FindPool  a stored pool by id, name or one of its URLs (GET /api/pools); a URL compares by
//             scheme, host and port (https://Xen1 is https://xen1:443)
//   VmUuid    a VM uuid as given; a name through each stored pool's inventory
//             (POST /api/pools/ID/test), which must hold exactly one VM of that name
//
// Failures are Status values whose messages say what to do next (`xcr pool add ...`, `xcr job
// list`); Fail() prints them ("xcr: ...") and returns the exit code (cli/exit_codes.h: 1).
// Thread-safety: none; one per command run.
#ifndef XCR_XCR_DAEMON_SESSION_H_
#define XCR_XCR_DAEMON_SESSION_H_

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "cli/command_line.h"
#include "cli/daemon_client.h"
#include "xcr/command.h"

namespace xcr::cmd {

struct DaemonFlags {
  std::string socket;
  bool json = false;
};

// The usage lines for the daemon flags, appended to each client command's usage text.
extern const char kDaemonFlagsUsage[];

// Registers --socket and --json on a command group (its subcommands inherit them).
void AddDaemonFlags(CLI::App* group, DaemonFlags* flags);

// cli/command_line.h's, for the client commands (a job named "demo": `xcr job run demo`).
using cli::WordsAreArguments;

class DaemonSession {
 public:
  DaemonSession(const DaemonFlags& flags, const Context& context);

  cli::DaemonClient& api() { return client_; }
  bool as_json() const { return json_; }

  // Prints the failure (with --json also the JSON document, with the last answer's `fields`)
  // and returns `exit_code`.
  int Fail(const Status& status, int exit_code = 1);
  // Prints `value` as indented JSON on stdout; returns 0.
  int PrintJson(const nlohmann::json& value);

  Result<nlohmann::json> FindJob(const std::string& id_or_name);
  Result<nlohmann::json> FindPool(const std::string& id_name_or_url);
  Result<std::string> VmUuid(const std::string& uuid_or_name);

 private:
  cli::DaemonClient client_;
  bool json_;
  nlohmann::json pools_;  // GET /api/pools, fetched once
  bool have_pools_ = false;
};

}  // namespace xcr::cmd

#endif  // XCR_XCR_DAEMON_SESSION_H_
