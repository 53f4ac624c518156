// cr-seed: make a hand-moved copy of a VM the first replica of a replication job, so the next
// run (xcr or Xen Orchestra) sends a delta. See docs/cr-seed.md.
//
//   cr-seed [CLIENT FLAGS] [--dry-run] [--undo] SOURCE_URL SNAPSHOT_UUID TARGET_URL VM_UUID
//           JOB_ID SCHEDULE_ID
//   cr-seed export ... | cr-seed import ...      (the offline seed, docs/cr-seed-offline.md)
//
// Exit status: 0 success (or nothing to change), 1 refused or failed, 2 usage error.
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "seed-tool/offline_cli.h"
#include "seed-tool/seed_run.h"
#include "xapi/client_connect.h"
#include "xapi/credentials.h"

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
    "       cr-seed export ... | cr-seed import ...   the offline seed (docs/cr-seed-offline.md)\n"
    "client flags: --credentials FILE (mode 0600, lines 'URL USER PASSWORD') | --user USER\n"
    "  (password from XCR_PASSWORD or a prompt), --fingerprint [URL=]SHA256:.. (repeatable; with\n"
    "  URL= for that pool only) | --insecure\n"
    "exit status: 0 done or nothing to change, 1 refused or failed, 2 usage error\n";

int UsageError(const std::string& msg) {
  std::cerr << "cr-seed: " << msg << "\n" << kUsage;
  return 2;
}

int Fail(const Status& s) {
  if (s.code() == StatusCode::kFailedPrecondition) {
    // Every refusal happens before the first write.
    std::cerr << "cr-seed: refused, nothing was changed: " << s.message() << "\n";
  } else {
    std::cerr << "cr-seed: " << s.ToString() << "\n";
  }
  return 1;
}

// "https://user:pass@host" -> true. Xen Orchestra's tool takes credentials this way; we refuse
// them (process listings, shell history) before anything else sees the URL.
bool HasUserInfo(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  return authority.find('@') != std::string::npos;
}

int Run(const std::vector<std::string>& args) {
  xapi::ClientFlags cflags;
  bool dry_run = false, undo = false;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size();) {
    auto took = xapi::TakeClientFlag(args, &i, &cflags);
    if (!took.ok()) return UsageError(took.status().message());
    if (*took) continue;
    const std::string& w = args[i++];
    if (w == "--help" || w == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (w == "--dry-run") {
      dry_run = true;
    } else if (w == "--undo") {
      undo = true;
    } else if (w.size() > 1 && w[0] == '-') {
      return UsageError("unknown option " + w);
    } else {
      positional.push_back(w);
    }
  }
  bool count_ok = positional.size() == 6 || (undo && positional.size() == 4);
  if (!count_ok) {
    return UsageError("expected 6 arguments" + std::string(undo ? " (or 4 with --undo)" : "") +
                      ", got " + std::to_string(positional.size()));
  }
  const std::string& source_url = positional[0];
  const std::string& target_url = positional[2];
  for (const std::string* url : {&source_url, &target_url}) {
    if (HasUserInfo(*url)) {
      return UsageError(
          "credentials in a URL are refused (they show in process listings and shell "
          "history): give the URL without 'user:password@' and use --credentials FILE, "
          "XCR_PASSWORD, or the prompt");
    }
  }
  SeedArgs sa;
  sa.snapshot_uuid = positional[1];
  sa.target_vm_uuid = positional[3];
  if (positional.size() == 6) sa.request = {positional[4], positional[5]};
  if (!undo && (sa.request.job_id.empty() || sa.request.schedule_id.empty())) {
    return UsageError("JOB_ID and SCHEDULE_ID must not be empty");
  }
  sa.dry_run = dry_run;

  auto source = xapi::ConnectWithFlags(cflags, source_url);
  if (!source.ok()) return Fail(source.status().WithContext("source pool " + source_url));
  std::unique_ptr<xapi::Connection> target_owned;
  xapi::Connection* target = source->get();
  if (target_url != source_url) {
    auto t = xapi::ConnectWithFlags(cflags, target_url);
    if (!t.ok()) return Fail(t.status().WithContext("target pool " + target_url));
    target_owned = std::move(*t);
    target = target_owned.get();
  }
  SeedPools pools{source->get(), target, source_url, target_url};

  if (undo) {
    auto r = RunUndo(pools, sa, std::cout);
    if (!r.ok()) return Fail(r.status());
    return 0;
  }
  auto r = RunSeed(pools, sa, std::cout);
  if (!r.ok()) return Fail(r.status());
  if (!dry_run) {
    std::cout << "next: xcr replicate --source " << source_url << " --vm " << r->vm_uuid
              << " --target " << target_url << " --sr " << r->sr_uuid << " --job-id "
              << sa.request.job_id << " --schedule-id " << sa.request.schedule_id
              << "   (or the job's next scheduled run) sends only the blocks changed since the "
                 "snapshot\n";
  }
  return 0;
}

}  // namespace
}  // namespace xcr::seed

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  // The subcommand may follow client flags (`cr-seed --credentials F export ...`): skip them to
  // find it, then hand the subcommand every argument but its own name.
  size_t i = 0;
  xcr::xapi::ClientFlags ignored;
  while (i < args.size()) {
    auto took = xcr::xapi::TakeClientFlag(args, &i, &ignored);
    if (!took.ok() || !*took) break;
  }
  if (i < args.size() && (args[i] == "export" || args[i] == "import")) {
    std::vector<std::string> rest(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(i));
    rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
    return args[i] == "export" ? xcr::seed::RunExportCommand(rest)
                               : xcr::seed::RunImportCommand(rest);
  }
  return xcr::seed::Run(args);
}
