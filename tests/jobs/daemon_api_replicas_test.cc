// POST /api/replicas/UUID/clone on a SqliteStore in a temp dir and a fake pool side: the clone
// is asked of the right pool with the request's name and start; unknown pools and replicas are
// 404, a VM that is not a replica 400, and every refusal creates nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

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

}  // namespace
}  // namespace xcr::jobs::testing
