#include "engine/replica_listing.h"

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

constexpr int64_t kNow = 1795426867;  // 2026-11-23T09:41:07Z

VmView Replica(const std::string& name, const std::string& source, const std::string& datetime) {
  VmView v;
  v.uuid = "uuid-" + name;
  v.name_label = name;
  v.other_config = {
      {std::string(keys::kJob), "job-1"},       {std::string(keys::kSchedule), "sched-1"},
      {std::string(keys::kSr), "sr-a"},         {std::string(keys::kVm), source},
      {std::string(keys::kDatetime), datetime}, {std::string(keys::kDeltaChainLength), "2"}};
  v.blocked_operations = {{"start", std::string(keys::kBlockedStartMessage)}};
  v.disks.resize(2);
  return v;
}

std::vector<std::string> Names(const std::vector<ReplicaEntry>& list) {
  std::vector<std::string> out;
  for (const ReplicaEntry& e : list) out.push_back(e.name);
  return out;
}

TEST(ReplicaListingTest, ListsReplicasNewestFirstWithTheirAge) {
  PoolCatalog catalog;
  catalog.vms = {Replica("old", "vm-1", "20261123T084107Z"),
                 Replica("new", "vm-1", "20261123T094007Z")};
  VmView user_vm = Replica("started-clone", "vm-1", "20261123T094007Z");
  user_vm.blocked_operations.clear();
  catalog.vms.push_back(user_vm);
  auto list = ListPoolReplicas(catalog, "", kNow);
  ASSERT_EQ(Names(list), (std::vector<std::string>{"new", "old"}));
  EXPECT_TRUE(list[0].complete);
  EXPECT_EQ(list[0].age_s, 60);
  EXPECT_EQ(list[1].age_s, 3600);
  EXPECT_EQ(list[0].source_vm, "vm-1");
  EXPECT_EQ(list[0].job, "job-1");
  EXPECT_EQ(list[0].schedule, "sched-1");
  EXPECT_EQ(list[0].sr, "sr-a");
  EXPECT_EQ(list[0].disks, 2u);
  EXPECT_EQ(list[0].delta_chain_length, 2);
}

TEST(ReplicaListingTest, NamesTheSrAndTypesTheChainLength) {
  PoolCatalog catalog;
  catalog.sr_names = {{"sr-a", "fast-nvme"}};
  catalog.vms = {Replica("web", "vm-1", "20261123T094007Z"),
                 Replica("db", "vm-2", "20261123T093007Z")};
  catalog.vms[1].other_config[std::string(keys::kSr)] = "sr-gone";
  catalog.vms[1].other_config[std::string(keys::kDeltaChainLength)] = "x";
  auto list = ListPoolReplicas(catalog, "", kNow);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].sr_name, "fast-nvme");
  EXPECT_EQ(list[1].sr_name, "");
  EXPECT_EQ(list[1].delta_chain_length, -1);
  nlohmann::json j = ReplicaListingJson(list);
  EXPECT_EQ(j[0]["delta_chain_length"], 2);
  EXPECT_TRUE(j[0]["delta_chain_length"].is_number());
  EXPECT_TRUE(j[1]["delta_chain_length"].is_null());
  EXPECT_EQ(j[0]["sr_name"], "fast-nvme");
  std::string text = ReplicaListingText(list, "https://dst");
  EXPECT_NE(text.find("SR 'fast-nvme' (sr-a)"), std::string::npos) << text;
  EXPECT_NE(text.find("delta chain ?, 2 disk(s), SR sr-gone"), std::string::npos) << text;
}

TEST(ReplicaListingTest, AnInterruptedCopyIsIncompleteWithoutAnAge) {
  PoolCatalog catalog;
  catalog.vms = {Replica("partial", "vm-1", std::string(keys::kDatetimePlaceholder))};
  auto list = ListPoolReplicas(catalog, "", kNow);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_FALSE(list[0].complete);
  EXPECT_EQ(list[0].age_s, -1);
  EXPECT_NE(ReplicaListingText(list, "https://dst").find("INCOMPLETE"), std::string::npos);
}

TEST(ReplicaListingTest, FiltersBySourceUuidOrNamePart) {
  PoolCatalog catalog;
  catalog.vms = {Replica("web-01 - job", "vm-1", "20261123T094007Z"),
                 Replica("db-01 - job", "vm-2", "20261123T094007Z")};
  EXPECT_EQ(Names(ListPoolReplicas(catalog, "vm-2", kNow)),
            (std::vector<std::string>{"db-01 - job"}));
  EXPECT_EQ(Names(ListPoolReplicas(catalog, "web", kNow)),
            (std::vector<std::string>{"web-01 - job"}));
  EXPECT_TRUE(ListPoolReplicas(catalog, "nothing", kNow).empty());
}

TEST(ReplicaListingTest, JsonAndTextCarryEveryField) {
  PoolCatalog catalog;
  catalog.vms = {Replica("web", "vm-1", "20261123T094007Z")};
  auto list = ListPoolReplicas(catalog, "", kNow);
  nlohmann::json j = ReplicaListingJson(list);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["uuid"], "uuid-web");
  EXPECT_EQ(j[0]["source_vm"], "vm-1");
  EXPECT_EQ(j[0]["datetime"], "20261123T094007Z");
  EXPECT_EQ(j[0]["complete"], true);
  EXPECT_EQ(j[0]["age_s"], 60);
  EXPECT_EQ(j[0]["disks"], 2);
  std::string text = ReplicaListingText(list, "https://dst");
  EXPECT_NE(text.find("uuid-web  web\n"), std::string::npos) << text;
  EXPECT_NE(text.find("delta chain 2, 2 disk(s), SR sr-a"), std::string::npos) << text;
  EXPECT_EQ(ReplicaListingText({}, "https://dst"), "no replicas on https://dst\n");
}

TEST(ReplicaListingTest, SumsTheDisksSizesAsThePoolReportsThem) {
  PoolCatalog catalog;
  catalog.vms = {Replica("web", "vm-1", "20261123T094007Z")};
  catalog.vms[0].disks[0].vdi.virtual_size = 16 << 20;
  catalog.vms[0].disks[0].vdi.physical_utilisation = 3 << 20;
  catalog.vms[0].disks[1].vdi.virtual_size = 8 << 20;
  catalog.vms[0].disks[1].vdi.physical_utilisation = 1 << 20;
  auto list = ListPoolReplicas(catalog, "", kNow);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].virtual_size, uint64_t{24} << 20);
  EXPECT_EQ(list[0].physical_utilisation, uint64_t{4} << 20);
  nlohmann::json j = ReplicaListingJson(list);
  EXPECT_EQ(j[0]["virtual_size"], 24 << 20);
  EXPECT_EQ(j[0]["physical_utilisation"], 4 << 20);
}

}  // namespace
}  // namespace xcr::engine
