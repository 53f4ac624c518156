// The xcr client commands, as a user runs them, against a fake daemon: an HttpServer on a Unix
// socket in a temp dir answering canned JSON and recording every request. Each test checks the
// requests a command sends (method, path, body), what it prints on stdout and stderr, and its exit
// code: success, the daemon's validation errors (each field shown), the daemon not running.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/http_server.h"
#include "tests/testutil/temp_dir.h"

#ifndef XCR_BINARY
#error "XCR_BINARY (the xcr binary under test) must be defined"
#endif

namespace xcr {
namespace {

using nlohmann::json;

struct Request {
  std::string method, target;
  json body;
};

// Answers "METHOD TARGET" (target with its query) or else "METHOD PATH" from canned answers; a
// key with several answers gives them in turn, the last one repeating. Anything else is a 404.
class FakeDaemon : public net::HttpHandler {
 public:
  explicit FakeDaemon(const std::string& socket) : server_(net::TlsIdentity{}) {
    net::ListenerOptions o;
    o.unix_path = socket;
    o.handler = this;
    auto bound = server_.Listen(o);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    server_.Start();
  }
  ~FakeDaemon() override { server_.Stop(); }

  void On(const std::string& key, int status, json body) {
    std::lock_guard<std::mutex> l(mu_);
    answers_[key].push_back({status, std::move(body)});
  }
  // Replaces the answers to `key`.
  void Set(const std::string& key, int status, json body) {
    std::lock_guard<std::mutex> l(mu_);
    answers_[key] = {{status, std::move(body)}};
  }
  std::vector<Request> Requests() {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  // The requests to `method` `target` (path and query).
  std::vector<Request> To(const std::string& method, const std::string& target) {
    std::vector<Request> out;
    for (const Request& r : Requests()) {
      if (r.method == method && r.target == target) out.push_back(r);
    }
    return out;
  }

  bool IsStreaming(const net::HttpRequest&) override { return false; }
  void Stream(const net::HttpRequest&, net::HttpConnection&) override {}
  net::HttpResponse Handle(const net::HttpRequest& req) override {
    std::lock_guard<std::mutex> l(mu_);
    json body = req.body.empty() ? json() : json::parse(req.body, nullptr, false);
    requests_.push_back({req.method, req.target, body});
    auto it = answers_.find(req.method + " " + req.target);
    if (it == answers_.end()) it = answers_.find(req.method + " " + req.path);
    net::HttpResponse r;
    r.headers.push_back({"Content-Type", "application/json"});
    if (it == answers_.end()) {
      r.status = 404;
      r.body = json{{"error", "no such path " + req.path}}.dump();
      return r;
    }
    auto& queue = it->second;
    auto [status, answer] = queue.front();
    if (queue.size() > 1) queue.pop_front();
    r.status = status;
    if (!answer.is_null()) r.body = answer.dump();
    return r;
  }

 private:
  net::HttpServer server_;
  std::mutex mu_;
  std::map<std::string, std::deque<std::pair<int, json>>> answers_;
  std::vector<Request> requests_;
};

struct Outcome {
  int rc = -1;
  std::string out, err;
};

std::string Quote(const std::string& word) {
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class DaemonCommandsTest : public ::testing::Test {
 protected:
  DaemonCommandsTest() : socket_(dir_.File("xcr.sock")), daemon_(socket_) {}

  // Runs `xcr ARGS --socket SOCKET` (no terminal: stdin /dev/null, outputs captured).
  Outcome Xcr(const std::vector<std::string>& args, const std::string& env = "",
              bool with_socket = true) {
    std::string line = env + " " XCR_BINARY;
    for (const std::string& a : args) line += " " + Quote(a);
    if (with_socket) line += " --socket " + Quote(socket_);
    std::string err_file = dir_.File("stderr");
    line += " 2>" + Quote(err_file) + " </dev/null";
    Outcome o;
    FILE* p = popen(line.c_str(), "r");
    if (p == nullptr) return o;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
    int st = pclose(p);
    o.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    std::ifstream in(err_file);
    std::stringstream ss;
    ss << in.rdbuf();
    o.err = ss.str();
    return o;
  }

  static json Pools() {
    return json::array({{{"id", "p-dr"},
                         {"name", "dr"},
                         {"urls", {"https://dr.example"}},
                         {"user", "root"},
                         {"hasPassword", true},
                         {"fingerprint", "SHA256:AA"}},
                        {{"id", "p-src"},
                         {"name", "src"},
                         {"urls", {"https://src.example:8443"}},
                         {"user", "root"},
                         {"hasPassword", true},
                         {"insecure", true}}});
  }
  static json Jobs() {
    return json::array({{{"id", "j-1"}, {"name", "nightly"}, {"status", {{"state", "ok"}}}},
                        {{"id", "j-2"}, {"name", "twice"}, {"status", {{"state", "ok"}}}},
                        {{"id", "j-3"}, {"name", "twice"}, {"status", {{"state", "ok"}}}}});
  }

  testing::TempDir dir_;
  std::string socket_;
  FakeDaemon daemon_;
};

constexpr char kVm1[] = "0f4e6a1c-1111-4c6e-9d6b-2d1c4b5a6e01";
constexpr char kVm2[] = "0f4e6a1c-2222-4c6e-9d6b-2d1c4b5a6e02";

TEST_F(DaemonCommandsTest, DaemonNotRunningSaysWhereAndWhatToDo) {
  std::string none = dir_.File("none.sock");
  Outcome o = Xcr({"status", "--socket", none}, "", false);
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("cannot reach the xcr daemon at " + none +
                       " (no such socket): is `xcr serve` running?"),
            std::string::npos)
      << o.err;

  // A socket file nobody listens on: connection refused.
  std::string dead = dir_.File("dead.sock");
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, dead.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  o = Xcr({"job", "list", "--json"}, "XCR_SOCKET=" + Quote(dead), false);
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("cannot reach the xcr daemon at " + dead +
                       " (connection refused): is `xcr serve` running?"),
            std::string::npos)
      << o.err;
  json j = json::parse(o.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << o.out;
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["code"], "unavailable");
  EXPECT_EQ(j["exit"], 1);
}

TEST_F(DaemonCommandsTest, SocketFromTheEnvironmentWhenNoFlag) {
  daemon_.On("GET /api/status", 200, json::array());
  Outcome o = Xcr({"status", "--json"}, "XCR_SOCKET=" + Quote(socket_), false);
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(json::parse(o.out), json::array());
  EXPECT_EQ(daemon_.To("GET", "/api/status").size(), 1u);
}

TEST_F(DaemonCommandsTest, StatusJsonIsTheApiArrayAndTheTableShowsFailingFirst) {
  json status = json::array({{{"job", "j-1"},
                              {"job_name", "nightly"},
                              {"vm", kVm1},
                              {"vm_name", "web-01"},
                              {"last_success", "2026-12-07T20:15:00.000Z"},
                              {"lag_s", 310},
                              {"state", "ok"},
                              {"next_run", "2026-12-07T21:00:00.000Z"}},
                             {{"job", "j-1"},
                              {"job_name", "nightly"},
                              {"vm", kVm2},
                              {"vm_name", "db-01"},
                              {"last_success", nullptr},
                              {"lag_s", nullptr},
                              {"state", "error"},
                              {"error", "the target SR is full"},
                              {"next_run", "2026-12-07T20:45:00.000Z"}}});
  daemon_.On("GET /api/status", 200, status);
  Outcome o = Xcr({"status", "--json"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(json::parse(o.out), status);

  o = Xcr({"status"});
  EXPECT_EQ(o.rc, 0) << o.err;
  size_t db = o.out.find("db-01"), web = o.out.find("web-01");
  ASSERT_NE(db, std::string::npos) << o.out;
  EXPECT_LT(db, web) << o.out;
  EXPECT_NE(o.out.find("5m10s"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("db-01 (nightly): the target SR is full"), std::string::npos) << o.out;
}

TEST_F(DaemonCommandsTest, JobCreateSendsTheJobAndPrintsItsId) {
  daemon_.On("GET /api/pools", 200, Pools());
  daemon_.On("POST /api/jobs", 201, {{"id", "j-new"}, {"name", "nightly"}});
  Outcome o = Xcr({"job",
                   "create",
                   "--name",
                   "nightly",
                   "--vm",
                   kVm1,
                   "--vm",
                   kVm2,
                   "--target",
                   "https://DR.example:443",
                   "--sr",
                   "sr-a",
                   "--target",
                   "src",
                   "--sr",
                   "sr-b",
                   "--schedule",
                   "*/5 * * * *",
                   "--timezone",
                   "Europe/Paris",
                   "--copy-retention",
                   "3",
                   "--snapshot-retention",
                   "2",
                   "--concurrency",
                   "4",
                   "--timeout",
                   "600",
                   "--rate",
                   "50"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out, "j-new\n");
  auto posts = daemon_.To("POST", "/api/jobs");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(
      posts[0].body,
      json({{"name", "nightly"},
            {"mode", "delta"},
            {"vms", {{"ids", {kVm1, kVm2}}}},
            {"srs", {{{"pool", "p-dr"}, {"sr", "sr-a"}}, {{"pool", "p-src"}, {"sr", "sr-b"}}}},
            {"schedules",
             {{{"cron", "*/5 * * * *"},
               {"timezone", "Europe/Paris"},
               {"copyRetention", 3},
               {"snapshotRetention", 2}}}},
            {"concurrency", 4},
            {"timeout", 600000},
            {"rate", 50000000}}))
      << posts[0].body.dump();

  o = Xcr({"job", "create", "--json", "--name", "n", "--vm", kVm1, "--target", "https://dr.example",
           "--sr", "sr-a", "--schedule", "0 22 * * *"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(json::parse(o.out), json({{"id", "j-new"}}));
}

TEST_F(DaemonCommandsTest, JobCreateRefusesATargetThatIsNotAStoredPool) {
  daemon_.On("GET /api/pools", 200, Pools());
  Outcome o = Xcr({"job", "create", "--name", "n", "--vm", kVm1, "--target",
                   "https://elsewhere.example", "--sr", "sr-a", "--schedule", "0 22 * * *"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("no stored pool has the URL https://elsewhere.example: add it first "
                       "with `xcr pool add https://elsewhere.example --user USER "
                       "--password-file FILE`"),
            std::string::npos)
      << o.err;
  EXPECT_TRUE(daemon_.To("POST", "/api/jobs").empty());
}

TEST_F(DaemonCommandsTest, JobCreateUsageErrorsSendNothing) {
  Outcome o = Xcr({"job", "create", "--name", "n", "--vm", kVm1, "--sr", "sr-a", "--target",
                   "https://dr.example", "--schedule", "0 22 * * *"});
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.err.find("each --sr must follow its --target URL"), std::string::npos) << o.err;
  o = Xcr({"job", "create", "--name", "n", "--vm", kVm1, "--target", "https://dr.example", "--sr",
           "sr-a"});
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.err.find("--schedule CRON"), std::string::npos) << o.err;
  EXPECT_TRUE(daemon_.Requests().empty());
}

TEST_F(DaemonCommandsTest, ValidationErrorsShowEachField) {
  daemon_.On("GET /api/pools", 200, Pools());
  json refusal = {
      {"error", "the job is invalid"},
      {"fields",
       {{{"field", "schedules[0].timezone"}, {"message", "unknown time zone 'Europe/Pariss'"}},
        {{"field", "schedules[0].cron"},
         {"message", "column 2 (hour): 25 is out of range 0..23"}}}}};
  daemon_.On("POST /api/jobs", 400, refusal);
  std::vector<std::string> args = {"job",        "create",       "--name",     "n",
                                   "--vm",       kVm1,           "--target",   "https://dr.example",
                                   "--sr",       "sr-a",         "--schedule", "0 25 * * *",
                                   "--timezone", "Europe/Pariss"};
  Outcome o = Xcr(args);
  EXPECT_EQ(o.rc, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("xcr: invalid argument: the job is invalid\n"
                       "  schedules[0].timezone: unknown time zone 'Europe/Pariss'\n"
                       "  schedules[0].cron: column 2 (hour): 25 is out of range 0..23\n"),
            std::string::npos)
      << o.err;

  args.push_back("--json");
  o = Xcr(args);
  EXPECT_EQ(o.rc, 1);
  json j = json::parse(o.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << o.out;
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["code"], "invalid argument");
  EXPECT_EQ(j["fields"], refusal["fields"]);
}

TEST_F(DaemonCommandsTest, JobsByUniqueNameOrId) {
  daemon_.On("GET /api/jobs", 200, Jobs());
  daemon_.On("PATCH /api/jobs/j-1", 200, {{"id", "j-1"}, {"name", "nightly"}, {"enabled", false}});
  Outcome o = Xcr({"job", "disable", "nightly"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out, "disabled job nightly (j-1)\n");
  auto patches = daemon_.To("PATCH", "/api/jobs/j-1");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].body, json({{"enabled", false}}));

  o = Xcr({"job", "enable", "twice"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("2 jobs are named 'twice': give one's id (j-2, j-3)"), std::string::npos)
      << o.err;
  o = Xcr({"job", "enable", "nope"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("no job has the id or name 'nope' (`xcr job list` shows them)"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(daemon_.To("PATCH", "/api/jobs/j-1").size(), 1u);
}

TEST_F(DaemonCommandsTest, AJobNamedLikeACommandIsAnArgument) {
  daemon_.On("GET /api/jobs", 200,
             json::array(
                 {{{"id", "j-demo"}, {"name", "demo"}}, {{"id", "j-create"}, {"name", "create"}}}));
  daemon_.On("PATCH /api/jobs/j-demo", 200, {{"id", "j-demo"}, {"name", "demo"}});
  daemon_.On("PATCH /api/jobs/j-create", 200, {{"id", "j-create"}, {"name", "create"}});
  Outcome o = Xcr({"job", "disable", "demo"});
  EXPECT_EQ(o.rc, 0) << o.out << o.err;
  EXPECT_EQ(daemon_.To("PATCH", "/api/jobs/j-demo").size(), 1u);
  o = Xcr({"job", "enable", "create"});
  EXPECT_EQ(o.rc, 0) << o.out << o.err;
  EXPECT_EQ(daemon_.To("PATCH", "/api/jobs/j-create").size(), 1u);
}

TEST_F(DaemonCommandsTest, JobDeleteWithPurgeAndForALostJob) {
  daemon_.On("GET /api/jobs", 200, Jobs());
  daemon_.On("DELETE /api/jobs/j-1?purge=1", 200,
             {{"purged", {{"replicas", 2}, {"snapshots", 1}}}});
  Outcome o = Xcr({"job", "delete", "nightly", "--purge"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out, "deleted job nightly (j-1); purged 2 replica(s) and 1 snapshot(s)\n");
  EXPECT_EQ(daemon_.To("DELETE", "/api/jobs/j-1?purge=1").size(), 1u);

  // A job id the store no longer has: purged by its tag on every pool.
  std::string lost = "6a1e0f7c-3333-4c6e-9d6b-2d1c4b5a6e03";
  daemon_.On("POST /api/jobs/purge", 200, {{"purged", {{"replicas", 1}, {"snapshots", 0}}}});
  o = Xcr({"job", "delete", lost, "--purge"});
  EXPECT_EQ(o.rc, 0) << o.err;
  auto purges = daemon_.To("POST", "/api/jobs/purge");
  ASSERT_EQ(purges.size(), 1u);
  EXPECT_EQ(purges[0].body, json({{"job", lost}}));
  EXPECT_NE(o.out.find("1 replica(s) and 0 snapshot(s)"), std::string::npos) << o.out;

  // Without --purge an unknown job is an error, not a purge.
  o = Xcr({"job", "delete", lost});
  EXPECT_EQ(o.rc, 1);
  EXPECT_EQ(daemon_.To("POST", "/api/jobs/purge").size(), 1u);
}

TEST_F(DaemonCommandsTest, OrphansListsReplicasOfUnknownJobsAndDeleteSaysHowManyStay) {
  json orphans = json::array({{{"uuid", "r-1"},
                               {"name", "web-01 (20261207T200000Z)"},
                               {"job", "j-1"},
                               {"vm", kVm1},
                               {"pool", "p-dr"},
                               {"pool_name", "dr"},
                               {"sr", "sr-uuid"},
                               {"sr_name", "Local storage"},
                               {"datetime", "20261207T200000Z"},
                               {"complete", true}},
                              {{"uuid", "r-2"},
                               {"name", "web-01 (20261207T210000Z)"},
                               {"job", "j-1"},
                               {"vm", kVm1},
                               {"pool", "p-dr"},
                               {"pool_name", "dr"},
                               {"sr", "sr-uuid"},
                               {"sr_name", "Local storage"},
                               {"datetime", "20261207T210000Z"},
                               {"complete", false}},
                              {{"uuid", "r-3"},
                               {"name", "db-01"},
                               {"job", "x-9"},
                               {"vm", kVm2},
                               {"pool", "p-dr"},
                               {"pool_name", "dr"},
                               {"sr", "sr-3"},
                               {"sr_name", ""},
                               {"datetime", "20261101T000000Z"},
                               {"complete", true}}});
  daemon_.On("GET /api/replicas", 200, {{"replicas", json::array()}, {"orphans", orphans}});
  Outcome o = Xcr({"orphans"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(
      o.out,
      "POOL  SR             VM                         JOB  DATETIME          COMPLETE  UUID\n"
      "dr    Local storage  web-01 (20261207T210000Z)  j-1  20261207T210000Z  no        r-2\n"
      "dr    Local storage  web-01 (20261207T200000Z)  j-1  20261207T200000Z  yes       r-1\n"
      "dr    sr-3           db-01                      x-9  20261101T000000Z  yes       r-3\n"
      "3 orphaned replica(s) of 2 job(s) the daemon does not know; `xcr job delete JOB_ID "
      "--purge` removes a job's replicas and source snapshots on every stored pool\n");
  EXPECT_EQ(daemon_.To("GET", "/api/replicas").size(), 1u);

  o = Xcr({"orphans", "--json"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(json::parse(o.out), orphans);
  o = Xcr({"orphans", "x-9", "--json"});
  EXPECT_EQ(json::parse(o.out), json::array({orphans[2]}));

  // Deleting a job without --purge says how many of its replicas stay, and how to list them.
  daemon_.On("GET /api/jobs", 200, Jobs());
  daemon_.On("DELETE /api/jobs/j-1", 200, {{"purged", {{"replicas", 0}, {"snapshots", 0}}}});
  o = Xcr({"job", "delete", "nightly"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out,
            "deleted job nightly (j-1); 2 replica(s) stay on the targets, listed as orphaned by "
            "`xcr orphans j-1` (`xcr job delete j-1 --purge` removes them)\n");
  EXPECT_EQ(daemon_.To("DELETE", "/api/jobs/j-1").size(), 1u);
  o = Xcr({"job", "delete", "nightly", "--json"});
  EXPECT_EQ(json::parse(o.out),
            json({{"purged", {{"replicas", 0}, {"snapshots", 0}}}, {"orphaned", 2}}));

  // No daemon answer for the listing: the delete still succeeds, without a count.
  daemon_.Set("GET /api/replicas", 502, {{"error", "pool dr unreachable"}});
  o = Xcr({"job", "delete", "nightly"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_NE(o.out.find("; its replicas stay on the targets, listed as orphaned by `xcr orphans "
                       "j-1`"),
            std::string::npos)
      << o.out;
  o = Xcr({"orphans"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("pool dr unreachable"), std::string::npos) << o.err;
}

json RunJson(const std::string& result) {
  return {{"id", "r-1"},
          {"job", "j-1"},
          {"job_name", "nightly"},
          {"start", "2026-12-07T20:00:00.000Z"},
          {"end", result == "running" ? json() : json("2026-12-07T20:01:00.000Z")},
          {"result", result},
          {"error", result == "failure" ? "1 of 1 VM(s) failed" : ""},
          {"tasks", json::array({{{"label", "VM web-01"},
                                  {"status", result == "running" ? "running" : result},
                                  {"children", json::array({{{"label", "transfer to sr-a"},
                                                             {"status", "success"},
                                                             {"bytes", 2048},
                                                             {"duration_s", 1.0},
                                                             {"bytes_per_s", 2048}}})}}})},
          {"log", json::array()}};
}

TEST_F(DaemonCommandsTest, JobRunWaitFollowsTheRunAndExitsByItsResult) {
  daemon_.On("GET /api/jobs", 200, Jobs());
  daemon_.On("POST /api/jobs/j-1/run", 202, {{"run", "r-1"}, {"queued", 1}});
  daemon_.On("GET /api/runs/r-1", 200, RunJson("running"));
  daemon_.On("GET /api/runs/r-1", 200, RunJson("success"));
  Outcome o = Xcr({"job", "run", "nightly", "--vm", kVm1, "--wait"});
  EXPECT_EQ(o.rc, 0) << o.err;
  auto runs = daemon_.To("POST", "/api/jobs/j-1/run");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].body, json({{"vm", kVm1}}));
  EXPECT_EQ(daemon_.To("GET", "/api/runs/r-1?wait=30").size(), 2u);
  EXPECT_NE(o.out.find("run r-1 of job nightly (j-1)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("  ✓ transfer to sr-a  2.00 KiB in 1.0 s (2.00 KiB/s)"), std::string::npos)
      << o.out;
}

TEST_F(DaemonCommandsTest, JobRunWaitFailsWhenTheRunFails) {
  daemon_.On("GET /api/jobs", 200, Jobs());
  daemon_.On("POST /api/jobs/j-1/run", 202, {{"run", "r-1"}, {"queued", 1}});
  daemon_.On("GET /api/runs/r-1", 200, RunJson("failure"));
  Outcome o = Xcr({"job", "run", "j-1", "--wait"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("run r-1 ended: failure: 1 of 1 VM(s) failed"), std::string::npos) << o.err;

  // Without --wait: the run's id on stdout at once.
  o = Xcr({"job", "run", "j-1"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out, "r-1\n");
  EXPECT_EQ(daemon_.To("POST", "/api/jobs/j-1/run").size(), 2u);
  EXPECT_EQ(daemon_.To("POST", "/api/jobs/j-1/run")[1].body, json::object());

  // A refusal (the VMs already run) is the daemon's message.
  daemon_.Set("POST /api/jobs/j-1/run", 409, {{"error", "every VM of job nightly is running"}});
  o = Xcr({"job", "run", "j-1", "--wait"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("every VM of job nightly is running"), std::string::npos) << o.err;
}

TEST_F(DaemonCommandsTest, RunsAndRunShow) {
  daemon_.On("GET /api/jobs", 200, Jobs());
  daemon_.On("GET /api/runs", 200, json::array({RunJson("success")}));
  Outcome o = Xcr({"runs", "nightly", "--limit", "5"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(daemon_.To("GET", "/api/runs?limit=5&job=j-1").size(), 1u);
  EXPECT_NE(o.out.find("r-1  nightly  2026-12-07 20:00:00Z  2026-12-07 20:01:00Z  success"),
            std::string::npos)
      << o.out;

  daemon_.On("GET /api/runs/r-1", 200, RunJson("success"));
  o = Xcr({"run", "show", "r-1"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_NE(o.out.find("✓ VM web-01\n  ✓ transfer to sr-a"), std::string::npos) << o.out;
  o = Xcr({"run", "show", "r-2"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("run r-2 (`xcr runs` lists them)"), std::string::npos) << o.err;
}

TEST_F(DaemonCommandsTest, PoolAddOffATerminalPrintsTheFingerprintFlagToPass) {
  std::string pw = dir_.File("pw");
  std::ofstream(pw) << "s3cret\n";
  ::chmod(pw.c_str(), 0600);
  daemon_.On(
      "POST /api/pools", 400,
      {{"error", "the certificate of https://dr.example is not signed by a trusted CA"},
       {"fields", {{{"field", "fingerprint"}, {"message", "the pool presents SHA256:AB"}}}}});
  daemon_.On("POST /api/pools/probe", 200,
             {{"url", "https://dr.example"}, {"fingerprint", "SHA256:AB:CD"}});
  Outcome o = Xcr({"pool", "add", "https://dr.example", "--user", "root", "--password-file", pw});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("pool https://dr.example presents the certificate SHA256:AB:CD"),
            std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("run `xcr pool add https://dr.example --user root --password-file " + pw +
                       " --fingerprint SHA256:AB:CD`"),
            std::string::npos)
      << o.err;
  auto adds = daemon_.To("POST", "/api/pools");
  ASSERT_EQ(adds.size(), 1u);  // refused once; never pinned without the user
  EXPECT_EQ(adds[0].body,
            json({{"urls", {"https://dr.example"}}, {"user", "root"}, {"password", "s3cret"}}));
  EXPECT_EQ(o.err.find("s3cret"), std::string::npos);
}

TEST_F(DaemonCommandsTest, PoolAddWithAFingerprint) {
  std::string pw = dir_.File("pw");
  std::ofstream(pw) << "s3cret\n";
  ::chmod(pw.c_str(), 0600);
  daemon_.On("POST /api/pools", 201,
             {{"id", "p-new"},
              {"name", "dr"},
              {"urls", {"https://dr.example"}},
              {"fingerprint", "SHA256:AB:CD"}});
  Outcome o = Xcr({"pool", "add", "https://dr.example", "--user", "admin", "--password-file", pw,
                   "--fingerprint", "SHA256:AB:CD", "--name", "dr"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out, "added pool dr (p-new): https://dr.example, certificate pinned SHA256:AB:CD\n");
  auto adds = daemon_.To("POST", "/api/pools");
  ASSERT_EQ(adds.size(), 1u);
  EXPECT_EQ(adds[0].body, json({{"urls", {"https://dr.example"}},
                                {"user", "admin"},
                                {"password", "s3cret"},
                                {"name", "dr"},
                                {"fingerprint", "SHA256:AB:CD"}}));

  // A password file others can read is refused before anything is sent.
  ::chmod(pw.c_str(), 0644);
  o = Xcr({"pool", "add", "https://dr2.example", "--password-file", pw, "--insecure"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("run 'chmod 600 " + pw + "' first"), std::string::npos) << o.err;
  EXPECT_EQ(daemon_.To("POST", "/api/pools").size(), 1u);
}

TEST_F(DaemonCommandsTest, PoolRemoveByUrlAndItsRefusal) {
  daemon_.On("GET /api/pools", 200, Pools());
  daemon_.On("DELETE /api/pools/p-src", 409, {{"error", "pool src is used by job nightly"}});
  Outcome o = Xcr({"pool", "remove", "https://SRC.example:8443"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.err.find("xcr: failed precondition: pool src is used by job nightly"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(daemon_.To("DELETE", "/api/pools/p-src").size(), 1u);

  o = Xcr({"pool", "list"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_NE(o.out.find("p-dr   dr    https://dr.example        root  pinned SHA256:AA"),
            std::string::npos)
      << o.out;
}

// Not a daemon command, the same CLI11 behaviour: a replica named like another command is the
// replica (without cli::WordsAreArguments, `verify ... clone-replica` ran clone-replica).
TEST_F(DaemonCommandsTest, ReplicaNamedLikeACommandIsTheReplica) {
  const std::string nowhere = "http://127.0.0.1:1";  // nothing listens: the connection fails
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"verify", "--target", nowhere, "clone-replica"},
           {"verify", "clone-replica", "--target", nowhere},
           {"clone-replica", "--target", nowhere, "--name", "copy", "verify"},
           {"clone-replica", "--target", nowhere, "--name", "copy", "demo"}}) {
    Outcome o = Xcr(args, "XCR_PASSWORD=x", false);
    EXPECT_EQ(o.rc, 1) << args[0] << " " << args.back() << ": " << o.err;
    EXPECT_NE(o.err.find("target pool " + nowhere), std::string::npos) << o.err;
    EXPECT_EQ(o.err.find("usage:"), std::string::npos) << o.err;
  }
}

}  // namespace
}  // namespace xcr
