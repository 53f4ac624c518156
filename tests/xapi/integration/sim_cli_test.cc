// xcr-xapi (the binary) against the in-process simulator: credentials file handling, URL
// credential refusal, records as JSON, and an export/import round trip.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/server.h"
#include "tests/testutil/run_command.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "xapi/api.h"
#include "xapi/connection.h"

#ifndef XCR_XAPI_CLI
#error "XCR_XAPI_CLI must name the xcr-xapi binary"
#endif

namespace xcr::xapi {
namespace {

using CliRun = xcr::testing::CommandResult;

CliRun Cli(const std::string& args, const std::string& env = "") {
  return xcr::testing::RunCommand(env + " " + XCR_XAPI_CLI + " " + args);
}

class SimCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::Server::Options o;
    o.state_dir = dir_.File("sim");
    o.populate = 1;
    o.disk_size = 32ull << 20;
    server_ = std::make_unique<sim::Server>(o);
    ASSERT_OK(server_->Start());
    creds_ = dir_.File("creds");
    std::ofstream(creds_) << "# test pool\n" << server_->url() << " root xapi-sim\n";
    chmod(creds_.c_str(), 0600);
  }
  void TearDown() override { server_->Stop(); }
  xcr::testing::TempDir dir_;
  std::unique_ptr<sim::Server> server_;
  std::string creds_;
};

TEST_F(SimCliTest, RecordsPrintsJson) {
  CliRun r = Cli("--credentials " + creds_ + " records " + server_->url() + " VM");
  ASSERT_EQ(r.rc, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  ASSERT_TRUE(j.is_object());
  EXPECT_FALSE(j.empty());
  for (auto it = j.begin(); it != j.end(); ++it) EXPECT_TRUE(it.value().contains("uuid"));
}

TEST_F(SimCliTest, PasswordFromEnvironmentAndCallWithJsonArgs) {
  CliRun r = Cli("call " + server_->url() + " VM.get_all", "XCR_PASSWORD=xapi-sim");
  ASSERT_EQ(r.rc, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << r.out;
  ASSERT_FALSE(j.empty());
  std::string vm = j[0].get<std::string>();
  CliRun rec =
      Cli("call " + server_->url() + " VM.get_record '\"" + vm + "\"'", "XCR_PASSWORD=xapi-sim");
  ASSERT_EQ(rec.rc, 0) << rec.out;
  EXPECT_NE(rec.out.find("power_state"), std::string::npos);
  CliRun bad = Cli("call " + server_->url() + " VM.get_record not-json", "XCR_PASSWORD=xapi-sim");
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.out.find("not JSON"), std::string::npos);
}

TEST_F(SimCliTest, RefusesReadableCredentialsFileAndUrlCredentials) {
  chmod(creds_.c_str(), 0644);
  CliRun r = Cli("--credentials " + creds_ + " records " + server_->url() + " VM");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("chmod 600"), std::string::npos) << r.out;
  std::string url = server_->url();
  url.insert(url.find("://") + 3, "root:xapi-sim@");
  CliRun u = Cli("records " + url + " VM");
  EXPECT_EQ(u.rc, 1);
  EXPECT_EQ(u.out.find("xapi-sim@"), std::string::npos) << u.out;
  EXPECT_NE(u.out.find("--credentials"), std::string::npos) << u.out;
  CliRun wrong = Cli("records " + server_->url() + " VM", "XCR_PASSWORD=nope");
  EXPECT_EQ(wrong.rc, 1);
  EXPECT_NE(wrong.out.find("SESSION_AUTHENTICATION_FAILED"), std::string::npos) << wrong.out;
  CliRun usage = Cli("frobnicate " + server_->url());
  EXPECT_EQ(usage.rc, 2);
  EXPECT_NE(usage.out.find("usage:"), std::string::npos);
}

TEST_F(SimCliTest, ExportImportRoundTrip) {
  SessionOptions o;
  o.password = "xapi-sim";
  ASSERT_OK_AND_ASSIGN(auto conn, Connection::Open(server_->url(), o));
  ASSERT_OK_AND_ASSIGN(auto vdis, GetAllRecords<VdiRecord>(*conn));
  ASSERT_FALSE(vdis.empty());
  auto src = vdis.begin();
  ASSERT_OK(Status(conn->Call("sim.write_random", {src->first, "0", "3000000", "4"}).status()));
  VdiSpec spec;
  spec.SR = src->second.SR;
  spec.virtual_size = src->second.virtual_size;
  ASSERT_OK_AND_ASSIGN(Ref dst, VdiCreate(*conn, spec));
  std::string file = dir_.File("d.vhd");
  CliRun e = Cli("--credentials " + creds_ + " export " + server_->url() + " " + src->second.uuid +
                 " " + file);
  ASSERT_EQ(e.rc, 0) << e.out;
  CliRun i = Cli("--credentials " + creds_ + " import " + server_->url() + " " + dst + " " + file);
  ASSERT_EQ(i.rc, 0) << i.out;
  auto a = conn->Call("sim.vdi_sha256", {src->first});
  auto b = conn->Call("sim.vdi_sha256", {dst});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

}  // namespace
}  // namespace xcr::xapi
