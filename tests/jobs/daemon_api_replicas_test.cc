// POST /api/replicas/UUID/clone and /verify on a SqliteStore in a temp dir and a fake pool side:
// the clone (the verification) is asked of the right pool with the request's name and start (the
// pools where its source may be); unknown pools and replicas are 404, a VM that is not a replica
// 400, and every refusal creates nothing. GET /api/replicas carries each replica's chain length,
// size and age.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "engine/backup_datetime.h"
#include "jobs/daemon_api.h"
#include "tests/jobs/daemon_api_fakes.h"
#include "tests/jobs/job_test_util.h"
#include "tests/jobs/store_test_util.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs::testing {
namespace {

using nlohmann::json;

constexpr char kReplica[] = "5e5e5e5e-0000-4000-8000-000000000005";

class DaemonApiCloneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenStore(dir_.path());
    ASSERT_OK(store);
    store_ = std::move(*store);
    ASSERT_OK(store_->PutPool(ValidPool(kPoolA, "dr-site")));
    DaemonApiOptions o;
    o.store = store_.get();
    o.control = &control_;
    o.pools = &pools_;
    o.env = &env_;
    api_ = std::make_unique<DaemonApi>(o);
  }

  net::HttpResponse Post(const std::string& target, const std::string& body) {
    net::HttpRequest req;
    req.method = "POST";
    req.target = target;
    net::ParseTarget(target, &req.path, &req.query);
    req.body = body;
    req.peer = net::PeerCredentials{0, 0, 42};
    return api_->Handle(req);
  }
  net::HttpResponse Get(const std::string& target) {
    net::HttpRequest req;
    req.method = "GET";
    req.target = target;
    net::ParseTarget(target, &req.path, &req.query);
    req.peer = net::PeerCredentials{0, 0, 42};
    return api_->Handle(req);
  }
  net::HttpResponse Clone(const json& body, const std::string& uuid = kReplica) {
    return Post("/api/replicas/" + uuid + "/clone", body.dump());
  }
  net::HttpResponse Verify(const json& body, const std::string& uuid = kReplica) {
    return Post("/api/replicas/" + uuid + "/verify", body.dump());
  }
  static engine::DiskVerification Disk(const std::string& userdevice, bool equal) {
    engine::DiskVerification d;
    d.userdevice = userdevice;
    d.replica_vdi = "rvdi-" + userdevice;
    d.source_vdi = "svdi-" + userdevice;
    d.replica_digest = "xcr-content-v2:aa";
    d.source_digest = equal ? "xcr-content-v2:aa" : "xcr-content-v2:bb";
    d.compared_source = true;
    return d;
  }
  static json Body(const net::HttpResponse& r) { return json::parse(r.body); }

  xcr::testing::TempDir dir_;
  xcr::testing::FakeClockEnv env_;
  std::unique_ptr<SqliteStore> store_;
  FakeControl control_;
  FakePools pools_;
  std::unique_ptr<DaemonApi> api_;
};

TEST_F(DaemonApiCloneTest, ClonesOnTheNamedPoolAndStartsWhenAsked) {
  auto r = Clone({{"pool", kPoolA}, {"name", "web01 (DR)"}, {"start", true}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r), (json{{"uuid", "clone-1"}, {"name", "web01 (DR)"}, {"started", true}}));
  ASSERT_EQ(pools_.clone_calls.size(), 1u);
  EXPECT_EQ(pools_.clone_calls[0].pool, kPoolA);
  EXPECT_EQ(pools_.clone_calls[0].replica, kReplica);
  EXPECT_EQ(pools_.clone_calls[0].name, "web01 (DR)");
  EXPECT_TRUE(pools_.clone_calls[0].start);
}

TEST_F(DaemonApiCloneTest, NameAndStartAreOptional) {
  auto r = Clone({{"pool", kPoolA}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["started"], false);
  EXPECT_EQ(Body(r)["name"], "replica (DR clone)");  // the pool side chose the name
  ASSERT_EQ(pools_.clone_calls.size(), 1u);
  EXPECT_EQ(pools_.clone_calls[0].name, "");
  EXPECT_FALSE(pools_.clone_calls[0].start);
}

TEST_F(DaemonApiCloneTest, UnknownPoolIs404AndAsksNoPool) {
  auto r = Clone({{"pool", kPoolB}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_TRUE(pools_.clone_calls.empty());
}

TEST_F(DaemonApiCloneTest, UnknownReplicaIs404) {
  pools_.clone_status = Status::NotFound("pool 'dr-site' has no VM with uuid x");
  auto r = Clone({{"pool", kPoolA}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(Body(r)["error"].get<std::string>().find("no VM"), std::string::npos);
  EXPECT_TRUE(pools_.clones.empty());
}

TEST_F(DaemonApiCloneTest, NonReplicaIs400AndInterruptedCopyIs409) {
  pools_.clone_status = Status::InvalidArgument("VM x is not a replica");
  EXPECT_EQ(Clone({{"pool", kPoolA}}).status, 400);
  pools_.clone_status = Status::FailedPrecondition("an interrupted copy");
  EXPECT_EQ(Clone({{"pool", kPoolA}}).status, 409);
  pools_.clone_status = Status::Unavailable("pool unreachable");
  EXPECT_EQ(Clone({{"pool", kPoolA}}).status, 502);
  EXPECT_TRUE(pools_.clones.empty());
}

TEST_F(DaemonApiCloneTest, InvalidBodiesAreRefusedBeforeAnyPoolIsAsked) {
  for (const json& body :
       {json::object(), json{{"pool", 7}}, json{{"pool", ""}},
        json{{"pool", kPoolA}, {"start", "yes"}}, json{{"pool", kPoolA}, {"name", 3}},
        json{{"pool", kPoolA}, {"colour", "red"}}}) {
    auto r = Clone(body);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.body;
    EXPECT_FALSE(Body(r)["fields"].empty()) << body.dump();
  }
  EXPECT_EQ(Post("/api/replicas/" + std::string(kReplica) + "/clone", "not json").status, 400);
  EXPECT_TRUE(pools_.clone_calls.empty());
}

// GET /api/replicas names each entry's newest complete replica VM on its pool, listing each pool
// once; a pool that cannot be listed leaves its entries' uuid null without failing the listing.
TEST_F(DaemonApiCloneTest, ListingCarriesTheReplicaVmUuidAndPool) {
  Job job = ValidJob();
  ASSERT_OK(store_->PutPool(ValidPool(kPoolB, "far-site")));
  ASSERT_OK(store_->PutJob(job));
  std::vector<VmTargetState> states;
  for (const char* vm : {kVm1, kVm2}) {
    for (const TargetSr& target : job.srs) {
      VmTargetState t;
      t.job_id = job.id;
      t.vm_uuid = vm;
      t.pool = target.pool;
      t.sr = target.sr;
      t.state = VmState::kOk;
      t.last_success_us = 1'000'000;
      states.push_back(t);
    }
  }
  ASSERT_OK(store_->PutVmStates(states));
  auto entry = [&](std::string uuid, const char* vm, bool complete, std::string sr_name) {
    engine::ReplicaEntry r;
    r.uuid = uuid;
    r.name = "replica " + uuid;
    r.source_vm = vm;
    r.job = job.id;
    r.sr = "sr-uuid";
    r.sr_name = sr_name;
    r.complete = complete;
    return r;
  };
  // Newest first: an interrupted copy of vm1, then its newest complete replica.
  pools_.replicas[kPoolA] = {entry("r-partial", kVm1, false, "sr-fast"),
                             entry("r-new", kVm1, true, "sr-fast"),
                             entry("r-old", kVm1, true, "sr-fast")};
  json replicas = json::parse(Get("/api/replicas").body)["replicas"];
  ASSERT_EQ(replicas.size(), 4u);
  std::map<std::pair<std::string, std::string>, json> by;  // (vm, pool) -> uuid
  for (const json& r : replicas) by[{r["vm"], r["pool"]}] = r["uuid"];
  auto uuid_of = [&](const char* vm, const char* pool) { return by[{vm, pool}]; };
  EXPECT_EQ(uuid_of(kVm1, kPoolA), "r-new");
  EXPECT_EQ(uuid_of(kVm2, kPoolA), nullptr);               // no replica of vm2 there
  EXPECT_EQ(uuid_of(kVm1, kPoolB), nullptr);               // pool B lists none
  std::vector<std::string> listed = pools_.replica_lists;  // each pool once
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, (std::vector<std::string>{kPoolA, kPoolB}));

  pools_.replicas_status = Status::Unavailable("pool unreachable");
  auto r = Get("/api/replicas");
  ASSERT_EQ(r.status, 200) << r.body;
  json listing = json::parse(r.body);  // the loop below must not outlive it
  for (const json& e : listing["replicas"]) {
    EXPECT_EQ(e["uuid"], nullptr);
    EXPECT_TRUE(e["pool"].is_string());
  }
}

// Replicas whose job the store does not know (deleted without --purge, or another tool's) are
// listed as orphans with the job id found on them; a stored job's replicas never are, and a job
// filter lists no orphans.
TEST_F(DaemonApiCloneTest, ReplicasOfJobsNotStoredAreListedAsOrphans) {
  Job job = ValidJob();
  ASSERT_OK(store_->PutPool(ValidPool(kPoolB, "far-site")));
  ASSERT_OK(store_->PutJob(job));
  const std::string gone = "0bad0bad-0000-4000-8000-00000000dead";
  auto entry = [&](std::string uuid, const std::string& job_id) {
    engine::ReplicaEntry r;
    r.uuid = uuid;
    r.name = "replica " + uuid;
    r.source_vm = kVm1;
    r.job = job_id;
    r.sr = "sr-uuid";
    r.sr_name = "sr-fast";
    r.datetime = "20261207T220000Z";
    r.complete = true;
    return r;
  };
  pools_.replicas[kPoolA] = {entry("r-kept", job.id), entry("r-orphan", gone)};
  json answer = json::parse(Get("/api/replicas").body);
  ASSERT_EQ(answer["orphans"].size(), 1u) << answer.dump();
  const json& o = answer["orphans"][0];
  EXPECT_EQ(o["uuid"], "r-orphan");
  EXPECT_EQ(o["job"], gone);
  EXPECT_EQ(o["vm"], kVm1);
  EXPECT_EQ(o["pool"], kPoolA);
  EXPECT_EQ(o["pool_name"], "dr-site");
  EXPECT_EQ(o["complete"], true);

  // The job deleted: its replica becomes an orphan too.
  ASSERT_OK(store_->DeleteJob(job.id));
  answer = json::parse(Get("/api/replicas").body);
  EXPECT_EQ(answer["orphans"].size(), 2u) << answer.dump();

  ASSERT_OK(store_->PutJob(job));
  answer = json::parse(Get("/api/replicas?job=" + job.id).body);
  EXPECT_FALSE(answer.contains("orphans")) << answer.dump();
}

TEST_F(DaemonApiCloneTest, OnlyPostIsAllowed) {
  net::HttpRequest req;
  req.method = "GET";
  req.target = req.path = "/api/replicas/" + std::string(kReplica) + "/clone";
  req.peer = net::PeerCredentials{0, 0, 42};
  EXPECT_EQ(api_->Handle(req).status, 405);
  EXPECT_TRUE(pools_.clone_calls.empty());
}

// Verify: the named pool is asked, with every other stored pool (then itself) as where the
// source may be; the answer is the engine's report with the pool compared against.
TEST_F(DaemonApiCloneTest, VerifiesOnTheNamedPoolSearchingEveryPoolForTheSource) {
  ASSERT_OK(store_->PutPool(ValidPool(kPoolB, "prod")));
  pools_.verification = {kPoolB, {Disk("0", true), Disk("1", true)}};
  auto r = Verify({{"pool", kPoolA}});
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Body(r);
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["replica"], kReplica);
  EXPECT_EQ(body["pool"], kPoolA);
  EXPECT_EQ(body["source_pool"], kPoolB);
  EXPECT_EQ(body["summary"], "replica verified: content equals its source snapshot");
  ASSERT_EQ(body["disks"].size(), 2u);
  EXPECT_EQ(body["disks"][1]["equal_source"], true);
  ASSERT_EQ(pools_.verify_calls.size(), 1u);
  EXPECT_EQ(pools_.verify_calls[0].pool, kPoolA);
  EXPECT_EQ(pools_.verify_calls[0].replica, kReplica);
  EXPECT_EQ(pools_.verify_calls[0].sources, (std::vector<std::string>{kPoolB, kPoolA}));
  EXPECT_TRUE(pools_.clone_calls.empty());
}

TEST_F(DaemonApiCloneTest, VerifyUsesTheSourcePoolNamed) {
  ASSERT_OK(store_->PutPool(ValidPool(kPoolB, "prod")));
  pools_.verification = {kPoolB, {Disk("0", true)}};
  ASSERT_EQ(Verify({{"pool", kPoolA}, {"source", kPoolB}}).status, 200);
  ASSERT_EQ(pools_.verify_calls.size(), 1u);
  EXPECT_EQ(pools_.verify_calls[0].sources, (std::vector<std::string>{kPoolB}));
  // An unknown source pool is 404 and asks nothing.
  EXPECT_EQ(Verify({{"pool", kPoolA}, {"source", "0c0c0c0c-0000-4000-8000-00000000000c"}}).status,
            404);
  EXPECT_EQ(pools_.verify_calls.size(), 1u);
}

// Content that differs is not an HTTP error: 200 with ok false and what to do.
TEST_F(DaemonApiCloneTest, AVerificationThatFindsADifferenceSaysSo) {
  pools_.verification = {"", {Disk("0", true), Disk("1", false)}};
  auto r = Verify({{"pool", kPoolA}});
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Body(r);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["source_pool"], nullptr);
  std::string summary = body["summary"];
  EXPECT_NE(summary.find("disk 1 is DIFFERENT from the source snapshot disk svdi-1"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("Do not recover from this replica"), std::string::npos) << summary;
  EXPECT_EQ(body["disks"][1]["equal"], false);
}

TEST_F(DaemonApiCloneTest, VerifyRefusalsAreTheCloneOnes) {
  EXPECT_EQ(Verify({{"pool", kPoolB}}).status, 404);  // unknown pool: nothing asked
  EXPECT_TRUE(pools_.verify_calls.empty());
  pools_.verify_status = Status::NotFound("pool 'dr-site' has no VM with uuid x");
  EXPECT_EQ(Verify({{"pool", kPoolA}}).status, 404);
  pools_.verify_status = Status::InvalidArgument("VM x is not a replica");
  EXPECT_EQ(Verify({{"pool", kPoolA}}).status, 400);
  pools_.verify_status = Status::FailedPrecondition(
      "replica 'web' cannot be verified without its source: disk 0 (delta-scope digest)");
  auto r = Verify({{"pool", kPoolA}});
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(Body(r)["error"].get<std::string>().find("without its source"), std::string::npos);
  pools_.verify_status = Status::Unavailable("pool unreachable");
  EXPECT_EQ(Verify({{"pool", kPoolA}}).status, 502);
  EXPECT_TRUE(pools_.clones.empty());
}

TEST_F(DaemonApiCloneTest, InvalidVerifyBodiesAreRefusedBeforeAnyPoolIsAsked) {
  for (const json& body :
       {json::object(), json{{"pool", 7}}, json{{"pool", ""}},
        json{{"pool", kPoolA}, {"source", 3}}, json{{"pool", kPoolA}, {"start", true}}}) {
    auto r = Verify(body);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.body;
    EXPECT_FALSE(Body(r)["fields"].empty()) << body.dump();
  }
  EXPECT_EQ(Post("/api/replicas/" + std::string(kReplica) + "/verify", "[1]").status, 400);
  net::HttpRequest req;
  req.method = "GET";
  req.target = req.path = "/api/replicas/" + std::string(kReplica) + "/verify";
  req.peer = net::PeerCredentials{0, 0, 42};
  EXPECT_EQ(api_->Handle(req).status, 405);
  EXPECT_TRUE(pools_.verify_calls.empty());
}

// Each entry carries its replica VM's chain length, size (virtual and used) and age since the
// replica's datetime; without a replica VM, null and the age since the last success.
TEST_F(DaemonApiCloneTest, ListingCarriesChainLengthSizeAndAge) {
  Job job = ValidJob();
  job.srs = {{kPoolA, "sr-fast"}};
  ASSERT_OK(store_->PutJob(job));
  const int64_t now_s = env_.NowUnixMicros() / 1000000;
  std::vector<VmTargetState> states;
  for (const char* vm : {kVm1, kVm2}) {
    VmTargetState t;
    t.job_id = job.id;
    t.vm_uuid = vm;
    t.pool = kPoolA;
    t.sr = "sr-fast";
    t.state = VmState::kOk;
    t.last_success_us = (now_s - 600) * 1000000;
    states.push_back(t);
  }
  ASSERT_OK(store_->PutVmStates(states));
  engine::ReplicaEntry r;
  r.uuid = "r-1";
  r.name = "replica";
  r.source_vm = kVm1;
  r.job = job.id;
  r.sr = "sr-uuid";
  r.sr_name = "sr-fast";
  r.datetime = engine::FormatBackupDatetime(now_s - 900);  // snapshot taken before the run ended
  r.complete = true;
  r.age_s = 900;
  r.delta_chain_length = 3;
  r.disks = 2;
  r.virtual_size = 24 << 20;
  r.physical_utilisation = 5 << 20;
  engine::ReplicaEntry orphan = r;
  orphan.uuid = "r-orphan";
  orphan.job = "0bad0bad-0000-4000-8000-00000000dead";
  orphan.delta_chain_length = -1;
  pools_.replicas[kPoolA] = {r, orphan};
  json answer = json::parse(Get("/api/replicas").body);
  ASSERT_EQ(answer["replicas"].size(), 2u) << answer.dump();
  std::map<std::string, json> by_vm;
  for (const json& e : answer["replicas"]) by_vm[e["vm"]] = e;
  const json& e1 = by_vm[kVm1];
  EXPECT_EQ(e1["uuid"], "r-1");
  EXPECT_EQ(e1["chain_length"], 3);
  EXPECT_EQ(e1["size"], 24 << 20);
  EXPECT_EQ(e1["physical_utilisation"], 5 << 20);
  EXPECT_EQ(e1["disks"], 2);
  EXPECT_EQ(e1["age_s"], 900);
  EXPECT_EQ(e1["pool_name"], "dr-site");
  EXPECT_EQ(e1["sr_name"], "sr-fast");
  const json& e2 = by_vm[kVm2];
  EXPECT_EQ(e2["uuid"], nullptr);
  EXPECT_EQ(e2["chain_length"], nullptr);
  EXPECT_EQ(e2["size"], nullptr);
  EXPECT_EQ(e2["age_s"], 600);
  EXPECT_EQ(e2["pool_name"], "dr-site");
  EXPECT_EQ(e2["sr_name"], nullptr);
  ASSERT_EQ(answer["orphans"].size(), 1u);
  EXPECT_EQ(answer["orphans"][0]["chain_length"], nullptr);
  EXPECT_EQ(answer["orphans"][0]["size"], 24 << 20);
  EXPECT_EQ(answer["orphans"][0]["age_s"], 900);

  env_.Advance(60 * 1000000);
  answer = json::parse(Get("/api/replicas").body);
  for (const json& e : answer["replicas"]) {
    EXPECT_EQ(e["age_s"], e["vm"] == kVm1 ? 960 : 660) << e.dump();
  }
}

}  // namespace
}  // namespace xcr::jobs::testing
