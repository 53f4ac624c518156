// seed-tool/seed_manifest.h: the manifest round-trips, and hostile or damaged manifests are
// refused with a message naming the field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "seed-tool/seed_manifest.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::seed {
namespace {

SeedManifest Sample() {
  SeedManifest m;
  m.tool = "cr-seed test";
  m.created = "2026-11-23T12:00:00Z";
  m.source_pool = "https://pool-a";
  m.job_id = "job-1";
  m.schedule_id = "sched-1";
  m.job_name = "nightly";
  m.vm_uuid = "vm-uuid";
  m.vm_name = "web-01";
  m.snapshot_uuid = "snap-uuid";
  m.snapshot_time = "20261123T12:00:00Z";
  m.datetime = "20261123T12:00:01Z";
  m.snapshot_record =
      xapi::Value(xapi::Struct{{"name_label", xapi::Value("web-01")},
                               {"snapshot_time", xapi::Value(xapi::DateTime{"20261123T12:00:00Z"})},
                               {"VCPUs_max", xapi::Value(int64_t{4})}});
  m.vifs.push_back({"0", "aa:bb:cc:dd:ee:ff", 1500, "net-uuid", "Pool-wide network"});
  for (int i = 0; i < 2; ++i) {
    SeedDisk d;
    d.userdevice = std::to_string(i);
    d.bootable = i == 0;
    d.vdi_uuid = "vdi-" + std::to_string(i);
    d.name_label = "disk " + std::to_string(i);
    d.virtual_size = 64 << 20;
    d.file = SeedDiskFileName(i, d.userdevice);
    d.file_size = 3 << 20;
    d.sha256 = std::string(64, static_cast<char>('a' + i));
    m.disks.push_back(d);
  }
  return m;
}

// The sample's JSON with `edit` applied.
std::string Edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(ManifestToJson(Sample()));
  edit(j);
  return j.dump();
}

void ExpectRefused(const std::string& text, const std::string& needle) {
  auto r = ParseManifest(text);
  ASSERT_FALSE(r.ok()) << needle;
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(SeedManifestTest, RoundTrips) {
  SeedManifest m = Sample();
  ASSERT_OK_AND_ASSIGN(SeedManifest back, ParseManifest(ManifestToJson(m)));
  EXPECT_EQ(back.job_id, "job-1");
  EXPECT_EQ(back.vm_name, "web-01");
  EXPECT_EQ(back.datetime, m.datetime);
  EXPECT_EQ(back.snapshot_record, m.snapshot_record);  // dateTime kept as a dateTime
  ASSERT_EQ(back.disks.size(), 2u);
  EXPECT_TRUE(back.disks[0].bootable);
  EXPECT_EQ(back.disks[1].file, "1-disk-1.vhd");
  EXPECT_EQ(back.disks[1].sha256, m.disks[1].sha256);
  ASSERT_EQ(back.vifs.size(), 1u);
  EXPECT_EQ(back.vifs[0].mac, "aa:bb:cc:dd:ee:ff");
}

TEST(SeedManifestTest, FileNamesAreSafe) {
  EXPECT_EQ(SeedDiskFileName(0, "0"), "0-disk-0.vhd");
  EXPECT_EQ(SeedDiskFileName(3, "../x"), "3-disk-xxxx.vhd");
  for (const char* bad : {"../0-disk-0.vhd", "/etc/passwd", "0-disk-0.vhd/..", "x-disk-0.vhd",
                          "0-disk-.vhd", "0-disk-0.txt", "0-disk-a/b.vhd"}) {
    ExpectRefused(Edited([&](nlohmann::json& j) { j["disks"][0]["file"] = bad; }), "disks[0].file");
  }
}

TEST(SeedManifestTest, DamagedManifestsAreRefused) {
  std::string good = ManifestToJson(Sample());
  ExpectRefused(good.substr(0, good.size() / 2), "not valid JSON");
  ExpectRefused("[1, 2]", "not a JSON object");
  ExpectRefused(std::string(100, '[') + std::string(100, ']'), "nested");
  ExpectRefused(Edited([](nlohmann::json& j) { j["format"] = "other"; }), "not a cr-seed");
  ExpectRefused(Edited([](nlohmann::json& j) { j["disks"][1]["sha256"] = "ABC"; }),
                "disks[1].sha256");
  ExpectRefused(Edited([](nlohmann::json& j) { j["disks"][0]["virtual_size"] = -1; }),
                "disks[0].virtual_size");
  ExpectRefused(Edited([](nlohmann::json& j) { j["disks"][0]["virtual_size"] = 1000; }),
                "disks[0].virtual_size");
  ExpectRefused(Edited([](nlohmann::json& j) { j["disks"][0]["file_size"] = 1ull << 50; }),
                "disks[0].file_size");
  ExpectRefused(Edited([](nlohmann::json& j) { j["disks"][1]["userdevice"] = "0"; }),
                "userdevice 0");
  ExpectRefused(Edited([](nlohmann::json& j) { j["disks"][1]["file"] = "0-disk-0.vhd"; }),
                "share the file");
  ExpectRefused(Edited([](nlohmann::json& j) { j["disks"] = nlohmann::json::array(); }),
                "disks is empty");
  ExpectRefused(Edited([](nlohmann::json& j) { j["job"].erase("id"); }), "job.id is missing");
  ExpectRefused(Edited([](nlohmann::json& j) { j["vm"]["uuid"] = 5; }), "vm.uuid is not a string");
  ExpectRefused(Edited([](nlohmann::json& j) { j["vm"]["name"] = std::string(5000, 'x'); }),
                "vm.name is longer");
  ExpectRefused(Edited([](nlohmann::json& j) { j["snapshot"]["record"] = "x"; }),
                "snapshot.record");
  ExpectRefused(Edited([](nlohmann::json& j) {
                  j["disks"] = nlohmann::json::array();
                  for (int i = 0; i < 65; ++i) j["disks"].push_back(nlohmann::json::object());
                }),
                "more than 64");
  ExpectRefused(std::string(kMaxManifestBytes + 1, ' '), "larger than 16 MiB");
}

TEST(SeedManifestTest, NewerFormatIsNotSupported) {
  auto r = ParseManifest(Edited([](nlohmann::json& j) { j["format_version"] = 2; }));
  EXPECT_STATUS(r.status(), StatusCode::kNotSupported);
  EXPECT_NE(r.status().message().find("newer cr-seed"), std::string::npos);
}

}  // namespace
}  // namespace xcr::seed
