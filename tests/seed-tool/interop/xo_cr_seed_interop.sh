#!/usr/bin/env bash
# Xen Orchestra's seeding tool (npm @xen-orchestra/cr-seed-cli 1.0.2, binary xo-cr-seed) and
# cr-seed seed the same hand-copied VM on two xapi-sim processes; the xo:* metadata each writes
# on the source snapshot, its disk, the target VM and its disk is compared key by key (every
# difference is one docs/xo-compat.md explains); then `xcr replicate` continues the chain
# xo-cr-seed seeded, by a delta that `xcr verify` confirms. Servers are stopped on exit.
# usage: xo_cr_seed_interop.sh XO_CR_SEED CR_SEED XAPI_SIM XCR XCR_XAPI
set -euo pipefail
XO_SEED=$1
SEED=$2
SIM=$3
XCR=$4
XAPI=$5
[ -x "$XO_SEED" ] || { echo "FAIL: xo-cr-seed not installed at $XO_SEED" >&2; exit 1; }
. "$(dirname "$0")/../../testutil/sim_cli.sh"

start_sim src --populate 1 --disk-size 16M
SRC=$URL
start_sim dst --populate 1 --disk-size 16M
DST=$URL
creds="$work/creds"
printf '%s root xapi-sim\n%s root xapi-sim\n' "$SRC" "$DST" >"$creds"
chmod 600 "$creds"
x() { "$XAPI" --credentials "$creds" "$@"; }
json() { python3 -c 'import json,sys; print(json.load(sys.stdin))'; }

# The only guest VM of a pool: "vm_ref vm_uuid vdi_ref vdi_uuid sr_uuid".
vm_info() {
  x records "$1" VM >"$work/vms.json"
  x records "$1" VBD >"$work/vbds.json"
  x records "$1" VDI >"$work/vdis.json"
  x records "$1" SR >"$work/srs.json"
  python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
vms, vbds, vdis, srs = (json.load(open(f"{w}/{n}.json")) for n in ("vms", "vbds", "vdis", "srs"))
for ref, vm in vms.items():
    if vm["is_a_snapshot"] or vm["is_a_template"] or vm["is_control_domain"]:
        continue
    vbd = vbds[vm["VBDs"][0]]
    print(ref, vm["uuid"], vbd["VDI"], vdis[vbd["VDI"]]["uuid"], srs[vdis[vbd["VDI"]]["SR"]]["uuid"])
    break
PY
}
read -r VM_REF VM_UUID VM_VDI_REF _ _ <<<"$(vm_info "$SRC")"
read -r T_REF T_UUID _ T_VDI_UUID T_SR <<<"$(vm_info "$DST")"
[ -n "$VM_UUID" ] && [ -n "$T_UUID" ] || fail "populated VMs not found"

# The guest writes, the snapshot, and the hand copy of its disk onto the target VM's disk.
x call "$SRC" sim.write_pattern "\"$VM_VDI_REF\"" 4194304 1048576 17 >/dev/null
SNAP_REF=$(x call "$SRC" VM.snapshot "\"$VM_REF\"" '"seed"' | json)
SNAP_UUID=$(x call "$SRC" VM.get_uuid "\"$SNAP_REF\"" | json)
SNAP_VBD=$(x call "$SRC" VM.get_VBDs "\"$SNAP_REF\"" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
SNAP_VDI=$(x call "$SRC" VBD.get_VDI "\"$SNAP_VBD\"" | json)
x export "$SRC" "$SNAP_VDI" "$work/disk.vhd" >/dev/null
x import "$DST" "$T_VDI_UUID" "$work/disk.vhd" >/dev/null

# What a seed wrote: for the source snapshot, its disk, the target VM and its disk, the xo:*
# keys of other_config, plus the target VM's name and blocked operations.
capture() {  # out.json
  x records "$SRC" VM >"$work/svm.json"; x records "$SRC" VDI >"$work/svdi.json"
  x records "$DST" VM >"$work/tvm.json"; x records "$DST" VDI >"$work/tvdi.json"
  python3 - "$work" "$SNAP_UUID" "$T_UUID" "$1" <<'PY'
import json, sys
w, snap_uuid, t_uuid, out = sys.argv[1:]
load = lambda n: json.load(open(f"{w}/{n}.json"))
svm, svdi, tvm, tvdi = load("svm"), load("svdi"), load("tvm"), load("tvdi")
def by_uuid(recs, u):
    return next(r for r in recs.values() if r["uuid"] == u)
def xo(rec):
    return {k: v for k, v in rec["other_config"].items() if k.startswith("xo:")}
snap = by_uuid(svm, snap_uuid)
target = by_uuid(tvm, t_uuid)
# The snapshot's disk and the target's disk: the VDIs whose VBDs belong to the two VMs.
def disks(vdis, vm_ref):
    return [d for d in vdis.values() if any(vbd in d.get("VBDs", []) for vbd in vm_ref["VBDs"])]
json.dump({
    "source snapshot": xo(snap),
    "source snapshot disk": xo(disks(svdi, snap)[0]),
    "target VM": xo(target),
    "target VM disk": xo(disks(tvdi, target)[0]),
    "target VM name": target["name_label"],
    "target VM blocked": target["blocked_operations"],
}, open(out, "w"), indent=1, sort_keys=True)
PY
}
dump() { for u in "$SRC" "$DST"; do x records "$u" VM; x records "$u" VDI; done; }

# cr-seed first, captured, then undone: the records are back as they were.
dump >"$work/before.json"
expect_rc 0 "$SEED" --credentials "$creds" "$SRC" "$SNAP_UUID" "$DST" "$T_UUID" interop-job interop-sched
capture "$work/cr.json"
expect_rc 0 "$SEED" --credentials "$creds" --undo "$SRC" "$SNAP_UUID" "$DST" "$T_UUID"
dump >"$work/after.json"
cmp -s "$work/before.json" "$work/after.json" || fail "cr-seed --undo did not restore the records"

# xo-cr-seed on the same copy. It takes credentials in the URLs, and prints "Fatal error" (yet
# exits 0) when it fails.
auth() { echo "$1" | sed 's#^\(https\?://\)#\1root:xapi-sim@#'; }
expect_rc 0 "$XO_SEED" "$(auth "$SRC")" "$SNAP_UUID" "$(auth "$DST")" "$T_UUID" interop-job interop-sched
grep -qi "error" "$work/o" && fail "xo-cr-seed failed: $(cat "$work/o")"
capture "$work/xo.json"

# Key by key. Keys both write hold the same value, except the ones docs/xo-compat.md explains;
# keys only cr-seed writes are the ones it explains too; xo-cr-seed writes nothing cr-seed lacks.
python3 - "$work/cr.json" "$work/xo.json" "$(dirname "$0")/../../../docs/xo-compat.md" <<'PY'
import json, sys
cr, xo = (json.load(open(p)) for p in sys.argv[1:3])
doc = open(sys.argv[3]).read()
section = doc[doc.index("## cr-seed and xo-cr-seed"):]
bad = []
for obj in sorted(set(cr) | set(xo)):
    a, b = cr.get(obj), xo.get(obj)
    if not isinstance(a, dict):
        if a != b and f"`{obj}`" not in section:
            bad.append(f"{obj}: cr-seed {a!r}, xo-cr-seed {b!r} (not explained)")
        continue
    for k in sorted(set(a) | set(b)):
        if a.get(k) == b.get(k):
            continue
        if k not in a:
            bad.append(f"{obj} {k}: written by xo-cr-seed ({b[k]!r}) but not by cr-seed")
        elif f"`{k}`" not in section:
            bad.append(f"{obj} {k}: cr-seed {a.get(k)!r}, xo-cr-seed {b.get(k)!r} (not explained)")
        else:
            print(f"explained: {obj} {k}: cr-seed {a.get(k)!r}, xo-cr-seed {b.get(k)!r}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY

# xcr continues the chain xo-cr-seed seeded, by a delta carrying the changed block.
x call "$SRC" sim.write_pattern "\"$VM_VDI_REF\"" 10485760 4096 34 >/dev/null
"$XCR" --credentials "$creds" replicate --source "$SRC" --vm "$VM_UUID" --target "$DST" \
  --sr "$T_SR" --job-id interop-job --schedule-id interop-sched --json >"$work/r.json" ||
  fail "xcr replicate: $(cat "$work/r.json")"
python3 - "$work/r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
vm = j["vms"][0]
assert j["ok"], j
assert vm["mode"] == "delta", vm["base"]
assert 2 << 20 <= vm["bytes"] < (2 << 20) + 65536, vm["bytes"]
PY
REPLICA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vms"][0]["targets"][0]["replica"])' "$work/r.json")
expect_rc 0 "$XCR" --credentials "$creds" verify --source "$SRC" --target "$DST" "$REPLICA"
grep -q "replica verified" "$work/o" || fail "verify: $(cat "$work/o")"
echo "xo_cr_seed_interop: all checks passed"
