// WordsAreArguments: once a command that takes positionals is on the command line, a word named
// like another command (at its level or any enclosing one) is its argument.
#include <gtest/gtest.h>

#include "cli/command_line.h"

namespace xcr::cli {
namespace {

struct Tool {
  CLI::App app{"tool"};
  CLI::App* verify = nullptr;
  CLI::App* demo = nullptr;
  CLI::App* run = nullptr;
  std::vector<std::string> replicas, jobs;

  explicit Tool(bool words_are_arguments) {
    SetUsage(&app, "usage: tool COMMAND\n");
    verify = app.add_subcommand("verify");
    SetUsage(verify, "usage: tool verify REPLICA\n");
    verify->add_option("REPLICA", replicas);
    demo = app.add_subcommand("demo");
    SetUsage(demo, "usage: tool demo\n");
    CLI::App* job = app.add_subcommand("job");
    SetUsage(job, "usage: tool job run JOB\n");
    run = job->add_subcommand("run");
    SetUsage(run, "usage: tool job run JOB\n");
    run->add_option("JOB", jobs);
    job->add_subcommand("create");
    if (words_are_arguments) {
      WordsAreArguments(verify);
      WordsAreArguments(run);
    }
  }
  // The exit code Parse gave, or -1 when it let the tool go on.
  int Parse(const std::vector<std::string>& args) {
    std::optional<int> rc = cli::Parse(&app, "tool", args);
    return rc ? *rc : -1;
  }
};

TEST(CommandWordsTest, AWordNamedLikeACommandIsAnArgument) {
  Tool t(true);
  ASSERT_EQ(t.Parse({"verify", "demo"}), -1);
  EXPECT_TRUE(t.verify->parsed());
  EXPECT_FALSE(t.demo->parsed());
  EXPECT_EQ(t.replicas, std::vector<std::string>{"demo"});

  Tool nested(true);
  ASSERT_EQ(nested.Parse({"job", "run", "create"}), -1);
  EXPECT_EQ(nested.jobs, std::vector<std::string>{"create"});
  Tool top(true);
  ASSERT_EQ(top.Parse({"job", "run", "verify", "demo"}), -1);
  EXPECT_EQ(top.jobs, (std::vector<std::string>{"verify", "demo"}));
  EXPECT_FALSE(top.verify->parsed());
}

TEST(CommandWordsTest, WithoutItCli11TakesTheCommand) {
  // What WordsAreArguments is for: CLI11 alone starts the other command.
  Tool t(false);
  t.Parse({"verify", "demo"});
  EXPECT_TRUE(t.demo->parsed());
  EXPECT_TRUE(t.replicas.empty());
}

TEST(CommandWordsTest, CommandsStillSelectedAsFirstWord) {
  Tool t(true);
  ASSERT_EQ(t.Parse({"demo"}), -1);
  EXPECT_TRUE(t.demo->parsed());
  EXPECT_FALSE(t.verify->parsed());
}

}  // namespace
}  // namespace xcr::cli
