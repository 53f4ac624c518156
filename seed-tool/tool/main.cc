// cr-seed: make a hand-moved copy of a VM the first replica of a replication job, so the next
// run (xcr or Xen Orchestra) sends a delta. See docs/cr-seed.md.
//
//   cr-seed [CLIENT FLAGS] [--dry-run] [--undo] SOURCE_URL SNAPSHOT_UUID TARGET_URL VM_UUID
//           JOB_ID SCHEDULE_ID
//   cr-seed export ... | cr-seed import ...      (the offline seed, docs/cr-seed-offline.md)
//
// Exit status: 0 success (or nothing to change), 1 refused or failed, 2 usage error,
// 130 interrupted.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/redact.h"
#include "cli/client_flags.h"
#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/exit_codes.h"
#include "cli/signals.h"
#include "engine/run_id.h"
#include "seed-tool/seed_run.h"
#include "seed-tool/tool/offline_cli.h"

namespace xcr::seed {
namespace {

constexpr char kUsage[] =
    "usage: cr-seed [CLIENT FLAGS] [--dry-run] [--undo] SOURCE_URL SNAPSHOT_UUID TARGET_URL\n"
    "               VM_UUID JOB_ID SCHEDULE_ID\n"
    "  Marks VM_UUID on the target pool (a halted VM whose disks hold a copy of snapshot\n"
    "  SNAPSHOT_UUID's disks) as the first replica of job JOB_ID / schedule SCHEDULE_ID, with\n"
    "  the metadata Xen Orchestra's xo-cr-seed writes plus the disk keys current Xen\n"
    "  Orchestra and xcr find a delta base by: the next replication run sends a delta.\n"
    "  --dry-run   print every change, change nothing\n"
    "  --undo      restore every field the seed changed (JOB_ID SCHEDULE_ID optional)\n"
    "       cr-seed export ... | cr-seed import ...   the offline seed (docs/cr-seed-offline.md;\n"
    "       cr-seed export --help, cr-seed import --help)\n";
constexpr char kExitCodes[] =
    "exit status: 0 done or nothing to change, 1 refused or failed, 2 usage error,\n"
    "  130 interrupted\n";

int Fail(const Status& s) {
  if (s.code() == StatusCode::kFailedPrecondition) {
    // Every refusal happens before the first write.
    std::cerr << "cr-seed: refused, nothing was changed: " << s.message() << "\n";
  } else {
    std::cerr << "cr-seed: " << s.ToString() << "\n";
  }
  return cli::kExitFailed;
}

// The positional form, after parsing.
int RunSeedCommand(const CLI::App& app, const xapi::ClientFlags& cflags,
                   const std::vector<std::string>& positional, bool dry_run, bool undo) {
  bool count_ok = positional.size() == 6 || (undo && positional.size() == 4);
  if (!count_ok) {
    return cli::UsageError(app, "cr-seed",
                           "expected 6 arguments" + std::string(undo ? " (or 4 with --undo)" : "") +
                               ", got " + std::to_string(positional.size()));
  }
  const std::string& source_url = positional[0];
  const std::string& target_url = positional[2];
  SeedArgs sa;
  sa.snapshot_uuid = positional[1];
  sa.target_vm_uuid = positional[3];
  if (positional.size() == 6) sa.request = {positional[4], positional[5]};
  if (!undo && (sa.request.job_id.empty() || sa.request.schedule_id.empty())) {
    return cli::UsageError(app, "cr-seed", "JOB_ID and SCHEDULE_ID must not be empty");
  }
  if (positional.size() == 6) {
    for (const auto& [name, id] : {std::pair{"JOB_ID", &sa.request.job_id},
                                   std::pair{"SCHEDULE_ID", &sa.request.schedule_id}}) {
      if (Status s = engine::CheckRunId(*id, name); !s.ok()) {
        return cli::UsageError(app, "cr-seed", s.message());
      }
    }
  }
  sa.dry_run = dry_run;

  for (const std::string* url : {&source_url, &target_url}) {
    if (RedactUrl(*url) != *url) {
      return cli::UsageError(app, "cr-seed",
                             "credentials in a URL are refused (they show in process listings "
                             "and shell history): give the URL without 'user:password@' and use "
                             "--credentials FILE, XCR_PASSWORD, or the prompt");
    }
  }
  auto source = cli::Connect(cflags, source_url, "source pool");
  if (!source.ok()) return Fail(source.status());
  std::unique_ptr<xapi::Connection> target_owned;
  xapi::Connection* target = source->get();
  if (target_url != source_url) {
    auto t = cli::Connect(cflags, target_url, "target pool");
    if (!t.ok()) return Fail(t.status());
    target_owned = std::move(*t);
    target = target_owned.get();
  }
  SeedPools pools{source->get(), target, source_url, target_url};

  if (undo) {
    auto r = RunUndo(pools, sa, std::cout);
    if (!r.ok()) return Fail(r.status());
    return cli::kExitOk;
  }
  auto r = RunSeed(pools, sa, std::cout);
  if (!r.ok()) return Fail(r.status());
  if (!dry_run) {
    std::cout << "next: xcr replicate --source " << source_url << " --vm " << r->vm_uuid
              << " --target " << target_url << " --sr " << r->sr_uuid << " --job-id "
              << sa.request.job_id << " --schedule-id " << sa.request.schedule_id
              << cli::ClientFlagsCommandLine(cflags)
              << "   sends only the blocks changed since the snapshot\n";
  }
  return cli::kExitOk;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  CLI::App app("cr-seed");
  cli::SetUsage(&app, std::string(kUsage) + cli::kClientFlagsUsage + kExitCodes);
  cli::ClientFlagValues client;
  cli::AddClientFlags(&app, &client);
  bool dry_run = false, undo = false;
  std::vector<std::string> positional;
  app.add_flag("--dry-run", dry_run);
  app.add_flag("--undo", undo);
  app.add_option("ARGS", positional);
  OfflineCommands offline(&app, &client);
  if (std::optional<int> rc = cli::Parse(&app, "cr-seed", args)) return *rc;
  Result<xapi::ClientFlags> flags = client.Finish();
  if (!flags.ok()) return cli::UsageError(app, "cr-seed", flags.status().message());
  cli::CancelOnSignals signals;
  int rc = offline.parsed() ? offline.Run(*flags, signals.flag())
                            : RunSeedCommand(app, *flags, positional, dry_run, undo);
  return signals.interrupted() ? cli::kExitInterrupted : rc;
}

}  // namespace
}  // namespace xcr::seed

int main(int argc, char** argv) { return xcr::seed::Main(argc, argv); }
