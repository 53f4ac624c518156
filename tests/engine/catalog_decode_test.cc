#include "engine/catalog_decode.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::engine {
namespace {

using xapi::Array;
using xapi::DateTime;
using xapi::Struct;
using xapi::Value;

// Records shaped as XAPI sends them: ints as strings, refs as strings, maps as structs.
PoolRecords SmallPool() {
  PoolRecords r;
  r.srs = Struct{{"OpaqueRef:sr", Struct{{"uuid", "sr-uuid"}, {"name_label", "Local storage"}}}};
  r.vdis =
      Struct{{"OpaqueRef:vdi0", Struct{{"uuid", "vdi0-uuid"},
                                       {"name_label", "root"},
                                       {"SR", "OpaqueRef:sr"},
                                       {"virtual_size", "10737418240"},
                                       {"physical_utilisation", "1073741824"},
                                       {"is_a_snapshot", false},
                                       {"snapshot_of", "OpaqueRef:NULL"},
                                       {"other_config", Struct{{"xo:backup:contentKey", "k"}}}}},
             {"OpaqueRef:vdi1", Struct{{"uuid", "vdi1-uuid"},
                                       {"SR", "OpaqueRef:sr"},
                                       {"virtual_size", "2147483648"},
                                       {"other_config", Struct{}}}}};
  r.vbds = Struct{
      {"OpaqueRef:vbd-cd",
       Struct{{"type", "CD"}, {"VDI", "OpaqueRef:NULL"}, {"userdevice", "3"}, {"empty", true}}},
      {"OpaqueRef:vbd10",
       Struct{{"type", "Disk"}, {"VDI", "OpaqueRef:vdi1"}, {"userdevice", "10"}, {"empty", false}}},
      {"OpaqueRef:vbd0",
       Struct{{"type", "Disk"}, {"VDI", "OpaqueRef:vdi0"}, {"userdevice", "0"}, {"empty", false}}}};
  r.vms = Struct{
      {"OpaqueRef:dom0", Struct{{"uuid", "dom0"}, {"is_control_domain", true}}},
      {"OpaqueRef:vm", Struct{{"uuid", "vm-uuid"},
                              {"name_label", "web-01"},
                              {"is_a_template", false},
                              {"is_a_snapshot", false},
                              {"snapshot_of", "OpaqueRef:NULL"},
                              {"snapshot_time", DateTime{"19700101T00:00:00Z"}},
                              {"other_config", Struct{{"xo:backup:job", "j"}}},
                              {"blocked_operations", Struct{{"start", "no"}}},
                              {"tags", Array{Value("Continuous Replication")}},
                              {"VBDs", Array{Value("OpaqueRef:vbd10"), Value("OpaqueRef:vbd-cd"),
                                             Value("OpaqueRef:vbd0"), Value("OpaqueRef:gone")}}}}};
  return r;
}

TEST(CatalogDecodeTest, ResolvesDisksInUserdeviceOrderAndSkipsCdsAndDom0) {
  ASSERT_OK_AND_ASSIGN(auto vms, DecodeVms(SmallPool()));
  ASSERT_EQ(vms.size(), 1u);
  const VmView& vm = vms[0];
  EXPECT_EQ(vm.uuid, "vm-uuid");
  EXPECT_EQ(vm.name_label, "web-01");
  EXPECT_EQ(vm.other_config.at("xo:backup:job"), "j");
  EXPECT_EQ(vm.blocked_operations.at("start"), "no");
  EXPECT_EQ(vm.tags, std::vector<std::string>{"Continuous Replication"});
  ASSERT_EQ(vm.disks.size(), 2u);
  EXPECT_EQ(vm.disks[0].userdevice, "0");
  EXPECT_EQ(vm.disks[0].vdi.uuid, "vdi0-uuid");
  EXPECT_EQ(vm.disks[0].vdi.virtual_size, 10737418240u);
  EXPECT_EQ(vm.disks[0].vdi.physical_utilisation, 1073741824u);
  EXPECT_EQ(vm.disks[1].vdi.physical_utilisation, 0u);  // not reported: 0
  EXPECT_EQ(vm.disks[0].vdi.sr_uuid, "sr-uuid");
  EXPECT_EQ(vm.disks[0].vdi.other_config.at("xo:backup:contentKey"), "k");
  EXPECT_EQ(vm.disks[1].userdevice, "10");
}

TEST(CatalogDecodeTest, DecodesSnapshotTime) {
  PoolRecords r = SmallPool();
  r.vms.mutable_structure()["OpaqueRef:vm"].mutable_structure()["snapshot_time"] =
      DateTime{"20261123T09:41:07Z"};
  ASSERT_OK_AND_ASSIGN(auto vms, DecodeVms(r));
  EXPECT_EQ(vms[0].snapshot_time, 1795426867);
}

TEST(CatalogDecodeTest, MissingVirtualSizeIsAnErrorNamingTheField) {
  PoolRecords r = SmallPool();
  r.vdis.mutable_structure()["OpaqueRef:vdi0"].mutable_structure().erase("virtual_size");
  auto vms = DecodeVms(r);
  ASSERT_FALSE(vms.ok());
  EXPECT_EQ(vms.status().code(), StatusCode::kCorruption);
  EXPECT_NE(vms.status().message().find("VDI record OpaqueRef:vdi0: field 'virtual_size' missing"),
            std::string::npos)
      << vms.status().message();
}

TEST(CatalogDecodeTest, NonStructResultIsAnError) {
  PoolRecords r = SmallPool();
  r.vbds = Value("oops");
  EXPECT_STATUS(DecodeVms(r), StatusCode::kCorruption);
}

TEST(CatalogDecodeTest, AllVdisWithSrUuid) {
  ASSERT_OK_AND_ASSIGN(auto vdis, DecodeVdis(SmallPool()));
  ASSERT_EQ(vdis.size(), 2u);
  for (const VdiView& v : vdis) EXPECT_EQ(v.sr_uuid, "sr-uuid");
}

}  // namespace
}  // namespace xcr::engine
