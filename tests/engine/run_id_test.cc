// Issue 15 item 8: job and schedule ids with a newline or tab were written into metadata and
// names; a run id is now 1 to 128 characters of A-Z a-z 0-9 . _ : @ + -.
#include "engine/run_id.h"

#include <string>

#include <gtest/gtest.h>

namespace xcr::engine {
namespace {

TEST(RunIdTest, AcceptsUuidsAndTheSafeCharacters) {
  EXPECT_TRUE(CheckRunId("0b7c5b0e-3a8e-4c55-9d4c-1f2e3d4c5b6a", "--job-id").ok());
  EXPECT_TRUE(CheckRunId("xcr-cli", "--job-id").ok());
  EXPECT_TRUE(CheckRunId("nightly.v2_prod:eu@site+1", "--schedule-id").ok());
  EXPECT_TRUE(CheckRunId("a", "--job-id").ok());
  EXPECT_TRUE(CheckRunId(std::string(kMaxRunIdLength, 'x'), "--job-id").ok());
  EXPECT_TRUE(CheckRunIds("job-1", "sched-1").ok());
}

TEST(RunIdTest, RefusesNewlineTabSpaceAndSlashNamingTheFlag) {
  struct Case {
    std::string id, named;
  };
  for (const Case& c :
       {Case{"job\nid", "a newline"}, Case{"job\tid", "a tab"}, Case{"job id", "a space"},
        Case{"job/id", "a slash"}, Case{"job\x01", "'\\x01'"}, Case{"jöb", "'\\xc3'"},
        Case{"job;rm", "';'"}, Case{"job'", "'''"}}) {
    SCOPED_TRACE(c.id);
    Status s = CheckRunId(c.id, "--job-id");
    ASSERT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message().rfind("--job-id '", 0), 0u) << s.message();
    EXPECT_NE(s.message().find("holds " + c.named), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << "raw newline in the message";
    EXPECT_EQ(s.message().find('\t'), std::string::npos) << "raw tab in the message";
  }
  EXPECT_NE(CheckRunId("a\nb", "--job-id").message().find("'a\\nb'"), std::string::npos);
}

TEST(RunIdTest, RefusesEmptyAndTooLong) {
  EXPECT_EQ(CheckRunId("", "--schedule-id").message().rfind("--schedule-id is empty", 0), 0u);
  Status s = CheckRunId(std::string(kMaxRunIdLength + 1, 'x'), "--job-id");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("129 characters long"), std::string::npos) << s.message();
}

TEST(RunIdTest, BothIdsNameTheirField) {
  EXPECT_EQ(CheckRunIds("a b", "ok").message().rfind("job id 'a b'", 0), 0u);
  EXPECT_EQ(CheckRunIds("ok", "a\tb").message().rfind("schedule id 'a\\tb'", 0), 0u);
}

}  // namespace
}  // namespace xcr::engine
