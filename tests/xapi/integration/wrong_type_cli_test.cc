// xcr-xapi (the binary) against a host whose answers have the wrong type
// (xmlrpc_test_server.py on 127.0.0.1 answers every call but login and logout with one fixed
// value): the tool exits 1 with the method, the expected and the received type, and no warning
// gives a bare "OK" as its reason.
#include <gtest/gtest.h>

#include <string>

#include "tests/testutil/run_command.h"
#include "tests/testutil/script_server.h"

#ifndef XCR_XAPI_CLI
#error "XCR_XAPI_CLI must name the xcr-xapi binary"
#endif
#ifndef XCR_XMLRPC_TEST_SERVER
#error "XCR_XMLRPC_TEST_SERVER must name xmlrpc_test_server.py"
#endif

namespace xcr::xapi {
namespace {

using CliRun = xcr::testing::CommandResult;

CliRun Cli(const std::string& args) {
  return xcr::testing::RunCommand(std::string("XCR_PASSWORD=any ") + XCR_XAPI_CLI + " " + args);
}

std::string Url(const xcr::testing::ScriptServer& s) {
  return "http://127.0.0.1:" + std::to_string(s.port());
}

TEST(WrongTypeCliTest, RecordsAnsweredWithAnIntExitsOne) {
  xcr::testing::ScriptServer server(XCR_XMLRPC_TEST_SERVER, {"<i4>42</i4>"});
  ASSERT_TRUE(server.ok()) << "test XML-RPC server did not start";
  CliRun r = Cli("records " + Url(server) + " VM");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("VM.get_all_records: expected a struct of records, got an int (42)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("\n42\n"), std::string::npos) << r.out;  // not printed as a result
  // host.get_all_records got the same answer: the warning says why, not "OK".
  EXPECT_NE(r.out.find("could not list the pool's hosts (fail-over disabled): corruption: "
                       "host.get_all_records: expected a struct of records, got an int (42)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find(": OK"), std::string::npos) << r.out;
}

TEST(WrongTypeCliTest, CallOfATypedMethodAnsweredWrongExitsOne) {
  xcr::testing::ScriptServer server(XCR_XMLRPC_TEST_SERVER,
                                    {"<array><data><value>x</value></data></array>"});
  ASSERT_TRUE(server.ok()) << "test XML-RPC server did not start";
  CliRun r = Cli("call " + Url(server) + " VM.get_record '\"OpaqueRef:vm\"'");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("VM.get_record: expected a record (struct), got an array ([\"x\"])"),
            std::string::npos)
      << r.out;
  // A method outside XAPI's naming conventions is printed as it came.
  CliRun any = Cli("call " + Url(server) + " VM.get_name_label '\"OpaqueRef:vm\"'");
  EXPECT_EQ(any.rc, 0) << any.out;
  EXPECT_NE(any.out.find("\"x\""), std::string::npos) << any.out;
}

}  // namespace
}  // namespace xcr::xapi
