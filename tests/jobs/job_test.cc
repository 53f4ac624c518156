#include "jobs/job.h"

#include <gtest/gtest.h>

#include "base/uuid.h"
#include "tests/jobs/job_test_util.h"

namespace xcr::jobs {
namespace {

TEST(VmPattern, PoolsTagsAndExclusions) {
  VmPattern p;
  p.pools = {"pa", "pb"};
  p.tags = {"prod", "db"};
  p.not_tags = {"xo:no-bak"};
  p.not_vms = {"AAAAAAAA-0000-4000-8000-000000000000"};
  EXPECT_TRUE(p.Matches({"u1", "pa", {"web", "prod"}}));
  EXPECT_FALSE(p.Matches({"u1", "pc", {"prod"}})) << "pool not in the pattern";
  EXPECT_FALSE(p.Matches({"u1", "pa", {"web"}})) << "none of the tags";
  EXPECT_FALSE(p.Matches({"u1", "pa", {"prod", "xo:no-bak"}})) << "excluded tag";
  EXPECT_FALSE(p.Matches({"aaaaaaaa-0000-4000-8000-000000000000", "pa", {"db"}}))
      << "excluded VM, uuid in another case";
}

TEST(VmPattern, EmptyListsDoNotFilter) {
  VmPattern p;
  p.tags = {"prod"};
  p.not_pools = {"lab"};
  EXPECT_TRUE(p.Matches({"u", "any-pool", {"prod"}}));
  EXPECT_FALSE(p.Matches({"u", "lab", {"prod"}}));
  VmPattern by_pool;
  by_pool.pools = {"pa"};
  EXPECT_TRUE(by_pool.Matches({"u", "pa", {}}));
}

TEST(ReportWhen, NamesRoundTrip) {
  for (ReportWhen w : {ReportWhen::kAlways, ReportWhen::kFailure, ReportWhen::kNever}) {
    EXPECT_EQ(ParseReportWhen(ReportWhenName(w)), w);
  }
  EXPECT_EQ(ReportWhenName(ReportWhen::kFailure), "failure");
  EXPECT_FALSE(ParseReportWhen("error").has_value());
  EXPECT_EQ(Job().report.when, ReportWhen::kFailure);
}

TEST(Job, AssignMissingIdsKeepsGivenOnes) {
  Job job = testing::ValidJob();
  job.id.clear();
  Schedule fresh;
  job.schedules.push_back(fresh);
  AssignMissingIds(&job);
  EXPECT_TRUE(LooksLikeUuid(job.id));
  EXPECT_EQ(job.schedules[0].id, "bbbbbbbb-0000-4000-8000-000000000001");
  EXPECT_TRUE(LooksLikeUuid(job.schedules[1].id));
  EXPECT_NE(job.schedules[1].id, job.id);
}

TEST(Job, FindSchedule) {
  Job job = testing::ValidJob();
  ASSERT_NE(job.FindSchedule("bbbbbbbb-0000-4000-8000-000000000001"), nullptr);
  EXPECT_EQ(job.FindSchedule("bbbbbbbb-0000-4000-8000-000000000001")->copy_retention, 3u);
  EXPECT_EQ(job.FindSchedule("nope"), nullptr);
}

}  // namespace
}  // namespace xcr::jobs
