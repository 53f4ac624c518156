// POST /api/replicas/UUID/clone on a SqliteStore in a temp dir and a fake pool side: the clone
// is asked of the right pool with the request's name and start; unknown pools and replicas are
// 404, a VM that is not a replica 400, and every refusal creates nothing.
#include <gtest/gtest.h>

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
