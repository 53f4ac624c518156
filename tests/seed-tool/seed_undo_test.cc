// The undo record: encoding, merging over an earlier record, and planning an undo (restore,
// skip what is already restored, refuse on fields changed since the seed, objects gone).
#include "seed-tool/seed_undo.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/testutil/status_matchers.h"

namespace xcr::seed {
namespace {

Change Make(Change::Pool pool, const std::string& cls, const std::string& uuid, Change::Field f,
            const std::string& key, std::optional<std::string> before,
            std::optional<std::string> after) {
  Change c;
  c.pool = pool;
  c.cls = cls;
  c.uuid = uuid;
  c.ref = "OpaqueRef:" + uuid;
  c.object = cls + " " + uuid;
  c.field = f;
  c.key = key;
  c.before = std::move(before);
  c.after = std::move(after);
  return c;
}

UndoRecord Sample() {
  UndoRecord r{"job-1", "sched-1", "snap", "target", {}};
  r.changes = {
      Make(Change::Pool::kTarget, "VDI", "tvdi", Change::Field::kOtherConfig, "xo:copy_of",
           std::nullopt, "svdi"),
      Make(Change::Pool::kTarget, "VM", "target", Change::Field::kOtherConfig, "xo:backup:sr",
           "old-sr", "dst-sr"),
      Make(Change::Pool::kTarget, "VM", "target", Change::Field::kBlockedOperations, "start",
           std::nullopt, "blocked"),
      Make(Change::Pool::kTarget, "VM", "target", Change::Field::kNameLabel, "", "copy", "web (x)"),
      Make(Change::Pool::kTarget, "VM", "target", Change::Field::kTag, "Continuous Replication",
           std::nullopt, "Continuous Replication"),
      Make(Change::Pool::kSource, "VM", "snap", Change::Field::kOtherConfig, "xo:backup:exported",
           std::nullopt, "true"),
  };
  return r;
}

TEST(SeedUndoTest, RoundTripsThroughJson) {
  UndoRecord r = Sample();
  ASSERT_OK_AND_ASSIGN(UndoRecord back, DecodeUndoRecord(EncodeUndoRecord(r)));
  EXPECT_EQ(back.job_id, "job-1");
  EXPECT_EQ(back.schedule_id, "sched-1");
  EXPECT_EQ(back.source_snapshot_uuid, "snap");
  EXPECT_EQ(back.target_vm_uuid, "target");
  ASSERT_EQ(back.changes.size(), r.changes.size());
  for (size_t i = 0; i < r.changes.size(); ++i) {
    const Change& a = r.changes[i];
    const Change& b = back.changes[i];
    EXPECT_EQ(b.pool, a.pool);
    EXPECT_EQ(b.cls, a.cls);
    EXPECT_EQ(b.uuid, a.uuid);
    EXPECT_EQ(b.object, a.object);
    EXPECT_EQ(b.field, a.field);
    EXPECT_EQ(b.key, a.key);
    EXPECT_EQ(b.before, a.before);
    EXPECT_EQ(b.after, a.after);
    EXPECT_TRUE(b.ref.empty());
  }
}

TEST(SeedUndoTest, RejectsForeignJson) {
  for (const char* text : {"", "[]", "{\"version\":2}", "{\"version\":1}", "not json",
                           R"({"version":1,"job":"j","schedule":"s","source_snapshot":"a",
                               "target_vm":"b","changes":[{"pool":"moon"}]})"}) {
    SCOPED_TRACE(text);
    EXPECT_STATUS(DecodeUndoRecord(text).status(), StatusCode::kCorruption);
  }
}

TEST(SeedUndoTest, MergeKeepsTheFirstBefore) {
  UndoRecord first = Sample();
  UndoRecord second{"job-1", "sched-1", "snap", "target", {}};
  // A field changed again, and one new field.
  second.changes = {Make(Change::Pool::kTarget, "VM", "target", Change::Field::kOtherConfig,
                         "xo:backup:sr", "someone-else", "dst-sr-2"),
                    Make(Change::Pool::kTarget, "VM", "target", Change::Field::kOtherConfig,
                         "xo:backup:job", std::nullopt, "job-1")};
  UndoRecord merged = MergeUndoRecord(first, second);
  ASSERT_EQ(merged.changes.size(), first.changes.size() + 1);
  EXPECT_EQ(merged.changes[1].before, std::optional<std::string>("old-sr"));
  EXPECT_EQ(merged.changes[1].after, std::optional<std::string>("dst-sr-2"));
  EXPECT_EQ(merged.changes.back().key, "xo:backup:job");
  EXPECT_EQ(MergeUndoRecord(std::nullopt, second).changes.size(), 2u);
}

// Current states after the sample seed was applied.
struct Pools {
  std::map<std::string, ObjectState> objects;
  Pools() {
    objects["tvdi"] = {"OpaqueRef:tvdi", "disk", {{"xo:copy_of", "svdi"}}, {}, {}};
    objects["target"] = {"OpaqueRef:target",
                         "web (x)",
                         {{"xo:backup:sr", "dst-sr"}, {"owner", "ops"}},
                         {{"start", "blocked"}},
                         {"Continuous Replication", "prod"}};
    objects["snap"] = {"OpaqueRef:snap", "snap", {{"xo:backup:exported", "true"}}, {}, {}};
  }
  ObjectLookup Lookup() {
    return [this](Change::Pool, const std::string&, const std::string& uuid) -> const ObjectState* {
      auto it = objects.find(uuid);
      return it == objects.end() ? nullptr : &it->second;
    };
  }
};

TEST(SeedUndoTest, PlansTheWayBackInReverseOrder) {
  Pools p;
  ASSERT_OK_AND_ASSIGN(UndoPlan plan, PlanUndo(Sample(), p.Lookup()));
  ASSERT_EQ(plan.changes.size(), 6u);
  EXPECT_TRUE(plan.gone.empty());
  EXPECT_EQ(plan.changes.front().uuid, "snap");  // the source's exported flag goes first
  EXPECT_EQ(plan.changes.front().after, std::nullopt);
  EXPECT_EQ(plan.changes.front().ref, "OpaqueRef:snap");
  const Change& sr = plan.changes[4];
  EXPECT_EQ(sr.key, "xo:backup:sr");
  EXPECT_EQ(sr.before, std::optional<std::string>("dst-sr"));
  EXPECT_EQ(sr.after, std::optional<std::string>("old-sr"));
  EXPECT_EQ(plan.changes[2].field, Change::Field::kNameLabel);
  EXPECT_EQ(plan.changes[2].after, std::optional<std::string>("copy"));
}

TEST(SeedUndoTest, SkipsRestoredFieldsAndNotesGoneObjects) {
  Pools p;
  p.objects["target"].other_config["xo:backup:sr"] = "old-sr";  // restored by hand
  p.objects.erase("snap");                                      // pruned by retention
  ASSERT_OK_AND_ASSIGN(UndoPlan plan, PlanUndo(Sample(), p.Lookup()));
  EXPECT_EQ(plan.changes.size(), 4u);
  ASSERT_EQ(plan.gone.size(), 1u);
  EXPECT_NE(plan.gone[0].find("snap"), std::string::npos);
}

TEST(SeedUndoTest, RefusesWhenAFieldChangedSinceTheSeed) {
  Pools p;
  p.objects["target"].blocked_operations["start"] = "maintenance";
  p.objects["tvdi"].other_config.erase("xo:copy_of");  // absent == before: fine
  auto r = PlanUndo(Sample(), p.Lookup());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("blocked_operations start is \"maintenance\""),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("xo:copy_of"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace xcr::seed
