#include "cli/client_flags.h"

#include <gtest/gtest.h>

#include "cli/command_line.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::cli {
namespace {

// Parses `args` as `xcr-test [client flags] run` would; returns the exit code Parse gave, or -1
// when it let the tool go on.
int ParseArgs(const std::vector<std::string>& args, ClientFlagValues* values) {
  CLI::App app("xcr-test");
  SetUsage(&app, "usage: xcr-test [CLIENT FLAGS] run\n");
  AddClientFlags(&app, values);
  CLI::App* run = app.add_subcommand("run");
  SetUsage(run, "usage: xcr-test run\n");
  std::optional<int> rc = Parse(&app, "xcr-test", args);
  return rc ? *rc : -1;
}

TEST(ClientFlagsTest, TakesFlagsBeforeAndAfterTheCommandInBothForms) {
  ClientFlagValues v;
  ASSERT_EQ(ParseArgs({"--credentials", "f", "run", "--user=bob", "--fingerprint",
                       "SHA256:" + std::string(64, 'a')},
                      &v),
            -1);
  ASSERT_OK_AND_ASSIGN(xapi::ClientFlags flags, v.Finish());
  EXPECT_EQ(flags.credentials_file, "f");
  EXPECT_EQ(flags.user, "bob");
  EXPECT_EQ(flags.fingerprint, "SHA256:" + std::string(64, 'a'));
  EXPECT_EQ(ClientFlagsCommandLine(flags),
            " --credentials f --user bob --fingerprint SHA256:" + std::string(64, 'a'));
}

TEST(ClientFlagsTest, PerPoolAndBarePinsAreSorted) {
  const std::string fa = "SHA256:" + std::string(64, 'a');
  ClientFlagValues v;
  ASSERT_EQ(ParseArgs({"--fingerprint", "https://pool-a.example=" + fa,
                       "--fingerprint=https://POOL-B.example:443=" + std::string(64, 'b'),
                       "--fingerprint", std::string(64, 'e'), "--fingerprint", std::string(64, 'f'),
                       "run"},
                      &v),
            -1);
  ASSERT_OK_AND_ASSIGN(xapi::ClientFlags flags, v.Finish());
  ASSERT_EQ(flags.pool_fingerprints.size(), 2u);
  EXPECT_EQ(flags.pool_fingerprints[0].first, "https://pool-a.example:443");
  EXPECT_EQ(flags.pool_fingerprints[1].first, "https://pool-b.example:443");
  EXPECT_EQ(flags.fingerprint, std::string(64, 'e'));
  ASSERT_EQ(flags.extra_fingerprints.size(), 1u);
}

TEST(ClientFlagsTest, BadValuesAndConflictsAreRefusedWithoutEchoingSecrets) {
  const std::string fp = std::string(64, 'a');
  for (const std::string& value :
       std::vector<std::string>{"ftp://x=" + fp, "https://x=SHA256:12", "=" + fp, "SHA256:12"}) {
    SCOPED_TRACE(value);
    ClientFlagValues v;
    ASSERT_EQ(ParseArgs({"--fingerprint", value, "run"}, &v), -1);
    EXPECT_STATUS(v.Finish().status(), StatusCode::kInvalidArgument);
  }
  ClientFlagValues secret;
  ASSERT_EQ(ParseArgs({"--fingerprint", "https://u:hunter2@x=" + fp, "run"}, &secret), -1);
  auto refused = secret.Finish();
  EXPECT_STATUS(refused.status(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message().find("hunter2"), std::string::npos)
      << refused.status().message();
  ClientFlagValues both;
  ASSERT_EQ(ParseArgs({"--insecure", "run", "--fingerprint", "https://x=" + fp}, &both), -1);
  EXPECT_STATUS(both.Finish().status(), StatusCode::kInvalidArgument);
}

TEST(ClientFlagsTest, UsageErrorsExitTwoAndHelpExitsZero) {
  ClientFlagValues v;
  EXPECT_EQ(ParseArgs({"--credentials"}, &v), 2);
  EXPECT_EQ(ParseArgs({"run", "--frobnicate"}, &v), 2);
  EXPECT_EQ(ParseArgs({"run", "--help"}, &v), 0);
  EXPECT_EQ(ParseArgs({"--version"}, &v), 0);
}

TEST(ClientFlagsTest, ShellQuotesValuesInTheSuggestedCommand) {
  xapi::ClientFlags flags;
  flags.credentials_file = "/root/my pools";
  flags.insecure = true;
  EXPECT_EQ(ClientFlagsCommandLine(flags), " --credentials '/root/my pools' --insecure");
}

}  // namespace
}  // namespace xcr::cli
