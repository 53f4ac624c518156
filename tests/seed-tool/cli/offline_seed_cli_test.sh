#!/usr/bin/env bash
# The offline seed as a user drives it: two xapi-sim processes on 127.0.0.1, `cr-seed export`
# of a VM to a folder, a damaged copy of the folder refused by `cr-seed import` (non-zero exit,
# nothing created), the intact folder imported, then `xcr replicate` of the same job and
# schedule sends a delta. Usage errors, --help, --check and the refusals of a used folder and
# of a second import are checked too. Servers are stopped on exit.
# usage: offline_seed_cli_test.sh CR_SEED XAPI_SIM XCR
set -euo pipefail
SEED=$1
SIM=$2
XCR=$3
. "$(dirname "$0")/../../testutil/sim_cli.sh"
start_sim src --populate 1 --disk-size 64M
SRC=$URL
start_sim dst
DST=$URL
[ -n "$SRC" ] && [ -n "$DST" ] || fail "simulators did not start"
export XCR_PASSWORD=xapi-sim

# Usage: missing flags exit 2, --help exits 0 and documents the command.
expect_rc 2 "$SEED" export --source "$SRC" --vm sim-vm-1 "$work/seed"
expect_rc 2 "$SEED" import "$work/seed"
expect_rc 2 "$SEED" export --bogus x
expect_rc 2 "$SEED" export --source "$SRC" --vm sim-vm-1 --job $'a\tb' --schedule s "$work/seed"
grep -q -- "--job 'a\\\\tb' holds a tab" "$work/o" || fail "tab in --job: $(cat "$work/o")"
[ ! -e "$work/seed" ] || fail "a refused export created its folder"
expect_rc 0 "$SEED" export --help
grep -q -- "--schedule" "$work/o" || fail "export --help does not document --schedule"
expect_rc 0 "$SEED" import --help
# Client flags may come before the subcommand, as in the positional form.
expect_rc 0 "$SEED" --user root export --help
grep -q -- "--schedule" "$work/o" || fail "client flag before 'export' not taken: $(cat "$work/o")"
# A folder named like the other command is a folder, not that command.
(cd "$work" && expect_rc 1 "$SEED" import --check export)
grep -q "no export/manifest.json" "$work/o" || fail "folder 'export' not taken: $(cat "$work/o")"
# Credentials in a URL are refused.
expect_rc 1 "$SEED" export --source "http://root:pw@127.0.0.1:1" --vm x --job j --schedule s \
  "$work/x"
grep -q "credentials" "$work/o" || fail "no message about URL credentials: $(cat "$work/o")"

# Export.
SEED_DIR="$work/seed"
"$SEED" export --source "$SRC" --vm sim-vm-1 --job cli-job --schedule cli-sched "$SEED_DIR" \
  >"$work/export.out" 2>&1 || fail "export failed: $(cat "$work/export.out")"
[ -f "$SEED_DIR/manifest.json" ] || fail "no manifest.json"
[ -f "$SEED_DIR/0-disk-0.vhd" ] || fail "no disk file"
[ -z "$(find "$SEED_DIR" -name '*.partial')" ] || fail "partial files left"
python3 - "$SEED_DIR/manifest.json" "$SEED_DIR/0-disk-0.vhd" <<'PY'
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
assert m["format"] == "xcr-offline-seed" and m["format_version"] == 1, m["format"]
assert m["job"]["id"] == "cli-job" and m["job"]["schedule"] == "cli-sched", m["job"]
d = m["disks"][0]
assert d["userdevice"] == "0" and d["virtual_size"] == 64 << 20, d
assert d["file_size"] == os.path.getsize(sys.argv[2]), d
assert d["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest(), d
PY

# A folder that holds a seed is refused (exit 1, said so).
expect_rc 1 "$SEED" export --source "$SRC" --vm sim-vm-1 --job cli-job --schedule cli-sched \
  "$SEED_DIR"
grep -q "already holds a seed" "$work/o" || fail "no clear refusal: $(cat "$work/o")"
expect_rc 0 "$SEED" import --check "$SEED_DIR"

# A copy with one flipped byte: refused, naming the file, and nothing created on the target.
cp -r "$SEED_DIR" "$work/bad"
python3 - "$work/bad/0-disk-0.vhd" <<'PY'
import os, sys
p = sys.argv[1]
with open(p, "r+b") as f:
    f.seek(os.path.getsize(p) // 2)
    b = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([b[0] ^ 0x01]))
PY
expect_rc 1 "$SEED" import --check "$work/bad"
expect_rc 1 "$SEED" import --target "$DST" --sr "Local storage" "$work/bad"
grep -q "0-disk-0.vhd is corrupted" "$work/o" || fail "corruption not named: $(cat "$work/o")"
"$XCR" replicas --target "$DST" --json >"$work/none.json"
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert l == [], l' "$work/none.json"

# The intact seed imports; the replica is complete and belongs to the job.
"$SEED" import --target "$DST" --sr "Local storage" "$SEED_DIR" >"$work/import.out" 2>&1 ||
  fail "import failed: $(cat "$work/import.out")"
"$XCR" replicas --target "$DST" --json >"$work/one.json"
python3 - "$work/one.json" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
assert len(l) == 1, l
r = l[0]
assert r["complete"] and r["job"] == "cli-job" and r["schedule"] == "cli-sched", r
PY
# A second import of the same seed is refused.
expect_rc 1 "$SEED" import --target "$DST" --sr "Local storage" "$SEED_DIR"
grep -q "already holds a replica" "$work/o" || fail "second import: $(cat "$work/o")"

# The job's next run is a delta from the seed (nothing changed in the guest: no blocks).
"$XCR" replicate --source "$SRC" --vm sim-vm-1 --target "$DST" --sr "Local storage" \
  --job-id cli-job --schedule-id cli-sched --json >"$work/run.json" ||
  fail "replicate failed: $(cat "$work/run.json")"
python3 - "$work/run.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
v = j["vms"][0]
assert j["ok"], j
assert v["mode"] == "delta", v["base"]
assert v["bytes"] < 64 * 1024, v["bytes"]
PY
echo "offline seed CLI: all checks passed"
