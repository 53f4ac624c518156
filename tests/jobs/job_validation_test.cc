#include "jobs/job_validation.h"

#include <gtest/gtest.h>

#include "tests/jobs/job_test_util.h"

namespace xcr::jobs {
namespace {

using testing::Fields;
using testing::Strings;

using testing::ValidJob;

TEST(JobValidation, ValidJobHasNoErrors) { EXPECT_EQ(ValidateJob(ValidJob()), FieldErrors{}); }

TEST(JobValidation, UnknownTimeZoneNamesTheScheduleField) {
  Job job = ValidJob();
  job.schedules.push_back(job.schedules[0]);
  job.schedules[1].id = "bbbbbbbb-0000-4000-8000-000000000002";
  job.schedules[1].timezone = "Europe/Pariss";
  FieldErrors errors = ValidateJob(job);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "schedules[1].timezone");
  EXPECT_EQ(errors[0].message, "unknown time zone 'Europe/Pariss'");
}

TEST(JobValidation, KnownTimeZonesPass) {
  Job job = ValidJob();
  for (const char* tz : {"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}) {
    job.schedules[0].timezone = tz;
    EXPECT_EQ(ValidateJob(job), FieldErrors{}) << tz;
  }
}

TEST(JobValidation, CronTextIsParsed) {
  Job job = ValidJob();
  for (const char* ok : {"*/15 * * * *", "30 22 * * mon-fri", "mon..fri 22:30", "sat 02:00"}) {
    job.schedules[0].cron = ok;
    EXPECT_EQ(ValidateJob(job), FieldErrors{}) << ok;
  }
  job.schedules[0].cron = "61 * * * *";
  FieldErrors errors = ValidateJob(job);
  ASSERT_EQ(Fields(errors), Strings("schedules[0].cron"));
  EXPECT_NE(errors[0].message.find("61"), std::string::npos) << errors[0].message;
}

TEST(JobValidation, SameSrTwiceNamesTheSecond) {
  Job job = ValidJob();
  job.srs.push_back({testing::kPoolA, "sr-fast"});
  FieldErrors errors = ValidateJob(job);
  ASSERT_EQ(Fields(errors), Strings("srs[2].sr"));
  EXPECT_NE(errors[0].message.find("srs[0]"), std::string::npos);
}

TEST(JobValidation, SameSrUuidOnTwoPoolsIsTheSameSr) {
  Job job = ValidJob();
  job.srs.push_back({testing::kPoolA, "33333333-3333-4333-8333-333333333333"});
  EXPECT_EQ(Fields(ValidateJob(job)), Strings("srs[2].sr"));
}

TEST(JobValidation, SameSrNameOnTwoPoolsIsAllowed) {
  Job job = ValidJob();
  job.srs.push_back({testing::kPoolB, "sr-fast"});
  EXPECT_EQ(ValidateJob(job), FieldErrors{});
}

TEST(JobValidation, EveryProblemIsReportedOnce) {
  Job job = ValidJob();
  job.id = "not-a-uuid";
  job.name = "";
  job.vms.ids = {"vm-1"};
  job.srs.clear();
  job.concurrency = 0;
  job.report.webhook_url = "ftp://x";
  job.report.recipients = {"ops@example.com", "nobody"};
  job.health_check = {true, 0};
  job.schedules[0].cron = " ";
  job.schedules[0].copy_retention = 0;
  job.schedules[0].snapshot_retention = 0;
  EXPECT_EQ(Fields(ValidateJob(job)),
            Strings("id", "name", "vms.ids[0]", "srs", "concurrency", "reportWebhook",
                    "reportRecipients[1]", "healthCheck.timeout", "schedules[0].cron",
                    "schedules[0].copyRetention", "schedules[0].snapshotRetention"));
}

TEST(JobValidation, NeedsVmsAndSchedules) {
  Job job = ValidJob();
  job.vms.ids.clear();
  job.schedules.clear();
  EXPECT_EQ(Fields(ValidateJob(job)), Strings("vms", "schedules"));
}

TEST(JobValidation, DuplicateVmAndScheduleIds) {
  Job job = ValidJob();
  job.vms.ids.push_back(std::string(testing::kVm1));
  job.schedules.push_back(job.schedules[0]);
  EXPECT_EQ(Fields(ValidateJob(job)), Strings("vms.ids[2]", "schedules[1].id"));
}

TEST(JobValidation, SmartPatternNeedsAPoolOrTagAndNoIds) {
  Job job = ValidJob();
  job.vms.pattern = VmPattern{};
  EXPECT_EQ(Fields(ValidateJob(job)), Strings("vms", "vms"));
  job.vms.ids.clear();
  job.vms.pattern->tags = {"prod"};
  job.vms.pattern->not_vms = {"bad"};
  EXPECT_EQ(Fields(ValidateJob(job)), Strings("vms.notVms[0]"));
}

TEST(JobValidation, PoolsMustBeStoredWhenTheCallerKnowsThem) {
  Job job = ValidJob();
  job.vms.ids.clear();
  job.vms.pattern = VmPattern{};
  job.vms.pattern->pools = {testing::kPoolA, "ghost"};
  std::set<std::string> pools = {testing::kPoolA};
  FieldErrors errors = ValidateJob(job, {&pools});
  EXPECT_EQ(Fields(errors), Strings("vms.pools[1]", "srs[1].pool"));
  EXPECT_NE(errors[0].message.find("unknown pool 'ghost'"), std::string::npos);
  EXPECT_EQ(ValidateJob(job), FieldErrors{}) << "without the pool list, pools are not checked";
}

TEST(JobValidation, ErrorsBecomeOneStatusAndJson) {
  FieldErrors errors = {{"name", "a job needs a name"}, {"srs", "x"}};
  Status s = FieldErrorsToStatus(errors, "job 'x'");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "job 'x' is invalid: name: a job needs a name; srs: x");
  EXPECT_TRUE(FieldErrorsToStatus({}, "job").ok());
  EXPECT_EQ(FieldErrorsToJson(errors).dump(),
            R"([{"field":"name","message":"a job needs a name"},{"field":"srs","message":"x"}])");
}

}  // namespace
}  // namespace xcr::jobs
