// The commands of the xcr binary. Each registers a CLI11 sub-app with its flags and its
// hand-written usage text (printed for `xcr COMMAND --help` and after a usage error in it), then
// runs once the command line is parsed. Exit codes: cli/exit_codes.h.
#ifndef XCR_XCR_COMMAND_H_
#define XCR_XCR_COMMAND_H_

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "xapi/credentials.h"

namespace xcr::cmd {

// What every command gets besides its own flags.
struct Context {
  xapi::ClientFlags client;         // the client flags, checked
  const std::atomic<bool>* cancel;  // set by SIGINT/SIGTERM
  std::string self;                 // argv[0], to find the xcr-demo binary next to it
};

class Command {
 public:
  virtual ~Command() = default;
  // Adds the command (its name, flags and usage) to `xcr`.
  virtual CLI::App* Register(CLI::App* xcr) = 0;
  // Runs the parsed command; returns the exit code.
  virtual int Run(const Context& context) = 0;
};

std::unique_ptr<Command> NewDemoCommand();
std::unique_ptr<Command> NewReplicateCommand();
std::unique_ptr<Command> NewReplicasCommand();
std::unique_ptr<Command> NewCloneReplicaCommand();
std::unique_ptr<Command> NewVerifyCommand();
// The client commands of the daemon (xcr serve), over its Unix socket (xcr/daemon_session.h).
std::unique_ptr<Command> NewPoolCommand();
std::unique_ptr<Command> NewJobCommand();
std::unique_ptr<Command> NewRunsCommand();
std::unique_ptr<Command> NewRunCommand();
std::unique_ptr<Command> NewStatusCommand();
std::unique_ptr<Command> NewOrphansCommand();
// The daemon itself (xcr/serve.cc).
std::unique_ptr<Command> NewServeCommand();
// Users of the web UI and API tokens, over the daemon's socket (xcr/account_commands.cc).
std::unique_ptr<Command> NewUserCommand();
std::unique_ptr<Command> NewTokenCommand();

}  // namespace xcr::cmd

#endif  // XCR_XCR_COMMAND_H_
