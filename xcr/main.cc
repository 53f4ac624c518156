// xcr: continuous replication for XenServer / XCP-ng — the command line (docs/user-guide.md).
//
//   xcr [CLIENT FLAGS] COMMAND [FLAGS] ...   COMMAND: demo, replicate, replicas, clone-replica,
//                                            verify (one-shot, straight to the pools); pool,
//                                            job, runs, run, status, orphans (clients of
//                                            the daemon);
//                                            serve (the daemon);
//                                            `xcr COMMAND --help` for each
//
// Exit status: 0 success, 1 failure, 2 usage error, 3 partial failure (replicate: some VMs or
// targets failed, others succeeded), 130 interrupted (SIGINT/SIGTERM, after cleaning up).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/client_flags.h"
#include "cli/command_line.h"
#include "cli/exit_codes.h"
#include "cli/signals.h"
#include "xcr/command.h"

namespace xcr::cmd {
namespace {

constexpr char kUsage[] =
    "usage: xcr [CLIENT FLAGS] COMMAND ...\n"
    "commands:\n"
    "  demo [--vms N] [--disk-size MiB] [--state DIR] [--keep]\n"
    "      the whole product on two simulated pools, every claim checked (exit 0 = all held)\n"
    "  replicate --source URL --vm UUID|NAME [--vm ..] --target URL --sr UUID|NAME\n"
    "            [--target URL --sr ..] [--concurrency N] [--job-id ID] [--schedule-id ID]\n"
    "            [--job-name NAME] [--rate MB/s]\n"
    "            [--copy-retention N] [--snapshot-retention N] [--timeout SECONDS] [--json]\n"
    "      one replication run of a VM now: a full copy the first time, deltas after\n"
    "  replicas --target URL [--vm UUID|NAME] [--json]\n"
    "      list the replicas on a pool, with their age and delta chain\n"
    "  clone-replica --target URL REPLICA [--name NAME] [--start] [--json]\n"
    "      disaster recovery: a bootable copy of a replica (the replica is left untouched)\n"
    "  verify [--source URL] --target URL REPLICA [--json]\n"
    "      re-export a replica and compare its content digest with the one its run recorded\n"
    "      (full copies) and, with --source, with its source snapshot's\n"
    "  serve [--state-dir DIR] [--socket PATH]\n"
    "      the daemon: runs the stored jobs on their schedules, JSON API on a Unix socket\n"
    "daemon commands (the jobs of `xcr serve`, over its socket):\n"
    "  pool add URL --user USER --password-file FILE [--fingerprint SHA256:..|--insecure]\n"
    "       [--name NAME] | pool list | pool trust POOL | pool remove POOL | pool test POOL\n"
    "  job create --name NAME --vm VM [--vm ..] --target URL --sr SR [--target URL --sr ..]\n"
    "             --schedule CRON [--timezone TZ] [--copy-retention N] [--snapshot-retention N]\n"
    "  job list | show JOB | edit JOB | enable JOB | disable JOB | delete JOB [--purge]\n"
    "  job run JOB [--vm VM] [--wait] | job cancel JOB [--vm VM]\n"
    "  runs [JOB] | run show ID | run wait ID\n"
    "  status [JOB]      every protected VM: state, last success, lag, next run\n"
    "  orphans [JOB_ID]  replicas of jobs the daemon does not know (deleted without --purge)\n"
    "  user add NAME --password-file FILE | user list | user remove NAME   web UI users\n"
    "  token create NAME | token list | token revoke ID|NAME   API tokens (/metrics, scripts)\n"
    "      each with --socket PATH (else $XCR_SOCKET, else /var/lib/xcr/xcr.sock) and --json\n"
    "  xcr COMMAND --help   that command's flags; xcr --version\n";

constexpr char kExitCodes[] =
    "exit status: 0 success, 1 failure, 2 usage error, 3 partial failure (some VMs or targets\n"
    "  failed, others succeeded), 130 interrupted\n";

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "help") args[0] = "--help";
  CLI::App app("xcr");
  cli::SetUsage(&app, std::string(kUsage) + cli::kClientFlagsUsage + kExitCodes);
  cli::ClientFlagValues client;
  cli::AddClientFlags(&app, &client);
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(NewDemoCommand());
  commands.push_back(NewReplicateCommand());
  commands.push_back(NewReplicasCommand());
  commands.push_back(NewCloneReplicaCommand());
  commands.push_back(NewVerifyCommand());
  commands.push_back(NewPoolCommand());
  commands.push_back(NewJobCommand());
  commands.push_back(NewRunsCommand());
  commands.push_back(NewRunCommand());
  commands.push_back(NewStatusCommand());
  commands.push_back(NewOrphansCommand());
  commands.push_back(NewServeCommand());
  commands.push_back(NewUserCommand());
  commands.push_back(NewTokenCommand());
  std::vector<CLI::App*> subs;
  for (auto& c : commands) subs.push_back(c->Register(&app));
  if (std::optional<int> rc = cli::Parse(&app, "xcr", args)) return *rc;
  for (size_t i = 0; i < commands.size(); ++i) {
    if (!subs[i]->parsed()) continue;
    Result<xapi::ClientFlags> flags = client.Finish();
    if (!flags.ok()) return cli::UsageError(*subs[i], "xcr", flags.status().message());
    cli::CancelOnSignals signals;
    Context context{*flags, signals.flag(), argc > 0 ? argv[0] : "xcr"};
    int rc = commands[i]->Run(context);
    return signals.interrupted() ? cli::kExitInterrupted : rc;
  }
  return cli::UsageError(app, "xcr",
                         args.empty() ? "missing command" : "unknown command '" + args[0] + "'");
}

}  // namespace
}  // namespace xcr::cmd

int main(int argc, char** argv) { return xcr::cmd::Main(argc, argv); }
