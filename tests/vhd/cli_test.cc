// xcr-vhd, run as a subprocess: commands, exit codes (0 ok, 1 invalid/failed, 2 usage).
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "base/env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::vhd {
namespace {

struct Output {
  int code = -1;
  std::string text;  // stdout and stderr
};

Output Tool(const std::string& args) {
  Output o;
  FILE* p = ::popen((std::string(XCR_VHD_TOOL) + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return o;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
  int st = ::pclose(p);
  o.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string raw(3 << 20, '\0');
    for (size_t i = 0; i < 5000; ++i) raw[i] = static_cast<char>(i * 13);
    for (size_t i = 0; i < 700; ++i) raw[(2 << 20) + 100 + i] = 'q';
    ASSERT_OK(env_->WriteFileAtomic(File("a.raw"), raw));
    raw[(2 << 20) + 5] = 'Z';
    ASSERT_OK(env_->WriteFileAtomic(File("b.raw"), raw));
  }
  std::string File(const std::string& n) { return dir_.File(n); }
  std::string Read(const std::string& n) { return *env_->ReadFileToString(File(n)); }

  Env* env_ = Env::Default();
  xcr::testing::TempDir dir_;
};

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Tool("").code, 2);
  Output o = Tool("frobnicate");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.text.find("unknown command 'frobnicate'"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("usage: xcr-vhd info FILE"), std::string::npos);
  EXPECT_EQ(Tool("info").code, 2);
  EXPECT_EQ(Tool("check x --bogus").code, 2);
  EXPECT_EQ(Tool("create onlyone").code, 2);
  EXPECT_EQ(Tool("create a b --block-size").code, 2);
  EXPECT_EQ(Tool("create a b --block-size lots").code, 2);
  Output d = Tool("diff " + File("a.raw") + " " + File("b.raw") + " " + File("d.vhd"));
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.text.find("--parent"), std::string::npos);
  EXPECT_EQ(Tool("--help").code, 0);
}

TEST_F(CliTest, AFileNamedLikeACommandIsAFile) {
  for (const std::string args : {"info check", "check diff --stream", "cat info"}) {
    Output o = Tool(args);
    EXPECT_EQ(o.code, 1) << args << ": " << o.text;
    std::string file = args.substr(args.find(' ') + 1);
    file = file.substr(0, file.find(' '));
    EXPECT_NE(o.text.find("open " + file + ": No such file"), std::string::npos) << o.text;
  }
}

TEST_F(CliTest, CreateInfoCheckCatDiff) {
  ASSERT_EQ(Tool("create " + File("a.raw") + " " + File("a.vhd")).code, 0);
  Output c = Tool("check " + File("a.vhd") + " --stream");
  EXPECT_EQ(c.code, 0) << c.text;
  EXPECT_NE(c.text.find("OK: "), std::string::npos);
  EXPECT_NE(c.text.find("stream OK: 2 blocks"), std::string::npos) << c.text;
  Output i = Tool("info " + File("a.vhd"));
  ASSERT_EQ(i.code, 0) << i.text;
  auto j = nlohmann::json::parse(i.text);
  EXPECT_EQ(j["type"], "dynamic");
  EXPECT_EQ(j["virtualSize"].get<uint64_t>(), 3u << 20);
  EXPECT_EQ(j["allocatedBlocks"].get<int>(), 2);
  EXPECT_EQ(j["header"]["blockSize"].get<int>(), 2 << 20);
  EXPECT_EQ(j["header"]["tableOffset"].get<int>(), 2048);
  EXPECT_EQ(j["sectorsMarked"].get<int>(), 2 * 4096);

  ASSERT_EQ(Tool("diff " + File("a.raw") + " " + File("b.raw") + " " + File("d.vhd") +
                 " --parent " + File("a.vhd"))
                .code,
            0);
  auto dj = nlohmann::json::parse(Tool("info " + File("d.vhd")).text);
  EXPECT_EQ(dj["type"], "differencing");
  EXPECT_EQ(dj["header"]["parentUuid"], j["footer"]["uuid"]);
  EXPECT_EQ(dj["header"]["parentName"], "a.vhd");
  EXPECT_EQ(dj["header"]["parentLocators"][0]["path"], "a.vhd");
  EXPECT_EQ(dj["allocatedBlocks"].get<int>(), 1);
  // cat through the locator, and with the parent given explicitly
  ASSERT_EQ(Tool("cat " + File("d.vhd") + " > " + File("out1.raw")).code, 0);
  EXPECT_TRUE(Read("out1.raw") == Read("b.raw"));
  ASSERT_EQ(Tool("cat " + File("d.vhd") + " " + File("a.vhd") + " > " + File("out2.raw")).code, 0);
  EXPECT_TRUE(Read("out2.raw") == Read("b.raw"));
  // the wrong parent is refused
  ASSERT_EQ(Tool("create " + File("b.raw") + " " + File("other.vhd")).code, 0);
  Output bad = Tool("cat " + File("d.vhd") + " " + File("other.vhd"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.text.find("parent UUID"), std::string::npos) << bad.text;
}

TEST_F(CliTest, CheckReportsCorruption) {
  ASSERT_EQ(Tool("create " + File("a.raw") + " " + File("a.vhd")).code, 0);
  std::string bytes = Read("a.vhd");
  bytes[1] = 'X';  // footer copy cookie
  ASSERT_OK(env_->WriteFileAtomic(File("bad.vhd"), bytes));
  Output o = Tool("check " + File("bad.vhd"));
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.text.find("corruption"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("cookie"), std::string::npos) << o.text;
  EXPECT_EQ(Tool("check " + File("missing.vhd")).code, 1);
  EXPECT_EQ(Tool("info " + File("bad.vhd")).code, 1);
}

}  // namespace
}  // namespace xcr::vhd
