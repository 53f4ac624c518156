#include "engine/source_snapshot.h"

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

// Merges `add` into `current`, drops the keys in `drop`, and writes the result in one
// set_other_config call.
Status Merge(xapi::Connection& conn, std::string_view cls, const std::string& ref,
             StringMap* current, const StringMap& add,
             std::initializer_list<std::string_view> drop = {}) {
  StringMap m = *current;
  for (std::string_view k : drop) m.erase(std::string(k));
  for (const auto& [k, v] : add) m[k] = v;
  XCR_RETURN_IF_ERROR(xapi::SetOtherConfig(conn, cls, ref, m));
  *current = std::move(m);
  return Status::OK();
}

}  // namespace

Status DestroySourceSnapshot(xapi::Connection& conn, const VmView& snap) {
  XCR_RETURN_IF_ERROR(xapi::VmDestroy(conn, snap.ref).WithContext("delete snapshot " + snap.uuid));
  for (const DiskView& d : snap.disks) {
    XCR_RETURN_IF_ERROR(
        xapi::VdiDestroy(conn, d.vdi.ref).WithContext("delete snapshot disk " + d.vdi.uuid));
  }
  return Status::OK();
}

Result<SourceSnapshot> TakeSourceSnapshot(xapi::Connection& conn, const VmView& vm,
                                          const RunIdentity& id) {
  SourceSnapshot out;
  std::vector<std::string> ignore;
  for (const DiskView& d : vm.disks) {
    (IsNoBackupDisk(d.vdi) ? ignore.push_back(d.vdi.ref) : out.current.push_back(d));
  }
  XCR_ASSIGN_OR_RETURN(std::string ref, xapi::VmSnapshot(conn, vm.ref, SnapshotName(id), ignore));
  auto catalog = LoadPoolCatalog(conn);
  if (!catalog.ok()) {
    // The snapshot cannot be found to be tagged or deleted by view: delete it by ref.
    xapi::VmDestroy(conn, ref).ok();
    return catalog.status();
  }
  bool found = false;
  out.all = catalog->SnapshotsOf(vm.ref);
  for (const VmView& s : out.all) {
    if (s.ref == ref) {
      out.snapshot = s;
      found = true;
    }
  }
  if (!found) return Status::Internal("the new snapshot " + ref + " is not listed");
  out.datetime = FormatBackupDatetime(id.run_unix_seconds);
  auto fail = [&](Status s) -> Status {
    DestroySourceSnapshot(conn, out.snapshot).ok();
    return s;
  };
  for (const DiskView& cur : out.current) {
    const DiskView* match = nullptr;
    for (const DiskView& d : out.snapshot.disks) {
      if (d.vdi.snapshot_of == cur.vdi.ref) match = &d;
    }
    if (!match)
      return fail(Status::Internal("disk " + cur.userdevice + " is missing from the snapshot"));
    out.disks.push_back(*match);
  }
  // VM.snapshot copied the source VM's other_config, this run's lease included: a snapshot
  // holds no lease, so the copy goes (a stale one would look like a run to other tools).
  Status s = Merge(conn, "VM", out.snapshot.ref, &out.snapshot.other_config,
                   SnapshotKeys(id, out.datetime), {keys::kLease, keys::kLeaseGuard});
  for (DiskView& d : out.snapshot.disks) {
    if (!s.ok()) break;
    s = Merge(conn, "VDI", d.vdi.ref, &d.vdi.other_config,
              SnapshotVdiKeys(id, out.datetime, d.vdi.uuid));
    for (DiskView& o : out.disks) {
      if (o.vdi.ref == d.vdi.ref) o.vdi.other_config = d.vdi.other_config;
    }
  }
  if (!s.ok()) return fail(s.WithContext("tag snapshot " + out.snapshot.uuid));
  return out;
}

Status MarkSnapshotExported(xapi::Connection& conn, const SourceSnapshot& snap,
                            int delta_chain_length) {
  StringMap exported = ExportedKeys(delta_chain_length);
  StringMap vm_oc = snap.snapshot.other_config;
  XCR_RETURN_IF_ERROR(Merge(conn, "VM", snap.snapshot.ref, &vm_oc, exported)
                          .WithContext("mark snapshot " + snap.snapshot.uuid + " exported"));
  for (const DiskView& d : snap.snapshot.disks) {
    StringMap oc = d.vdi.other_config;
    XCR_RETURN_IF_ERROR(Merge(conn, "VDI", d.vdi.ref, &oc, exported)
                            .WithContext("mark snapshot disk " + d.vdi.uuid + " exported"));
  }
  return Status::OK();
}

}  // namespace xcr::engine
