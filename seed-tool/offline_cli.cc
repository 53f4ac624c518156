#include "seed-tool/offline_cli.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

#include "engine/progress_meter.h"
#include "seed-tool/offline_export.h"
#include "seed-tool/offline_import.h"
#include "xapi/client_connect.h"
#include "xapi/credentials.h"

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
constexpr char kClientFlags[] =
    "client flags: --credentials FILE (mode 0600, lines 'URL USER PASSWORD') | --user USER\n"
    "  (password from XCR_PASSWORD or a prompt), --fingerprint [URL=]SHA256:.. (repeatable; with\n"
    "  URL= for that pool only) | --insecure\n";

std::atomic<bool> g_cancel{false};
void OnSignal(int) { g_cancel.store(true); }

// Installs SIGINT/SIGTERM -> g_cancel for its lifetime.
class SignalScope {
 public:
  SignalScope() {
    g_cancel.store(false);
    old_int_ = std::signal(SIGINT, OnSignal);
    old_term_ = std::signal(SIGTERM, OnSignal);
    old_pipe_ = std::signal(SIGPIPE, SIG_IGN);
  }
  ~SignalScope() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
    std::signal(SIGPIPE, old_pipe_);
  }

 private:
  void (*old_int_)(int);
  void (*old_term_)(int);
  void (*old_pipe_)(int);
};

int Usage(const char* usage, const std::string& msg) {
  std::cerr << "cr-seed: " << msg << "\n" << usage << kClientFlags;
  return 2;
}

int Fail(const Status& s) {
  std::cerr << "cr-seed: " << s.ToString() << "\n";
  return 1;
}

// "--flag VALUE" / "--flag=VALUE" for the flags listed, client flags, one positional DIR.
struct Parsed {
  xapi::ClientFlags client;
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
  bool help = false;
};

Result<Parsed> Parse(const std::vector<std::string>& args, const std::vector<std::string>& valued,
                     const std::vector<std::string>& boolean) {
  Parsed p;
  for (size_t i = 0; i < args.size();) {
    XCR_ASSIGN_OR_RETURN(bool took, xapi::TakeClientFlag(args, &i, &p.client));
    if (took) continue;
    const std::string& w = args[i];
    if (w == "--help" || w == "-h") {
      p.help = true;
      ++i;
      continue;
    }
    if (w.rfind("--", 0) != 0 || w == "--") {
      p.positional.push_back(w);
      ++i;
      continue;
    }
    std::string name = w, value;
    size_t eq = w.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      name = w.substr(0, eq);
      value = w.substr(eq + 1);
    }
    if (std::find(boolean.begin(), boolean.end(), name) != boolean.end() && !inline_value) {
      p.flags[name] = "1";
      ++i;
      continue;
    }
    if (std::find(valued.begin(), valued.end(), name) == valued.end()) {
      return Status::InvalidArgument("unknown option " + name);
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument(name + " needs a value");
      value = args[i + 1];
      ++i;
    }
    if (value.empty()) return Status::InvalidArgument(name + " needs a value");
    if (p.flags.count(name)) return Status::InvalidArgument(name + " given twice");
    p.flags[name] = value;
    ++i;
  }
  return p;
}

// One redrawn line on stderr per file while it moves (terminal only).
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { Done(); }

  SeedProgressFn Fn() {
    if (!enabled_) return {};
    return [this](const std::string& label, uint64_t done, uint64_t total) {
      Update(label, done, total);
    };
  }
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    if (enabled_ && drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  void Update(const std::string& label, uint64_t done, uint64_t total) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& m = meters_[label];
    if (!m) m = std::make_unique<engine::ProgressMeter>(Env::Default(), label, total);
    if (total) m->SetTotal(total);
    if (done > m->done()) m->Add(done - m->done());
    uint64_t now = Env::Default()->NowMicros();
    if (now - last_draw_ < 200000 && !(total && done >= total)) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r\033[K%s", m->Render().c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  bool enabled_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<engine::ProgressMeter>> meters_;
  uint64_t last_draw_ = 0;
  bool drawn_ = false;
};

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / 1048576.0);
  return buf;
}

}  // namespace

int RunExportCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, {"--source", "--vm", "--job", "--schedule", "--job-name"}, {});
  if (!p.ok()) return Usage(kExportUsage, p.status().message());
  if (p->help) {
    std::cout << kExportUsage << kClientFlags;
    return 0;
  }
  for (const char* f : {"--source", "--vm", "--job", "--schedule"}) {
    if (!p->flags.count(f)) return Usage(kExportUsage, std::string("export needs ") + f);
  }
  if (p->positional.size() != 1) return Usage(kExportUsage, "export needs one folder DIR");

  ExportOptions opt;
  opt.vm = p->flags["--vm"];
  opt.job_id = p->flags["--job"];
  opt.schedule_id = p->flags["--schedule"];
  opt.job_name = p->flags.count("--job-name") ? p->flags["--job-name"] : "";
  opt.dir = p->positional[0];
  opt.tool = "cr-seed (xcr 0.1.0)";
  // Refuse a used folder before asking for a password.
  Status dir_ok = CheckSeedDir(Env::Default(), opt.dir);
  if (!dir_ok.ok()) return Fail(dir_ok);

  SignalScope signals;
  opt.cancel = &g_cancel;
  auto conn = xapi::ConnectWithFlags(p->client, p->flags["--source"]);
  if (!conn.ok()) return Fail(conn.status().WithContext("source pool " + p->flags["--source"]));
  ProgressLine progress(isatty(STDERR_FILENO));
  opt.progress = progress.Fn();
  auto m = ExportSeed(**conn, opt);
  progress.Done();
  if (!m.ok()) {
    if (g_cancel.load()) return Fail(Status::Cancelled("interrupted: nothing was kept"));
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
            << " file(s); next: cr-seed import --target URL --sr SR " << opt.dir << "\n";
  return 0;
}

int RunImportCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, {"--target", "--sr"}, {"--check"});
  if (!p.ok()) return Usage(kImportUsage, p.status().message());
  if (p->help) {
    std::cout << kImportUsage << kClientFlags;
    return 0;
  }
  if (p->positional.size() != 1) return Usage(kImportUsage, "import needs one folder DIR");
  const std::string dir = p->positional[0];
  ProgressLine progress(isatty(STDERR_FILENO));

  if (p->flags.count("--check")) {
    if (p->flags.count("--target") || p->flags.count("--sr")) {
      return Usage(kImportUsage, "--check takes no --target or --sr");
    }
    auto m = ReadSeedManifest(Env::Default(), dir);
    if (!m.ok()) return Fail(m.status());
    Status s = VerifySeedFiles(Env::Default(), dir, *m, progress.Fn());
    progress.Done();
    if (!s.ok()) return Fail(s);
    std::cout << "seed of VM '" << m->vm_name << "' (job " << m->job_id << ", snapshot "
              << m->snapshot_uuid << "): " << m->disks.size() << " file(s), all digests match\n";
    return 0;
  }
  for (const char* f : {"--target", "--sr"}) {
    if (!p->flags.count(f)) return Usage(kImportUsage, std::string("import needs ") + f);
  }
  // A folder that is not a seed is refused before asking for a password.
  auto early = ReadSeedManifest(Env::Default(), dir);
  if (!early.ok()) return Fail(early.status());

  SignalScope signals;
  auto conn = xapi::ConnectWithFlags(p->client, p->flags["--target"]);
  if (!conn.ok()) return Fail(conn.status().WithContext("target pool " + p->flags["--target"]));
  ImportOptions opt;
  opt.dir = dir;
  opt.sr = p->flags["--sr"];
  opt.cancel = &g_cancel;
  opt.progress = progress.Fn();
  auto r = ImportSeed(**conn, opt);
  progress.Done();
  if (!r.ok()) {
    if (g_cancel.load()) return Fail(Status::Cancelled("interrupted: nothing was kept"));
    return Fail(r.status());
  }
  std::cout << "imported the seed of VM '" << r->manifest.vm_name << "' to SR '" << opt.sr
            << "': replica " << r->replica_uuid << " (" << Mib(r->bytes) << ")\n"
            << "  the next run of job " << r->manifest.job_id << " / schedule "
            << r->manifest.schedule_id << " sends only the blocks changed since "
            << r->manifest.datetime << "\n";
  return 0;
}

}  // namespace xcr::seed
