// XML-RPC protocol tests: real requests over a socket to an in-process simulator.
#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/sim/sim_client.h"

namespace xcr::sim::testing {
namespace {

class ProtocolTest : public SimFixture {};

TEST_F(ProtocolTest, SessionLoginLogoutAndErrors) {
  auto bad = Call("session.login_with_password", {Value("root"), Value("wrong")});
  EXPECT_EQ(bad.status().error_name(), "SESSION_AUTHENTICATION_FAILED");
  EXPECT_EQ(bad.status().params().at(0), "root");
  auto four = Call("session.login_with_password",
                   {Value("root"), Value("xapi-sim"), Value("1.1"), Value("tests")});
  ASSERT_OK(four.status());
  auto one = Call("session.login_with_password", {Value("root")});
  EXPECT_EQ(one.status().error_name(), "MESSAGE_PARAMETER_COUNT_MISMATCH");
  EXPECT_EQ(one.status().params(),
            (std::vector<std::string>{"session.login_with_password", "4", "1"}));
  // The session record says who logged in.
  Struct s = Record("session", four->string());
  EXPECT_EQ(Str(s, "originator"), "tests");
  EXPECT_EQ(Str(s, "this_host"), First("host"));
  // Logout invalidates the session.
  auto logout = Call("session.logout", {*four});
  ASSERT_OK(logout.status());
  auto after = Call("VM.get_all", {*four});
  EXPECT_EQ(after.status().error_name(), "SESSION_INVALID");
  EXPECT_EQ(after.status().params().at(0), four->string());
  auto null_session = Call("VM.get_all", {Value("OpaqueRef:NULL")});
  EXPECT_EQ(null_session.status().error_name(), "SESSION_INVALID");
}

TEST_F(ProtocolTest, UnknownMethodsAndCounts) {
  EXPECT_EQ(Err("VM.frobnicate"), "MESSAGE_METHOD_UNKNOWN");
  EXPECT_EQ(Err("Async.VM.get_record", {Value(First("VM"))}), "MESSAGE_METHOD_UNKNOWN");
  EXPECT_EQ(Err("event.register", {Value(Array{Value("*")})}), "MESSAGE_METHOD_UNKNOWN");
  EXPECT_EQ(Err("VM.get_record"), "MESSAGE_PARAMETER_COUNT_MISMATCH");
  EXPECT_EQ(Err("VM.get_record", {Value("OpaqueRef:x"), Value("extra")}),
            "MESSAGE_PARAMETER_COUNT_MISMATCH");
}

TEST_F(ProtocolTest, MalformedXmlIsHttp500AndXmlRpcPathsArePrefixes) {
  HttpRequestSpec r;
  r.method = "POST";
  r.url = url_ + "/";
  r.body = "<methodCall><methodName>VM.get_all</methodName><params>";
  HttpResult h = Http(r);
  EXPECT_EQ(h.status, 500);
  // A JSON-RPC body on the XML-RPC handler is just malformed XML.
  r.body = R"({"jsonrpc":"2.0","method":"VM.get_all","params":[],"id":1})";
  EXPECT_EQ(Http(r).status, 500);
  // /RPC2, /xmlrpc and any other POST path but /jsonrpc serve XML-RPC (prefix "/").
  auto rpc2 = Call("VM.get_all", {Value(session_)}, "/RPC2");
  EXPECT_OK(rpc2.status());
  auto xmlrpc = Call("VM.get_all", {Value(session_)}, "/xmlrpc");
  EXPECT_OK(xmlrpc.status());
  auto other = Call("VM.get_all", {Value(session_)}, "/anything/else");
  EXPECT_OK(other.status());
}

TEST_F(ProtocolTest, ListMethodsIsABareArrayWithEveryClass) {
  HttpRequestSpec r;
  r.method = "POST";
  r.url = url_ + "/";
  r.body = EncodeMethodCall("system.listMethods", {});
  HttpResult h = Http(r);
  ASSERT_EQ(h.status, 200);
  ASSERT_OK_AND_ASSIGN(Value v, DecodeResponse(h.body));
  ASSERT_TRUE(v.is_array());
  std::vector<std::string> names;
  for (const Value& e : v.array()) names.push_back(e.string());
  for (const char* cls :
       {"pool", "host", "SR", "PBD", "network", "VM", "VBD", "VDI", "VIF", "task", "session"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), std::string(cls) + ".get_all_records"),
              names.end())
        << cls;
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "Async.VM.snapshot"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "event.from"), names.end());
}

TEST_F(ProtocolTest, BootstrapPoolAndRecordsAreComplete) {
  Value pools = Ok("pool.get_all_records");
  ASSERT_TRUE(pools.is_struct());
  ASSERT_EQ(pools.structure().size(), 1u);
  const Struct& pool = pools.structure().begin()->second.structure();
  EXPECT_EQ(Str(pool, "master"), First("host"));
  EXPECT_EQ(Str(pool, "default_SR"), First("SR"));
  Struct host = Record("host", First("host"));
  EXPECT_EQ(Str(host, "address"), "127.0.0.1");
  EXPECT_EQ(Str(host, "API_version_major"), "2");
  // Every VM has the datamodel's fields, e.g. the dom0.
  Value vms = Ok("VM.get_all_records");
  ASSERT_EQ(vms.structure().size(), 1u);
  const Struct& dom0 = vms.structure().begin()->second.structure();
  EXPECT_EQ(Str(dom0, "is_control_domain"), "true");
  EXPECT_EQ(Str(dom0, "power_state"), "Running");
  for (const char* f : {"uuid",
                        "name_label",
                        "is_a_template",
                        "is_a_snapshot",
                        "snapshot_of",
                        "snapshots",
                        "snapshot_time",
                        "snapshot_info",
                        "VBDs",
                        "VIFs",
                        "other_config",
                        "blocked_operations",
                        "allowed_operations",
                        "current_operations",
                        "tags",
                        "memory_static_max",
                        "VCPUs_max",
                        "platform",
                        "HVM_boot_policy",
                        "PV_args",
                        "ha_restart_priority",
                        "resident_on",
                        "affinity",
                        "consoles"}) {
    EXPECT_TRUE(dom0.count(f)) << f;
  }
  EXPECT_TRUE(dom0.at("snapshot_time").is_datetime());
}

TEST_F(ProtocolTest, GettersSettersAndLookups) {
  std::string vm = First("VM");
  std::string uuid = Ok("VM.get_uuid", {Value(vm)}).string();
  EXPECT_EQ(Ok("VM.get_by_uuid", {Value(uuid)}).string(), vm);
  auto bad_uuid = S("VM.get_by_uuid", {Value("00000000-0000-0000-0000-000000000000")});
  EXPECT_EQ(bad_uuid.status().error_name(), "UUID_INVALID");
  EXPECT_EQ(bad_uuid.status().params().at(0), "VM");
  auto bad_ref = S("VM.get_record", {Value("OpaqueRef:nope")});
  EXPECT_EQ(bad_ref.status().error_name(), "HANDLE_INVALID");
  EXPECT_EQ(bad_ref.status().params(), (std::vector<std::string>{"VM", "OpaqueRef:nope"}));
  Ok("VM.set_name_label", {Value(vm), Value("renamed")});
  EXPECT_EQ(Ok("VM.get_name_label", {Value(vm)}).string(), "renamed");
  EXPECT_EQ(Ok("VM.get_by_name_label", {Value("renamed")}).array().size(), 1u);
  Ok("VM.add_to_other_config", {Value(vm), Value("k"), Value("v")});
  EXPECT_EQ(Err("VM.add_to_other_config", {Value(vm), Value("k"), Value("w")}),
            "MAP_DUPLICATE_KEY");
  EXPECT_EQ(Ok("VM.get_other_config", {Value(vm)}).structure().at("k").string(), "v");
  Ok("VM.remove_from_other_config", {Value(vm), Value("k")});
  Ok("VM.remove_from_other_config", {Value(vm), Value("absent")});
  EXPECT_TRUE(Ok("VM.get_other_config", {Value(vm)}).structure().empty());
  Ok("VM.set_other_config", {Value(vm), Value(Struct{{"a", Value("1")}})});
  EXPECT_EQ(Ok("VM.get_other_config", {Value(vm)}).structure().size(), 1u);
  Ok("VM.add_tags", {Value(vm), Value("t1")});
  EXPECT_EQ(Ok("VM.get_tags", {Value(vm)}).array().size(), 1u);
  Ok("VM.remove_tags", {Value(vm), Value("t1")});
  EXPECT_TRUE(Ok("VM.get_tags", {Value(vm)}).array().empty());
  EXPECT_EQ(Err("VM.set_other_config", {Value(vm), Value("not a map")}), "FIELD_TYPE_ERROR");
  // Read-only fields have no setter.
  EXPECT_EQ(Err("VM.set_power_state", {Value(vm), Value("Halted")}), "MESSAGE_METHOD_UNKNOWN");
}

class VmTest : public SimFixture {
 protected:
  void Configure(Server::Options& o) override {
    o.populate = 1;
    o.disk_size = 8 << 20;
  }
  std::string Vm() {
    Value all = Ok("VM.get_all_records");
    for (const auto& [ref, rec] : all.structure()) {
      if (Str(rec.structure(), "is_control_domain") == "false") return ref;
    }
    return "";
  }
};

TEST_F(VmTest, SnapshotCloneCopyDestroy) {
  std::string vm = Vm();
  Struct src = Record("VM", vm);
  ASSERT_EQ(src.at("VBDs").array().size(), 1u);
  ASSERT_EQ(src.at("VIFs").array().size(), 1u);
  std::string vbd = src.at("VBDs").array()[0].string();
  std::string vdi = Str(Record("VBD", vbd), "VDI");
  std::string hash = Ok("sim.vdi_sha256", {Value(vdi)}).string();

  std::string snap = Ok("VM.snapshot", {Value(vm), Value("snap1")}).string();
  Struct s = Record("VM", snap);
  EXPECT_EQ(Str(s, "is_a_snapshot"), "true");
  EXPECT_EQ(Str(s, "is_a_template"), "true");
  EXPECT_EQ(Str(s, "snapshot_of"), vm);
  EXPECT_EQ(Str(s, "power_state"), "Halted");
  EXPECT_EQ(Str(s, "name_label"), "snap1");
  EXPECT_EQ(s.at("snapshot_info").structure().at("power-state-at-snapshot").string(), "Halted");
  EXPECT_NE(s.at("snapshot_time").datetime().iso8601, "19700101T00:00:00Z");
  EXPECT_EQ(Record("VM", vm).at("snapshots").array()[0].string(), snap);
  std::string svdi = Str(Record("VBD", s.at("VBDs").array()[0].string()), "VDI");
  Struct sv = Record("VDI", svdi);
  EXPECT_EQ(Str(sv, "is_a_snapshot"), "true");
  EXPECT_EQ(Str(sv, "snapshot_of"), vdi);
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(svdi)}).string(), hash);
  // The snapshot's VIF keeps the MAC.
  EXPECT_EQ(Str(Record("VIF", s.at("VIFs").array()[0].string()), "MAC"),
            Str(Record("VIF", src.at("VIFs").array()[0].string()), "MAC"));
  // ignore_vdis leaves a disk out.
  std::string snap2 =
      Ok("VM.snapshot", {Value(vm), Value("snap2"), Value(Array{Value(vdi)})}).string();
  EXPECT_TRUE(Record("VM", snap2).at("VBDs").array().empty());
  // A snapshot cannot be snapshotted or started; templates cannot start.
  EXPECT_EQ(Err("VM.snapshot", {Value(snap), Value("x")}), "VM_IS_SNAPSHOT");
  EXPECT_EQ(Err("VM.start", {Value(snap), Value(false), Value(false)}), "VM_IS_SNAPSHOT");

  // Clone of a snapshot is a template with new disks holding the same data.
  std::string clone = Ok("VM.clone", {Value(snap), Value("from-snap")}).string();
  Struct c = Record("VM", clone);
  EXPECT_EQ(Str(c, "is_a_template"), "true");
  EXPECT_EQ(Str(c, "is_a_snapshot"), "false");
  EXPECT_EQ(Str(c, "snapshot_of"), "OpaqueRef:NULL");
  EXPECT_NE(Str(c.at("other_config").structure(), "mac_seed"),
            Str(s.at("other_config").structure(), "mac_seed"));
  EXPECT_EQ(Str(s.at("other_config").structure(), "mac_seed"),
            Str(src.at("other_config").structure(), "mac_seed"));
  EXPECT_EQ(Err("VM.start", {Value(clone), Value(false), Value(false)}), "VM_IS_TEMPLATE");
  Ok("VM.set_is_a_template", {Value(clone), Value(false)});
  std::string cvdi = Str(Record("VBD", c.at("VBDs").array()[0].string()), "VDI");
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(cvdi)}).string(), hash);
  Ok("VM.start", {Value(clone), Value(false), Value(false)});

  std::string copy = Ok("VM.copy", {Value(vm), Value("copy"), Value(First("SR"))}).string();
  std::string kvdi = Str(Record("VBD", Record("VM", copy).at("VBDs").array()[0].string()), "VDI");
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(kvdi)}).string(), hash);
  Ok("sim.write_pattern", {Value(kvdi), Value("0"), Value("512"), Value("9")});
  EXPECT_EQ(Ok("sim.vdi_sha256", {Value(vdi)}).string(), hash);  // independent

  // Destroy removes VBDs and VIFs but keeps VDIs.
  Struct before = Record("VM", copy);
  Ok("VM.destroy", {Value(copy)});
  EXPECT_EQ(Err("VM.get_record", {Value(copy)}), "HANDLE_INVALID");
  EXPECT_EQ(Err("VBD.get_record", {before.at("VBDs").array()[0]}), "HANDLE_INVALID");
  EXPECT_EQ(Err("VIF.get_record", {before.at("VIFs").array()[0]}), "HANDLE_INVALID");
  EXPECT_TRUE(Record("VDI", kvdi).at("VBDs").array().empty());
  // Destroying a snapshot removes it from its parent's list.
  Ok("VM.destroy", {Value(snap2)});
  EXPECT_EQ(Record("VM", vm).at("snapshots").array().size(), 1u);
}

TEST_F(VmTest, PowerStatesBlockedOperationsAndTemplates) {
  std::string vm = Vm();
  EXPECT_EQ(Err("VM.clean_shutdown", {Value(vm)}), "VM_BAD_POWER_STATE");
  auto r = S("VM.clean_shutdown", {Value(vm)});
  EXPECT_EQ(r.status().params(), (std::vector<std::string>{vm, "running", "halted"}));
  Ok("VM.add_to_blocked_operations", {Value(vm), Value("start"), Value("locked by test")});
  auto b = S("VM.start", {Value(vm), Value(false), Value(false)});
  EXPECT_EQ(b.status().error_name(), "OPERATION_BLOCKED");
  EXPECT_EQ(b.status().params(), (std::vector<std::string>{vm, "locked by test"}));
  Ok("VM.remove_from_blocked_operations", {Value(vm), Value("start")});
  Ok("VM.start", {Value(vm), Value(false), Value(false)});
  Struct running = Record("VM", vm);
  EXPECT_EQ(Str(running, "power_state"), "Running");
  EXPECT_EQ(Str(running, "resident_on"), First("host"));
  std::string vbd = running.at("VBDs").array()[0].string();
  EXPECT_EQ(Str(Record("VBD", vbd), "currently_attached"), "true");
  EXPECT_EQ(Err("VM.start", {Value(vm), Value(false), Value(false)}), "VM_BAD_POWER_STATE");
  EXPECT_EQ(Err("VM.destroy", {Value(vm)}), "VM_BAD_POWER_STATE");
  EXPECT_EQ(Err("VM.clone", {Value(vm), Value("x")}), "VM_BAD_POWER_STATE");
  EXPECT_EQ(Err("VM.set_is_a_template", {Value(vm), Value(true)}), "VM_BAD_POWER_STATE");
  // A running VM can be snapshotted; the snapshot remembers the state.
  std::string snap = Ok("VM.snapshot", {Value(vm), Value("live")}).string();
  EXPECT_EQ(
      Record("VM", snap).at("snapshot_info").structure().at("power-state-at-snapshot").string(),
      "Running");
  // An attached disk cannot be destroyed or resized.
  std::string vdi = Str(Record("VBD", vbd), "VDI");
  auto in_use = S("VDI.destroy", {Value(vdi)});
  EXPECT_EQ(in_use.status().error_name(), "VDI_IN_USE");
  EXPECT_EQ(in_use.status().params(), (std::vector<std::string>{vdi, "destroy"}));
  EXPECT_EQ(Err("VDI.resize", {Value(vdi), Value("16777216")}), "VDI_IN_USE");
  EXPECT_EQ(Err("VBD.destroy", {Value(vbd)}), "OPERATION_NOT_ALLOWED");
  Ok("VM.hard_shutdown", {Value(vm)});
  EXPECT_EQ(Str(Record("VM", vm), "power_state"), "Halted");
  Ok("VM.set_is_a_template", {Value(vm), Value(true)});
  EXPECT_EQ(Err("VM.start", {Value(vm), Value(false), Value(false)}), "VM_IS_TEMPLATE");
  Ok("VM.add_to_blocked_operations", {Value(vm), Value("destroy"), Value("no")});
  EXPECT_EQ(Err("VM.destroy", {Value(vm)}), "OPERATION_BLOCKED");
}

TEST_F(VmTest, CreateVmVbdVifNetwork) {
  std::string vm = Ok("VM.create", {Value(Struct{{"name_label", Value("new")},
                                                 {"memory_static_max", Value("1073741824")},
                                                 {"VCPUs_max", Value("2")},
                                                 {"is_a_template", Value(false)}})})
                       .string();
  Struct r = Record("VM", vm);
  EXPECT_EQ(Str(r, "memory_static_max"), "1073741824");
  EXPECT_EQ(Str(r, "power_state"), "Halted");
  std::string sr = First("SR");
  std::string vdi = Ok("VDI.create", {Value(Struct{{"SR", Value(sr)},
                                                   {"virtual_size", Value("3000000")},
                                                   {"type", Value("user")},
                                                   {"sharable", Value(false)},
                                                   {"read_only", Value(false)},
                                                   {"other_config", Value(Struct{})},
                                                   {"name_label", Value("d")}})})
                        .string();
  Struct d = Record("VDI", vdi);
  EXPECT_EQ(Str(d, "virtual_size"), "3000320");  // rounded up to a sector
  EXPECT_EQ(Str(d, "SR"), sr);
  EXPECT_EQ(Err("VDI.create", {Value(Struct{{"SR", Value(sr)}})}), "FIELD_TYPE_ERROR");
  Struct vbd_rec{{"VM", Value(vm)},          {"VDI", Value(vdi)},
                 {"userdevice", Value("0")}, {"bootable", Value(true)},
                 {"mode", Value("RW")},      {"type", Value("Disk")},
                 {"empty", Value(false)},    {"other_config", Value(Struct{})}};
  std::string vbd = Ok("VBD.create", {Value(vbd_rec)}).string();
  EXPECT_EQ(Record("VM", vm).at("VBDs").array()[0].string(), vbd);
  EXPECT_EQ(Record("VDI", vdi).at("VBDs").array()[0].string(), vbd);
  EXPECT_EQ(Err("VBD.create", {Value(vbd_rec)}), "DEVICE_ALREADY_EXISTS");
  vbd_rec["userdevice"] = Value("autodetect");
  std::string vbd2 = Ok("VBD.create", {Value(vbd_rec)}).string();
  EXPECT_EQ(Str(Record("VBD", vbd2), "userdevice"), "1");
  vbd_rec["type"] = Value("CD");
  EXPECT_EQ(Err("VBD.create", {Value(vbd_rec)}), "VBD_CDS_MUST_BE_READONLY");
  vbd_rec["VM"] = Value("OpaqueRef:bad");
  EXPECT_EQ(Err("VBD.create", {Value(vbd_rec)}), "HANDLE_INVALID");
  Ok("VBD.destroy", {Value(vbd2)});
  EXPECT_EQ(Record("VM", vm).at("VBDs").array().size(), 1u);

  std::string net = Ok("network.create", {Value(Struct{{"name_label", Value("n2")}})}).string();
  std::string vif = Ok("VIF.create", {Value(Struct{{"VM", Value(vm)},
                                                   {"network", Value(net)},
                                                   {"device", Value("0")},
                                                   {"MAC", Value("")},
                                                   {"MTU", Value("1500")}})})
                        .string();
  EXPECT_EQ(Str(Record("VIF", vif), "MAC").size(), 17u);
  EXPECT_EQ(Err("network.destroy", {Value(net)}), "NETWORK_CONTAINS_VIF");
  Ok("VIF.destroy", {Value(vif)});
  Ok("network.destroy", {Value(net)});
  // VDI snapshot/clone/resize/destroy, and SR accounting.
  Ok("sim.write_pattern", {Value(vdi), Value("0"), Value("4096"), Value("7")});
  std::string snap = Ok("VDI.snapshot", {Value(vdi), Value(Struct{})}).string();
  EXPECT_EQ(Str(Record("VDI", snap), "snapshot_of"), vdi);
  std::string clone = Ok("VDI.clone", {Value(snap)}).string();
  EXPECT_EQ(Str(Record("VDI", clone), "is_a_snapshot"), "false");
  EXPECT_EQ(Err("VDI.resize", {Value(clone), Value("1000")}), "VDI_TOO_SMALL");
  Ok("VDI.resize", {Value(clone), Value("8388608")});
  EXPECT_EQ(Str(Record("VDI", clone), "virtual_size"), "8388608");
  EXPECT_EQ(Str(Record("VDI", vdi), "physical_utilisation"), "2097152");
  Ok("VBD.destroy", {Value(vbd)});
  int64_t used = *Record("SR", sr).at("physical_utilisation").AsInt();
  Ok("VDI.destroy", {Value(vdi)});
  Ok("VDI.destroy", {Value(snap)});
  Ok("VDI.destroy", {Value(clone)});
  EXPECT_EQ(*Record("SR", sr).at("physical_utilisation").AsInt(), used - 2097152);
  EXPECT_EQ(Err("VDI.destroy", {Value(vdi)}), "HANDLE_INVALID");
}

TEST_F(ProtocolTest, AsyncTasksAndTaskMethods) {
  std::string vm = First("VM");
  std::string task = Ok("Async.VM.snapshot", {Value(vm), Value("async-snap")}).string();
  ASSERT_EQ(task.rfind("OpaqueRef:", 0), 0u);
  Struct t = WaitTask(task);
  EXPECT_EQ(Str(t, "status"), "success");
  ASSERT_OK_AND_ASSIGN(Value result, DecodeValue(Str(t, "result")));
  EXPECT_EQ(Str(Record("VM", result.string()), "name_label"), "async-snap");
  // A failing async call fails its task.
  std::string bad = Ok("Async.VM.clean_shutdown", {Value(result.string())}).string();
  Struct bt = WaitTask(bad);
  EXPECT_EQ(Str(bt, "status"), "failure");
  EXPECT_EQ(bt.at("error_info").array()[0].string(), "VM_BAD_POWER_STATE");
  Ok("task.destroy", {Value(bad)});
  EXPECT_EQ(Err("task.get_record", {Value(bad)}), "HANDLE_INVALID");
  // task.create / cancel.
  std::string mine = Ok("task.create", {Value("label"), Value("desc")}).string();
  EXPECT_EQ(Str(Record("task", mine), "status"), "pending");
  EXPECT_EQ(Str(Record("task", mine), "name_description"), "desc");
  Ok("task.cancel", {Value(mine)});
  EXPECT_EQ(Str(Record("task", mine), "status"), "cancelled");
  EXPECT_EQ(Err("task.cancel", {Value(mine)}), "OPERATION_NOT_ALLOWED");
}

TEST_F(ProtocolTest, EventInjectAndFrom) {
  std::string pool = First("pool");
  std::string token = Ok("event.inject", {Value("pool"), Value(pool)}).string();
  EXPECT_EQ(Err("event.inject", {Value("pool"), Value("OpaqueRef:bad")}), "HANDLE_INVALID");
  // From the beginning: current objects.
  Value all = Ok("event.from", {Value(Array{Value("*")}), Value(""), Value(1.0)});
  EXPECT_GE(all.structure().at("events").array().size(), 6u);
  EXPECT_TRUE(all.structure().at("valid_ref_counts").structure().count("vm"));
  std::string now = all.structure().at("token").string();
  // Nothing new: returns after the timeout, empty.
  auto t0 = std::chrono::steady_clock::now();
  Value none = Ok("event.from", {Value(Array{Value("vm")}), Value(now), Value(0.3)});
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));
  EXPECT_TRUE(none.structure().at("events").array().empty());
  // A waiter is woken by a change from another connection.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Ok("VM.set_name_label", {Value(First("VM")), Value("evt")});
  });
  // The wait's own timeout (an hour) is past the test client's 60 s request limit: only the
  // writer's change can end it in time, so a lost wake-up fails the call, and a slow machine
  // cannot fail the test.
  Value got = Ok("event.from", {Value(Array{Value("VM")}), Value(now), Value(3600.0)});
  writer.join();
  const Array& ev = got.structure().at("events").array();
  ASSERT_FALSE(ev.empty());
  const Struct& e = ev.back().structure();
  EXPECT_EQ(Str(e, "class"), "vm");
  EXPECT_EQ(Str(e, "operation"), "mod");
  EXPECT_EQ(Str(e.at("snapshot").structure(), "name_label"), "evt");
  // An injected event arrives for its class (the token inject returns is already past it).
  std::string before = got.structure().at("token").string();
  std::string after_inject = Ok("event.inject", {Value("pool"), Value(pool)}).string();
  Value inj = Ok("event.from", {Value(Array{Value("pool")}), Value(before), Value(0.0)});
  ASSERT_EQ(inj.structure().at("events").array().size(), 1u);
  EXPECT_EQ(Str(inj.structure().at("events").array()[0].structure(), "ref"), pool);
  EXPECT_EQ(inj.structure().at("token").string(), after_inject);
  EXPECT_FALSE(token.empty());
  EXPECT_EQ(Err("event.from", {Value(Array{Value("*")}), Value("junk"), Value(0.0)}),
            "EVENT_FROM_TOKEN_PARSE_FAILURE");
}

}  // namespace
}  // namespace xcr::sim::testing
