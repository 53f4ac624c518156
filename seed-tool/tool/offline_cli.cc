#include "seed-tool/tool/offline_cli.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "base/redact.h"
#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/exit_codes.h"
#include "cli/progress_display.h"
#include "engine/run_id.h"
#include "seed-tool/offline_export.h"
#include "seed-tool/offline_import.h"

namespace xcr::seed {
namespace {

constexpr char kExportUsage[] =
    "usage: cr-seed export --source URL --vm UUID|NAME --job ID --schedule ID [--job-name NAME]\n"
    "                      [CLIENT FLAGS] DIR\n"
    "  Snapshots the VM as a replication run of that job and schedule does, writes each disk as\n"
    "  a VHD and a manifest (metadata, sizes, SHA-256 of every file) to DIR (e.g. a removable\n"
    "  disk), and marks the snapshot as the base of the job's next delta.\n";
constexpr char kImportUsage[] =
    "usage: cr-seed import --target URL --sr UUID|NAME [CLIENT FLAGS] DIR\n"
    "       cr-seed import --check DIR\n"
    "  Checks every file of the seed in DIR against its SHA-256, then creates the replica VM on\n"
    "  the target SR from it. After that, the job's next run sends only the changed blocks.\n"
    "  --check only verifies the folder (no pool needed).\n";

int Fail(const Status& s) {
  std::cerr << "cr-seed: " << s.ToString() << "\n";
  return cli::kExitFailed;
}

SeedProgressFn ProgressFn(cli::ProgressDisplay* display) {
  return [display](const std::string& label, uint64_t done, uint64_t total) {
    display->Bytes(label, done, total);
  };
}

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / 1048576.0);
  return buf;
}

}  // namespace

OfflineCommands::OfflineCommands(CLI::App* app, cli::ClientFlagValues* client) {
  (void)client;  // the client flags are the parent's; export and import fall through to them
  export_ = app->add_subcommand("export", "the offline seed: a VM's disks to a folder");
  cli::SetUsage(export_, std::string(kExportUsage) + cli::kClientFlagsUsage);
  export_->add_option("--source", source_);
  export_->add_option("--vm", vm_);
  export_->add_option("--job", job_);
  export_->add_option("--schedule", schedule_);
  export_->add_option("--job-name", job_name_);
  export_->add_option("DIR", export_dir_);
  cli::WordsAreArguments(export_);  // a folder named "import" is a folder
  import_ = app->add_subcommand("import", "the offline seed: a replica from a folder");
  cli::SetUsage(import_, std::string(kImportUsage) + cli::kClientFlagsUsage);
  import_->add_option("--target", target_);
  import_->add_option("--sr", sr_);
  import_->add_flag("--check", check_);
  import_->add_option("DIR", import_dir_);
  cli::WordsAreArguments(import_);
}

bool OfflineCommands::parsed() const { return export_->parsed() || import_->parsed(); }

int OfflineCommands::Run(const xapi::ClientFlags& client, const std::atomic<bool>* cancel) {
  return export_->parsed() ? Export(client, cancel) : Import(client, cancel);
}

int OfflineCommands::Export(const xapi::ClientFlags& client, const std::atomic<bool>* cancel) {
  auto usage = [&](const std::string& m) { return cli::UsageError(*export_, "cr-seed export", m); };
  if (source_.empty()) return usage("export needs --source");
  if (vm_.empty()) return usage("export needs --vm");
  if (job_.empty()) return usage("export needs --job");
  if (schedule_.empty()) return usage("export needs --schedule");
  for (const auto& [flag, id] : {std::pair{"--job", &job_}, std::pair{"--schedule", &schedule_}}) {
    if (Status s = engine::CheckRunId(*id, flag); !s.ok()) return usage(s.message());
  }
  if (export_dir_.size() != 1) return usage("export needs one folder DIR");

  ExportOptions opt;
  opt.vm = vm_;
  opt.job_id = job_;
  opt.schedule_id = schedule_;
  opt.job_name = job_name_;
  opt.dir = export_dir_[0];
  opt.tool = std::string("cr-seed (xcr ") + cli::Version() + ")";
  // Refuse a used folder before asking for a password.
  Status dir_ok = CheckSeedDir(Env::Default(), opt.dir);
  if (!dir_ok.ok()) return Fail(dir_ok);

  opt.cancel = cancel;
  auto conn = cli::Connect(client, source_, "source pool");
  if (!conn.ok()) return Fail(conn.status());
  cli::ProgressDisplay progress(isatty(STDERR_FILENO), true);
  opt.progress = ProgressFn(&progress);
  auto m = ExportSeed(**conn, opt);
  progress.Done();
  if (!m.ok()) {
    if (cancel->load()) return Fail(Status::Cancelled("interrupted: nothing was kept"));
    return Fail(m.status());
  }
  uint64_t total = 0;
  for (const SeedDisk& d : m->disks) total += d.file_size;
  std::cout << "exported VM '" << m->vm_name << "' (" << m->vm_uuid << ") to " << opt.dir << "\n"
            << "  snapshot " << m->snapshot_uuid << " (" << m->datetime << "), now the base of job "
            << m->job_id << " / schedule " << m->schedule_id << "\n";
  for (const SeedDisk& d : m->disks) {
    std::cout << "  disk " << d.userdevice << ": " << d.file << "  " << Mib(d.file_size)
              << "  sha256 " << d.sha256 << "\n";
  }
  std::cout << "  " << Mib(total) << " in " << m->disks.size()
            << " file(s); next: cr-seed import --target URL --sr SR"
            << cli::ClientFlagsCommandLine(client) << " " << opt.dir << "\n";
  return cli::kExitOk;
}

int OfflineCommands::Import(const xapi::ClientFlags& client, const std::atomic<bool>* cancel) {
  auto usage = [&](const std::string& m) { return cli::UsageError(*import_, "cr-seed import", m); };
  if (import_dir_.size() != 1) return usage("import needs one folder DIR");
  const std::string dir = import_dir_[0];
  cli::ProgressDisplay progress(isatty(STDERR_FILENO), true);

  if (check_) {
    if (!target_.empty() || !sr_.empty()) return usage("--check takes no --target or --sr");
    auto m = ReadSeedManifest(Env::Default(), dir);
    if (!m.ok()) return Fail(m.status());
    Status s = VerifySeedFiles(Env::Default(), dir, *m, ProgressFn(&progress));
    progress.Done();
    if (!s.ok()) return Fail(s);
    std::cout << "seed of VM '" << m->vm_name << "' (job " << m->job_id << ", snapshot "
              << m->snapshot_uuid << "): " << m->disks.size() << " file(s), all digests match\n";
    return cli::kExitOk;
  }
  if (target_.empty()) return usage("import needs --target");
  if (sr_.empty()) return usage("import needs --sr");
  // A folder that is not a seed is refused before asking for a password.
  auto early = ReadSeedManifest(Env::Default(), dir);
  if (!early.ok()) return Fail(early.status());

  auto conn = cli::Connect(client, target_, "target pool");
  if (!conn.ok()) return Fail(conn.status());
  ImportOptions opt;
  opt.dir = dir;
  opt.sr = sr_;
  opt.cancel = cancel;
  opt.progress = ProgressFn(&progress);
  auto r = ImportSeed(**conn, opt);
  progress.Done();
  if (!r.ok()) {
    if (cancel->load()) return Fail(Status::Cancelled("interrupted: nothing was kept"));
    return Fail(r.status());
  }
  std::cout << "imported the seed of VM '" << r->manifest.vm_name << "' to SR '" << opt.sr
            << "': replica " << r->replica_uuid << " (" << Mib(r->bytes) << ")\n"
            << "  the next run of job " << r->manifest.job_id << " / schedule "
            << r->manifest.schedule_id << " sends only the blocks changed since "
            << r->manifest.datetime << "\n";
  return cli::kExitOk;
}

}  // namespace xcr::seed
