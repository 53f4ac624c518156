// Hostile answers of the wrong type, for each typed call the engine, the disk transfer and
// cr-seed make (grep engine/ seed-tool/ xapi/disk_transfer.cc for the xapi calls): every call is
// answered with every shape that is not its own, over the in-memory FakePool, and must fail with
// kCorruption naming the method, the expected and the received type — never succeed with a
// made-up value. Then each record field the client reads, answered with a wrong type.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "tests/testutil/status_matchers.h"
#include "tests/xapi/session_fake_xapi.h"
#include "xapi/api.h"
#include "xapi/result_shape.h"

namespace xcr::xapi {
namespace {

using testing::FakePool;
using S = ResultShape;

// One typed call: the method whose answer is hostile, the shape it must have, and how the
// engine makes the call.
struct TypedCall {
  std::string method;
  S shape;
  std::function<Status(Connection&)> run;
};

template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.ok() ? Status::OK() : r.status();
}

std::vector<TypedCall> EngineCalls() {
  const Ref vm = "OpaqueRef:vm", vdi = "OpaqueRef:vdi";
  auto records = [](const char* cls) {
    // engine/pool_catalog.cc reads VM, VBD, VDI and SR records whole through Call().
    return TypedCall{std::string(cls) + ".get_all_records", S::kRecordSet,
                     [cls](Connection& c) { return StatusOf(GetAllRecordsValue(c, cls)); }};
  };
  auto raw_void = [](std::string method, Array params) {
    // Calls the engine and cr-seed make through Connection::Call with no typed wrapper.
    return TypedCall{method, S::kVoid,
                     [method, params](Connection& c) { return StatusOf(c.Call(method, params)); }};
  };
  return {
      records("VM"),
      records("VBD"),
      records("VDI"),
      records("SR"),
      {"SR.get_all_records", S::kRecordSet,
       [](Connection& c) { return StatusOf(GetAllRecords<SrRecord>(c)); }},
      {"network.get_all_records", S::kRecordSet,
       [](Connection& c) { return StatusOf(GetAllRecords<NetworkRecord>(c)); }},
      {"VM.get_record", S::kRecord,
       [=](Connection& c) { return StatusOf(GetRecord<VmRecord>(c, vm)); }},
      {"VIF.get_record", S::kRecord,
       [](Connection& c) { return StatusOf(GetRecord<VifRecord>(c, "OpaqueRef:vif")); }},
      {"network.get_record", S::kRecord,
       [](Connection& c) { return StatusOf(GetRecord<NetworkRecord>(c, "OpaqueRef:net")); }},
      {"VDI.get_record", S::kRecord,
       [=](Connection& c) { return StatusOf(GetRecord<VdiRecord>(c, vdi)); }},
      {"task.get_record", S::kRecord,
       [](Connection& c) { return StatusOf(WaitTask(c, "OpaqueRef:task")); }},
      {"VM.snapshot", S::kRef,
       [=](Connection& c) { return StatusOf(VmSnapshot(c, vm, "snap", {})); }},
      {"VM.clone", S::kRef, [=](Connection& c) { return StatusOf(VmClone(c, vm, "clone")); }},
      {"VM.create", S::kRef,
       [](Connection& c) {
         // engine/replica_writer.cc builds the record itself.
         return StatusOf(CallRef(c, "VM.create", {Value(Struct{{"name_label", "r"}})}));
       }},
      {"VDI.create", S::kRef,
       [](Connection& c) {
         VdiSpec spec;
         spec.SR = "OpaqueRef:sr";
         spec.virtual_size = 1 << 20;
         return StatusOf(VdiCreate(c, spec));
       }},
      {"VDI.clone", S::kRef, [=](Connection& c) { return StatusOf(VdiClone(c, vdi)); }},
      {"VBD.create", S::kRef,
       [=](Connection& c) {
         VbdSpec spec;
         spec.VM = vm;
         spec.VDI = vdi;
         return StatusOf(VbdCreate(c, spec));
       }},
      {"VIF.create", S::kRef,
       [=](Connection& c) {
         VifSpec spec;
         spec.VM = vm;
         spec.network = "OpaqueRef:net";
         return StatusOf(VifCreate(c, spec));
       }},
      {"task.create", S::kRef,
       [](Connection& c) { return StatusOf(TaskCreate(c, "export", "xcr disk transfer")); }},
      {"VM.destroy", S::kVoid, [=](Connection& c) { return VmDestroy(c, vm); }},
      {"VDI.destroy", S::kVoid, [=](Connection& c) { return VdiDestroy(c, vdi); }},
      {"task.destroy", S::kVoid, [](Connection& c) { return TaskDestroy(c, "OpaqueRef:task"); }},
      {"task.cancel", S::kVoid, [](Connection& c) { return TaskCancel(c, "OpaqueRef:task"); }},
      {"VM.set_is_a_template", S::kVoid,
       [=](Connection& c) { return VmSetIsATemplate(c, vm, false); }},
      {"VM.set_name_label", S::kVoid, [=](Connection& c) { return VmSetNameLabel(c, vm, "n"); }},
      {"VM.set_blocked_operations", S::kVoid,
       [=](Connection& c) {
         return VmSetBlockedOperations(c, vm, {{"start", "replica"}});
       }},
      {"VM.add_to_blocked_operations", S::kVoid,
       [=](Connection& c) { return VmAddToBlockedOperations(c, vm, "start", "replica"); }},
      {"VM.remove_from_blocked_operations", S::kVoid,
       [=](Connection& c) { return VmRemoveFromBlockedOperations(c, vm, "start"); }},
      {"VM.add_to_other_config", S::kVoid,
       [=](Connection& c) { return AddToOtherConfig(c, "VM", vm, "xo:k", "v"); }},
      {"VDI.remove_from_other_config", S::kVoid,
       [=](Connection& c) { return RemoveFromOtherConfig(c, "VDI", vdi, "xo:k"); }},
      {"VDI.set_other_config", S::kVoid,
       [=](Connection& c) {
         return SetOtherConfig(c, "VDI", vdi, {{"xo:k", "v"}});
       }},
      raw_void("VDI.set_name_label", {vdi, "disk"}),
      raw_void("VDI.set_name_description", {vdi, "seeded"}),
      raw_void("VM.add_tags", {vm, "xcr-replica"}),
      raw_void("VM.remove_tags", {vm, "xcr-replica"}),
      raw_void("VM.start", {vm, false, false}),
  };
}

// Answers of every shape, each with the shapes it is right for.
struct Answer {
  const char* label;
  Value value;
  std::set<S> fits;
};

std::vector<Answer> Answers() {
  return {
      {"nil", Value(), {S::kVoid}},
      {"empty string", Value(""), {S::kVoid}},
      {"ref", Value("OpaqueRef:x"), {S::kRef}},
      {"int", Value(42), {}},
      {"bool", Value(true), {}},
      {"double", Value(1.5), {}},
      {"dateTime", Value(DateTime{"20261207T16:44:27Z"}), {}},
      {"empty array", Value(Array{}), {S::kRefSet}},
      {"array of refs", Value(Array{"OpaqueRef:a"}), {S::kRefSet}},
      {"array of ints", Value(Array{Value(1), Value(2)}), {}},
      {"empty struct", Value(Struct{}), {S::kRecord, S::kRecordSet}},
      {"struct of records",
       Value(Struct{{"OpaqueRef:a", Value(Struct{{"uuid", "u"}})}}),
       {S::kRecord, S::kRecordSet}},
      {"struct of ints", Value(Struct{{"OpaqueRef:a", Value(42)}}), {S::kRecord}},
  };
}

class ApiWrongTypeTest : public testing::FakePoolTest {
 protected:
  void SetUp() override {
    FakePoolTest::SetUp();
    pool_.ints_as_i4 = true;
    // Helper calls some typed calls make first (remove_from before add_to) answer rightly.
    for (const char* m : {"VM.remove_from_other_config", "VM.remove_from_blocked_operations"}) {
      pool_.On(m, [](const Array&) -> Result<Value> { return Value(); });
    }
  }
};

TEST_F(ApiWrongTypeTest, EveryEngineCallRefusesEveryWrongShape) {
  int refused = 0;
  for (const TypedCall& call : EngineCalls()) {
    for (const Answer& a : Answers()) {
      if (a.fits.count(call.shape) != 0) continue;
      Value answer = a.value;
      pool_.On(call.method, [answer](const Array&) -> Result<Value> { return answer; });
      Status s = call.run(*conn_);
      SCOPED_TRACE(call.method + " answered with " + a.label);
      ASSERT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
      EXPECT_NE(s.message().find(call.method), std::string::npos) << s.message();
      EXPECT_NE(s.message().find("expected "), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(", got "), std::string::npos) << s.message();
      ++refused;
    }
  }
  EXPECT_GE(refused, 300);  // 36 calls, 8 to 11 wrong shapes each
}

TEST_F(ApiWrongTypeTest, TheMessageNamesMethodExpectedAndReceived) {
  pool_.On("VM.get_all_records", [](const Array&) -> Result<Value> { return Value(42); });
  Status s = StatusOf(GetAllRecords<VmRecord>(*conn_));
  EXPECT_EQ(s.message(), "VM.get_all_records: expected a struct of records, got an int (42)");
  pool_.On("VM.clone", [](const Array&) -> Result<Value> { return Value(Array{}); });
  EXPECT_EQ(StatusOf(VmClone(*conn_, "OpaqueRef:vm", "c")).message(),
            "VM.clone: expected a ref (a non-empty string), got an array ([])");
  pool_.On("VM.destroy", [](const Array&) -> Result<Value> { return Value("OpaqueRef:x"); });
  EXPECT_EQ(VmDestroy(*conn_, "OpaqueRef:vm").message(),
            "VM.destroy: expected nothing (void), got a string (\"OpaqueRef:x\")");
}

TEST_F(ApiWrongTypeTest, EveryEngineCallTakesAnAnswerOfItsShape) {
  // The other half: the calls above are not refused for being made, only for their answers.
  for (const TypedCall& call : EngineCalls()) {
    Value right;
    switch (call.shape) {
      case S::kRef:
        right = Value("OpaqueRef:new");
        break;
      case S::kRecord:
        right = Value(Struct{{"uuid", "u"}, {"status", "success"}, {"network", "OpaqueRef:n"}});
        break;
      case S::kRecordSet:
        right = Value(Struct{{"OpaqueRef:a", Value(Struct{{"uuid", "u"}})}});
        break;
      default:
        break;  // void
    }
    pool_.On(call.method, [right](const Array&) -> Result<Value> { return right; });
    EXPECT_OK(call.run(*conn_)) << call.method;
  }
}

// A record field the client reads, answered with a wrong type.
struct WrongField {
  const char* method;
  const char* field;
  Value value;
  const char* expected;  // in the message
};

TEST_F(ApiWrongTypeTest, RecordFieldsOfTheWrongTypeAreRefused) {
  const std::vector<WrongField> fields = {
      {"VM.get_record", "power_state", Value(3), "expected a string, got an int (3)"},
      {"VM.get_record", "snapshot_of", Value(Array{}), "expected a string, got an array"},
      {"VM.get_record", "is_a_template", Value("maybe"), "expected a boolean"},
      {"VM.get_record", "VBDs", Value("OpaqueRef:vbd"), "expected an array, got a string"},
      {"VM.get_record", "VIFs", Value(Array{Value(7)}), "VM.VIFs[0]: expected a string"},
      {"VM.get_record", "other_config", Value(Array{}), "expected a map (struct), got an array"},
      {"VM.get_record", "other_config", Value(Struct{{"k", Value(1)}}),
       "VM.other_config[k]: expected a string, got an int (1)"},
      {"VM.get_record", "snapshot_time", Value(0), "expected a dateTime, got an int (0)"},
      {"VDI.get_record", "virtual_size", Value("big"), "expected an int"},
      {"VDI.get_record", "SR", Value(Struct{}), "expected a string, got a struct"},
      {"VDI.get_record", "sm_config", Value(true), "expected a map (struct), got a boolean"},
      {"VIF.get_record", "network", Value(5), "expected a string, got an int (5)"},
      {"VIF.get_record", "MTU", Value(Array{}), "expected an int"},
      {"network.get_record", "bridge", Value(1.5), "expected a string, got a double"},
      {"task.get_record", "status", Value(1), "expected a string, got an int (1)"},
      {"task.get_record", "progress", Value("half"), "expected a double"},
      {"task.get_record", "error_info", Value("boom"), "expected an array, got a string"},
  };
  for (const WrongField& f : fields) {
    Struct fields_of_rec{{"uuid", "u"}, {"status", "success"}};
    fields_of_rec[f.field] = f.value;
    Value rec(std::move(fields_of_rec));
    pool_.On(f.method, [rec](const Array&) -> Result<Value> { return rec; });
    Status s;
    std::string m = f.method;
    if (m == "VM.get_record") s = StatusOf(GetRecord<VmRecord>(*conn_, "OpaqueRef:r"));
    if (m == "VDI.get_record") s = StatusOf(GetRecord<VdiRecord>(*conn_, "OpaqueRef:r"));
    if (m == "VIF.get_record") s = StatusOf(GetRecord<VifRecord>(*conn_, "OpaqueRef:r"));
    if (m == "network.get_record") s = StatusOf(GetRecord<NetworkRecord>(*conn_, "OpaqueRef:r"));
    if (m == "task.get_record") s = StatusOf(WaitTask(*conn_, "OpaqueRef:r"));
    SCOPED_TRACE(m + " with " + f.field + " = " + f.value.DebugString());
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
    EXPECT_NE(s.message().find(m + " OpaqueRef:r"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(std::string(".") + f.field), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(f.expected), std::string::npos) << s.message();
  }
}

TEST_F(ApiWrongTypeTest, EventBatchesOfTheWrongTypeAreRefused) {
  pool_.On("event.from", [](const Array&) -> Result<Value> { return Value(42); });
  EXPECT_EQ(StatusOf(EventFrom(*conn_, {"*"}, "", 1.0)).message(),
            "event.from record: expected a struct, got an int (42)");
  pool_.On("event.from", [](const Array&) -> Result<Value> {
    return Value(Struct{{"token", "t"}, {"events", Value(Array{Value(Struct{{"class", 3}})})}});
  });
  EXPECT_EQ(StatusOf(EventFrom(*conn_, {"*"}, "", 1.0)).message(),
            "event.from: event.class: expected a string, got an int (3)");
  pool_.On("event.from", [](const Array&) -> Result<Value> {
    return Value(Struct{{"token", "t"}, {"events", "none"}});
  });
  EXPECT_EQ(StatusOf(EventFrom(*conn_, {"*"}, "", 1.0)).message(),
            "event.from.events: expected an array, got a string (\"none\")");
}

TEST_F(ApiWrongTypeTest, ARecordSetWithOneBadRecordNamesItsRef) {
  pool_.On("VDI.get_all_records", [](const Array&) -> Result<Value> {
    return Value(Struct{{"OpaqueRef:good", Value(Struct{{"uuid", "u"}})},
                        {"OpaqueRef:bad", Value(Struct{{"virtual_size", Value(Array{})}})}});
  });
  Status s = StatusOf(GetAllRecords<VdiRecord>(*conn_));
  ASSERT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("VDI.get_all_records OpaqueRef:bad: VDI.virtual_size"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace xcr::xapi
