#include "demo/demo.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "base/env.h"
#include "base/logging.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "engine/replica_ops.h"
#include "engine/task_log.h"
#include "engine/vm_replicator.h"
#include "sim/server.h"
#include "xapi/api.h"
#include "xapi/connection.h"

namespace xcr::demo {
namespace {

using namespace xcr::engine;  // NOLINT: the demo drives the engine throughout

constexpr uint64_t kMiB = 1 << 20;

class Checks {
 public:
  bool Check(bool ok, const std::string& what) {
    std::cout << (ok ? "  ✓ " : "  ✗ ") << what << "\n";
    failures_ += ok ? 0 : 1;
    return ok;
  }
  bool Ok(const Status& s, const std::string& what) {
    return Check(s.ok(), s.ok() ? what : what + ": " + s.ToString());
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

struct Pool {
  std::unique_ptr<sim::Server> server;
  std::unique_ptr<xapi::Connection> conn;
  ~Pool() {
    conn.reset();
    if (server) server->Stop();
  }
};

Status StartPool(const std::string& dir, int vms, uint64_t disk_size, Pool* pool) {
  sim::Server::Options o;
  o.state_dir = dir;
  o.populate = vms;
  o.disk_size = disk_size;
  pool->server = std::make_unique<sim::Server>(o);
  XCR_RETURN_IF_ERROR(pool->server->Start());
  xapi::SessionOptions so;
  so.password = o.password;
  XCR_ASSIGN_OR_RETURN(pool->conn, xapi::Connection::Open(pool->server->url(), so));
  return Status::OK();
}

Result<std::string> SimSha(xapi::Connection& c, const std::string& vdi) {
  XCR_ASSIGN_OR_RETURN(xapi::Value v, c.Call("sim.vdi_sha256", {xapi::Value(vdi)}));
  return v.AsString();
}

// The replica's disks hold exactly the source snapshot's content (the simulator's own SHA-256
// of each disk, independent of xcr's code), and xcr verify agrees.
bool ProveContent(Checks& checks, Pool& src, Pool& dst, const VmOutcome& out) {
  auto scat = LoadPoolCatalog(*src.conn);
  auto tcat = LoadPoolCatalog(*dst.conn);
  if (!scat.ok() || !tcat.ok()) {
    checks.Ok(scat.ok() ? tcat.status() : scat.status(), "list both pools");
    return false;
  }
  const VmView *snap = nullptr, *rep = nullptr;
  for (const VmView& v : scat->vms) {
    if (v.uuid == out.snapshot_uuid) snap = &v;
  }
  for (const VmView& v : tcat->vms) {
    if (!out.targets.empty() && v.uuid == out.targets[0].replica_uuid) rep = &v;
  }
  if (!checks.Check(snap && rep && snap->disks.size() == rep->disks.size() && !snap->disks.empty(),
                    out.vm_name + ": replica and snapshot found with the same disks")) {
    return false;
  }
  bool equal = true;
  for (size_t i = 0; i < snap->disks.size(); ++i) {
    auto a = SimSha(*src.conn, snap->disks[i].vdi.ref);
    auto b = SimSha(*dst.conn, rep->disks[i].vdi.ref);
    equal = equal && a.ok() && b.ok() && *a == *b;
  }
  checks.Check(equal,
               out.vm_name + ": replica content = source snapshot content (simulator SHA-256)");
  auto v = VerifyReplica(*src.conn, *dst.conn, rep->uuid);
  bool verified = v.ok() && !v->empty();
  bool recorded = verified;
  if (v.ok()) {
    for (const DiskVerification& d : *v) {
      verified = verified && d.equal() && d.compared_source;
      // Every disk carries the digest computed while it streamed; a full one is compared too.
      recorded = recorded && !d.recorded_digest.empty() &&
                 (d.recorded_scope != keys::kDigestScopeFull || d.recorded_equal());
    }
  }
  checks.Check(verified, out.vm_name + ": xcr verify (re-export and digest) agrees");
  checks.Check(recorded, out.vm_name + ": the digest recorded while streaming (" +
                             (out.delta ? "delta" : "full") + ") is on every replica disk" +
                             (out.delta ? "" : " and equals the re-export's"));
  return equal && verified;
}

}  // namespace

int RunDemo(const DemoOptions& opt) {
  std::string dir = opt.state;
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "xcr-demo-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      std::cerr << "xcr demo: cannot create a temporary folder in "
                << std::filesystem::temp_directory_path().string() << "\n";
      return 1;
    }
    dir = tmpl;
  }
  if (GetLogLevel() < LogLevel::kWARN) SetLogLevel(LogLevel::kWARN);

  Checks checks;
  std::cout << "xcr demo: continuous replication between two simulated XAPI pools\n"
            << "  state in " << dir << "\n\n";
  Pool src, dst;
  if (!checks.Ok(StartPool(dir + "/source-pool", opt.vms, opt.disk_mib * kMiB, &src),
                 "source pool started with " + std::to_string(opt.vms) + " VMs of " +
                     std::to_string(opt.disk_mib) + " MiB holding data")) {
    return 1;
  }
  if (!checks.Ok(StartPool(dir + "/dr-pool", 0, 0, &dst), "target pool started")) return 1;
  std::cout << "  source " << src.server->url() << ", target " << dst.server->url() << "\n";

  auto catalog = LoadPoolCatalog(*src.conn);
  if (!checks.Ok(catalog.status(), "source pool listed")) return 1;
  std::vector<VmView> vms;
  for (const VmView& v : catalog->vms) {
    if (!v.is_a_snapshot && !v.is_a_template) vms.push_back(v);
  }
  auto srs = xapi::GetAllRecords<xapi::SrRecord>(*dst.conn);
  if (!checks.Ok(srs.status(), "target SR found") || srs->empty()) return 1;
  std::string sr = srs->begin()->second.uuid;

  ReplicationOptions ro;
  ro.job_id = "demo-job";
  ro.schedule_id = "demo-schedule";
  ro.job_name = "demo";
  ro.copy_retention = 2;
  ro.snapshot_retention = 1;
  std::vector<TargetSpec> targets = {{dst.conn.get(), sr, "dr-pool"}};

  struct RunRow {
    std::string label;
    uint64_t bytes = 0;
    double seconds = 0;
    bool all_delta = true;
  };
  std::vector<RunRow> rows;
  std::vector<VmOutcome> last;
  Env* env = Env::Default();
  auto run = [&](const std::string& label) {
    std::cout << "\n" << label << "\n";
    RunRow row;
    row.label = label;
    last.clear();
    uint64_t t0 = env->NowMicros();
    for (const VmView& vm : vms) {
      TaskLog log(env);
      VmReplicator r(src.conn.get(), targets, ro, &log);
      VmOutcome out = r.Run(vm.uuid, kNoParent);
      checks.Ok(out.status, out.vm_name + ": " + (out.delta ? "delta" : "full") + ", " +
                                FormatBytes(out.bytes) + " sent");
      row.bytes += out.bytes;
      row.all_delta = row.all_delta && out.delta;
      last.push_back(out);
    }
    row.seconds = static_cast<double>(env->NowMicros() - t0) / 1e6;
    for (const VmOutcome& out : last) {
      if (out.status.ok()) ProveContent(checks, src, dst, out);
    }
    rows.push_back(row);
  };
  // The guests' writes scale with the disk: 3 writes of 1 MiB on disks of 64 MiB and more, one
  // on smaller ones (a delta carries whole 2 MiB VHD blocks, and the simulator's populated data
  // is a quarter of the disk, so a 16 MiB disk's full copy is 4 MiB). Each round's bound is what
  // the touched blocks may cost: 2 MiB each plus 1 MiB of VHD metadata per VM.
  const int writes_per_vm = opt.disk_mib >= 64 ? 3 : 1;
  constexpr uint64_t kVhdBlock = 2 * kMiB;
  std::vector<uint64_t> delta_bounds;
  auto guest_writes = [&](int round) {
    uint64_t bound = 0;
    for (size_t i = 0; i < vms.size(); ++i) {
      std::set<uint64_t> blocks;
      for (int k = 0; k < writes_per_vm; ++k) {
        uint64_t off = ((round * 7 + k * 13 + i) % (opt.disk_mib / 2)) * kMiB;
        blocks.insert(off / kVhdBlock);
        blocks.insert((off + kMiB - 1) / kVhdBlock);
        Status s =
            src.conn
                ->Call("sim.write_random", {xapi::Value(vms[i].disks[0].vdi.ref),
                                            xapi::Value(static_cast<int64_t>(off)),
                                            xapi::Value(static_cast<int64_t>(kMiB)),
                                            xapi::Value(static_cast<int64_t>(round * 100 + k))})
                .status();
        if (!s.ok()) checks.Ok(s, "guest write");
      }
      bound += blocks.size() * kVhdBlock + kMiB;
    }
    delta_bounds.push_back(bound);
    std::cout << "\n  the guests wrote " << writes_per_vm << " MiB each (sim.write_random)\n";
  };

  run("run 1: first replication (full)");
  guest_writes(1);
  run("run 2: delta");
  guest_writes(2);
  run("run 3: delta");

  std::cout << "\nprotection and disaster recovery\n";
  if (!last.empty() && last[0].status.ok()) {
    auto tcat = LoadPoolCatalog(*dst.conn);
    const VmView* rep = nullptr;
    if (tcat.ok()) {
      for (const VmView& v : tcat->vms) {
        if (v.uuid == last[0].targets[0].replica_uuid) rep = &v;
      }
    }
    if (checks.Check(rep != nullptr, "replica of " + last[0].vm_name + " found on the target")) {
      Status start =
          dst.conn
              ->Call("VM.start", {xapi::Value(rep->ref), xapi::Value(false), xapi::Value(false)})
              .status();
      checks.Check(start.error_name() == "OPERATION_BLOCKED",
                   "the replica refuses to start (" +
                       (start.ok() ? std::string("it started!") : start.error_name()) + ")");
      auto clone = CloneReplica(*dst.conn, rep->uuid, last[0].vm_name + " (DR)", true);
      if (checks.Ok(clone.status(), "DR clone made and started")) {
        auto rec = xapi::GetRecord<xapi::VmRecord>(*dst.conn, clone->ref);
        checks.Check(rec.ok() && rec->power_state == "Running",
                     "the clone '" + clone->name + "' is running");
      }
    }
  }

  std::cout << "\nreport\n";
  std::printf("  %-34s %14s %10s\n", "run", "bytes sent", "seconds");
  for (const RunRow& r : rows) {
    std::printf("  %-34s %14s %10.2f\n", r.label.c_str(), FormatBytes(r.bytes).c_str(), r.seconds);
  }
  if (rows.size() == 3) {
    checks.Check(rows[1].all_delta && rows[2].all_delta, "runs 2 and 3 sent deltas only");
    bool within = delta_bounds.size() == 2 && rows[1].bytes <= delta_bounds[0] &&
                  rows[2].bytes <= delta_bounds[1];
    checks.Check(within, "each delta carries only the blocks the guests wrote (at most " +
                             FormatBytes(delta_bounds.empty() ? 0 : delta_bounds.back()) + ")");
    if (rows[0].bytes >= 4 * delta_bounds.back()) {
      checks.Check(rows[1].bytes * 4 < rows[0].bytes && rows[2].bytes * 4 < rows[0].bytes,
                   "each delta is far smaller than the full copy");
    } else {
      checks.Check(rows[1].bytes < rows[0].bytes && rows[2].bytes < rows[0].bytes,
                   "each delta is smaller than the full copy (a small disk: whole 2 MiB blocks)");
    }
  }
  src.conn.reset();
  dst.conn.reset();
  src.server->Stop();
  dst.server->Stop();
  if (!opt.keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::cout << "\n"
            << (checks.failures() == 0 ? "demo passed: every check held"
                                       : "demo FAILED: " + std::to_string(checks.failures()) +
                                             " check(s) did not hold")
            << "\n";
  return checks.failures() == 0 ? 0 : 1;
}

}  // namespace xcr::demo
