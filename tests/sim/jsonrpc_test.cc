// JSON-RPC on POST /jsonrpc: versions 1.0 and 2.0, XAPI's error shapes, numbers and dateTime
// strings, the same sessions and event.from as XML-RPC, and what a body of the other protocol
// gets on each path.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/sim/sim_client.h"

namespace xcr::sim::testing {
namespace {

using nlohmann::json;

class JsonRpcTest : public SimFixture {
 protected:
  void Configure(Server::Options& o) override { o.populate = 1; }

  HttpResult Post(const std::string& body, const std::string& path = "/jsonrpc") {
    HttpRequestSpec r;
    r.method = "POST";
    r.url = url_ + path;
    r.body = body;
    r.headers = {"Content-Type: application/json"};
    return Http(r);
  }
  // A JSON-RPC 2.0 call; the parsed reply (null on a transport or parse error).
  json Rpc(const std::string& method, json params, const char* version = "2.0") {
    json req = {{"method", method}, {"params", std::move(params)}, {"id", 7}};
    if (version != nullptr) req["jsonrpc"] = version;
    HttpResult h = Post(req.dump());
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.headers["content-type"], "application/json");
    json j = json::parse(h.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << h.body;
    return j.is_discarded() ? json() : j;
  }
  std::string Login() {
    json j = Rpc("session.login_with_password", {"root", "xapi-sim", "1.1", "test"});
    return j["result"].is_string() ? j["result"].get<std::string>() : std::string();
  }
};

TEST_F(JsonRpcTest, Version2SuccessAndErrorShapes) {
  std::string s = Login();
  ASSERT_EQ(s.rfind("OpaqueRef:", 0), 0u);
  json all = Rpc("VM.get_all_records", {s});
  EXPECT_EQ(all["jsonrpc"], "2.0");
  EXPECT_EQ(all["id"], 7);
  EXPECT_FALSE(all.contains("error"));
  ASSERT_TRUE(all["result"].is_object());
  bool saw_user_vm = false;
  for (const auto& [ref, rec] : all["result"].items()) {
    // ints are JSON numbers, dateTimes XAPI's strings.
    EXPECT_TRUE(rec["memory_static_max"].is_number_integer()) << ref;
    ASSERT_TRUE(rec["snapshot_time"].is_string()) << ref;
    EXPECT_EQ(rec["snapshot_time"], "19700101T00:00:00Z");
    if (!rec["is_control_domain"].get<bool>()) saw_user_vm = true;
  }
  EXPECT_TRUE(saw_user_vm);
  json bad = Rpc("VM.get_record", {s, "OpaqueRef:nope"});
  EXPECT_FALSE(bad.contains("result"));
  EXPECT_EQ(bad["error"]["code"], 1);
  EXPECT_EQ(bad["error"]["message"], "HANDLE_INVALID");
  EXPECT_EQ(bad["error"]["data"], json({"VM", "OpaqueRef:nope"}));
  EXPECT_EQ(bad["id"], 7);
}

TEST_F(JsonRpcTest, Version1Shapes) {
  json ok = Rpc("session.login_with_password", {"root", "xapi-sim"}, nullptr);
  ASSERT_TRUE(ok["result"].is_string());
  EXPECT_TRUE(ok["error"].is_null());
  EXPECT_FALSE(ok.contains("jsonrpc"));
  json bad = Rpc("session.login_with_password", {"root", "wrong"}, "1.0");
  EXPECT_TRUE(bad["result"].is_null());
  ASSERT_TRUE(bad["error"].is_array());
  EXPECT_EQ(bad["error"][0], "SESSION_AUTHENTICATION_FAILED");
  json unknown = Rpc("VM.frobnicate", {ok["result"]}, nullptr);
  EXPECT_EQ(unknown["error"], json({"MESSAGE_METHOD_UNKNOWN", "VM.frobnicate"}));
}

TEST_F(JsonRpcTest, SessionsAreSharedWithXmlRpcAndVoidIsNull) {
  std::string s = Login();
  // A session from JSON-RPC works on XML-RPC and the reverse.
  EXPECT_OK(Call("VM.get_all", {Value(s)}).status());
  json vms = Rpc("VM.get_all", {session_});
  ASSERT_TRUE(vms["result"].is_array());
  json logout = Rpc("session.logout", {s});
  EXPECT_TRUE(logout.contains("result"));
  EXPECT_TRUE(logout["result"].is_null());
  EXPECT_EQ(Rpc("VM.get_all", {s})["error"]["message"], "SESSION_INVALID");
}

TEST_F(JsonRpcTest, SnapshotTimeIsAStringThatAddToOtherConfigAccepts) {
  // What xo-cr-seed does: read snapshot_time and write it back into other_config.
  std::string s = Login();
  json vms = Rpc("VM.get_all_records", {s})["result"];
  std::string vm;
  for (const auto& [ref, rec] : vms.items()) {
    if (!rec["is_control_domain"].get<bool>()) vm = ref;
  }
  ASSERT_FALSE(vm.empty());
  std::string snap = Rpc("VM.snapshot", {s, vm, "snap"})["result"].get<std::string>();
  json when = Rpc("VM.get_snapshot_time", {s, snap})["result"];
  ASSERT_TRUE(when.is_string());
  EXPECT_EQ(when.get<std::string>().size(), std::string("20261207T16:44:27Z").size());
  json set = Rpc("VM.add_to_other_config", {s, snap, "xo:backup:datetime", when});
  EXPECT_FALSE(set.contains("error")) << set.dump();
  EXPECT_EQ(Rpc("VM.get_other_config", {s, snap})["result"]["xo:backup:datetime"], when);
}

TEST_F(JsonRpcTest, EventFromAndListMethods) {
  std::string s = Login();
  json methods = Rpc("system.listMethods", json::array());
  ASSERT_TRUE(methods["result"].is_array());
  EXPECT_NE(std::find(methods["result"].begin(), methods["result"].end(), "VM.get_all_records"),
            methods["result"].end());
  json first = Rpc("event.from", {s, {"VM"}, "", 0.1})["result"];
  ASSERT_TRUE(first["events"].is_array());
  EXPECT_FALSE(first["events"].empty());
  EXPECT_TRUE(first["valid_ref_counts"]["vm"].is_number_integer());
  ASSERT_TRUE(first["token"].is_string());
  std::string vm = first["events"][0]["ref"].get<std::string>();
  Rpc("VM.set_name_label", {s, vm, "renamed"});
  json next = Rpc("event.from", {s, {"VM"}, first["token"], 5.0})["result"];
  ASSERT_FALSE(next["events"].empty());
  EXPECT_EQ(next["events"][0]["operation"], "mod");
  EXPECT_EQ(next["events"][0]["snapshot"]["name_label"], "renamed");
}

TEST_F(JsonRpcTest, OtherProtocolsBodiesAndCounts) {
  Struct before = Ok("sim.stats").structure();
  // XML-RPC on /jsonrpc is a malformed JSON-RPC body: HTTP 500, HTML.
  HttpResult x = Post(EncodeMethodCall("VM.get_all", {Value(session_)}));
  EXPECT_EQ(x.status, 500);
  EXPECT_EQ(x.headers["content-type"], "text/html");
  // Neither are a null id, params by name, or no method.
  EXPECT_EQ(Post(R"({"method":"VM.get_all","params":[],"id":null})").status, 500);
  EXPECT_EQ(Post(R"({"method":"VM.get_all","params":{"s":1},"id":1})").status, 500);
  EXPECT_EQ(Post(R"({"params":[],"id":1})").status, 500);
  // A prefix: /jsonrpc/ is JSON-RPC too.
  HttpResult slash = Post(R"({"method":"VM.get_all","params":["x"],"id":1})", "/jsonrpc/");
  EXPECT_EQ(slash.headers["content-type"], "application/json");
  Rpc("VM.get_all", {session_});
  Struct after = Ok("sim.stats").structure();
  EXPECT_EQ(*after.at("jsonrpc_calls").AsInt() - *before.at("jsonrpc_calls").AsInt(), 2);
  // The two sim.stats calls themselves are the XML-RPC ones.
  EXPECT_EQ(*after.at("xmlrpc_calls").AsInt() - *before.at("xmlrpc_calls").AsInt(), 1);
}

}  // namespace
}  // namespace xcr::sim::testing
