#include "engine/task_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::engine {
namespace {

// The text's rate is the JSON's bytes_per_s: 2000 bytes in 3 s is 667 B/s (666.67 rounded), not
// 666 (truncated).
TEST(TaskLogTest, TextRateIsRoundedAsInTheJson) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  TaskId t = log.Begin(kNoParent, "transfer");
  env.Advance(3000000);
  log.AddBytes(t, 2000);
  log.Succeed(t);
  nlohmann::json j = nlohmann::json::parse(log.ToJson());
  EXPECT_EQ(j[0]["bytes_per_s"], 667);
  std::string text = log.ToText();
  EXPECT_NE(text.find("in 3.0 s (667 B/s)"), std::string::npos) << text;
}

TEST(TaskLogTest, RecordsTreeTimesBytesAndErrors) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  TaskId run = log.Begin(kNoParent, "run");
  TaskId vm = log.Begin(run, "VM web-01");
  TaskId a = log.Begin(vm, "transfer to sr-a");
  TaskId b = log.Begin(vm, "transfer to sr-b");
  env.Advance(2000000);
  log.AddBytes(a, 1 << 20);
  log.AddBytes(a, 1 << 20);
  log.Succeed(a);
  log.Fail(b, Status::Remote("SR_BACKEND_FAILURE_44", {"", "full", ""}));
  log.SetData(vm, "mode", "delta");
  EXPECT_TRUE(log.End(vm, Status::OK()).ok());
  log.Succeed(run);

  TaskRecord ra = log.Get(a);
  EXPECT_EQ(ra.status, TaskStatus::kSuccess);
  EXPECT_EQ(ra.bytes, 2u << 20);
  EXPECT_DOUBLE_EQ(log.Seconds(ra), 2.0);
  EXPECT_DOUBLE_EQ(log.BytesPerSecond(ra), static_cast<double>(1 << 20));
  EXPECT_EQ(log.Get(b).status, TaskStatus::kFailure);
  EXPECT_NE(log.Get(b).error.find("SR_BACKEND_FAILURE_44"), std::string::npos);
  EXPECT_EQ(log.Get(vm).children, (std::vector<TaskId>{a, b}));

  nlohmann::json j = nlohmann::json::parse(log.ToJson());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["label"], "run");
  const auto& jvm = j[0]["children"][0];
  EXPECT_EQ(jvm["data"]["mode"], "delta");
  EXPECT_EQ(jvm["children"][0]["bytes"], 2u << 20);
  EXPECT_EQ(jvm["children"][1]["status"], "failure");
  EXPECT_EQ(jvm["children"][0]["start"], "2026-11-23T09:41:07.000Z");
  EXPECT_EQ(jvm["children"][0]["bytes_per_s"], 1 << 20);
  EXPECT_TRUE(jvm["children"][0]["bytes_per_s"].is_number_integer());
  // The VM and the run moved nothing themselves: they report their children's sum.
  EXPECT_EQ(jvm["bytes"], log.Get(a).bytes + log.Get(b).bytes);
  EXPECT_EQ(j[0]["bytes"], jvm["bytes"]);

  std::string text = log.ToText();
  EXPECT_NE(text.find("    ✓ transfer to sr-a  2.00 MiB in 2.0 s (1.00 MiB/s)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("    ✗ transfer to sr-b: remote error: SR_BACKEND_FAILURE_44"),
            std::string::npos)
      << text;
}

TEST(TaskLogTest, SkipKeepsReason) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  TaskId t = log.Add(kNoParent, "retention");
  log.Skip(t, "run failed");
  EXPECT_EQ(log.Get(t).status, TaskStatus::kSkipped);
  EXPECT_NE(log.ToText().find("- retention: run failed"), std::string::npos);
}

// Live byte counts replace each other; every change reaches the listener with the task's id;
// a subtree renders as one root of ToJson.
TEST(TaskLogTest, SetBytesListenerAndSubtree) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  std::vector<std::pair<TaskId, uint64_t>> seen;
  log.SetListener([&](const TaskRecord& t) { seen.emplace_back(t.id, t.bytes); });
  TaskId run = log.Begin(kNoParent, "run");
  TaskId vm = log.Begin(run, "VM web-01");
  TaskId disk = log.Begin(vm, "full export of disk 0");
  log.SetBytes(disk, 100);
  log.SetBytes(disk, 300);
  EXPECT_EQ(log.Get(disk).bytes, 300u);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), std::make_pair(disk, uint64_t{300}));
  log.Succeed(disk);
  EXPECT_EQ(seen.back().first, disk);
  nlohmann::json sub = log.SubtreeJson(vm);
  EXPECT_EQ(sub["label"], "VM web-01");
  EXPECT_EQ(sub["bytes"], 300);
  ASSERT_EQ(sub["children"].size(), 1u);
  EXPECT_EQ(sub["children"][0]["status"], "success");
  EXPECT_EQ(nlohmann::json::parse(log.ToJson())[0]["children"][0], sub);
  log.SetLabel(vm, "VM web-02");  // renamed: listeners are told
  EXPECT_EQ(seen.back().first, vm);
  EXPECT_EQ(log.SubtreeJson(vm)["label"], "VM web-02");
}

// A transfer that knows its expected size reports it with an ETA at the rate so far while it
// runs; once it ended, the total stays and the ETA goes. A task without a total has neither.
TEST(TaskLogTest, TotalBytesAndEta) {
  testing::FakeClockEnv env;
  TaskLog log(&env);
  std::vector<std::pair<uint64_t, uint64_t>> seen;  // bytes, total at each change
  log.SetListener([&](const TaskRecord& t) { seen.emplace_back(t.bytes, t.total_bytes); });
  TaskId vm = log.Begin(kNoParent, "VM web-01");
  TaskId disk = log.Begin(vm, "full export of disk 0");
  TaskId target = log.Begin(disk, "transfer to sr-a");
  env.Advance(2000000);
  log.SetProgress(disk, 4 << 20, 10 << 20);  // 4 MiB of 10 in 2 s: 2 MiB/s, 3 s left
  log.SetProgress(target, 3 << 20, 10 << 20);
  EXPECT_EQ(seen.back(), std::make_pair(uint64_t{3} << 20, uint64_t{10} << 20));
  EXPECT_EQ(log.Get(disk).total_bytes, 10u << 20);

  nlohmann::json live = log.SubtreeJson(vm);
  EXPECT_FALSE(live.contains("total_bytes"));  // the VM knows no total of its own
  EXPECT_FALSE(live.contains("eta_s"));
  const auto& jdisk = live["children"][0];
  EXPECT_EQ(jdisk["total_bytes"], 10 << 20);
  EXPECT_EQ(jdisk["bytes_per_s"], 2 << 20);
  EXPECT_EQ(jdisk["eta_s"], 3);
  const auto& jtarget = jdisk["children"][0];
  EXPECT_EQ(jtarget["total_bytes"], 10 << 20);
  EXPECT_EQ(jtarget["eta_s"], 5);  // 7 MiB left at 1.5 MiB/s: 4.67 s, rounded

  // More bytes than announced: nothing left, not a negative ETA.
  log.SetProgress(target, 11 << 20, 10 << 20);
  EXPECT_EQ(log.SubtreeJson(target)["eta_s"], 0);

  log.SetProgress(disk, 10 << 20, 10 << 20);
  log.Succeed(target);
  log.Succeed(disk);
  nlohmann::json done = log.SubtreeJson(disk);
  EXPECT_EQ(done["total_bytes"], 10 << 20);
  EXPECT_EQ(done["bytes"], 10 << 20);
  EXPECT_FALSE(done.contains("eta_s"));

  // Not known yet (0): no total, no ETA, even while running with bytes.
  TaskId other = log.Begin(vm, "delta export of disk 1");
  env.Advance(1000000);
  log.SetProgress(other, 512, 0);
  nlohmann::json unknown = log.SubtreeJson(other);
  EXPECT_EQ(unknown["bytes"], 512);
  EXPECT_FALSE(unknown.contains("total_bytes"));
  EXPECT_FALSE(unknown.contains("eta_s"));
}

TEST(FormatBytesTest, BinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(uint64_t{64} << 30), "64.00 GiB");
}

}  // namespace
}  // namespace xcr::engine
