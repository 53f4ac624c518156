#include "seed-tool/offline_import.h"

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/replica_writer.h"
#include "engine/run_id.h"
#include "vhd/format.h"
#include "xapi/disk_transfer.h"

namespace xcr::seed {
namespace {

// Checks one file against its manifest entry.
Status VerifyFile(Env* env, const std::string& dir, const SeedDisk& d,
                  const SeedProgressFn& progress) {
  std::string path = JoinPath(dir, d.file);
  if (!env->FileExists(path)) return Status::NotFound("seed file " + path + " is missing");
  std::string label = "verify " + d.file;
  auto digest = DigestFile(env, path, [&](uint64_t done) {
    if (progress) progress(label, done, d.file_size);
  });
  if (!digest.ok()) return digest.status().WithContext("read seed file " + path);
  if (digest->size != d.file_size) {
    return Status::Corruption("seed file " + path + " has " + std::to_string(digest->size) +
                              " bytes, the manifest says " + std::to_string(d.file_size) +
                              (digest->size < d.file_size ? " (truncated)" : ""));
  }
  if (digest->sha256 != d.sha256) {
    return Status::Corruption("seed file " + path + " is corrupted: its SHA-256 is " +
                              digest->sha256 + ", the manifest says " + d.sha256);
  }
  auto footer = vhd::ParseFooter(digest->tail, digest->size - digest->tail.size());
  if (!footer.ok()) {
    return footer.status().WithContext("seed file " + path + " is not a VHD");
  }
  if (footer->disk_type != vhd::DiskType::kDynamic && footer->disk_type != vhd::DiskType::kFixed) {
    return Status::Corruption("seed file " + path +
                              " is a differencing VHD: a seed holds full disks");
  }
  if (footer->current_size != d.virtual_size) {
    return Status::Corruption("seed file " + path + " holds a disk of " +
                              std::to_string(footer->current_size) + " bytes, the manifest says " +
                              std::to_string(d.virtual_size));
  }
  return Status::OK();
}

}  // namespace

Result<SeedManifest> ReadSeedManifest(Env* env, const std::string& dir) {
  std::string path = JoinPath(dir, kManifestName);
  if (!env->FileExists(path)) {
    return Status::NotFound("no " + path +
                            ": not a seed folder, or its export did not finish (export again)");
  }
  auto text = env->ReadFileToString(path, kMaxManifestBytes);
  if (!text.ok()) return text.status().WithContext("read " + path);
  auto m = ParseManifest(*text);
  if (!m.ok()) return m.status().WithContext(path);
  auto dt = engine::ParseBackupDatetime(m->datetime);
  if (!dt.ok() || m->datetime == engine::keys::kDatetimePlaceholder) {
    return Status::Corruption(path + ": snapshot.datetime '" + m->datetime +
                              "' is not a backup datetime");
  }
  if (!m->snapshot_record.is_struct()) {
    return Status::Corruption(path + ": snapshot.record is not an XAPI record");
  }
  return m;
}

Status VerifySeedFiles(Env* env, const std::string& dir, const SeedManifest& m,
                       const SeedProgressFn& progress) {
  std::string errors;
  StatusCode code = StatusCode::kOk;
  for (const SeedDisk& d : m.disks) {
    Status s = VerifyFile(env, dir, d, progress);
    if (s.ok()) continue;
    if (code == StatusCode::kOk || s.code() == StatusCode::kCorruption) code = s.code();
    errors += (errors.empty() ? "" : "; ") + s.message();
  }
  if (code == StatusCode::kOk) return Status::OK();
  return Status(code, errors + ": nothing was imported; export the seed again");
}

Result<ImportResult> ImportSeed(xapi::Connection& target, const ImportOptions& opt) {
  Env* env = opt.env ? opt.env : Env::Default();
  if (opt.dir.empty() || opt.sr.empty()) {
    return Status::InvalidArgument("import needs a seed folder and a target SR");
  }
  ImportResult out;
  XCR_ASSIGN_OR_RETURN(out.manifest, ReadSeedManifest(env, opt.dir));
  const SeedManifest& m = out.manifest;
  XCR_RETURN_IF_ERROR(VerifySeedFiles(env, opt.dir, m, opt.progress));
  XCR_RETURN_IF_ERROR(engine::CheckRunIds(m.job_id, m.schedule_id).WithContext("seed manifest"));

  engine::RunIdentity id;
  id.job_id = m.job_id;
  id.schedule_id = m.schedule_id;
  id.job_name = m.job_name;
  id.vm_uuid = m.vm_uuid;
  id.vm_name = m.vm_name;
  id.run_unix_seconds = *engine::ParseBackupDatetime(m.datetime);
  engine::ReplicaWriter writer({&target, opt.sr, target.master_url()}, id);
  XCR_RETURN_IF_ERROR(writer.Resolve());
  for (const SeedDisk& d : m.disks) {
    const engine::VdiView* existing =
        engine::FindReplicaVdi(writer.inventory(), m.job_id, m.vm_uuid, d.vdi_uuid);
    if (existing) {
      return Status::AlreadyExists("SR '" + writer.sr_name() +
                                   "' already holds a replica of this seed (disk " +
                                   existing->uuid + " is a copy of snapshot disk " + d.vdi_uuid +
                                   "): it was imported before");
    }
  }

  std::vector<engine::SourceDisk> disks;
  for (const SeedDisk& d : m.disks) {
    engine::SourceDisk sd;
    sd.userdevice = d.userdevice;
    sd.bootable = d.bootable;
    sd.snapshot_vdi.uuid = d.vdi_uuid;
    sd.snapshot_vdi.name_label = d.name_label;
    sd.snapshot_vdi.virtual_size = d.virtual_size;
    disks.push_back(std::move(sd));
  }
  std::vector<std::pair<xapi::VifRecord, xapi::NetworkRecord>> vifs;
  for (const SeedVif& v : m.vifs) {
    xapi::VifRecord vif;
    vif.device = v.device;
    vif.MAC = v.mac;
    vif.MTU = v.mtu;
    xapi::NetworkRecord net;
    net.uuid = v.network_uuid;
    net.name_label = v.network_name;
    vifs.emplace_back(std::move(vif), std::move(net));
  }

  auto abort = [&](const Status& s) {
    writer.Abort().ok();
    return s;
  };
  Status prepared = writer.Prepare(m.snapshot_record.structure(), m.snapshot_uuid, disks, vifs, 0);
  if (!prepared.ok()) return abort(prepared);
  for (size_t i = 0; i < m.disks.size(); ++i) {
    if (m.disks[i].name_description.empty()) continue;
    Status s = target
                   .Call("VDI.set_name_description", {xapi::Value(writer.ImportTarget(i).vdi),
                                                      xapi::Value(m.disks[i].name_description)})
                   .status();
    if (!s.ok()) return abort(s.WithContext("describe disk " + m.disks[i].userdevice));
  }

  for (size_t i = 0; i < m.disks.size(); ++i) {
    const SeedDisk& d = m.disks[i];
    std::string path = JoinPath(opt.dir, d.file);
    auto file = env->NewSequentialFile(path);
    if (!file.ok()) return abort(file.status().WithContext("open seed file " + path));
    DigestingSource source(file->get());
    xapi::TransferOptions topt;
    topt.cancel = opt.cancel;
    if (opt.progress) {
      topt.progress = [&](const xapi::TransferProgress& p) {
        opt.progress(d.file, p.bytes, d.file_size);
      };
    }
    Status s = xapi::ImportVdi(target, writer.ImportTarget(i).vdi, source, d.file_size, topt);
    if (!s.ok()) {
      return abort(s.WithContext("import " + d.file + " onto SR '" + writer.sr_name() + "'"));
    }
    // The file was verified before; a change since then must not go unnoticed.
    std::string digest = source.HexDigest();
    if (digest != d.sha256) {
      return abort(Status::Corruption("seed file " + path + " changed during the import: SHA-256 " +
                                      digest + ", the manifest says " + d.sha256));
    }
    out.bytes += source.bytes();
  }
  auto uuid = writer.Finish();
  if (!uuid.ok()) return abort(uuid.status().WithContext("finish the replica"));
  out.replica_uuid = *uuid;
  return out;
}

}  // namespace xcr::seed
