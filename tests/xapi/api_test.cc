#include "xapi/api.h"

#include <gtest/gtest.h>

#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/xapi/session_fake_xapi.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi {
namespace {

using testing::FakePool;

using ApiTest = testing::FakePoolTest;

TEST_F(ApiTest, SnapshotSendsIgnoreVdisAndFallsBackOnOldHosts) {
  pool_.On("VM.snapshot", [](const Array& p) -> Result<Value> { return Value("OpaqueRef:s1"); });
  ASSERT_OK_AND_ASSIGN(Ref s, VmSnapshot(*conn_, "OpaqueRef:vm", "snap", {"OpaqueRef:vdi"}));
  EXPECT_EQ(s, "OpaqueRef:s1");
  auto calls = pool_.params_of("VM.snapshot");
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(calls[0].size(), 4u);  // session, vm, name, ignore_vdis
  EXPECT_EQ(calls[0][3], Value(Array{"OpaqueRef:vdi"}));

  pool_.On("VM.snapshot", [](const Array& p) -> Result<Value> {
    if (p.size() != 2) {
      return Status::Remote("MESSAGE_PARAMETER_COUNT_MISMATCH", {"VM.snapshot", "3", "4"});
    }
    return Value("OpaqueRef:s2");
  });
  ASSERT_OK_AND_ASSIGN(Ref s2, VmSnapshot(*conn_, "OpaqueRef:vm", "snap", {}));
  EXPECT_EQ(s2, "OpaqueRef:s2");
  EXPECT_STATUS(VmSnapshot(*conn_, "OpaqueRef:vm", "snap", {"OpaqueRef:vdi"}),
                StatusCode::kNotSupported);
}

TEST_F(ApiTest, AddToOtherConfigRemovesTheKeyFirst) {
  pool_.On("VM.remove_from_other_config", [](const Array&) -> Result<Value> { return Value(); });
  pool_.On("VM.add_to_other_config", [](const Array&) -> Result<Value> { return Value(); });
  ASSERT_OK(AddToOtherConfig(*conn_, "VM", "OpaqueRef:vm", "xcr:k", "v"));
  auto calls = pool_.calls();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[calls.size() - 2], "VM.remove_from_other_config");
  EXPECT_EQ(calls.back(), "VM.add_to_other_config");
  EXPECT_EQ(pool_.params_of("VM.add_to_other_config")[0],
            (Array{conn_->session_ref(), "OpaqueRef:vm", "xcr:k", "v"}));
}

TEST_F(ApiTest, GetAllRecordsDecodesAndKeepsUnknownFields) {
  pool_.On("VDI.get_all_records", [](const Array&) -> Result<Value> {
    return Value(Struct{{"OpaqueRef:d", Value(Struct{{"uuid", "u"},
                                                     {"virtual_size", "10737418240"},
                                                     {"sharable", false},
                                                     {"other_config", Value(Struct{{"k", "v"}})},
                                                     {"future_field", "kept"}})}});
  });
  ASSERT_OK_AND_ASSIGN(auto all, GetAllRecords<VdiRecord>(*conn_));
  const VdiRecord& d = all.at("OpaqueRef:d");
  EXPECT_EQ(d.virtual_size, 10737418240);
  EXPECT_EQ(d.other_config.at("k"), "v");
  ASSERT_NE(d.raw.find("future_field"), d.raw.end());
  EXPECT_EQ(d.raw.at("future_field"), Value("kept"));
}

TEST_F(ApiTest, VdiCreateSendsSizeAsStringAndReturnsRef) {
  pool_.On("VDI.create", [](const Array&) -> Result<Value> { return Value("OpaqueRef:new"); });
  VdiSpec spec;
  spec.SR = "OpaqueRef:sr";
  spec.virtual_size = int64_t{1} << 33;
  spec.name_label = "disk";
  ASSERT_OK_AND_ASSIGN(Ref r, VdiCreate(*conn_, spec));
  EXPECT_EQ(r, "OpaqueRef:new");
  Value rec = pool_.params_of("VDI.create")[0][1];
  EXPECT_EQ(*rec.Find("virtual_size"), Value("8589934592"));
  EXPECT_EQ(*rec.Find("SR"), Value("OpaqueRef:sr"));
}

TEST_F(ApiTest, CallAsyncWaitsForTheTaskAndDestroysIt) {
  int polls = 0;
  pool_.On("Async.VM.clone", [](const Array&) -> Result<Value> { return Value("OpaqueRef:t"); });
  pool_.On("task.get_record", [&](const Array&) -> Result<Value> {
    ++polls;
    if (polls < 3) return Value(Struct{{"status", "pending"}, {"progress", 0.5}});
    return Value(Struct{{"status", "success"}, {"result", EncodeValue(Value("OpaqueRef:c"))}});
  });
  pool_.On("task.destroy", [](const Array&) -> Result<Value> { return Value(); });
  WaitOptions w;
  w.poll_interval_micros = 1000;
  ASSERT_OK_AND_ASSIGN(Value v, CallAsync(*conn_, "VM.clone", {"OpaqueRef:vm", "c"}, w));
  EXPECT_EQ(v, Value("OpaqueRef:c"));
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(pool_.params_of("task.destroy").size(), 1u);
}

// A task about to finish is seen soon (1 ms), a long one is polled no more often than asked.
TEST_F(ApiTest, WaitTaskPollsSoonThenBacksOffToTheInterval) {
  xcr::testing::FakeClockEnv env;
  std::vector<uint64_t> at;  // fake time of each poll, from the start
  const uint64_t start = env.NowMicros();
  pool_.On("task.get_record", [&](const Array&) -> Result<Value> {
    at.push_back(env.NowMicros() - start);
    if (at.size() < 12) return Value(Struct{{"status", "pending"}});
    return Value(Struct{{"status", "success"}});
  });
  WaitOptions w;
  w.env = &env;
  w.poll_interval_micros = 100'000;
  ASSERT_OK(WaitTask(*conn_, "OpaqueRef:t", w).status());
  ASSERT_EQ(at.size(), 12u);
  std::vector<uint64_t> gaps;
  for (size_t i = 1; i < at.size(); ++i) gaps.push_back(at[i] - at[i - 1]);
  EXPECT_EQ(at[0], 0u);
  EXPECT_EQ(gaps, (std::vector<uint64_t>{1000, 2000, 4000, 8000, 16000, 32000, 64000, 100000,
                                         100000, 100000, 100000}));
}

TEST_F(ApiTest, FailedTaskBecomesRemoteErrorWithParams) {
  pool_.On("task.get_record", [](const Array&) -> Result<Value> {
    return Value(Struct{{"status", "failure"},
                        {"error_info", Value(Array{"VDI_IO_ERROR", "Device I/O errors"})}});
  });
  auto r = WaitTask(*conn_, "OpaqueRef:t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error_name(), "VDI_IO_ERROR");
  EXPECT_EQ(r.status().params(), std::vector<std::string>{"Device I/O errors"});
}

TEST_F(ApiTest, WaitTaskTimesOut) {
  pool_.On("task.get_record", [](const Array&) -> Result<Value> {
    return Value(Struct{{"status", "pending"}});
  });
  WaitOptions w;
  w.poll_interval_micros = 1000;
  w.timeout_micros = 20'000;
  EXPECT_STATUS(WaitTask(*conn_, "OpaqueRef:t", w), StatusCode::kTimeout);
}

TEST_F(ApiTest, EventFromDecodesEventsAndToken) {
  pool_.On("event.from", [](const Array& p) -> Result<Value> {
    EXPECT_EQ(p.size(), 3u);
    return Value(Struct{
        {"token", "42,1"},
        {"valid_ref_counts", Value(Struct{{"VM", Value(1)}})},
        {"events", Value(Array{Value(Struct{{"id", "7"},
                                            {"class", "vm"},
                                            {"operation", "mod"},
                                            {"ref", "OpaqueRef:vm"},
                                            {"snapshot", Value(Struct{{"uuid", "u"}})}})})}});
  });
  ASSERT_OK_AND_ASSIGN(EventBatch b, EventFrom(*conn_, {"vm"}, "", 1.0));
  EXPECT_EQ(b.token, "42,1");
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].id, 7);
  EXPECT_EQ(b.events[0].class_name, "vm");
  EXPECT_EQ(b.events[0].operation, "mod");
  ASSERT_OK_AND_ASSIGN(VmRecord vm, VmRecord::Decode(b.events[0].snapshot));
  EXPECT_EQ(vm.uuid, "u");
}

TEST(RecordsTest, WrongFieldTypeIsCorruptionNamingTheField) {
  auto r = VmRecord::Decode(Value(Struct{{"VBDs", "not-an-array"}}));
  EXPECT_STATUS(r, StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("VM.VBDs"), std::string::npos);
  EXPECT_STATUS(VmRecord::Decode(Value("x")), StatusCode::kCorruption);
  auto b = VmRecord::Decode(Value(Struct{{"is_a_template", "maybe"}}));
  EXPECT_STATUS(b, StatusCode::kCorruption);
}

TEST(RecordsTest, DecodesVmFieldsReplicationUses) {
  ASSERT_OK_AND_ASSIGN(
      VmRecord vm, VmRecord::Decode(Value(
                       Struct{{"uuid", "u"},
                              {"name_label", "web"},
                              {"power_state", "Running"},
                              {"is_a_template", false},
                              {"is_a_snapshot", true},
                              {"snapshot_of", "OpaqueRef:vm"},
                              {"snapshot_time", DateTime{"20240101T00:00:00Z"}},
                              {"VBDs", Value(Array{"OpaqueRef:b1", "OpaqueRef:b2"})},
                              {"blocked_operations", Value(Struct{{"start", "xcr replica"}})}})));
  EXPECT_EQ(vm.power_state, "Running");
  EXPECT_TRUE(vm.is_a_snapshot);
  EXPECT_EQ(vm.snapshot_time, "20240101T00:00:00Z");
  EXPECT_EQ(vm.VBDs.size(), 2u);
  EXPECT_EQ(vm.blocked_operations.at("start"), "xcr replica");
  EXPECT_EQ(vm.raw.size(), 9u);
}

}  // namespace
}  // namespace xcr::xapi
