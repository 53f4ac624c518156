// The daemon's JSON API (docs/api.md) without sockets: a SqliteStore in a temp dir, a fake
// scheduler side and a fake pool side. Every refusal is checked to change nothing.
#include "jobs/daemon_api.h"

#include <gtest/gtest.h>

#include <set>

#include "base/uuid.h"
#include "jobs/daemon_api_http.h"

#include "tests/jobs/daemon_api_fakes.h"
#include "tests/jobs/store_test_util.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs::testing {
namespace {

using nlohmann::json;

class DaemonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenStore(dir_.path());
    ASSERT_OK(store);
    store_ = std::move(*store);
    DaemonApiOptions o;
    o.store = store_.get();
    o.control = &control_;
    o.pools = &pools_;
    o.env = &env_;
    o.version = "9.9.9";
    o.daemon_uid = 991;
    api_ = std::make_unique<DaemonApi>(o);
  }

  net::HttpResponse Call(const std::string& method, const std::string& target,
                         const std::string& body = "") {
    net::HttpRequest req;
    req.method = method;
    req.target = target;
    net::ParseTarget(target, &req.path, &req.query);
    req.body = body;
    req.peer = net::PeerCredentials{0, 0, 42};
    return api_->Handle(req);
  }
  net::HttpResponse Call(const std::string& method, const std::string& target, const json& body) {
    return Call(method, target, body.dump());
  }
  static json Body(const net::HttpResponse& r) { return json::parse(r.body); }
  // The fields a 400 names.
  static std::set<std::string> FieldSet(const net::HttpResponse& r) {
    std::set<std::string> out;
    json body = Body(r);
    for (const json& f : body["fields"]) out.insert(f["field"].get<std::string>());
    return out;
  }

  // A stored pool (as if added through the API), with its id.
  std::string AddPool(const char* id = kPoolA, const char* name = "dr-site") {
    PoolConfig p = ValidPool(id, name);
    EXPECT_OK(store_->PutPool(p));
    return p.id;
  }
  json JobBody() {
    return {{"name", "nightly"},
            {"vms", {{"ids", {kVm1, kVm2}}}},
            {"srs", {{{"pool", kPoolA}, {"sr", "sr-fast"}}}},
            {"schedules",
             {{{"cron", "0 22 * * *"}, {"timezone", "Europe/Paris"}, {"copyRetention", 3}}}}};
  }
  json CreateJob() {
    AddPool();
    auto r = Call("POST", "/api/jobs", JobBody());
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r);
  }
  size_t StoredJobs() { return store_->ListJobs()->size(); }
  size_t StoredPools() { return store_->ListPools()->size(); }

  xcr::testing::TempDir dir_;
  xcr::testing::FakeClockEnv env_;
  std::unique_ptr<SqliteStore> store_;
  FakeControl control_;
  FakePools pools_;
  std::unique_ptr<DaemonApi> api_;
};

TEST_F(DaemonApiTest, Healthz) {
  auto r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), json({{"status", "ok"}, {"version", "9.9.9"}}));
}

TEST_F(DaemonApiTest, UnixPeersOtherThanRootAndTheDaemonUserAreRefused) {
  net::HttpRequest req;
  req.method = "GET";
  req.path = "/api/pools";
  req.peer = net::PeerCredentials{65534, 65534, 7};
  auto r = api_->Handle(req);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(Body(r)["error"].get<std::string>().find("uid 991"), std::string::npos);
  EXPECT_FALSE(api_->IsStreaming([] {
    net::HttpRequest s;
    s.method = "GET";
    s.path = "/api/runs/x/events";
    s.peer = net::PeerCredentials{65534, 65534, 7};
    return s;
  }()));
  req.peer->uid = 991;
  EXPECT_EQ(api_->Handle(req).status, 200);
  req.peer.reset();  // TCP (the web layer authenticates there)
  EXPECT_EQ(api_->Handle(req).status, 200);
}

TEST_F(DaemonApiTest, UnknownPathsAndMethods) {
  EXPECT_EQ(Call("GET", "/api/nothing").status, 404);
  EXPECT_EQ(Call("GET", "/other").status, 404);
  EXPECT_EQ(Call("PUT", "/api/pools").status, 405);
  EXPECT_EQ(Call("POST", "/api/status").status, 405);
}

TEST_F(DaemonApiTest, BodiesOverOneMebibyteAreRefused) {
  json big = JobBody();
  big["name"] = std::string(1 << 20, 'a');
  auto r = Call("POST", "/api/jobs", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(StoredJobs(), 0u);
}

TEST_F(DaemonApiTest, BodiesThatAreNotJsonObjectsAreRefused) {
  EXPECT_EQ(Call("POST", "/api/pools", std::string("{not json")).status, 400);
  EXPECT_EQ(Call("POST", "/api/pools", std::string("[1]")).status, 400);
  EXPECT_EQ(Call("POST", "/api/pools", std::string("")).status, 400);
  EXPECT_EQ(StoredPools(), 0u);
}

// --- Pools

json PoolBody() {
  return {{"name", "dr-site"},
          {"urls", {"https://10.0.0.9"}},
          {"user", "root"},
          {"password", "Sup3r-secret"},
          {"fingerprint", kPresented}};
}

TEST_F(DaemonApiTest, CreatePoolLogsInStoresAndNeverReturnsThePassword) {
  auto r = Call("POST", "/api/pools", PoolBody());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find("Sup3r-secret"), std::string::npos);
  json pool = Body(r);
  EXPECT_TRUE(pool["hasPassword"].get<bool>());
  EXPECT_FALSE(pool.contains("password"));
  EXPECT_EQ(pool["fingerprint"], kPresented);
  ASSERT_EQ(pools_.logins.size(), 1u);
  EXPECT_EQ(pools_.logins[0].password, "Sup3r-secret");
  auto stored = store_->GetPool(pool["id"].get<std::string>());
  ASSERT_OK(stored);
  EXPECT_EQ(stored->password, "Sup3r-secret");

  auto list = Call("GET", "/api/pools");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("Sup3r-secret"), std::string::npos);
  EXPECT_EQ(Body(list).size(), 1u);
  auto one = Call("GET", "/api/pools/" + pool["id"].get<std::string>());
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(Body(one)["name"], "dr-site");
  EXPECT_EQ(one.body.find("Sup3r-secret"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/pools/" + std::string(kPoolB)).status, 404);
}

TEST_F(DaemonApiTest, CreatePoolWithoutNameIsNamedAfterItsHost) {
  json body = PoolBody();
  body.erase("name");
  auto r = Call("POST", "/api/pools", body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["name"], "10.0.0.9");
}

TEST_F(DaemonApiTest, CreatePoolUntrustedShowsThePresentedFingerprintAndStoresNothing) {
  json body = PoolBody();
  body.erase("fingerprint");
  pools_.login_status = Status::PermissionDenied("certificate not trusted");
  auto r = Call("POST", "/api/pools", body);
  ASSERT_EQ(r.status, 400) << r.body;
  json err = Body(r);
  ASSERT_EQ(err["fields"].size(), 1u);
  EXPECT_EQ(err["fields"][0]["field"], "fingerprint");
  EXPECT_NE(err["fields"][0]["message"].get<std::string>().find(kPresented), std::string::npos);
  EXPECT_EQ(pools_.probes, std::vector<std::string>{"https://10.0.0.9"});
  EXPECT_EQ(StoredPools(), 0u);
}

TEST_F(DaemonApiTest, CreatePoolRefusedLoginIs502AndStoresNothing) {
  pools_.login_status = Status::Remote("SESSION_AUTHENTICATION_FAILED", {"root"});
  auto r = Call("POST", "/api/pools", PoolBody());
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(StoredPools(), 0u);
  pools_.login_status = Status::Unavailable("connection refused");
  EXPECT_EQ(Call("POST", "/api/pools", PoolBody()).status, 502);
  EXPECT_EQ(StoredPools(), 0u);
}

TEST_F(DaemonApiTest, CreatePoolValidationNamesEveryFieldBeforeAnyLogin) {
  json body = {{"urls", {"ftp://x"}}, {"id", kPoolA}, {"fingerprint", "nope"}, {"colour", 1}};
  auto r = Call("POST", "/api/pools", body);
  ASSERT_EQ(r.status, 400) << r.body;
  std::set<std::string> fields = FieldSet(r);
  EXPECT_TRUE(fields.count("colour"));
  EXPECT_TRUE(fields.count("id"));
  body = {{"urls", {"ftp://x"}}, {"fingerprint", "nope"}};
  r = Call("POST", "/api/pools", body);
  ASSERT_EQ(r.status, 400) << r.body;
  fields = FieldSet(r);
  EXPECT_TRUE(fields.count("password"));
  EXPECT_TRUE(fields.count("user"));
  EXPECT_TRUE(fields.count("fingerprint"));
  EXPECT_TRUE(pools_.logins.empty());
  EXPECT_EQ(StoredPools(), 0u);
}

TEST_F(DaemonApiTest, CreatePoolWithAUrlOfAStoredPoolIs409) {
  ASSERT_EQ(Call("POST", "/api/pools", PoolBody()).status, 201);
  json again = PoolBody();
  again["name"] = "other";
  auto r = Call("POST", "/api/pools", again);
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(Body(r)["error"].get<std::string>().find("dr-site"), std::string::npos);
  EXPECT_EQ(StoredPools(), 1u);
}

TEST_F(DaemonApiTest, ProbeAnswersThePresentedFingerprint) {
  auto r = Call("POST", "/api/pools/probe", json{{"url", "https://10.0.0.9"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r), json({{"url", "https://10.0.0.9"}, {"fingerprint", kPresented}}));
  EXPECT_EQ(Call("POST", "/api/pools/probe", json{{"url", "10.0.0.9"}}).status, 400);
  pools_.presented.clear();
}

TEST_F(DaemonApiTest, TrustReplacesThePin) {
  std::string id = AddPool();
  auto r = Call("POST", "/api/pools/" + id + "/trust",
                json{{"fingerprint", "cd" + std::string(62, 'c').replace(0, 62, 62, 'd')}});
  // 64 hex digits 'c','d','d',...: any case and no colons are accepted, stored canonical.
  ASSERT_EQ(r.status, 200) << r.body;
  std::string fp = Body(r)["fingerprint"];
  EXPECT_EQ(fp.rfind("SHA256:CD:DD:", 0), 0u) << fp;
  EXPECT_EQ(store_->GetPool(id)->fingerprint, fp);
  auto bad = Call("POST", "/api/pools/" + id + "/trust", json{{"fingerprint", "12"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["fields"][0]["field"], "fingerprint");
  EXPECT_EQ(store_->GetPool(id)->fingerprint, fp);
  EXPECT_EQ(Call("POST", "/api/pools/" + std::string(kPoolB) + "/trust",
                 json{{"fingerprint", kPresented}})
                .status,
            404);
}

TEST_F(DaemonApiTest, TestListsSrsNetworksAndVmsOrSaysWhatFailed) {
  std::string id = AddPool();
  pools_.inventory.srs = {{"sr-uuid", "Local storage", 100, 400}};
  pools_.inventory.networks = {{"net-uuid", "Pool-wide network associated with eth0", "xenbr0"}};
  pools_.inventory.vms = {{kVm1, "web-01", {"prod"}, false},
                          {kVm2, "web-01 - nightly - (20261207T220113Z)", {}, true}};
  auto r = Call("POST", "/api/pools/" + id + "/test");
  ASSERT_EQ(r.status, 200) << r.body;
  json t = Body(r);
  EXPECT_TRUE(t["ok"].get<bool>());
  EXPECT_EQ(t["srs"][0],
            json({{"uuid", "sr-uuid"}, {"name", "Local storage"}, {"free", 100}, {"size", 400}}));
  EXPECT_EQ(t["networks"], json::array({{{"uuid", "net-uuid"},
                                         {"name", "Pool-wide network associated with eth0"},
                                         {"bridge", "xenbr0"}}}));
  EXPECT_EQ(t["vms"][0],
            json({{"uuid", kVm1}, {"name", "web-01"}, {"tags", {"prod"}}, {"replica", false}}));
  EXPECT_EQ(t["vms"][1]["replica"], true);
  pools_.inventory_status = Status::Unavailable("pool 'dr-site': no URL answered");
  t = Body(Call("POST", "/api/pools/" + id + "/test"));
  EXPECT_FALSE(t["ok"].get<bool>());
  EXPECT_EQ(t["error"], "pool 'dr-site': no URL answered");
}

TEST_F(DaemonApiTest, DeletePoolRefusedWhileAJobUsesIt) {
  json job = CreateJob();
  auto r = Call("DELETE", "/api/pools/" + std::string(kPoolA));
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("nightly"), std::string::npos) << r.body;
  EXPECT_EQ(StoredPools(), 1u);
  ASSERT_EQ(Call("DELETE", "/api/jobs/" + job["id"].get<std::string>()).status, 200);
  EXPECT_EQ(Call("DELETE", "/api/pools/" + std::string(kPoolA)).status, 204);
  EXPECT_EQ(StoredPools(), 0u);
  EXPECT_EQ(Call("DELETE", "/api/pools/" + std::string(kPoolA)).status, 404);
}

// --- Jobs

TEST_F(DaemonApiTest, CreateJobGivesIdsStoresAndPlansIt) {
  json job = CreateJob();
  std::string id = job["id"];
  EXPECT_TRUE(LooksLikeUuid(id));
  std::string sid = job["schedules"][0]["id"];
  EXPECT_TRUE(LooksLikeUuid(sid));
  EXPECT_EQ(job["schedules"][0]["copyRetention"], 3);
  EXPECT_EQ(control_.put_jobs, std::vector<std::string>{id});
  auto stored = store_->GetJob(id);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->schedules[0].id, sid);
  EXPECT_EQ(Body(Call("GET", "/api/jobs/" + id)), job);
  EXPECT_EQ(Call("GET", "/api/jobs/" + std::string(kPoolB)).status, 404);
}

TEST_F(DaemonApiTest, CreateJobRefusalsNameTheFieldsAndChangeNothing) {
  AddPool();
  json bad = JobBody();
  bad["srs"] = {{{"pool", kPoolA}, {"sr", "sr-fast"}},
                {{"pool", kPoolA}, {"sr", "sr-fast"}},
                {{"pool", kPoolB}, {"sr", "x"}}};
  bad["schedules"][0]["timezone"] = "Europe/Pariss";
  auto r = Call("POST", "/api/jobs", bad);
  ASSERT_EQ(r.status, 400) << r.body;
  std::set<std::string> fields = FieldSet(r);
  EXPECT_TRUE(fields.count("srs[1].sr")) << r.body;
  EXPECT_TRUE(fields.count("srs[2].pool")) << r.body;
  EXPECT_TRUE(fields.count("schedules[0].timezone")) << r.body;

  json with_ids = JobBody();
  with_ids["id"] = "aaaaaaaa-0000-4000-8000-000000000001";
  with_ids["schedules"][0]["id"] = "bbbbbbbb-0000-4000-8000-000000000001";
  r = Call("POST", "/api/jobs", with_ids);
  ASSERT_EQ(r.status, 400);
  fields = FieldSet(r);
  EXPECT_EQ(fields, (std::set<std::string>{"id", "schedules[0].id"}));

  json typo = JobBody();
  typo["schedules"][0]["copyretention"] = 2;
  EXPECT_EQ(Call("POST", "/api/jobs", typo).status, 400);

  json smart = JobBody();
  smart["vms"] = {{"tags", {"prod"}}};
  r = Call("POST", "/api/jobs", smart);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["fields"][0]["field"], "vms");

  EXPECT_EQ(StoredJobs(), 0u);
  EXPECT_TRUE(control_.put_jobs.empty());
}

TEST_F(DaemonApiTest, CreateJobUndoneWhenTheSchedulerRefusesIt) {
  AddPool();
  control_.put_status = Status::InvalidArgument("schedule does not parse");
  EXPECT_EQ(Call("POST", "/api/jobs", JobBody()).status, 400);
  EXPECT_EQ(StoredJobs(), 0u);
}

TEST_F(DaemonApiTest, ListJobsCarriesEachJobsStatus) {
  json job = CreateJob();
  std::string id = job["id"];
  VmPlanStatus a;
  a.job_id = id;
  a.vm_uuid = kVm1;
  a.state = VmState::kOk;
  a.last_success_us = 1'800'000'000'000'000;
  a.next_run_us = 1'800'000'600'000'000;
  VmPlanStatus b = a;
  b.vm_uuid = kVm2;
  b.last_success_us = 1'700'000'000'000'000;
  b.state = VmState::kError;
  control_.status = {a, b};
  control_.fires = {{"s", 1'800'000'300'000'000}};
  json list = Body(Call("GET", "/api/jobs"));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);
  EXPECT_EQ(list[0]["status"]["state"], "error");
  EXPECT_EQ(list[0]["status"]["last_success"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(list[0]["status"]["next_run"], "2027-01-15T08:05:00.000Z");
  control_.status[1].running = true;
  EXPECT_EQ(Body(Call("GET", "/api/jobs"))[0]["status"]["state"], "running");
  control_.status = {};
  control_.fires = {};
  json idle = Body(Call("GET", "/api/jobs"))[0]["status"];
  EXPECT_EQ(idle, json({{"state", "new"}, {"next_run", nullptr}, {"last_success", nullptr}}));
}

TEST_F(DaemonApiTest, PatchJobMergesAndKeepsScheduleSettings) {
  json job = CreateJob();
  std::string id = job["id"];
  std::string sid = job["schedules"][0]["id"];
  json patch = {{"enabled", false},
                {"schedules", {{{"id", sid}, {"cron", "30 1 * * *"}}, {{"cron", "*/15"}}}}};
  auto r = Call("PATCH", "/api/jobs/" + id, patch);
  ASSERT_EQ(r.status, 200) << r.body;
  json edited = Body(r);
  EXPECT_FALSE(edited["enabled"].get<bool>());
  ASSERT_EQ(edited["schedules"].size(), 2u);
  EXPECT_EQ(edited["schedules"][0]["id"], sid);
  EXPECT_EQ(edited["schedules"][0]["cron"], "30 1 * * *");
  EXPECT_EQ(edited["schedules"][0]["copyRetention"], 3);          // kept
  EXPECT_EQ(edited["schedules"][0]["timezone"], "Europe/Paris");  // kept
  EXPECT_TRUE(LooksLikeUuid(edited["schedules"][1]["id"].get<std::string>()));
  EXPECT_EQ(Body(Call("GET", "/api/jobs/" + id)), edited);
  EXPECT_EQ(control_.put_jobs.size(), 2u);
}

// What the web UI's job editor sends when an edit switches how VMs are chosen: the old mode's
// keys nulled (RFC 7386), so the stored job holds the new selection alone; without the null
// both would be stored, which is refused and changes nothing.
TEST_F(DaemonApiTest, PatchJobSwitchesVmIdsAndSmartModeWhenTheOldKeysAreNulled) {
  DaemonApiOptions o;
  o.store = store_.get();
  o.control = &control_;
  o.pools = &pools_;
  o.env = &env_;
  o.smart_mode = true;
  api_ = std::make_unique<DaemonApi>(o);
  json job = CreateJob();
  std::string id = job["id"];
  auto r =
      Call("PATCH", "/api/jobs/" + id, json{{"vms", {{"pools", {kPoolA}}, {"tags", {"prod"}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(FieldSet(r), std::set<std::string>{"vms"});
  EXPECT_EQ(Body(Call("GET", "/api/jobs/" + id)), job);

  r = Call("PATCH", "/api/jobs/" + id,
           json{{"vms",
                 {{"ids", nullptr}, {"pools", {kPoolA}}, {"tags", {"prod"}}, {"notTags", {"x"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json smart = Body(Call("GET", "/api/jobs/" + id))["vms"];
  EXPECT_FALSE(smart.contains("ids")) << smart.dump();
  EXPECT_EQ(smart["pools"], json({kPoolA}));
  EXPECT_EQ(smart["tags"], json({"prod"}));
  EXPECT_EQ(smart["notTags"], json({"x"}));

  r = Call("PATCH", "/api/jobs/" + id,
           json{{"vms",
                 {{"ids", {kVm2}},
                  {"pools", nullptr},
                  {"tags", nullptr},
                  {"notPools", nullptr},
                  {"notTags", nullptr},
                  {"notVms", nullptr}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(Call("GET", "/api/jobs/" + id))["vms"], json({{"ids", {kVm2}}}));
}

TEST_F(DaemonApiTest, PatchJobRefusalsChangeNothing) {
  json job = CreateJob();
  std::string id = job["id"];
  auto r = Call("PATCH", "/api/jobs/" + id, json{{"concurrency", 0}, {"name", ""}});
  ASSERT_EQ(r.status, 400) << r.body;
  r = Call("PATCH", "/api/jobs/" + id, json{{"id", kPoolB}});
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Body(r)["fields"][0]["field"], "id");
  EXPECT_EQ(Body(Call("GET", "/api/jobs/" + id)), job);
  EXPECT_EQ(control_.put_jobs.size(), 1u);
  EXPECT_EQ(Call("PATCH", "/api/jobs/" + std::string(kPoolB), json{{"enabled", false}}).status,
            404);
}

TEST_F(DaemonApiTest, DeleteJobWithoutPurgeKeepsReplicas) {
  json job = CreateJob();
  std::string id = job["id"];
  auto r = Call("DELETE", "/api/jobs/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r), json({{"purged", {{"replicas", 0}, {"snapshots", 0}}}}));
  EXPECT_TRUE(pools_.purges.empty());
  EXPECT_EQ(control_.removed_jobs, std::vector<std::string>{id});
  EXPECT_EQ(StoredJobs(), 0u);
  EXPECT_EQ(Call("DELETE", "/api/jobs/" + id).status, 404);
}

TEST_F(DaemonApiTest, DeleteJobWithPurgePurgesEveryPool) {
  json job = CreateJob();
  AddPool(kPoolB, "second");
  std::string id = job["id"];
  auto r = Call("DELETE", "/api/jobs/" + id + "?purge=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r), json({{"purged", {{"replicas", 4}, {"snapshots", 2}}}}));
  EXPECT_EQ(pools_.purges.size(), 2u);
  EXPECT_EQ(StoredJobs(), 0u);
}

TEST_F(DaemonApiTest, DeleteJobWhosePurgeFailsKeepsTheJob) {
  json job = CreateJob();
  std::string id = job["id"];
  pools_.purge_status = Status::Unavailable("no URL answered");
  auto r = Call("DELETE", "/api/jobs/" + id + "?purge=1");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(StoredJobs(), 1u);
  EXPECT_EQ(control_.put_jobs.back(), id);  // planned again
  pools_.purge_status = Status::FailedPrecondition("a run of job x for VM y is in progress");
  EXPECT_EQ(Call("DELETE", "/api/jobs/" + id + "?purge=1").status, 409);
  EXPECT_EQ(StoredJobs(), 1u);
}

TEST_F(DaemonApiTest, PurgeOfALostJob) {
  std::string pool = AddPool();
  const std::string lost = "cccccccc-0000-4000-8000-000000000001";
  auto r = Call("POST", "/api/jobs/purge", json{{"job", lost}, {"pools", {pool}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["purged"]["replicas"], 2);
  EXPECT_EQ(pools_.purges, (std::vector<std::pair<std::string, std::string>>{{pool, lost}}));
  EXPECT_EQ(Call("POST", "/api/jobs/purge", json{{"job", lost}, {"pools", {kPoolB}}}).status, 404);
  EXPECT_EQ(Call("POST", "/api/jobs/purge", json{{"pools", {pool}}}).status, 400);
  json job = CreateJob();
  EXPECT_EQ(Call("POST", "/api/jobs/purge", json{{"job", job["id"]}}).status, 409);
}

TEST_F(DaemonApiTest, RunNowAndCancel) {
  json job = CreateJob();
  std::string id = job["id"];
  auto r = Call("POST", "/api/jobs/" + id + "/run");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Body(r), json({{"run", "run-1"}, {"queued", 2}}));
  r = Call("POST", "/api/jobs/" + id + "/run", json{{"vm", kVm1}});
  EXPECT_EQ(Body(r)["queued"], 1);
  EXPECT_EQ(control_.run_now.back(), std::make_pair(id, std::string(kVm1)));
  EXPECT_EQ(Call("POST", "/api/jobs/" + id + "/run", json{{"vm", 3}}).status, 400);
  EXPECT_EQ(Call("POST", "/api/jobs/" + id + "/run", json{{"vms", kVm1}}).status, 400);
  control_.run_status = Status::FailedPrecondition("VM is being replicated");
  EXPECT_EQ(Call("POST", "/api/jobs/" + id + "/run").status, 409);
  EXPECT_EQ(Call("POST", "/api/jobs/" + std::string(kPoolB) + "/run").status, 404);

  r = Call("POST", "/api/jobs/" + id + "/cancel", json{{"vm", kVm2}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), json({{"cancelled", 3}}));
  EXPECT_EQ(control_.cancels.back(), std::make_pair(id, std::string(kVm2)));
}

// --- Runs

TEST_F(DaemonApiTest, RunsListAndOneRunWithTasksAndLog) {
  json job = CreateJob();
  RunRecord run = Finished(MakeRun(job["id"], 1'800'000'000'000'000), 1'800'000'060'000'000,
                           RunResult::kFailure);
  run.error = "web-01: disk full";
  run.task_tree = R"([{"name":"web-01","status":"failure"}])";
  ASSERT_OK(store_->SaveRun(run));
  RunLogLine line{1'800'000'001'000'000, "snapshot taken"};
  ASSERT_OK(store_->AppendRunLog(run.id, {&line, 1}));

  json list = Body(Call("GET", "/api/runs?job=" + job["id"].get<std::string>() + "&limit=5"));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], json({{"id", run.id},
                           {"job", run.job_id},
                           {"job_name", "nightly"},
                           {"schedule", run.schedule_id},
                           {"start", "2027-01-15T08:00:00.000Z"},
                           {"end", "2027-01-15T08:01:00.000Z"},
                           {"result", "failure"},
                           {"error", "web-01: disk full"}}));
  EXPECT_EQ(Call("GET", "/api/runs?limit=x").status, 400);
  json one = Body(Call("GET", "/api/runs/" + run.id));
  EXPECT_EQ(one["tasks"][0]["name"], "web-01");
  EXPECT_EQ(one["log"],
            json::array({{{"time", "2027-01-15T08:00:01.000Z"}, {"text", "snapshot taken"}}}));
  EXPECT_EQ(Call("GET", "/api/runs/nope").status, 404);
}

TEST_F(DaemonApiTest, RunWaitAnswersWhenTheRunEnds) {
  json job = CreateJob();
  RunRecord run = MakeRun(job["id"], 1'800'000'000'000'000);
  ASSERT_OK(store_->SaveRun(run));
  control_.live[run.id] = LiveRun{json::array({{{"name", "web-01"}}}), 1, false};
  LiveRun ended{json::array(), 3, true};
  control_.scripts[run.id] = {LiveRun{json::array({{{"name", "web-01"}}}), 2, false}, ended};
  // The daemon finishes the record before it says "ended".
  ASSERT_OK(store_->SaveRun(Finished(run, 1'800'000'090'000'000)));
  auto r = Call("GET", "/api/runs/" + run.id + "?wait=600");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["result"], "success");
  ASSERT_EQ(control_.waits.size(), 2u);
  EXPECT_EQ(control_.waits[0], 60000);  // capped at 60 s
}

TEST_F(DaemonApiTest, RunUnderWayShowsTheLiveTree) {
  json job = CreateJob();
  RunRecord run = MakeRun(job["id"], 1'800'000'000'000'000);
  ASSERT_OK(store_->SaveRun(run));
  control_.live[run.id] = LiveRun{json::array({{{"name", "live"}}}), 4, false};
  json one = Body(Call("GET", "/api/runs/" + run.id));
  EXPECT_EQ(one["result"], "running");
  EXPECT_EQ(one["end"], nullptr);
  EXPECT_EQ(one["tasks"][0]["name"], "live");
}

class StringConnection : public net::HttpConnection {
 public:
  Result<size_t> ReadSome(std::span<uint8_t>) override { return size_t{0}; }
  Status WriteAll(std::span<const uint8_t> data) override {
    out.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status::OK();
  }
  std::string out;
};

TEST_F(DaemonApiTest, RunEventsStreamTaskUpdatesThenTheEnd) {
  json job = CreateJob();
  RunRecord run = MakeRun(job["id"], 1'800'000'000'000'000);
  ASSERT_OK(store_->SaveRun(run));
  control_.live[run.id] = LiveRun{json::array({{{"name", "a"}}}), 1, false};
  control_.scripts[run.id] = {LiveRun{json::array({{{"name", "b"}}}), 2, false},
                              LiveRun{json::array(), 2, true}};
  net::HttpRequest req;
  req.method = "GET";
  req.path = "/api/runs/" + run.id + "/events";
  ASSERT_TRUE(api_->IsStreaming(req));
  StringConnection conn;
  api_->Stream(req, conn);
  EXPECT_EQ(conn.out.rfind("HTTP/1.1 200", 0), 0u) << conn.out;
  EXPECT_NE(conn.out.find("Content-Type: text/event-stream"), std::string::npos);
  size_t a = conn.out.find("event: tasks\ndata: {\"tasks\":[{\"name\":\"a\"}],\"version\":1}");
  size_t b = conn.out.find("event: tasks\ndata: {\"tasks\":[{\"name\":\"b\"}],\"version\":2}");
  size_t end = conn.out.find("event: end\ndata: {");
  ASSERT_NE(a, std::string::npos) << conn.out;
  ASSERT_NE(b, std::string::npos) << conn.out;
  ASSERT_NE(end, std::string::npos) << conn.out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, end);

  req.path = "/api/runs/nope/events";
  StringConnection missing;
  api_->Stream(req, missing);
  EXPECT_EQ(missing.out.rfind("HTTP/1.1 404", 0), 0u) << missing.out;
}

// --- Status, replicas, schedules

TEST_F(DaemonApiTest, StatusMergesTheSchedulerAndTheStoredTargets) {
  json job = CreateJob();
  std::string id = job["id"];
  VmTargetState t;
  t.job_id = id;
  t.vm_uuid = kVm1;
  t.pool = kPoolA;
  t.sr = "sr-fast";
  t.vm_name = "web-01";
  t.state = VmState::kOk;
  t.last_success_us = env_.NowUnixMicros() - 310'000'000;
  t.last_snapshot_uuid = "snap";
  t.last_bytes = 1234;
  ASSERT_OK(store_->PutVmStates({&t, 1}));
  VmPlanStatus v;
  v.job_id = id;
  v.vm_uuid = kVm1;
  v.state = VmState::kOk;
  v.last_success_us = t.last_success_us;
  v.next_run_us = env_.NowUnixMicros() + 60'000'000;
  VmPlanStatus w;
  w.job_id = id;
  w.vm_uuid = kVm2;
  w.queued = true;
  control_.status = {v, w};
  json st = Body(Call("GET", "/api/status"));
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0]["job"], id);
  EXPECT_EQ(st[0]["job_name"], "nightly");
  EXPECT_EQ(st[0]["vm"], kVm1);
  EXPECT_EQ(st[0]["vm_name"], "web-01");
  EXPECT_EQ(st[0]["lag_s"], 310);
  EXPECT_EQ(st[0]["state"], "ok");
  EXPECT_EQ(st[0]["last_success"], TimeJson(t.last_success_us));
  EXPECT_EQ(st[0]["next_run"], TimeJson(v.next_run_us));
  EXPECT_EQ(st[0]["targets"], json::array({{{"pool", kPoolA},
                                            {"sr", "sr-fast"},
                                            {"last_success", TimeJson(t.last_success_us)},
                                            {"state", "ok"},
                                            {"error", ""}}}));
  EXPECT_EQ(st[1]["state"], "queued");
  EXPECT_EQ(st[1]["lag_s"], nullptr);
  EXPECT_EQ(st[1]["last_success"], nullptr);

  json replicas = Body(Call("GET", "/api/replicas?job=" + id))["replicas"];
  ASSERT_EQ(replicas.size(), 1u);
  EXPECT_EQ(replicas[0]["snapshot"], "snap");
  EXPECT_EQ(replicas[0]["bytes"], 1234);
  EXPECT_EQ(Call("GET", "/api/replicas?job=" + std::string(kPoolB)).status, 404);
}

TEST_F(DaemonApiTest, StatusGivesTheLagAgainstTheSchedule) {
  json job = CreateJob();  // 22:00 Europe/Paris: 21:00Z in December
  std::string id = job["id"];
  env_.SetUnixSeconds(1'796'679'000);                              // 2026-12-07T21:30:00Z
  const int64_t fired_today = int64_t{1'796'677'200} * 1'000'000;  // 2026-12-07T21:00:00Z
  ASSERT_OK(store_->PutScheduleFire(id, job["schedules"][0]["id"], fired_today));
  VmPlanStatus v;  // yesterday's run ended 10 minutes after its firing; today's is missing
  v.job_id = id;
  v.vm_uuid = kVm1;
  v.state = VmState::kOk;
  v.last_success_us = fired_today - int64_t{86400 - 600} * 1'000'000;
  VmPlanStatus w;  // never succeeded although today's firing expected it
  w.job_id = id;
  w.vm_uuid = kVm2;
  control_.status = {v, w};
  json st = Body(Call("GET", "/api/status"));
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0]["lag_s"], 86400 + 1200);
  EXPECT_EQ(st[0]["lag_state"], "late");
  EXPECT_EQ(st[0]["due"], TimeJson(fired_today));
  EXPECT_EQ(st[0]["rpo_s"], 86400);
  EXPECT_EQ(st[0]["behind_s"], 1800);
  EXPECT_EQ(st[1]["lag_s"], nullptr);
  EXPECT_EQ(st[1]["lag_state"], "critical");
  EXPECT_EQ(st[1]["behind_s"], 1800);

  // Within the grace of today's firing (10 minutes, the last run's duration): on schedule.
  env_.SetUnixSeconds(1'796'677'200 + 540);
  st = Body(Call("GET", "/api/status"));
  EXPECT_EQ(st[0]["lag_state"], "ok");
  EXPECT_EQ(st[0]["behind_s"], 0);

  ASSERT_EQ(Call("PATCH", "/api/jobs/" + id, json{{"enabled", false}}).status, 200);
  st = Body(Call("GET", "/api/status"));
  EXPECT_EQ(st[0]["lag_state"], "disabled");
  EXPECT_EQ(st[0]["due"], nullptr);
  EXPECT_EQ(st[0]["rpo_s"], nullptr);
}

TEST_F(DaemonApiTest, SchedulePreview) {
  env_.SetUnixSeconds(1'796'676'000);  // 2026-12-07T20:40:00Z
  auto r = Call("POST", "/api/schedules/preview",
                json{{"cron", "0 22 * * *"}, {"timezone", "Europe/Paris"}, {"count", 2}});
  ASSERT_EQ(r.status, 200) << r.body;
  json p = Body(r);
  EXPECT_FALSE(p["description"].get<std::string>().empty());
  EXPECT_EQ(p["next"], json::array({"2026-12-07T21:00:00.000Z", "2026-12-08T21:00:00.000Z"}));
  r = Call("POST", "/api/schedules/preview", json{{"cron", "61 * * * *"}, {"timezone", "Mars"}});
  ASSERT_EQ(r.status, 400);
  json fields = Body(r)["fields"];
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0]["field"], "cron");
  EXPECT_NE(fields[0]["message"].get<std::string>().find("column 1"), std::string::npos);
  EXPECT_EQ(fields[1]["field"], "timezone");
}

}  // namespace
}  // namespace xcr::jobs::testing
