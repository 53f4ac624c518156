#include "cli/daemon_text.h"

#include <gtest/gtest.h>

#include "cli/daemon_client.h"

namespace xcr::cli {
namespace {

using nlohmann::json;

TEST(DaemonSocketPathTest, FlagThenEnvironmentThenSystemLocation) {
  auto env = [](const char* value) {
    return [value](const char* name) -> const char* {
      return std::string(name) == "XCR_SOCKET" ? value : nullptr;
    };
  };
  EXPECT_EQ(DaemonSocketPath("/run/a.sock", env("/run/b.sock")), "/run/a.sock");
  EXPECT_EQ(DaemonSocketPath("", env("/run/b.sock")), "/run/b.sock");
  EXPECT_EQ(DaemonSocketPath("", env("")), "/var/lib/xcr/xcr.sock");
  EXPECT_EQ(DaemonSocketPath("", env(nullptr)), "/var/lib/xcr/xcr.sock");
}

TEST(ApiErrorTest, ErrorThenEachFieldOnItsLine) {
  json body = {{"error", "the job is invalid"},
               {"fields",
                {{{"field", "schedules[0].timezone"}, {"message", "unknown time zone 'X'"}},
                 {{"field", "srs[1].sr"}, {"message", "SR 'a' is already a target"}}}}};
  EXPECT_EQ(ApiErrorMessage(400, body),
            "the job is invalid\n  schedules[0].timezone: unknown time zone 'X'\n"
            "  srs[1].sr: SR 'a' is already a target");
  EXPECT_EQ(ApiErrorMessage(500, json()), "the daemon answered HTTP 500");
  EXPECT_EQ(ApiStatusCode(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(ApiStatusCode(404), StatusCode::kNotFound);
  EXPECT_EQ(ApiStatusCode(409), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ApiStatusCode(502), StatusCode::kUnavailable);
  EXPECT_EQ(ApiStatusCode(500), StatusCode::kInternal);
}

TEST(UrlSegmentTest, EscapesWhatAPathCannotHold) {
  EXPECT_EQ(UrlSegment("a b/c?d"), "a%20b%2Fc%3Fd");
  EXPECT_EQ(UrlSegment("0b5c-AZ_~."), "0b5c-AZ_~.");
}

TEST(DaemonTextTest, AgesAndTimes) {
  EXPECT_EQ(FormatAge(45), "45s");
  EXPECT_EQ(FormatAge(310), "5m10s");
  EXPECT_EQ(FormatAge(3720), "1h02m");
  EXPECT_EQ(FormatAge(3 * 86400 + 4 * 3600 + 59), "3d04h");
  EXPECT_EQ(ShortTime(json("2026-12-07T20:15:00.000Z")), "2026-12-07 20:15:00Z");
  EXPECT_EQ(ShortTime(json(nullptr), "never"), "never");
}

TEST(DaemonTextTest, TableAlignsByCharactersNotBytes) {
  EXPECT_EQ(Table({"A", "B"}, {{"héhé", "1"}, {"x", "22"}}),
            "A     B\n"
            "héhé  1\n"
            "x     22\n");
}

TEST(DaemonTextTest, StatusPutsFailingFirstThenLargestLag) {
  json status = json::array({{{"job", "j1"},
                              {"job_name", "nightly"},
                              {"vm", "u1"},
                              {"vm_name", "web-01"},
                              {"last_success", "2026-12-07T20:15:00.000Z"},
                              {"lag_s", 60},
                              {"lag_state", "ok"},
                              {"state", "ok"},
                              {"next_run", "2026-12-07T21:00:00.000Z"}},
                             {{"job", "j1"},
                              {"job_name", "nightly"},
                              {"vm", "u2"},
                              {"vm_name", "db-01"},
                              {"last_success", nullptr},
                              {"lag_s", nullptr},
                              {"state", "error"},
                              {"error", "SR full"},
                              {"next_run", "2026-12-07T20:45:00.000Z"}},
                             {{"job", "j1"},
                              {"job_name", "nightly"},
                              {"vm", "u3"},
                              {"vm_name", "app-01"},
                              {"last_success", "2026-12-07T18:15:00.000Z"},
                              {"lag_s", 7260},
                              {"lag_state", "late"},
                              {"state", "ok"},
                              {"next_run", nullptr}},
                             {{"job", "j2"},
                              {"job_name", "weekly"},
                              {"vm", "u4"},
                              {"vm_name", "mail-01"},
                              {"last_success", "2026-12-01T18:15:00.000Z"},
                              {"lag_s", 520000},
                              {"lag_state", "disabled"},
                              {"state", "ok"},
                              {"next_run", nullptr}},
                             {{"job", "j2"},
                              {"job_name", "weekly"},
                              {"vm", "u5"},
                              {"vm_name", "dns-01"},
                              {"last_success", nullptr},
                              {"lag_s", nullptr},
                              {"lag_state", "critical"},
                              {"state", "running"},
                              {"next_run", nullptr}}});
  EXPECT_EQ(
      StatusTable(status),
      "VM       JOB      STATE    LAST SUCCESS          LAG             NEXT RUN\n"
      "db-01    nightly  error    never                 -               2026-12-07 20:45:00Z\n"
      "dns-01   weekly   running  never                 - critical      -\n"
      "app-01   nightly  ok       2026-12-07 18:15:00Z  2h01m late      -\n"
      "mail-01  weekly   ok       2026-12-01 18:15:00Z  6d00h disabled  -\n"
      "web-01   nightly  ok       2026-12-07 20:15:00Z  1m00s ok        2026-12-07 21:00:00Z\n"
      "errors:\n"
      "  db-01 (nightly): SR full\n");
  EXPECT_NE(StatusTable(json::array()).find("xcr job create"), std::string::npos);
}

TEST(DaemonTextTest, TaskTreeAsTheEngineWritesIt) {
  json tasks = json::array({{{"label", "VM web-01"},
                             {"status", "failure"},
                             {"bytes", 0},
                             {"error", "unavailable: SR sr-b unreachable"},
                             {"children",
                              {{{"label", "snapshot"}, {"status", "success"}, {"bytes", 0}},
                               {{"label", "transfer to sr-a"},
                                {"status", "success"},
                                {"bytes", 1073741824},
                                {"duration_s", 2.1},
                                {"bytes_per_s", 536870912}},
                               {{"label", "retention"},
                                {"status", "skipped"},
                                {"data", {{"skipped", "a target failed"}}}}}}}});
  EXPECT_EQ(TaskTreeText(tasks),
            "✗ VM web-01: unavailable: SR sr-b unreachable\n"
            "  ✓ snapshot\n"
            "  ✓ transfer to sr-a  1.00 GiB in 2.1 s (512.00 MiB/s)\n"
            "  - retention: a target failed\n");
}

// A transfer still running shows its share of the stream's size and the ETA; once it ended (the
// size is still there) its line is as before.
TEST(DaemonTextTest, RunningTransferShowsShareAndEta) {
  json running = {{"label", "transfer to sr-a"},
                  {"status", "running"},
                  {"bytes", 1073741824},
                  {"total_bytes", 4294967296},
                  {"duration_s", 2.0},
                  {"bytes_per_s", 536870912},
                  {"eta_s", 6}};
  EXPECT_EQ(TransferShare(running), "25 % of 4.00 GiB, ETA 6s");
  EXPECT_EQ(TaskTreeText(running),
            "… transfer to sr-a  1.00 GiB in 2.0 s (512.00 MiB/s), 25 % of 4.00 GiB, ETA 6s\n");
  json no_eta = running;
  no_eta.erase("eta_s");
  EXPECT_EQ(TransferShare(no_eta), "25 % of 4.00 GiB");
  json unknown = running;
  unknown.erase("total_bytes");
  EXPECT_EQ(TransferShare(unknown), "");
  json done = running;
  done["status"] = "success";
  done["bytes"] = 4294967296;
  done.erase("eta_s");
  EXPECT_EQ(TransferShare(done), "");
  EXPECT_EQ(TaskTreeText(done), "✓ transfer to sr-a  4.00 GiB in 2.0 s (512.00 MiB/s)\n");
}

TEST(DaemonTextTest, RunShowsHeaderTreeAndLog) {
  json run = {{"id", "r1"},
              {"job", "j1"},
              {"job_name", "nightly"},
              {"start", "2026-12-07T20:00:00.000Z"},
              {"end", nullptr},
              {"result", "running"},
              {"tasks", json::array({{{"label", "VM a"}, {"status", "running"}}})},
              {"log", json::array({{{"time", "2026-12-07T20:00:01.000Z"}, {"text", "hi"}}})}};
  EXPECT_EQ(RunText(run),
            "run r1 of job nightly (j1)\n"
            "  started 2026-12-07 20:00:00Z, ended (still running): running\n"
            "\n"
            "… VM a\n"
            "\n"
            "log:\n"
            "  2026-12-07 20:00:01Z hi\n");
}

TEST(DaemonTextTest, JobsAndPools) {
  json pools = json::array({{{"id", "p1"},
                             {"name", "dr"},
                             {"urls", {"https://dr1", "https://dr2"}},
                             {"user", "root"},
                             {"fingerprint", "SHA256:AB"}},
                            {{"id", "p2"},
                             {"name", "lab"},
                             {"urls", {"https://lab"}},
                             {"user", "root"},
                             {"insecure", true}}});
  EXPECT_EQ(PoolsTable(pools),
            "ID  NAME  URL               USER  CERTIFICATE\n"
            "p1  dr    https://dr1 (+1)  root  pinned SHA256:AB\n"
            "p2  lab   https://lab       root  insecure (not checked)\n");
  json job = {
      {"id", "j1"},
      {"name", "nightly"},
      {"enabled", true},
      {"vms", {{"ids", {"u1", "u2"}}}},
      {"srs", {{{"pool", "p1"}, {"sr", "sr-a"}}}},
      {"schedules",
       {{{"id", "s1"},
         {"cron", "0 22 * * *"},
         {"timezone", "Europe/Paris"},
         {"copyRetention", 3},
         {"snapshotRetention", 2}}}},
      {"concurrency", 2},
      {"timeout", 0},
      {"rate", 0},
      {"status",
       {{"state", "ok"}, {"next_run", "2026-12-07T21:00:00.000Z"}, {"last_success", nullptr}}}};
  EXPECT_EQ(JobsTable(json::array({job})),
            "ID  NAME     ENABLED  VMS  TARGETS  SCHEDULES                STATE  NEXT RUN"
            "              LAST SUCCESS\n"
            "j1  nightly  yes      2    1        0 22 * * * Europe/Paris  ok     "
            "2026-12-07 21:00:00Z  never\n");
  std::string text = JobText(job, pools, json::array());
  EXPECT_NE(text.find("target        pool dr SR sr-a\n"), std::string::npos) << text;
  EXPECT_NE(text.find("schedule      0 22 * * * (Europe/Paris), keep 3 replica(s), 2 "
                      "snapshot(s)  [s1]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("vms           u1 u2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace xcr::cli
