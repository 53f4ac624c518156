// What `xcr verify` and POST /api/replicas/UUID/verify say of a verification: passed only when
// every disk was compared and found equal; the summary names each disk's problem and what to do.
#include "engine/replica_verify_report.h"

#include <gtest/gtest.h>

namespace xcr::engine {
namespace {

DiskVerification Disk(const std::string& userdevice, const std::string& digest) {
  DiskVerification d;
  d.userdevice = userdevice;
  d.replica_vdi = "rvdi-" + userdevice;
  d.source_vdi = "svdi-" + userdevice;
  d.replica_digest = digest;
  return d;
}

DiskVerification ComparedWithSource(const std::string& userdevice, const std::string& source) {
  DiskVerification d = Disk(userdevice, "xcr-content-v2:aaaa");
  d.source_digest = source;
  d.compared_source = true;
  return d;
}

TEST(ReplicaVerifyReportTest, EveryDiskEqualPasses) {
  DiskVerification recorded = Disk("1", "xcr-content-v2:bbbb");
  recorded.recorded_digest = "xcr-content-v2:bbbb";
  recorded.recorded_scope = "full";
  recorded.compared_recorded = true;
  std::vector<DiskVerification> disks = {ComparedWithSource("0", "xcr-content-v2:aaaa"), recorded};
  EXPECT_TRUE(VerifyPassed(disks));
  EXPECT_EQ(VerifySummary(disks),
            "replica verified: content equals the digests recorded by its run and its source "
            "snapshot");
  nlohmann::json j = VerifyReportJson("r-1", disks);
  EXPECT_EQ(j["replica"], "r-1");
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["summary"], VerifySummary(disks));
  ASSERT_EQ(j["disks"].size(), 2u);
  EXPECT_EQ(j["disks"][0]["compared"], nlohmann::json::array({"source"}));
  EXPECT_EQ(j["disks"][0]["equal_source"], true);
  EXPECT_FALSE(j["disks"][0].contains("equal_recorded"));
  EXPECT_EQ(j["disks"][1]["compared"], nlohmann::json::array({"recorded"}));
  EXPECT_EQ(j["disks"][1]["recorded_scope"], "full");
  EXPECT_EQ(VerifyDiskLine(disks[0]),
            "disk 0 (VDI rvdi-0): identical to the source snapshot disk svdi-0 "
            "(xcr-content-v2:aaaa…)");
}

TEST(ReplicaVerifyReportTest, ADifferentDiskFailsAndSaysWhatToDo) {
  std::vector<DiskVerification> disks = {ComparedWithSource("0", "xcr-content-v2:aaaa"),
                                         ComparedWithSource("1", "xcr-content-v2:ffff")};
  EXPECT_FALSE(VerifyPassed(disks));
  std::string summary = VerifySummary(disks);
  EXPECT_EQ(
      summary.rfind("VERIFY FAILED: disk 1 is DIFFERENT from the source snapshot disk svdi-1", 0),
      0u)
      << summary;
  EXPECT_EQ(summary.find("disk 0"), std::string::npos) << summary;  // disk 0 is fine
  EXPECT_NE(summary.find("Do not recover from this replica"), std::string::npos) << summary;
  nlohmann::json j = VerifyReportJson("r-1", disks);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["disks"][1]["equal"], false);
  EXPECT_NE(VerifyDiskLine(disks[1]).find("DIFFERENT from the source snapshot disk svdi-1"),
            std::string::npos);
}

TEST(ReplicaVerifyReportTest, AnUnreadableDiskFailsWithItsErrorAndAskToRetry) {
  DiskVerification broken = Disk("0", "");
  broken.status = Status::Unavailable("export replica disk rvdi-0: connection reset");
  std::vector<DiskVerification> disks = {broken};
  EXPECT_FALSE(VerifyPassed(disks));
  std::string summary = VerifySummary(disks);
  EXPECT_NE(summary.find("disk 0 could not be checked"), std::string::npos) << summary;
  EXPECT_NE(summary.find("connection reset"), std::string::npos) << summary;
  EXPECT_NE(summary.find("verify again"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("Do not recover"), std::string::npos) << summary;
  nlohmann::json j = VerifyReportJson("r-1", disks);
  EXPECT_NE(j["disks"][0]["error"].get<std::string>().find("connection reset"), std::string::npos);
  EXPECT_NE(VerifyDiskLine(broken).find("ERROR"), std::string::npos);
}

TEST(ReplicaVerifyReportTest, NoDiskOrNoComparisonNeverPasses) {
  EXPECT_FALSE(VerifyPassed({}));
  EXPECT_NE(VerifySummary({}).find("no disk"), std::string::npos);
  DiskVerification alone = Disk("0", "xcr-content-v2:aaaa");
  alone.note = "the recorded digest covers only the delta its run sent";
  std::vector<DiskVerification> disks = {alone};
  EXPECT_FALSE(VerifyPassed(disks));
  EXPECT_NE(VerifySummary(disks).find("disk 0 was not compared: the recorded digest covers"),
            std::string::npos)
      << VerifySummary(disks);
}

}  // namespace
}  // namespace xcr::engine
