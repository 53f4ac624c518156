// Issue 15 item 8: the engine refuses a run whose job or schedule id is not a safe id before it
// touches the pools: no snapshot, no lease, no replica.
#include <string>

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "tests/engine/integration/replication_fixture.h"

namespace xcr::engine {
namespace {

using testing::ReplicationFixture;
using testing::RunResult;

class RunIdEntryTest : public ReplicationFixture {};

TEST_F(RunIdEntryTest, BadIdsAreRefusedBeforeAnythingIsWritten) {
  for (const auto& [job, schedule] : {std::pair<std::string, std::string>{"job\nx", "s"},
                                      {"job", "s\tx"},
                                      {"a b", "s"},
                                      {"j", "a/b"},
                                      {"", "s"},
                                      {std::string(129, 'j'), "s"}}) {
    SCOPED_TRACE(job + " / " + schedule);
    options_.job_id = job;
    options_.schedule_id = schedule;
    RunResult r = Run(One());
    EXPECT_EQ(r.out.status.code(), StatusCode::kInvalidArgument) << r.out.status.ToString();
    EXPECT_TRUE(r.out.snapshot_uuid.empty());
    EXPECT_TRUE(SourceVm().snapshots.empty()) << "a snapshot was taken";
    ASSERT_OK_AND_ASSIGN(auto cat, src_->Catalog());
    for (const VmView& v : cat.vms) {
      EXPECT_EQ(ConfigValue(v.other_config, keys::kLease), "") << v.name_label;
    }
    EXPECT_EQ(ExpectNoOrphans(*dst_), 0u) << "something was written on the target";
  }
  options_.job_id = "0b7c5b0e-3a8e-4c55-9d4c-1f2e3d4c5b6a";
  options_.schedule_id = "nightly.v2_eu:site@1+x";
  RunResult ok = Run(One());
  EXPECT_OK(ok.out.status) << ok.log;
}

}  // namespace
}  // namespace xcr::engine
