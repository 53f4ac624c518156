#include "seed-tool/offline_export.h"

#include <ctime>
#include <optional>

#include "base/logging.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "engine/replica_metadata.h"
#include "engine/run_id.h"
#include "engine/source_snapshot.h"
#include "xapi/api.h"
#include "xapi/disk_transfer.h"

namespace xcr::seed {
namespace {

constexpr std::string_view kPartialSuffix = ".partial";

// r, its error prefixed with `context`.
template <typename T>
Result<T> In(Result<T> r, std::string_view context) {
  if (!r.ok()) return r.status().WithContext(context);
  return r;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string IsoTime(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// What an export has written so far, removed again unless Commit() is called.
class Cleanup {
 public:
  Cleanup(Env* env, xapi::Connection* conn) : env_(env), conn_(conn) {}
  ~Cleanup() {
    if (committed_) return;
    // Newest first: the manifest goes before the disks it describes.
    for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
      if (env_->FileExists(*it)) env_->RemoveFile(*it).ok();
    }
    if (snapshot_) {
      Status s = engine::DestroySourceSnapshot(*conn_, *snapshot_);
      if (!s.ok()) {
        XCR_LOG(WARN) << "could not delete the seed snapshot " << snapshot_->uuid << ": "
                      << s.ToString() << " (delete it by hand)";
      }
    }
  }
  void AddFile(std::string path) { files_.push_back(std::move(path)); }
  void SetSnapshot(const engine::VmView& s) { snapshot_ = s; }
  void Commit() { committed_ = true; }

 private:
  Env* env_;
  xapi::Connection* conn_;
  std::vector<std::string> files_;
  std::optional<engine::VmView> snapshot_;
  bool committed_ = false;
};

Status FolderError(const Status& s, const std::string& dir, const std::string& file) {
  if (s.code() == StatusCode::kResourceExhausted) {
    return Status::ResourceExhausted(
        "the seed folder's disk is full while writing " + file + " in " + dir +
        ": nothing was kept; free space or use a larger disk (" + s.message() + ")");
  }
  return s.WithContext("write " + JoinPath(dir, file));
}

}  // namespace

Status CheckSeedDir(Env* env, const std::string& dir) {
  XCR_RETURN_IF_ERROR(env->CreateDirs(dir).WithContext("seed folder " + dir));
  XCR_ASSIGN_OR_RETURN(std::vector<std::string> names, In(env->ListDir(dir), "seed folder " + dir));
  for (const std::string& n : names) {
    if (n == kManifestName) {
      return Status::AlreadyExists("the folder " + dir +
                                   " already holds a seed (manifest.json): import it with "
                                   "`cr-seed import`, or export to an empty folder");
    }
  }
  for (const std::string& n : names) {
    bool ours = EndsWith(n, kPartialSuffix) || n == std::string(kManifestName) + ".tmp" ||
                (EndsWith(n, ".vhd") && n.find("-disk-") != std::string::npos);
    if (ours) {
      return Status::FailedPrecondition("the folder " + dir + " holds '" + n +
                                        "', left by an unfinished export: remove it or export "
                                        "to an empty folder");
    }
  }
  return Status::OK();
}

Result<SeedManifest> ExportSeed(xapi::Connection& src, const ExportOptions& opt) {
  Env* env = opt.env ? opt.env : Env::Default();
  if (opt.vm.empty() || opt.job_id.empty() || opt.schedule_id.empty() || opt.dir.empty()) {
    return Status::InvalidArgument("export needs a VM, a job id, a schedule id and a folder");
  }
  XCR_RETURN_IF_ERROR(engine::CheckRunIds(opt.job_id, opt.schedule_id));
  XCR_RETURN_IF_ERROR(CheckSeedDir(env, opt.dir));

  const std::string pool = src.master_url();
  XCR_ASSIGN_OR_RETURN(engine::PoolCatalog catalog,
                       In(engine::LoadPoolCatalog(src), "source pool " + pool));
  XCR_ASSIGN_OR_RETURN(const engine::VmView* found,
                       In(catalog.FindVm(opt.vm), "source pool " + pool));
  const engine::VmView vm = *found;
  if (engine::ConfigValue(vm.other_config, engine::keys::kJob) == opt.job_id &&
      vm.blocked_operations.count("start")) {
    return Status::FailedPrecondition("VM '" + vm.name_label + "' is a replica made by job " +
                                      opt.job_id + ": it cannot seed that job");
  }
  size_t wanted = 0;
  for (const engine::DiskView& d : vm.disks) wanted += engine::IsNoBackupDisk(d.vdi) ? 0 : 1;
  if (wanted == 0) {
    return Status::FailedPrecondition("VM '" + vm.name_label +
                                      "' has no disk to seed (none, or all marked [NOBAK])");
  }

  engine::RunIdentity id;
  id.job_id = opt.job_id;
  id.schedule_id = opt.schedule_id;
  id.job_name = opt.job_name;
  id.vm_uuid = vm.uuid;
  id.vm_name = vm.name_label;
  id.run_unix_seconds = engine::NextRunTime(env->NowUnixMicros() / 1000000, opt.job_id, vm.uuid,
                                            catalog.SnapshotsOf(vm.ref), {});

  Cleanup cleanup(env, &src);
  XCR_ASSIGN_OR_RETURN(engine::SourceSnapshot snap,
                       In(engine::TakeSourceSnapshot(src, vm, id),
                          "snapshot VM '" + vm.name_label + "' on " + pool));
  cleanup.SetSnapshot(snap.snapshot);

  XCR_ASSIGN_OR_RETURN(xapi::VmRecord record,
                       xapi::GetRecord<xapi::VmRecord>(src, snap.snapshot.ref));
  SeedManifest m;
  m.tool = opt.tool.empty() ? "cr-seed" : opt.tool;
  m.source_pool = pool;
  m.job_id = opt.job_id;
  m.schedule_id = opt.schedule_id;
  m.job_name = opt.job_name;
  m.vm_uuid = vm.uuid;
  m.vm_name = vm.name_label;
  m.snapshot_uuid = snap.snapshot.uuid;
  m.snapshot_time = record.snapshot_time;
  m.datetime = snap.datetime;
  m.snapshot_record = xapi::Value(record.raw);
  for (const std::string& vif_ref : record.VIFs) {
    XCR_ASSIGN_OR_RETURN(xapi::VifRecord vif, xapi::GetRecord<xapi::VifRecord>(src, vif_ref));
    XCR_ASSIGN_OR_RETURN(xapi::NetworkRecord net,
                         xapi::GetRecord<xapi::NetworkRecord>(src, vif.network));
    m.vifs.push_back({vif.device, vif.MAC, vif.MTU ? vif.MTU : 1500, net.uuid, net.name_label});
  }

  for (size_t i = 0; i < snap.disks.size(); ++i) {
    const engine::DiskView& disk = snap.disks[i];
    XCR_ASSIGN_OR_RETURN(xapi::VdiRecord vdi, xapi::GetRecord<xapi::VdiRecord>(src, disk.vdi.ref));
    SeedDisk d;
    d.userdevice = snap.current[i].userdevice;
    d.bootable = snap.current[i].bootable;
    d.vdi_uuid = vdi.uuid;
    d.name_label = vdi.name_label;
    d.name_description = vdi.name_description;
    d.virtual_size = static_cast<uint64_t>(vdi.virtual_size);
    d.file = SeedDiskFileName(i, d.userdevice);
    std::string final_path = JoinPath(opt.dir, d.file);
    std::string partial = JoinPath(opt.dir, "." + d.file + std::string(kPartialSuffix));
    cleanup.AddFile(partial);
    cleanup.AddFile(final_path);
    auto file = env->NewWritableFile(partial);
    if (!file.ok()) return FolderError(file.status(), opt.dir, d.file);
    DigestingFileSink sink(std::move(*file));
    xapi::TransferOptions topt;
    topt.cancel = opt.cancel;
    if (opt.progress) {
      topt.progress = [&](const xapi::TransferProgress& p) {
        opt.progress(d.file, p.bytes, p.total);
      };
    }
    auto bytes = xapi::ExportVdi(src, disk.vdi.ref, "", sink, topt);
    if (!bytes.ok()) {
      if (bytes.status().code() == StatusCode::kResourceExhausted ||
          bytes.status().code() == StatusCode::kIOError) {
        return FolderError(bytes.status(), opt.dir, d.file);
      }
      return bytes.status().WithContext("export disk " + d.userdevice + " of VM '" + vm.name_label +
                                        "'");
    }
    XCR_RETURN_IF_ERROR(env->RenameFile(partial, final_path));
    d.file_size = sink.bytes();
    d.sha256 = sink.hex();
    m.disks.push_back(std::move(d));
  }
  XCR_RETURN_IF_ERROR(env->SyncDir(opt.dir).WithContext("sync seed folder " + opt.dir));

  m.created = IsoTime(env->NowUnixMicros() / 1000000);
  std::string manifest_path = JoinPath(opt.dir, kManifestName);
  cleanup.AddFile(manifest_path + ".tmp");
  cleanup.AddFile(manifest_path);
  Status written = env->WriteFileAtomic(manifest_path, ManifestToJson(m));
  if (!written.ok()) return FolderError(written, opt.dir, std::string(kManifestName));

  // Only now, with the seed complete on disk, may the snapshot become a delta base.
  XCR_RETURN_IF_ERROR(engine::MarkSnapshotExported(src, snap, 0));
  cleanup.Commit();
  return m;
}

}  // namespace xcr::seed
