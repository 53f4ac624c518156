#include "jobs/job_text.h"

#include <gtest/gtest.h>

#include "jobs/job_validation.h"
#include "jobs/pool_config.h"
#include "tests/jobs/job_test_util.h"

namespace xcr::jobs {
namespace {

using testing::Fields;
using testing::Strings;

TEST(JobText, Utf8) {
  for (const char* ok : {"", "plain", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80",
                         "\xf4\x8f\xbf\xbf"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  for (const char* bad : {"\xff", "\xc3", "\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "a\x80", "\xe6\x97"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << ::testing::PrintToString(std::string(bad));
  }
  EXPECT_EQ(ToValidUtf8("a\xff"
                        "b\xc3\xa9"),
            "a\xef\xbf\xbd"
            "b\xc3\xa9");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xed\xa0\x80\xc0")));
}

TEST(JobText, OneLine) {
  EXPECT_EQ(OneLineTextProblem("nightly caf\xc3\xa9"), nullptr);
  EXPECT_STREQ(OneLineTextProblem("a\nb"), "control characters are not allowed");
  EXPECT_STREQ(OneLineTextProblem("\xff"), "is not valid UTF-8");
  EXPECT_TRUE(LooksLikeHttpUrl("https://h/x"));
  EXPECT_FALSE(LooksLikeHttpUrl("https://"));
  EXPECT_FALSE(LooksLikeHttpUrl("https://h/\xff"));
  EXPECT_FALSE(LooksLikeHttpUrl("https://h /x"));
}

TEST(JobText, BadBytesAreFieldErrorsThatStillMakeJson) {
  Job job = testing::ValidJob();
  job.name = "bad\xff";
  job.srs[0].sr = "sr\xc3";
  job.schedules[0].name = "n\xe0\x80\x80";
  job.report.recipients = {"ops\xff@example.com"};
  EXPECT_EQ(Fields(ValidateJob(job)),
            Strings("name", "srs[0].sr", "reportRecipients[0]", "schedules[0].name"));
  PoolConfig pool = testing::ValidPool();
  pool.urls = {"https://h\xff"};
  pool.user = "r\xffoot";
  FieldErrors errors = ValidatePool(pool);
  EXPECT_EQ(Fields(errors), Strings("user", "urls[0]"));
  // The messages quote the bad URL; the JSON for the client is still valid.
  std::string dumped = FieldErrorsToJson(errors).dump();
  EXPECT_NE(dumped.find("urls[0]"), std::string::npos);
}

}  // namespace
}  // namespace xcr::jobs
