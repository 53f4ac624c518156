// Every endpoint of docs/api.md over HTTPS on 127.0.0.1, on the real stack (web_stack.h: the
// real DaemonApi, Daemon and EngineLauncher over a SqliteStore, an HTTPS xapi-sim pool), once
// logged in with a session cookie + X-CSRF-Token and once with an API token (Bearer): the
// session; a pool probed, refused without its fingerprint and with a wrong password (nothing
// stored), added, trusted, tested; a schedule previewed; an invalid job refused with its fields
// (nothing stored); a job created, read, disabled, refused an invalid patch (unchanged), run now
// to success with its event stream; the runs, the status, the replicas, a DR clone, a verify,
// cancel, purge of a lost job, /metrics; the pool refused while used; the job deleted with
// purge; the pool removed; logout.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <string>

#include "base/uuid.h"
#include "tests/web/integration/web_stack.h"

namespace xcr::web::testing {
namespace {

using nlohmann::json;

class WebApiTest : public ::testing::TestWithParam<AuthMode> {
 protected:
  void SetUp() override {
    stack_.Start();
    ASSERT_FALSE(HasFatalFailure());
    stack_.Authenticate(GetParam());
  }
  // Sends; checks the status; returns the parsed body.
  json Expect(int status, const std::string& method, const std::string& path,
              const json& body = nullptr) {
    Reply r = stack_.Call(method, path, body);
    EXPECT_EQ(r.status, status) << method << " " << path << ": " << r.body << r.error;
    return Body(r);
  }
  size_t StoredPools() {
    auto pools = stack_.store_->ListPools();
    EXPECT_OK(pools);
    return pools.ok() ? pools->size() : 0;
  }
  size_t StoredJobs() {
    auto jobs = stack_.store_->ListJobs();
    EXPECT_OK(jobs);
    return jobs.ok() ? jobs->size() : 0;
  }
  // The field names of a 400's "fields".
  static std::vector<std::string> Fields(const json& error) {
    std::vector<std::string> out;
    for (const json& f : error.value("fields", json::array())) {
      out.push_back(f.at("field").get<std::string>());
    }
    return out;
  }

  WebStack stack_;
};

TEST_P(WebApiTest, EveryEndpointOverHttps) {
  json health = Expect(200, "GET", "/healthz");
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["version"], "test");
  // The session a reloaded page asks for: its user and CSRF token (nulls for a token caller).
  json session = Expect(200, "GET", "/api/session");
  if (GetParam() == AuthMode::kSession) {
    EXPECT_EQ(session["user"], kUser);
    EXPECT_EQ(session["csrf"], stack_.csrf_);
  } else {
    EXPECT_TRUE(session["user"].is_null()) << session.dump();
  }

  // Pools: trust on first use.
  const std::string url = stack_.sim_->url();
  json probe = Expect(200, "POST", "/api/pools/probe", {{"url", url}});
  const std::string fp = probe.at("fingerprint").get<std::string>();
  ASSERT_EQ(fp.rfind("SHA256:", 0), 0u) << fp;
  json pool_body = {{"name", "src"}, {"urls", {url}}, {"user", "root"}, {"password", "xapi-sim"}};
  json unpinned = Expect(400, "POST", "/api/pools", pool_body);
  EXPECT_EQ(Fields(unpinned), std::vector<std::string>{"fingerprint"});
  EXPECT_NE(unpinned.dump().find(fp), std::string::npos) << unpinned.dump();
  pool_body["fingerprint"] = fp;
  json wrong = pool_body;
  wrong["password"] = "wrong";
  Expect(502, "POST", "/api/pools", wrong);
  json no_urls = pool_body;
  no_urls["urls"] = json::array();
  EXPECT_FALSE(Fields(Expect(400, "POST", "/api/pools", no_urls)).empty());
  EXPECT_EQ(StoredPools(), 0u);
  json pool = Expect(201, "POST", "/api/pools", pool_body);
  const std::string pool_id = pool.at("id").get<std::string>();
  EXPECT_EQ(pool["hasPassword"], true);
  EXPECT_FALSE(pool.contains("password"));
  Expect(409, "POST", "/api/pools", pool_body);  // the same URL again
  json pools = Expect(200, "GET", "/api/pools");
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools.dump().find("xapi-sim"), std::string::npos) << "a password came back";
  EXPECT_EQ(Expect(200, "GET", "/api/pools/" + pool_id)["name"], "src");
  Expect(404, "GET", "/api/pools/" + Uuid::Random().ToString());
  EXPECT_EQ(Expect(200, "POST", "/api/pools/" + pool_id + "/trust", {{"fingerprint", fp}})["id"],
            pool_id);
  json inventory = Expect(200, "POST", "/api/pools/" + pool_id + "/test");
  ASSERT_EQ(inventory["ok"], true) << inventory.dump();
  std::string vm;
  for (const json& v : inventory["vms"]) {
    if (v["name"] == "sim-vm-1") vm = v["uuid"];
  }
  ASSERT_FALSE(vm.empty()) << inventory.dump();
  ASSERT_FALSE(inventory["srs"].empty());
  const std::string sr = inventory["srs"][0]["uuid"];

  // Schedules preview.
  json preview = Expect(200, "POST", "/api/schedules/preview",
                        {{"cron", "0 3 * * *"}, {"timezone", "Europe/Paris"}, {"count", 5}});
  EXPECT_EQ(preview["next"].size(), 5u);
  EXPECT_FALSE(
      Fields(Expect(400, "POST", "/api/schedules/preview", {{"cron", "61 * * * *"}})).empty());

  // Jobs: an invalid one stores nothing; a valid one, read, disabled, patched wrong, enabled.
  json bad_job = {{"name", ""},
                  {"vms", {{"ids", {vm}}}},
                  {"srs", {{{"pool", Uuid::Random().ToString()}, {"sr", sr}}}},
                  {"schedules", {{{"cron", "61 * * * *"}}}}};
  json refused = Expect(400, "POST", "/api/jobs", bad_job);
  EXPECT_GE(Fields(refused).size(), 3u) << refused.dump();
  EXPECT_EQ(StoredJobs(), 0u);
  json job_body = {{"name", "nightly"},
                   {"vms", {{"ids", {vm}}}},
                   {"srs", {{{"pool", pool_id}, {"sr", sr}}}},
                   {"schedules", {{{"cron", "0 3 * * *"}, {"timezone", "Europe/Paris"}}}}};
  json job = Expect(201, "POST", "/api/jobs", job_body);
  const std::string job_id = job.at("id").get<std::string>();
  json jobs = Expect(200, "GET", "/api/jobs");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["status"]["state"], "new");
  EXPECT_EQ(Expect(200, "GET", "/api/jobs/" + job_id)["name"], "nightly");
  EXPECT_EQ(Expect(200, "PATCH", "/api/jobs/" + job_id, {{"enabled", false}})["enabled"], false);
  json bad_patch = Expect(400, "PATCH", "/api/jobs/" + job_id, {{"name", ""}, {"concurrency", 0}});
  EXPECT_EQ(Fields(bad_patch).size(), 2u) << bad_patch.dump();
  json unchanged = Expect(200, "GET", "/api/jobs/" + job_id);
  EXPECT_EQ(unchanged["name"], "nightly");
  EXPECT_EQ(unchanged["enabled"], false);
  Expect(200, "PATCH", "/api/jobs/" + job_id, {{"enabled", true}});

  // Run now, watched live over the event stream until its end.
  json started = Expect(202, "POST", "/api/jobs/" + job_id + "/run", json::object());
  const std::string run_id = started.at("run").get<std::string>();
  std::future<Reply> events = std::async(std::launch::async, [&] {
    return stack_.client_->Send("GET", "/api/runs/" + run_id + "/events", "", stack_.AuthHeaders());
  });
  json run;
  for (int i = 0; i < 10; ++i) {
    run = Expect(200, "GET", "/api/runs/" + run_id + "?wait=60");
    if (run["result"] != "running") break;
  }
  ASSERT_EQ(run["result"], "success") << run.dump();
  EXPECT_FALSE(run["tasks"].empty());
  Reply stream = events.get();
  EXPECT_EQ(stream.status, 200) << stream.error;
  EXPECT_EQ(stream.Header("content-type"), "text/event-stream");
  EXPECT_NE(stream.body.find("event: end\ndata: "), std::string::npos) << stream.body;
  EXPECT_NE(stream.body.find("\"success\""), std::string::npos) << stream.body;
  json runs = Expect(200, "GET", "/api/runs?job=" + job_id + "&limit=5");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], run_id);
  Expect(404, "GET", "/api/runs/no-such-run");

  // Status and replicas.
  json status = Expect(200, "GET", "/api/status");
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0]["state"], "ok");
  EXPECT_FALSE(status[0]["last_success"].is_null());
  json replicas = Expect(200, "GET", "/api/replicas?job=" + job_id);
  ASSERT_EQ(replicas["replicas"].size(), 1u) << replicas.dump();
  const std::string replica = replicas["replicas"][0]["uuid"];
  EXPECT_TRUE(Expect(200, "GET", "/api/replicas")["orphans"].empty());
  json clone = Expect(201, "POST", "/api/replicas/" + replica + "/clone",
                      {{"pool", pool_id}, {"name", "dr-1"}});
  EXPECT_EQ(clone["name"], "dr-1");
  EXPECT_NE(clone["uuid"], replica);
  Expect(400, "POST", "/api/replicas/" + vm + "/clone", {{"pool", pool_id}});  // not a replica
  EXPECT_EQ(replicas["replicas"][0]["chain_length"], 0) << replicas.dump();
  EXPECT_GT(replicas["replicas"][0]["size"].get<int64_t>(), 0) << replicas.dump();
  json verified = Expect(200, "POST", "/api/replicas/" + replica + "/verify", {{"pool", pool_id}});
  EXPECT_EQ(verified["ok"], true) << verified.dump();
  EXPECT_EQ(verified["source_pool"], pool_id) << verified.dump();
  Expect(400, "POST", "/api/replicas/" + vm + "/verify", {{"pool", pool_id}});

  // Cancel (nothing under way), purge of a lost job, metrics.
  EXPECT_EQ(Expect(200, "POST", "/api/jobs/" + job_id + "/cancel", json::object())["cancelled"], 0);
  Expect(409, "POST", "/api/jobs/purge", {{"job", job_id}});
  json lost = Expect(200, "POST", "/api/jobs/purge", {{"job", Uuid::Random().ToString()}});
  EXPECT_EQ(lost["purged"]["replicas"], 0);
  Reply metrics = stack_.client_->Send("GET", "/metrics", "", stack_.AuthHeaders());
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("xcr_vm_last_result{"), std::string::npos) << metrics.body;

  // Removal: the pool is refused while the job uses it; the job goes with its replicas.
  json in_use = Expect(409, "DELETE", "/api/pools/" + pool_id);
  EXPECT_NE(in_use.dump().find("nightly"), std::string::npos) << in_use.dump();
  json deleted = Expect(200, "DELETE", "/api/jobs/" + job_id + "?purge=1");
  EXPECT_GE(deleted["purged"]["replicas"].get<int>(), 1) << deleted.dump();
  EXPECT_EQ(StoredJobs(), 0u);
  Reply removed = stack_.Call("DELETE", "/api/pools/" + pool_id);
  EXPECT_EQ(removed.status, 204) << removed.body;
  EXPECT_EQ(StoredPools(), 0u);

  // Unknown paths and methods.
  Expect(404, "GET", "/api/nothing-here");
  Expect(405, "PUT", "/api/status");

  if (GetParam() == AuthMode::kSession) {
    Reply out = stack_.client_->Send("POST", "/api/logout", "", stack_.AuthHeaders());
    EXPECT_EQ(out.status, 204);
    EXPECT_EQ(stack_.Call("GET", "/api/status").status, 401);
  }
}

INSTANTIATE_TEST_SUITE_P(SessionAndToken, WebApiTest,
                         ::testing::Values(AuthMode::kSession, AuthMode::kToken),
                         [](const ::testing::TestParamInfo<AuthMode>& param_info) {
                           return param_info.param == AuthMode::kSession ? "SessionCookieAndCsrf"
                                                                         : "BearerToken";
                         });

}  // namespace
}  // namespace xcr::web::testing
