// Issue 15 item 6: failures are reported against the pool that failed, naming the side and
// pool, the step and the object, over real sockets with the simulator's fault knobs.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/integration/replication_fixture.h"

namespace xcr::engine {
namespace {

using testing::ReplicationFixture;
using testing::RunResult;
using xapi::Value;

class ErrorMessagesTest : public ReplicationFixture {
 protected:
  // The source pool as messages name it: its host, without the scheme.
  std::string SourceHost() {
    std::string url = src_->url();
    return url.substr(url.find("://") + 3);
  }
  static void ExpectHas(const std::string& message, const std::string& part) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
  static void ExpectLacks(const std::string& message, const std::string& part) {
    EXPECT_EQ(message.find(part), std::string::npos) << "'" << part << "' in: " << message;
  }
  void FailOnce(testing::SimPool& pool, const std::string& method) {
    ASSERT_OK(pool.Fault("sim.fault_fail_method",
                         {Value(method), Value("INTERNAL_ERROR"), Value(int64_t{1})}));
  }
};

TEST_F(ErrorMessagesTest, TaskCreateFailingOnTheSourceIsTheSources) {
  FailOnce(*src_, "task.create");
  RunResult r = Run(One());
  ASSERT_FALSE(r.out.status.ok());
  ASSERT_EQ(r.out.targets.size(), 1u);
  const std::string target = r.out.targets[0].status.message();
  ExpectHas(target, "nothing written, the source failed");
  ExpectHas(target, "export of disk 0 on source pool '" + SourceHost() + "'");
  ExpectHas(target, "task.create");
  // Not "VM 'x' on pool 'dr': task.create" as if the target had failed it.
  ExpectLacks(target, "on target pool 'dr': task.create");
  ExpectHas(r.log, "export of disk 0 on source pool '" + SourceHost() + "': task.create");
}

TEST_F(ErrorMessagesTest, TaskCreateFailingOnTheTargetIsNotUnreachable) {
  FailOnce(*dst_, "task.create");
  RunResult r = Run(One());
  ASSERT_FALSE(r.out.status.ok());
  const std::string target = r.out.targets[0].status.message();
  ExpectLacks(target, "cannot reach");
  ExpectHas(target, "import of disk 0 to SR 'Local storage' on target pool 'dr'");
  ExpectHas(target, "task.create: INTERNAL_ERROR");
  ExpectLacks(r.out.status.message(), "cannot reach");
  ExpectLacks(r.log, "cannot reach");
}

TEST_F(ErrorMessagesTest, VmGetRecordFailingNamesPoolStepAndVm) {
  FailOnce(*src_, "VM.get_record");
  RunResult r = Run(One());
  ASSERT_FALSE(r.out.status.ok());
  EXPECT_EQ(r.out.status.message(), "VM '" + vm_.name_label +
                                        "', reading the VM's record on source pool '" +
                                        SourceHost() + "': VM.get_record: INTERNAL_ERROR");
}

TEST_F(ErrorMessagesTest, FullSourceSrIsNamed) {
  ASSERT_OK(src_->Fault("sim.fault_sr_full", {Value(true)}));
  RunResult r = Run(One());
  ASSERT_FALSE(r.out.status.ok());
  const std::string m = r.out.status.message();
  EXPECT_EQ(m.rfind("source SR 'Local storage' on pool '" + SourceHost() +
                        "' is full (snapshot) (SR_BACKEND_FAILURE_44)",
                    0),
            0u)
      << m;
  ExpectLacks(m, "the SR");
}

TEST_F(ErrorMessagesTest, CutExportIsTheSourcesAndCutImportTheTargets) {
  ASSERT_OK(src_->Fault("sim.fault_cut_transfer", {Value("export"), Value(int64_t{1} << 20)}));
  RunResult cut_export = Run(One());
  ASSERT_FALSE(cut_export.out.status.ok());
  ExpectHas(cut_export.out.targets[0].status.message(), "nothing written, the source failed");
  ExpectHas(cut_export.out.targets[0].status.message(), "source pool '" + SourceHost() + "'");
  ExpectLacks(cut_export.out.targets[0].status.message(), "cannot reach target");

  ASSERT_OK(src_->Fault("sim.fault_clear", {}));
  ASSERT_OK(dst_->Fault("sim.fault_cut_transfer", {Value("import"), Value(int64_t{1} << 20)}));
  RunResult cut_import = Run(One());
  ASSERT_FALSE(cut_import.out.status.ok());
  const std::string t = cut_import.out.targets[0].status.message();
  ExpectHas(t, "import of disk 0 to SR 'Local storage'");
  ExpectHas(t, "target pool 'dr'");
  ExpectLacks(t, "the source failed");
}

}  // namespace
}  // namespace xcr::engine
