// The offline seed end to end over real loopback sockets (in-process xapi-sim pools): export a
// VM's disks to a folder, import them as a replica on another pool, then the engine's next run
// sends only a delta. Damaged seeds (a flipped byte, a truncated or missing file, a garbled
// manifest) are refused before anything is created on the target; a full folder disk leaves
// nothing behind.
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "engine/vm_replicator.h"
#include "seed-tool/offline_export.h"
#include "seed-tool/offline_import.h"
#include "tests/engine/integration/sim_pools.h"

namespace xcr::seed {
namespace {

using engine::ConfigValue;
using engine::DiskView;
using engine::VmView;
using engine::testing::SimPool;
namespace keys = engine::keys;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskSize = 64 * kMiB;

// Counts objects on a pool, to prove a refused import created nothing.
struct PoolCounts {
  size_t vms = 0, vdis = 0;
  bool operator==(const PoolCounts&) const = default;
};

class OfflineSeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<SimPool>(dir_.File("src"), 1, kDiskSize);
    dst_ = std::make_unique<SimPool>(dir_.File("dst"), 0, kDiskSize);
    ASSERT_OK(src_->Start());
    ASSERT_OK(dst_->Start());
    ASSERT_OK_AND_ASSIGN(vm_, src_->FirstVm());
    ASSERT_EQ(vm_.disks.size(), 1u);
    ASSERT_OK_AND_ASSIGN(dst_sr_, dst_->SrUuid());
    ASSERT_OK(src_->conn()
                  .Call("VDI.set_name_description",
                        {xapi::Value(vm_.disks[0].vdi.ref), xapi::Value("system disk")})
                  .status());
    // Guest data: random bytes in three places.
    for (uint64_t off : {uint64_t{0}, 17 * kMiB, 50 * kMiB}) {
      ASSERT_OK(
          src_->conn()
              .Call("sim.write_random",
                    {xapi::Value(vm_.disks[0].vdi.ref), xapi::Value(static_cast<int64_t>(off)),
                     xapi::Value(static_cast<int64_t>(3 * kMiB)), xapi::Value(int64_t{7})})
              .status());
    }
    seed_dir_ = dir_.File("seed");
  }

  ExportOptions Options(Env* env = nullptr) {
    ExportOptions o;
    o.vm = vm_.name_label;
    o.job_id = "job-1";
    o.schedule_id = "sched-1";
    o.job_name = "nightly";
    o.dir = seed_dir_;
    o.tool = "test";
    o.env = env;
    return o;
  }

  ImportOptions ImportOpts() {
    ImportOptions o;
    o.dir = seed_dir_;
    o.sr = dst_sr_;
    return o;
  }

  PoolCounts Counts(SimPool& pool) {
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    return {cat->vms.size(), cat->vdis.size()};
  }

  VmView Find(SimPool& pool, const std::string& uuid) {
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    for (const VmView& v : cat->vms) {
      if (v.uuid == uuid) return v;
    }
    ADD_FAILURE() << "no VM " << uuid;
    return {};
  }

  std::vector<std::string> Files() {
    std::vector<std::string> out;
    if (!std::filesystem::exists(seed_dir_)) return out;
    for (const auto& e : std::filesystem::directory_iterator(seed_dir_)) {
      out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void FlipByte(const std::string& path, uint64_t offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x40);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SimPool> src_, dst_;
  VmView vm_;
  std::string dst_sr_;
  std::string seed_dir_;
};

TEST_F(OfflineSeedTest, RoundTripThenTheNextRunIsADelta) {
  ASSERT_OK_AND_ASSIGN(SeedManifest m, ExportSeed(src_->conn(), Options()));
  EXPECT_EQ(Files(), (std::vector<std::string>{"0-disk-0.vhd", "manifest.json"}));
  ASSERT_EQ(m.disks.size(), 1u);
  EXPECT_EQ(m.vm_uuid, vm_.uuid);
  EXPECT_EQ(m.disks[0].virtual_size, kDiskSize);
  EXPECT_EQ(m.disks[0].file_size, std::filesystem::file_size(seed_dir_ + "/0-disk-0.vhd"));
  EXPECT_EQ(m.vifs.size(), 1u);
  // The manifest on disk is the one returned, and reads back.
  ASSERT_OK_AND_ASSIGN(SeedManifest read, ReadSeedManifest(Env::Default(), seed_dir_));
  EXPECT_EQ(read.disks[0].sha256, m.disks[0].sha256);
  EXPECT_EQ(read.snapshot_record, m.snapshot_record);

  // The source snapshot carries the run keys and is marked exported, VM and disk.
  VmView snap = Find(*src_, m.snapshot_uuid);
  ASSERT_TRUE(snap.is_a_snapshot);
  EXPECT_EQ(ConfigValue(snap.other_config, keys::kJob), "job-1");
  EXPECT_EQ(ConfigValue(snap.other_config, keys::kSchedule), "sched-1");
  EXPECT_EQ(ConfigValue(snap.other_config, keys::kVm), vm_.uuid);
  EXPECT_EQ(ConfigValue(snap.other_config, keys::kDatetime), m.datetime);
  EXPECT_EQ(ConfigValue(snap.other_config, keys::kExported), "true");
  ASSERT_EQ(snap.disks.size(), 1u);
  EXPECT_EQ(snap.disks[0].vdi.uuid, m.disks[0].vdi_uuid);
  EXPECT_EQ(ConfigValue(snap.disks[0].vdi.other_config, keys::kExported), "true");
  EXPECT_EQ(ConfigValue(snap.disks[0].vdi.other_config, keys::kContentKey), m.disks[0].vdi_uuid);

  ASSERT_OK_AND_ASSIGN(ImportResult r, ImportSeed(dst_->conn(), ImportOpts()));
  EXPECT_EQ(r.bytes, m.disks[0].file_size);
  VmView rep = Find(*dst_, r.replica_uuid);
  ASSERT_EQ(rep.disks.size(), 1u);
  EXPECT_EQ(rep.disks[0].userdevice, "0");
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kJob), "job-1");
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kVm), vm_.uuid);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kDatetime), m.datetime);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kSr), dst_sr_);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kCopyOf), m.snapshot_uuid);
  EXPECT_TRUE(rep.blocked_operations.count("start"));
  const auto& doc = rep.disks[0].vdi.other_config;
  EXPECT_EQ(ConfigValue(doc, keys::kCopyOf), m.disks[0].vdi_uuid);
  EXPECT_EQ(ConfigValue(doc, keys::kContentKey), m.disks[0].vdi_uuid);
  EXPECT_EQ(ConfigValue(doc, keys::kDatetime), m.datetime);
  EXPECT_EQ(m.disks[0].name_description, "system disk");
  ASSERT_OK_AND_ASSIGN(auto vdi_rec,
                       xapi::GetRecord<xapi::VdiRecord>(dst_->conn(), rep.disks[0].vdi.ref));
  EXPECT_EQ(vdi_rec.name_description, "system disk");
  EXPECT_EQ(vdi_rec.name_label, m.disks[0].name_label);
  ASSERT_OK_AND_ASSIGN(std::string want, src_->Sha256(snap.disks[0].vdi.ref));
  ASSERT_OK_AND_ASSIGN(std::string got, dst_->Sha256(rep.disks[0].vdi.ref));
  EXPECT_EQ(want, got);

  // A few MiB written in the guest, then the engine's run of the same job and schedule.
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 30 * kMiB, 3 * kMiB, 0x6b));  // blocks 15, 16
  engine::ReplicationOptions ro;
  ro.job_id = "job-1";
  ro.schedule_id = "sched-1";
  ro.job_name = "nightly";
  engine::TaskLog log(Env::Default());
  engine::VmReplicator rep_run(&src_->conn(), {{&dst_->conn(), dst_sr_, "dr"}}, ro, &log);
  engine::VmOutcome out = rep_run.Run(vm_.uuid, engine::kNoParent);
  ASSERT_OK(out.status) << log.ToText();
  EXPECT_TRUE(out.delta) << out.base_note;
  EXPECT_GE(out.bytes, 2 * 2 * kMiB);
  EXPECT_LE(out.bytes, 2 * 2 * kMiB + 64 * 1024) << log.ToText();
  EXPECT_LT(out.bytes * 4, m.disks[0].file_size);
  VmView snap2 = Find(*src_, out.snapshot_uuid);
  VmView rep2 = Find(*dst_, out.targets[0].replica_uuid);
  ASSERT_EQ(rep2.disks.size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::string want2, src_->Sha256(snap2.disks[0].vdi.ref));
  ASSERT_OK_AND_ASSIGN(std::string got2, dst_->Sha256(rep2.disks[0].vdi.ref));
  EXPECT_EQ(want2, got2);
  EXPECT_NE(want2, want);
}

TEST_F(OfflineSeedTest, CorruptedByteIsRefusedAndNothingIsCreated) {
  ASSERT_OK_AND_ASSIGN(SeedManifest m, ExportSeed(src_->conn(), Options()));
  PoolCounts before = Counts(*dst_);
  FlipByte(seed_dir_ + "/0-disk-0.vhd", m.disks[0].file_size / 2);
  auto r = ImportSeed(dst_->conn(), ImportOpts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("0-disk-0.vhd"), std::string::npos) << msg;
  EXPECT_NE(msg.find(m.disks[0].sha256), std::string::npos) << msg;  // expected digest named
  EXPECT_NE(msg.find("corrupted"), std::string::npos) << msg;
  EXPECT_EQ(Counts(*dst_), before);
  EXPECT_STATUS(VerifySeedFiles(Env::Default(), seed_dir_, m), StatusCode::kCorruption);
}

TEST_F(OfflineSeedTest, TruncatedOrMissingFileIsRefused) {
  ASSERT_OK_AND_ASSIGN(SeedManifest m, ExportSeed(src_->conn(), Options()));
  PoolCounts before = Counts(*dst_);
  std::string file = seed_dir_ + "/0-disk-0.vhd";
  std::filesystem::resize_file(file, m.disks[0].file_size - 512);
  auto r = ImportSeed(dst_->conn(), ImportOpts());
  EXPECT_STATUS(r.status(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  std::filesystem::remove(file);
  r = ImportSeed(dst_->conn(), ImportOpts());
  EXPECT_STATUS(r.status(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("0-disk-0.vhd is missing"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Counts(*dst_), before);
}

TEST_F(OfflineSeedTest, GarbledManifestIsRefused) {
  ASSERT_OK_AND_ASSIGN(SeedManifest m, ExportSeed(src_->conn(), Options()));
  PoolCounts before = Counts(*dst_);
  std::string path = seed_dir_ + "/manifest.json";
  ASSERT_OK_AND_ASSIGN(std::string text, Env::Default()->ReadFileToString(path));
  // Cut in half: not JSON any more.
  ASSERT_OK(Env::Default()->WriteFileAtomic(path, text.substr(0, text.size() / 2)));
  EXPECT_STATUS(ImportSeed(dst_->conn(), ImportOpts()).status(), StatusCode::kCorruption);
  // Valid JSON naming a file outside the folder.
  std::string escaped = text;
  size_t at = escaped.find("0-disk-0.vhd");
  ASSERT_NE(at, std::string::npos);
  escaped.replace(at, 12, "../../etc/passwd");
  ASSERT_OK(Env::Default()->WriteFileAtomic(path, escaped));
  auto r = ImportSeed(dst_->conn(), ImportOpts());
  EXPECT_STATUS(r.status(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("disks[0].file"), std::string::npos) << r.status().message();
  EXPECT_EQ(Counts(*dst_), before);
}

TEST_F(OfflineSeedTest, FolderHoldingASeedIsRefused) {
  ASSERT_OK(ExportSeed(src_->conn(), Options()).status());
  PoolCounts src_before = Counts(*src_);
  std::vector<std::string> files = Files();
  auto again = ExportSeed(src_->conn(), Options());
  EXPECT_STATUS(again.status(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("already holds a seed"), std::string::npos);
  EXPECT_EQ(Counts(*src_), src_before);  // no second snapshot
  EXPECT_EQ(Files(), files);
}

TEST_F(OfflineSeedTest, ImportingTwiceIsRefused) {
  ASSERT_OK(ExportSeed(src_->conn(), Options()).status());
  ASSERT_OK(ImportSeed(dst_->conn(), ImportOpts()).status());
  PoolCounts before = Counts(*dst_);
  auto r = ImportSeed(dst_->conn(), ImportOpts());
  EXPECT_STATUS(r.status(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Counts(*dst_), before);
}

// Writable files under `dir` fail with ENOSPC once `limit` bytes were written in all.
class FullDiskEnv : public EnvWrapper {
 public:
  FullDiskEnv(std::string dir, uint64_t limit)
      : EnvWrapper(Env::Default()), dir_(std::move(dir)), limit_(limit) {}

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p, int mode) override {
    XCR_ASSIGN_OR_RETURN(auto f, target()->NewWritableFile(p, mode));
    if (p.rfind(dir_, 0) != 0) return f;
    return std::unique_ptr<WritableFile>(new Limited(std::move(f), this));
  }

 private:
  class Limited : public WritableFile {
   public:
    Limited(std::unique_ptr<WritableFile> f, FullDiskEnv* env) : f_(std::move(f)), env_(env) {}
    Status Write(std::span<const uint8_t> data) override {
      if (env_->written_ + data.size() > env_->limit_) {
        return Status::FromErrno(ENOSPC, "write");
      }
      env_->written_ += data.size();
      return f_->Write(data);
    }
    Status Finish() override { return f_->Finish(); }
    Status Sync() override { return f_->Sync(); }
    Status Close() override { return f_->Close(); }

   private:
    std::unique_ptr<WritableFile> f_;
    FullDiskEnv* env_;
  };

  std::string dir_;
  uint64_t limit_;
  uint64_t written_ = 0;
};

TEST_F(OfflineSeedTest, FullFolderDiskLeavesNothingBehind) {
  PoolCounts src_before = Counts(*src_);
  FullDiskEnv env(seed_dir_, 4 * kMiB);
  auto r = ExportSeed(src_->conn(), Options(&env));
  EXPECT_STATUS(r.status(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("disk is full"), std::string::npos) << r.status().message();
  EXPECT_TRUE(Files().empty()) << Files().size();
  EXPECT_EQ(Counts(*src_), src_before);  // the snapshot was deleted again
}

TEST_F(OfflineSeedTest, InterruptedImportLeavesNothingAndCanBeRetried) {
  ASSERT_OK(ExportSeed(src_->conn(), Options()).status());
  PoolCounts before = Counts(*dst_);
  ASSERT_OK(dst_->Fault("sim.fault_cut_transfer",
                        {xapi::Value("import"), xapi::Value(int64_t{1} << 20)}));
  auto cut = ImportSeed(dst_->conn(), ImportOpts());
  EXPECT_FALSE(cut.ok());
  EXPECT_EQ(Counts(*dst_), before);  // the importing replica and its disk were destroyed
  ASSERT_OK(dst_->Fault("sim.fault_clear", {}));
  ASSERT_OK_AND_ASSIGN(ImportResult r, ImportSeed(dst_->conn(), ImportOpts()));
  EXPECT_FALSE(r.replica_uuid.empty());
}

TEST_F(OfflineSeedTest, CancelledOrCutExportLeavesNothing) {
  PoolCounts src_before = Counts(*src_);
  std::atomic<bool> cancel{true};
  ExportOptions o = Options();
  o.cancel = &cancel;
  EXPECT_STATUS(ExportSeed(src_->conn(), o).status(), StatusCode::kCancelled);
  EXPECT_TRUE(Files().empty());
  EXPECT_EQ(Counts(*src_), src_before);

  ASSERT_OK(src_->Fault("sim.fault_cut_transfer",
                        {xapi::Value("export"), xapi::Value(int64_t{3} << 20)}));
  EXPECT_FALSE(ExportSeed(src_->conn(), Options()).ok());
  EXPECT_TRUE(Files().empty());
  EXPECT_EQ(Counts(*src_), src_before);
  // Nothing marked exported was left for the engine to take as a base.
  ASSERT_OK(src_->Fault("sim.fault_clear", {}));
  ASSERT_OK(ExportSeed(src_->conn(), Options()).status());
}

TEST_F(OfflineSeedTest, CheckedFolderWithOtherFilesIsUsable) {
  // A removable disk's lost+found does not stop an export; leftovers of one do.
  std::filesystem::create_directories(seed_dir_ + "/lost+found");
  EXPECT_OK(CheckSeedDir(Env::Default(), seed_dir_));
  { std::ofstream(seed_dir_ + "/.0-disk-0.vhd.partial") << "x"; }
  EXPECT_STATUS(CheckSeedDir(Env::Default(), seed_dir_), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace xcr::seed
