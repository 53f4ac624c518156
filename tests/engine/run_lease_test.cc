#include "engine/run_lease.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "base/logging.h"
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

// The processes of one machine in memory: pid -> start time token.
class FakeProbe : public OwnerProbe {
 public:
  std::string BootId() override {
    std::lock_guard<std::mutex> l(mu_);
    return boot_;
  }
  Result<std::string> StartTime(int64_t pid) override {
    std::lock_guard<std::mutex> l(mu_);
    if (blind_) return Status::IOError("/proc/" + std::to_string(pid) + "/stat: permission denied");
    auto it = procs_.find(pid);
    if (it == procs_.end()) return Status::NotFound("no process");
    return it->second;
  }
  void Start(int64_t pid, const std::string& at) {
    std::lock_guard<std::mutex> l(mu_);
    procs_[pid] = at;
  }
  void Kill(int64_t pid) {
    std::lock_guard<std::mutex> l(mu_);
    procs_.erase(pid);
  }
  void set_boot(const std::string& boot) {
    std::lock_guard<std::mutex> l(mu_);
    boot_ = boot;
  }
  void set_blind(bool blind) {
    std::lock_guard<std::mutex> l(mu_);
    blind_ = blind;
  }

 private:
  std::mutex mu_;
  std::string boot_ = "boot-1/pid:[4026531836]";
  std::map<int64_t, std::string> procs_;
  bool blind_ = false;
};

// Where pid 42 (the owner in Opts) runs for ever, so that only expiry decides.
FakeProbe* AliveProbe() {
  static FakeProbe* probe = [] {
    auto* p = new FakeProbe;
    p->Start(42, "1000");
    return p;
  }();
  return probe;
}

LeaseOptions Opts(FakeClockEnv* env, const std::string& run, const std::string& job = "job-a",
                  const std::string& host = "host-a", OwnerProbe* probe = nullptr) {
  LeaseOptions o;
  o.probe = probe ? probe : AliveProbe();
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
  LeaseInfo i{"h", 7, "run-1", "job-1", 100, 400, "12345", "b-1/pid:[9]"};
  ASSERT_OK_AND_ASSIGN(LeaseInfo d, LeaseInfo::Decode(i.Encode()));
  EXPECT_EQ(d.host, "h");
  EXPECT_EQ(d.pid, 7);
  EXPECT_EQ(d.run_id, "run-1");
  EXPECT_EQ(d.job_id, "job-1");
  EXPECT_EQ(d.since, 100);
  EXPECT_EQ(d.expires, 400);
  EXPECT_EQ(d.start, "12345");
  EXPECT_EQ(d.boot, "b-1/pid:[9]");
  // A lease written by an older xcr has neither: read as such.
  ASSERT_OK_AND_ASSIGN(LeaseInfo old,
                       LeaseInfo::Decode("host=h;pid=7;run=r;job=j;since=1;expires=2"));
  EXPECT_EQ(old.start, "");
  EXPECT_EQ(old.boot, "");
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

// A lease left on the VM by owner `pid` of host-a (started at `start`; old format when empty).
void LeaveLease(Map& map, FakeClockEnv& env, int64_t pid, const std::string& start,
                const std::string& host = "host-a", const std::string& boot = "") {
  int64_t now = env.NowUnixMicros() / 1000000;
  LeaseInfo left{
      host,         pid,
      "killed-run", "job-a",
      now,          now + 300,
      start,        start.empty() ? "" : (boot.empty() ? "boot-1/pid:[4026531836]" : boot)};
  std::lock_guard<std::mutex> l(map.mu);
  map.m[std::string(keys::kLease)] = left.Encode();
}

struct Taken {
  Result<std::unique_ptr<RunLease>> lease;
  std::vector<std::string> warnings;
};

// Run "r2" (pid 77 of host-a, alive) asks for the lease.
Taken AcquireAsSecondRun(Map& map, FakeClockEnv& env, FakeProbe& probe) {
  probe.Start(77, "9000");
  LeaseOptions o = Opts(&env, "r2", "job-a", "host-a", &probe);
  o.pid = 77;
  std::vector<std::string> warnings;
  auto sink = std::make_shared<LogSinkFn>([&](LogLevel level, const std::string& line) {
    if (level == LogLevel::kWARN) warnings.push_back(line);
  });
  ScopedThreadLogSink bound(sink, false);
  auto lease = RunLease::Acquire(std::make_unique<MemoryStore>(&map), o);
  return {std::move(lease), warnings};
}

TEST(RunLeaseOwnerTest, TheLeaseRecordsItsOwnersStartAndBoot) {
  FakeClockEnv env;
  Map map;
  FakeProbe probe;
  probe.Start(42, "1234");
  ASSERT_OK_AND_ASSIGN(auto lease, RunLease::Acquire(std::make_unique<MemoryStore>(&map),
                                                     Opts(&env, "r1", "job-a", "host-a", &probe)));
  ASSERT_OK_AND_ASSIGN(LeaseInfo on_vm, LeaseInfo::Decode(Lease(map)));
  EXPECT_EQ(on_vm.start, "1234");
  EXPECT_EQ(on_vm.boot, "boot-1/pid:[4026531836]");
  ASSERT_OK(lease->Renew()) << "the new fields survive a renewal";
  EXPECT_NE(Lease(map).find(";start=1234;"), std::string::npos);
}

TEST(RunLeaseOwnerTest, ADeadOwnerOnThisHostIsTakenOverAtOnceAndNamed) {
  FakeClockEnv env;
  Map map;
  FakeProbe probe;
  LeaveLease(map, env, 42, "1000");  // pid 42 does not run on host-a (killed -9)
  Taken t = AcquireAsSecondRun(map, env, probe);
  ASSERT_OK(t.lease.status());
  EXPECT_NE(Lease(map).find("run=r2"), std::string::npos);
  EXPECT_EQ(map.m.count(std::string(keys::kLeaseGuard)), 0u) << "taken under the guard, then freed";
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_NE(t.warnings[0].find("dead owner (host host-a, pid 42, run killed-run, job job-a)"),
            std::string::npos)
      << t.warnings[0];
  EXPECT_NE(t.warnings[0].find("no process 42"), std::string::npos) << t.warnings[0];
}

TEST(RunLeaseOwnerTest, ALiveOwnerIsRefused) {
  FakeClockEnv env;
  Map map;
  FakeProbe probe;
  probe.Start(42, "1000");
  LeaveLease(map, env, 42, "1000");
  std::string before = Lease(map);
  Taken t = AcquireAsSecondRun(map, env, probe);
  EXPECT_EQ(t.lease.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(t.lease.status().message().find("is in progress (host host-a"), std::string::npos);
  EXPECT_EQ(Lease(map), before);
  // Nor when /proc cannot be read: an owner that cannot be told is alive.
  probe.Kill(42);
  probe.set_blind(true);
  EXPECT_EQ(AcquireAsSecondRun(map, env, probe).lease.status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Lease(map), before);
}

TEST(RunLeaseOwnerTest, APidReusedByAnotherProcessIsNotTrusted) {
  FakeClockEnv env;
  Map map;
  FakeProbe probe;
  LeaveLease(map, env, 42, "1000");
  probe.Start(42, "5000");  // the owner died; a later process was given its pid
  Taken t = AcquireAsSecondRun(map, env, probe);
  ASSERT_OK(t.lease.status());
  EXPECT_NE(Lease(map).find("run=r2"), std::string::npos);
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_NE(t.warnings[0].find("process 42 is another process"), std::string::npos)
      << t.warnings[0];
}

TEST(RunLeaseOwnerTest, AnOwnerOfABootBeforeIsDeadButAnotherPidNamespaceCannotBeJudged) {
  FakeClockEnv env;
  Map map;
  FakeProbe probe;
  probe.Start(42, "1000");  // a pid 42 runs now, with the very start time recorded
  LeaveLease(map, env, 42, "1000", "host-a", "boot-0/pid:[4026531836]");
  Taken rebooted = AcquireAsSecondRun(map, env, probe);
  ASSERT_OK(rebooted.lease.status());
  EXPECT_NE(Lease(map).find("run=r2"), std::string::npos);
  (*rebooted.lease).reset();

  Map other;
  LeaveLease(other, env, 42, "1000", "host-a", "boot-1/pid:[4026532000]");  // a container
  probe.Kill(42);
  EXPECT_EQ(AcquireAsSecondRun(other, env, probe).lease.status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(RunLeaseOwnerTest, AnOwnerOnAnotherHostIsRefusedUntilItsLeaseExpires) {
  FakeClockEnv env;
  Map map;
  FakeProbe probe;  // no pid 42 here: but it runs on host-b, which this host cannot see
  LeaveLease(map, env, 42, "1000", "host-b");
  EXPECT_EQ(AcquireAsSecondRun(map, env, probe).lease.status().code(),
            StatusCode::kFailedPrecondition);
  env.Advance(301 * 1000000ull);
  Taken t = AcquireAsSecondRun(map, env, probe);
  ASSERT_OK(t.lease.status());
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_NE(t.warnings[0].find("took over an expired run lease"), std::string::npos);
}

TEST(RunLeaseOwnerTest, AnOldLeaseIsJudgedByItsExpiryOnly) {
  FakeClockEnv env;
  Map map;
  FakeProbe probe;               // no pid 42 runs
  LeaveLease(map, env, 42, "");  // written by an xcr without start and boot
  EXPECT_EQ(AcquireAsSecondRun(map, env, probe).lease.status().code(),
            StatusCode::kFailedPrecondition);
  env.Advance(301 * 1000000ull);
  Taken t = AcquireAsSecondRun(map, env, probe);
  ASSERT_OK(t.lease.status());
  EXPECT_NE(Lease(map).find("run=r2"), std::string::npos);
}

// The /proc probe against real processes: a process killed with SIGKILL is dead, this one alive.
TEST(ProcOwnerProbeTest, TellsALiveProcessFromAKilledOne) {
  ProcOwnerProbe probe;
  std::string boot = probe.BootId();
  ASSERT_NE(boot, "");
  EXPECT_NE(boot.find("/pid:["), std::string::npos) << boot;
  ASSERT_OK_AND_ASSIGN(std::string me, probe.StartTime(getpid()));
  ASSERT_OK_AND_ASSIGN(std::string again, probe.StartTime(getpid()));
  EXPECT_EQ(me, again);

  pid_t child = 0;
  char arg0[] = "sleep", arg1[] = "60";
  char* argv[] = {arg0, arg1, nullptr};
  ASSERT_EQ(posix_spawnp(&child, "sleep", nullptr, nullptr, argv, environ), 0);
  ASSERT_OK_AND_ASSIGN(std::string child_start, probe.StartTime(child));
  LeaseInfo held{"this-host", child, "r1", "job-a", 0, 0, child_start, boot};
  EXPECT_EQ(DeadOwnerReason(held, "this-host", probe), std::nullopt) << "alive";
  EXPECT_EQ(DeadOwnerReason(held, "other-host", probe), std::nullopt) << "not this host's";
  ASSERT_EQ(kill(child, SIGKILL), 0);
  // Killed but not reaped yet (a zombie) is already dead; reaped, no such process (or the pid
  // given to another process) is too.
  for (int reaped = 0; reaped < 2; ++reaped) {
    if (reaped) {
      ASSERT_EQ(waitpid(child, nullptr, 0), child);
    } else {
      // SIGKILL is delivered asynchronously: wait (bounded) for the zombie.
      for (int i = 0; i < 2000 && probe.StartTime(child).ok(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    EXPECT_NE(DeadOwnerReason(held, "this-host", probe), std::nullopt) << "reaped " << reaped;
  }
}

}  // namespace
}  // namespace xcr::engine
