// ListOrphans over a hand-made catalog: replicas and source snapshots of jobs the store does not
// know, nothing of a known job, never a user's VM or snapshot.
#include "engine/orphan_listing.h"

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

VmView Vm(const std::string& uuid, const std::string& job, bool sr, bool blocked, bool snapshot,
          const std::string& datetime = "20261207T200000Z") {
  VmView v;
  v.ref = "ref-" + uuid;
  v.uuid = uuid;
  v.name_label = "name-" + uuid;
  v.is_a_snapshot = snapshot;
  if (!job.empty()) {
    v.other_config = {{std::string(keys::kJob), job},
                      {std::string(keys::kSchedule), "daily"},
                      {std::string(keys::kVm), "src-vm"},
                      {std::string(keys::kDatetime), datetime}};
    if (sr) v.other_config[std::string(keys::kSr)] = "sr-1";
  }
  if (blocked) v.blocked_operations["start"] = "blocked";
  return v;
}

TEST(ListOrphansTest, ReplicasAndSnapshotsOfUnknownJobsOnly) {
  PoolCatalog cat;
  cat.sr_names["sr-1"] = "fast";
  cat.vms = {
      Vm("rep-known", "job-1", true, true, false),
      Vm("rep-lost", "job-9", true, true, false),
      Vm("rep-lost-partial", "job-9", true, true, false, std::string(keys::kDatetimePlaceholder)),
      Vm("snap-lost", "job-9", false, false, true),
      Vm("snap-known", "job-1", false, false, true),
      Vm("user-vm", "", false, false, false),
      Vm("user-snap", "", false, false, true),
      Vm("dr-clone", "job-9", true, false, false)};  // startable: a user's
  std::vector<OrphanEntry> got = ListOrphans(cat, {"job-1"});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].uuid, "rep-lost");
  EXPECT_EQ(got[0].kind, "replica");
  EXPECT_EQ(got[0].sr_name, "fast");
  EXPECT_TRUE(got[0].complete);
  EXPECT_EQ(got[1].uuid, "rep-lost-partial");
  EXPECT_FALSE(got[1].complete);
  EXPECT_EQ(got[2].uuid, "snap-lost");
  EXPECT_EQ(got[2].kind, "snapshot");
  EXPECT_EQ(got[2].sr, "");
  nlohmann::json j = OrphanListingJson(got);
  EXPECT_EQ(j[0]["job"], "job-9");
  EXPECT_EQ(j[0]["vm"], "src-vm");
  EXPECT_EQ(j[0]["schedule"], "daily");
  EXPECT_EQ(j[2]["kind"], "snapshot");
  EXPECT_TRUE(ListOrphans(cat, {"job-1", "job-9"}).empty());
}

}  // namespace
}  // namespace xcr::engine
