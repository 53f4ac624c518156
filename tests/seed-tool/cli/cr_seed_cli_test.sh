#!/usr/bin/env bash
# cr-seed's positional form driven as a user would: two xapi-sim processes on 127.0.0.1, a
# manual export/import with xcr-xapi, then `cr-seed --dry-run` (changes nothing), the seed, a
# second seed (nothing to change), `--undo` (records back exactly), the seed again, and
# `xcr replicate` sending a delta that `xcr verify` confirms. Also the usage errors and
# refusals (credentials in a URL, another job). Servers are stopped on exit.
# usage: cr_seed_cli_test.sh CR_SEED XAPI_SIM XCR [XCR_XAPI]
set -euo pipefail
SEED=$1
SIM=$2
XCR=$3
XAPI=${4:-$(dirname "$XCR")/../xapi/xcr-xapi}
[ -x "$XAPI" ] || { echo "FAIL: xcr-xapi not found at $XAPI (build it, or pass it as \$4)" >&2; exit 1; }
. "$(dirname "$0")/../../testutil/sim_cli.sh"

# --- usage errors (exit 2), before any server exists ---
expect_rc 2 "$SEED"
grep -q "usage: cr-seed" "$work/o" || fail "no usage text"
expect_rc 0 "$SEED" --help
grep -q -- "--dry-run" "$work/o" || fail "--help does not describe --dry-run"
expect_rc 2 "$SEED" a b c d e
grep -q "expected 6 arguments" "$work/o" || fail "no argument count message: $(cat "$work/o")"
expect_rc 2 "$SEED" --frobnicate a b c d e f
grep -q "unknown option --frobnicate" "$work/o" || fail "no unknown-option message"
expect_rc 2 "$SEED" "https://root:secret@127.0.0.1:1" snap "http://127.0.0.1:2" vm job sched
grep -q "credentials in a URL are refused" "$work/o" || fail "URL credentials: $(cat "$work/o")"
grep -q "secret" "$work/o" && fail "the password was echoed"
# Ids with a newline, tab, space or slash are refused before any connection, naming the argument.
expect_rc 2 "$SEED" "http://127.0.0.1:1" snap "http://127.0.0.1:2" vm $'job\nx' sched
grep -q "JOB_ID 'job\\\\nx' holds a newline" "$work/o" || fail "newline in JOB_ID: $(cat "$work/o")"
expect_rc 2 "$SEED" "http://127.0.0.1:1" snap "http://127.0.0.1:2" vm job "a/b"
grep -q "SCHEDULE_ID 'a/b' holds a slash" "$work/o" || fail "slash in SCHEDULE_ID: $(cat "$work/o")"

# --- two pools ---
start_sim src --populate 1 --disk-size 16M
SRC=$URL
start_sim dst --populate 1 --disk-size 16M
DST=$URL
[ -n "$SRC" ] && [ -n "$DST" ] || fail "simulators did not start"
creds="$work/creds"
printf '%s root xapi-sim\n%s root xapi-sim\n' "$SRC" "$DST" >"$creds"
chmod 600 "$creds"
x() { "$XAPI" --credentials "$creds" "$@"; }

# A group-readable credentials file is refused, as in every xcr tool.
chmod 640 "$creds"
expect_rc 1 "$SEED" --credentials "$creds" "$SRC" snap "$DST" vm job sched
grep -q "600" "$work/o" || fail "no clear message for the file mode: $(cat "$work/o")"
chmod 600 "$creds"

# Field of the only non-snapshot, non-template, non-dom0 VM (and its first disk) in a pool.
vm_info() {  # url -> "vm_ref vm_uuid vdi_ref vdi_uuid sr_uuid"
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
    vdi = vdis[vbd["VDI"]]
    print(ref, vm["uuid"], vbd["VDI"], vdi["uuid"], srs[vdi["SR"]]["uuid"])
    break
PY
}
read -r VM_REF VM_UUID VM_VDI_REF _ _ <<<"$(vm_info "$SRC")"
read -r T_REF T_UUID _ T_VDI_UUID T_SR <<<"$(vm_info "$DST")"
[ -n "$VM_UUID" ] && [ -n "$T_UUID" ] || fail "populated VMs not found"

# The guest writes, then the snapshot the seed is made from.
x call "$SRC" sim.write_pattern "\"$VM_VDI_REF\"" 4194304 1048576 17 >/dev/null
SNAP_REF=$(x call "$SRC" VM.snapshot "\"$VM_REF\"" '"seed"' | python3 -c 'import json,sys; print(json.load(sys.stdin))')
SNAP_UUID=$(x call "$SRC" VM.get_uuid "\"$SNAP_REF\"" | python3 -c 'import json,sys; print(json.load(sys.stdin))')
SNAP_VBD=$(x call "$SRC" VM.get_VBDs "\"$SNAP_REF\"" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
SNAP_VDI=$(x call "$SRC" VBD.get_VDI "\"$SNAP_VBD\"" | python3 -c 'import json,sys; print(json.load(sys.stdin))')

# The manual copy: a full export of the snapshot's disk, imported onto the target VM's disk.
x export "$SRC" "$SNAP_VDI" "$work/disk.vhd" >/dev/null
x import "$DST" "$T_VDI_UUID" "$work/disk.vhd" >/dev/null

dump() { for u in "$SRC" "$DST"; do x records "$u" VM; x records "$u" VDI; done; }
s() { "$SEED" --credentials "$creds" "$@"; }
ARGS=("$SRC" "$SNAP_UUID" "$DST" "$T_UUID" cli-job cli-sched)

# Dry run (password from XCR_PASSWORD; a wrong one refused): every change printed, nothing
# written.
dump >"$work/before.json"
XCR_PASSWORD=wrong expect_rc 1 "$SEED" --dry-run "${ARGS[@]}"
grep -q "wrong" "$work/o" && fail "the password was echoed"
XCR_PASSWORD=xapi-sim expect_rc 0 "$SEED" --dry-run "${ARGS[@]}"
grep -q "would make 28 change(s)" "$work/o" || fail "dry run: $(cat "$work/o")"
grep -q "xo:backup:contentKey" "$work/o" || fail "dry run does not list the disk keys"
dump >"$work/after.json"
cmp -s "$work/before.json" "$work/after.json" || fail "dry run changed something"

# Seed, then undo: every record back as it was.
expect_rc 0 s "${ARGS[@]}"
grep -q "seeded: 28 change(s) applied" "$work/o" || fail "seed: $(cat "$work/o")"
grep -q "next: xcr replicate" "$work/o" || fail "no next step printed"
grep -q "next: xcr replicate .* --credentials $creds" "$work/o" || fail "the next step lacks the client flags: $(cat "$work/o")"
expect_rc 0 s --undo "$SRC" "$SNAP_UUID" "$DST" "$T_UUID"
grep -q "undone: 28 change(s) restored" "$work/o" || fail "undo: $(cat "$work/o")"
dump >"$work/after.json"
cmp -s "$work/before.json" "$work/after.json" || fail "undo did not restore the records"
expect_rc 1 s --undo "${ARGS[@]}"
grep -q "no cr-seed undo record" "$work/o" || fail "second undo: $(cat "$work/o")"

# Seed again; a second identical seed changes nothing; another job is refused.
expect_rc 0 s "${ARGS[@]}"
dump >"$work/seeded.json"
expect_rc 0 s "${ARGS[@]}"
grep -q "nothing to change" "$work/o" || fail "second seed: $(cat "$work/o")"
expect_rc 1 s "$SRC" "$SNAP_UUID" "$DST" "$T_UUID" other-job cli-sched
grep -q "refused, nothing was changed: .*already belongs to job 'cli-job'" "$work/o" ||
  fail "other job: $(cat "$work/o")"
dump >"$work/after.json"
cmp -s "$work/seeded.json" "$work/after.json" || fail "a second seed or a refusal wrote"

# The next run is a delta carrying the changed block, and the replica is verified.
x call "$SRC" sim.write_pattern "\"$VM_VDI_REF\"" 10485760 4096 34 >/dev/null
"$XCR" --credentials "$creds" replicate --source "$SRC" --vm "$VM_UUID" --target "$DST" \
  --sr "$T_SR" --job-id cli-job --schedule-id cli-sched --json >"$work/r.json"
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
echo "cr_seed_cli_test: all checks passed"
