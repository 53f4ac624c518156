#include "jobs/job_json.h"

#include <iterator>
#include <random>

#include <gtest/gtest.h>

#include "jobs/job_validation.h"
#include "tests/jobs/job_test_util.h"

namespace xcr::jobs {
namespace {

using testing::Fields;
using testing::Strings;

using nlohmann::json;

TEST(JobJson, XoFieldNames) {
  Job job = testing::ValidJob();
  job.rate = 1000;
  json j = JobToJson(job);
  EXPECT_EQ(j["id"], job.id);
  EXPECT_EQ(j["mode"], "delta");
  EXPECT_EQ(j["vms"], json({{"ids", {testing::kVm1, testing::kVm2}}}));
  EXPECT_EQ(j["srs"][0], json({{"pool", testing::kPoolA}, {"sr", "sr-fast"}}));
  EXPECT_EQ(j["reportWhen"], "failure");
  EXPECT_EQ(j["rate"], 1000);
  EXPECT_EQ(j["timeout"], 0);
  const json& s = j["schedules"][0];
  EXPECT_EQ(s["copyRetention"], 3);
  EXPECT_EQ(s["snapshotRetention"], 2);
  EXPECT_EQ(s["timezone"], "Europe/Paris");
  EXPECT_EQ(s["cron"], "0 22 * * *");
}

TEST(JobJson, RoundTrip) {
  Job job = testing::ValidJob();
  job.enabled = false;
  job.concurrency = 4;
  job.timeout_ms = 3'600'000;
  job.report = {ReportWhen::kAlways, "https://hooks.example/x", {"ops@example.com"}};
  job.health_check = {true, 120'000};
  Job back;
  ASSERT_EQ(JobFromJson(JobToJson(job), &back), FieldErrors{});
  EXPECT_EQ(back, job);

  job.vms.ids.clear();
  job.vms.pattern = VmPattern{{"p1"}, {"prod"}, {"p2"}, {"xo:no-bak"}, {testing::kVm1}};
  Job smart;
  ASSERT_EQ(JobFromJson(JobToJson(job), &smart), FieldErrors{});
  EXPECT_EQ(smart, job);
  EXPECT_EQ(JobToJson(job)["vms"]["notTags"], json({"xo:no-bak"}));
}

TEST(JobJson, AbsentFieldsKeepDefaults) {
  Job job;
  json in = {{"name", "n"},
             {"vms", {{"ids", {testing::kVm1}}}},
             {"srs", {{{"pool", testing::kPoolA}, {"sr", "s"}}}},
             {"schedules", {{{"cron", "*/15 * * * *"}}}}};
  ASSERT_EQ(JobFromJson(in, &job), FieldErrors{});
  EXPECT_EQ(job.concurrency, 2u);
  EXPECT_TRUE(job.enabled);
  ASSERT_EQ(job.schedules.size(), 1u);
  EXPECT_EQ(job.schedules[0].timezone, "UTC");
  EXPECT_EQ(job.schedules[0].copy_retention, 1u);
  EXPECT_TRUE(job.schedules[0].id.empty()) << "ids are the daemon's to give";
}

TEST(JobJson, WrongTypesAndUnknownFieldsAreFieldErrors) {
  json in = {{"name", 5},
             {"mode", "full"},
             {"concurrency", -1},
             {"timeout", "1h"},
             {"reportWhen", "sometimes"},
             {"reportRecipients", {"a@b", 3}},
             {"vms", {{"ids", "x"}}},
             {"srs", {{{"pool", "p"}}}},
             {"schedules", {{{"cron", "0 1 * * *"}, {"copyretention", 2}}}},
             {"nmae", "typo"}};
  Job job;
  EXPECT_EQ(Fields(JobFromJson(in, &job)),
            Strings("name", "mode", "vms.ids", "srs[0].sr", "concurrency", "timeout", "reportWhen",
                    "reportRecipients[1]", "schedules[0].copyretention", "nmae"));
}

TEST(JobJson, NotAnObject) {
  Job job;
  FieldErrors errors = JobFromJson(json::array(), &job);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "(body)");
}

TEST(JobJson, EditByMergePatchKeepsUntouchedScheduleSettings) {
  Job stored = testing::ValidJob();
  json doc = JobToJson(stored);
  // The client sends the schedule with only its id and a new cron: the rest stays.
  doc.merge_patch({{"name", "renamed"},
                   {"schedules", {{{"id", stored.schedules[0].id}, {"cron", "0 3 * * *"}}}}});
  Job edited = stored;
  ASSERT_EQ(JobFromJson(doc, &edited), FieldErrors{});
  EXPECT_EQ(edited.name, "renamed");
  ASSERT_EQ(edited.schedules.size(), 1u);
  EXPECT_EQ(edited.schedules[0].cron, "0 3 * * *");
  EXPECT_EQ(edited.schedules[0].copy_retention, 3u);
  EXPECT_EQ(edited.schedules[0].timezone, "Europe/Paris");
}

// Replaces or removes one randomly chosen member or element anywhere in doc.
void Mutate(json* doc, std::mt19937* rng) {
  static const json kValues[] = {nullptr,
                                 true,
                                 -1,
                                 1.5,
                                 uint64_t{1} << 60,
                                 "x",
                                 "",
                                 json::array(),
                                 json::object(),
                                 json::array({1, "a"}),
                                 json::object({{"k", 1}})};
  json* at = doc;
  while (true) {
    bool descend = (at->is_object() || at->is_array()) && !at->empty() && (*rng)() % 3 != 0;
    if (!descend) break;
    size_t pick = (*rng)() % at->size();
    auto it = at->begin();
    std::advance(it, static_cast<long>(pick));
    if ((*rng)() % 4 == 0 || !(it->is_object() || it->is_array())) {
      if ((*rng)() % 5 == 0) {
        at->erase(it);
      } else {
        *it = kValues[(*rng)() % std::size(kValues)];
      }
      return;
    }
    at = &*it;
  }
  *at = kValues[(*rng)() % std::size(kValues)];
}

TEST(JobJson, MutatedDocumentsGiveErrorsOrValidJobsNeverExceptions) {
  std::mt19937 rng(20261207);
  json base = JobToJson(testing::ValidJob());
  size_t accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    json doc = base;
    for (int m = 0, n = 1 + static_cast<int>(rng() % 3); m < n; ++m) Mutate(&doc, &rng);
    Job job;
    FieldErrors errors;
    ASSERT_NO_THROW(errors = JobFromJson(doc, &job)) << doc.dump();
    for (const FieldError& e : errors) ASSERT_FALSE(e.field.empty()) << doc.dump();
    if (!errors.empty()) continue;
    ASSERT_NO_THROW(errors = ValidateJob(job)) << doc.dump();
    if (!errors.empty()) continue;
    ++accepted;
    Job back;
    ASSERT_NO_THROW(EXPECT_EQ(JobFromJson(JobToJson(job), &back), FieldErrors{}));
    EXPECT_EQ(back, job) << doc.dump();
  }
  EXPECT_GT(accepted, 0u) << "some mutations (e.g. a new name) keep the job valid";
}

}  // namespace
}  // namespace xcr::jobs
