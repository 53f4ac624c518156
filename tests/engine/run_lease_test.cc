#include "engine/run_lease.h"

#include <chrono>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::engine {
namespace {

using ::xcr::testing::FakeClockEnv;

// One VM's other_config in memory, with XAPI's atomic add; shared by several "processes".
struct Map {
  std::mutex mu;
  StringMap m;
  int adds = 0;
  bool slow = false;        // each call takes a while, as over the network: races show
  int failing_removes = 0;  // the next n removes fail, as a pool answering INTERNAL_ERROR
  void Pause() {
    if (slow) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
};

class MemoryStore : public LeaseStore {
 public:
  explicit MemoryStore(Map* map) : map_(map) {}
  Result<StringMap> Read() override {
    map_->Pause();
    std::lock_guard<std::mutex> l(map_->mu);
    return map_->m;
  }
  Status Add(const std::string& k, const std::string& v) override {
    map_->Pause();
    std::lock_guard<std::mutex> l(map_->mu);
    ++map_->adds;
    if (map_->m.count(k)) return Status::AlreadyExists(k);
    map_->m[k] = v;
    return Status::OK();
  }
  Status Remove(const std::string& k) override {
    map_->Pause();
    std::lock_guard<std::mutex> l(map_->mu);
    if (map_->failing_removes > 0) {
      --map_->failing_removes;
      return Status::Remote("INTERNAL_ERROR", {}, "VM.remove_from_other_config");
    }
    map_->m.erase(k);
    return Status::OK();
  }
  std::string vm_label() const override { return "web-01"; }

 private:
  Map* map_;
};

LeaseOptions Opts(FakeClockEnv* env, const std::string& run, const std::string& job = "job-a",
                  const std::string& host = "host-a") {
  LeaseOptions o;
  o.job_id = job;
  o.run_id = run;
  o.host = host;
  o.pid = 42;
  o.ttl_seconds = 300;
  o.env = env;
  return o;
}

std::string Lease(Map& map) {
  std::lock_guard<std::mutex> l(map.mu);
  auto it = map.m.find(std::string(keys::kLease));
  return it == map.m.end() ? "" : it->second;
}

TEST(RunLeaseTest, EncodesAndDecodes) {
  LeaseInfo i{"h", 7, "run-1", "job-1", 100, 400};
  ASSERT_OK_AND_ASSIGN(LeaseInfo d, LeaseInfo::Decode(i.Encode()));
  EXPECT_EQ(d.host, "h");
  EXPECT_EQ(d.pid, 7);
  EXPECT_EQ(d.run_id, "run-1");
  EXPECT_EQ(d.job_id, "job-1");
  EXPECT_EQ(d.since, 100);
  EXPECT_EQ(d.expires, 400);
  EXPECT_FALSE(LeaseInfo::Decode("garbage").ok());
  EXPECT_TRUE(IsLiveLease(i.Encode(), 399));
  EXPECT_FALSE(IsLiveLease(i.Encode(), 400));
}

TEST(RunLeaseTest, SecondRunIsRefusedWhileTheFirstHoldsItAndMayRunAfterRelease) {
  FakeClockEnv env;
  Map map;
  ASSERT_OK_AND_ASSIGN(auto first,
                       RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r1")));
  EXPECT_NE(Lease(map).find("run=r1"), std::string::npos);
  auto second =
      RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r2", "job-b", "host-b"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "a run of job job-a for VM web-01 is in progress (host host-a, since "
            "2026-11-23T09:41:07Z)");
  EXPECT_NE(Lease(map).find("run=r1"), std::string::npos) << "the refused run took nothing";
  ASSERT_OK(first->Release());
  EXPECT_EQ(Lease(map), "");
  ASSERT_OK_AND_ASSIGN(auto third,
                       RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r3")));
  third.reset();  // the destructor releases
  EXPECT_EQ(Lease(map), "");
  EXPECT_EQ(map.m.count(std::string(keys::kLeaseGuard)), 0u) << "no guard left";
}

// Found by the fault suite (tests/faults/): VM.remove_from_other_config failing once at the end
// of a run left the lease for its whole ttl, and every next run was refused until then.
TEST(RunLeaseTest, ReleaseSurvivesARemoveFailingOnce) {
  for (int failing : {1, 2}) {
    SCOPED_TRACE(failing);
    FakeClockEnv env;
    Map map;
    ASSERT_OK_AND_ASSIGN(auto lease,
                         RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r1")));
    map.failing_removes = failing;
    EXPECT_OK(lease->Release());
    EXPECT_EQ(Lease(map), "");
    EXPECT_EQ(map.m.count(std::string(keys::kLeaseGuard)), 0u);
    ASSERT_OK_AND_ASSIGN(auto next,
                         RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r2")));
  }
}

TEST(RunLeaseTest, RenewalKeepsALeaseLiveAndAnExpiredOneIsTakenOver) {
  FakeClockEnv env;
  Map map;
  ASSERT_OK_AND_ASSIGN(auto first,
                       RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r1")));
  env.Advance(200 * 1000000ull);
  ASSERT_OK(first->Renew());
  env.Advance(200 * 1000000ull);  // 400 s after the start, 200 s after the renewal: still live
  EXPECT_FALSE(
      RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r2", "job-b")).ok());
  env.Advance(101 * 1000000ull);  // expired: the first run stopped renewing (killed)
  ASSERT_OK_AND_ASSIGN(auto second, RunLease::Acquire(std::make_unique<MemoryStore>(&map),
                                                      Opts(&env, "r2", "job-b")));
  EXPECT_NE(Lease(map).find("run=r2"), std::string::npos);
  // The first run wakes up: its renewal fails and its release leaves the new lease alone.
  Status renew = first->Renew();
  EXPECT_EQ(renew.code(), StatusCode::kFailedPrecondition) << renew.ToString();
  ASSERT_OK(first->Release());
  EXPECT_NE(Lease(map).find("run=r2"), std::string::npos);
}

TEST(RunLeaseTest, AGuardLeftByAKilledTakerExpires) {
  FakeClockEnv env;
  Map map;
  int64_t now = env.NowUnixMicros() / 1000000;
  map.m[std::string(keys::kLease)] =
      LeaseInfo{"h", 1, "old", "job-a", now - 900, now - 600}.Encode();
  map.m[std::string(keys::kLeaseGuard)] = std::to_string(now + 30) + ";dead";
  auto busy = RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r1"));
  EXPECT_EQ(busy.status().code(), StatusCode::kUnavailable) << busy.status().ToString();
  env.Advance(31 * 1000000ull);
  ASSERT_OK_AND_ASSIGN(auto lease,
                       RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r1")));
  EXPECT_NE(Lease(map).find("run=r1"), std::string::npos);
}

TEST(RunLeaseTest, ConcurrentTakersOfAnExpiredLeaseNeverBothWin) {
  for (int trial = 0; trial < 50; ++trial) {
    FakeClockEnv env;
    Map map;
    map.slow = true;
    int64_t now = env.NowUnixMicros() / 1000000;
    map.m[std::string(keys::kLease)] =
        LeaseInfo{"h", 1, "old", "job-a", now - 900, now - 600}.Encode();
    std::vector<std::unique_ptr<RunLease>> won(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        auto l = RunLease::Acquire(std::make_unique<MemoryStore>(&map),
                                   Opts(&env, "r" + std::to_string(t)));
        if (l.ok()) won[t] = std::move(*l);
      });
    }
    for (auto& th : threads) th.join();
    int winners = 0;
    std::string holder;
    for (int t = 0; t < 4; ++t) {
      if (!won[t]) continue;
      ++winners;
      holder = "run=r" + std::to_string(t);
    }
    ASSERT_LE(winners, 1) << "trial " << trial;
    if (winners == 1) {
      EXPECT_NE(Lease(map).find(holder), std::string::npos);
    }
    // Every winner's lease is the one stored: a loser never removed it.
    for (auto& w : won) {
      if (w) {
        EXPECT_OK(w->Renew());
      }
    }
  }
}

constexpr char kOtherLease[] =
    "host=h2;pid=7;run=other;job=job-b;since=1795426867;expires=99999999999";

TEST(RunLeaseTest, KeeperRenewsAndCancelsTheRunWhenTheLeaseIsLost) {
  FakeClockEnv env;
  Map map;
  LeaseOptions o = Opts(&env, "r1");
  o.ttl_seconds = 3;
  ASSERT_OK_AND_ASSIGN(auto lease, RunLease::Acquire(std::make_unique<MemoryStore>(&map), o));
  std::string first = Lease(map);
  {
    LeaseKeeper keeper(std::move(lease), nullptr, 100000);
    // The keeper's sleeps move the fake clock: wait (on real time) until it renewed.
    while (Lease(map) == first) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_FALSE(keeper.cancel_flag()->load());
    // Another run takes the lease over. Written until the keeper notices: a write landing
    // between the keeper's own remove and add of a renewal would otherwise be lost.
    while (!keeper.cancel_flag()->load()) {
      {
        std::lock_guard<std::mutex> l(map.mu);
        map.m[std::string(keys::kLease)] = kOtherLease;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(keeper.lost_status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(Lease(map), kOtherLease);  // never removes a lease that is not its own
}

TEST(RunLeaseTest, KeeperPassesTheCallersCancelOnAndReleasesAtTheEnd) {
  FakeClockEnv env;
  Map map;
  std::atomic<bool> cancel{false};
  ASSERT_OK_AND_ASSIGN(auto lease,
                       RunLease::Acquire(std::make_unique<MemoryStore>(&map), Opts(&env, "r1")));
  {
    LeaseKeeper keeper(std::move(lease), &cancel, 1000);
    cancel.store(true);
    while (!keeper.cancel_flag()->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_OK(keeper.lost_status());
    EXPECT_NE(Lease(map), "");
  }
  EXPECT_EQ(Lease(map), "");
}

}  // namespace
}  // namespace xcr::engine
