#!/usr/bin/env bash
# Drives the real binaries as a user would: two xapi-sim processes on 127.0.0.1, then
# `xcr replicate` (full, then delta), `xcr replicas --json`, `xcr verify`, `xcr clone-replica
# --start`, and the refusals (credentials in a URL, bad flags). Servers are stopped on exit.
# usage: xcr_cli_test.sh XCR XAPI_SIM
set -euo pipefail
XCR=$1
SIM=$2
. "$(dirname "$0")/../../testutil/sim_cli.sh"
start_sim src --populate 1 --disk-size 64M
SRC=$URL
start_sim dst
DST=$URL
[ -n "$SRC" ] && [ -n "$DST" ] || fail "simulators did not start"

creds="$work/creds"
printf '%s root xapi-sim\n%s root xapi-sim\n' "$SRC" "$DST" >"$creds"
chmod 600 "$creds"

# A group-readable credentials file is refused.
chmod 640 "$creds"
if "$XCR" --credentials "$creds" replicas --target "$DST" >"$work/o" 2>&1; then
  fail "group-readable credentials file accepted"
fi
grep -q "0600\|mode" "$work/o" || fail "no clear message for the file mode: $(cat "$work/o")"
chmod 600 "$creds"

# Credentials in a URL are refused.
if "$XCR" replicate --source "http://root:pw@127.0.0.1:1" --vm x --target "$DST" --sr s \
    >"$work/o" 2>&1; then
  fail "credentials in a URL accepted"
fi
grep -q "credentials" "$work/o" || fail "no message about URL credentials"

# Usage errors exit 2.
set +e
"$XCR" replicate --source "$SRC" >/dev/null 2>&1; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "usage error exit $rc, want 2"

# Job and schedule ids: a newline, tab, space or slash is refused (exit 2) naming the flag, before
# anything is written (issue 15 item 8).
expect_rc 2 "$XCR" replicate --source "$SRC" --vm sim-vm-1 --target "$DST" --sr "Local storage" \
  --job-id $'job\nx'
grep -q -- "--job-id 'job\\\\nx' holds a newline" "$work/o" || fail "newline id: $(cat "$work/o")"
expect_rc 2 "$XCR" replicate --source "$SRC" --vm sim-vm-1 --target "$DST" --sr "Local storage" \
  --job-id ok --schedule-id "a b"
grep -q -- "--schedule-id 'a b' holds a space" "$work/o" || fail "space id: $(cat "$work/o")"

run() { "$XCR" --credentials "$creds" "$@"; }
run replicate --source "$SRC" --vm sim-vm-1 --target "$DST" --sr "Local storage" \
  --job-id cli-job --copy-retention 2 --json >"$work/r1.json"
run replicate --source "$SRC" --vm sim-vm-1 --target "$DST" --sr "Local storage" \
  --job-id cli-job --copy-retention 2 --json >"$work/r2.json"
python3 - "$work/r1.json" "$work/r2.json" <<'PY'
import json, sys
j1, j2 = (json.load(open(p)) for p in sys.argv[1:3])
assert j1["ok"] and j2["ok"], (j1, j2)
r1, r2 = j1["vms"][0], j2["vms"][0]
assert r1["mode"] == "full", r1["mode"]
assert r2["mode"] == "delta", r2["base"]
# Nothing changed in the guest: the delta carries no blocks, only VHD metadata.
assert r2["bytes"] < 64 * 1024, r2["bytes"]
assert r1["bytes"] > 1 << 20, r1["bytes"]
assert r2["targets"][0]["ok"] and r2["targets"][0]["replica"]
PY
REPLICA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vms"][0]["targets"][0]["replica"])' "$work/r2.json")

run replicas --target "$DST" --json >"$work/list.json"
python3 - "$work/list.json" "$REPLICA" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 2, rows
assert rows[0]["uuid"] == sys.argv[2], rows  # newest first
assert all(r["complete"] for r in rows)
assert rows[0]["delta_chain_length"] == 1, rows[0]
assert rows[0]["sr_name"], rows[0]
PY

run verify --source "$SRC" --target "$DST" "$REPLICA" >"$work/verify.txt" ||
  fail "verify failed: $(cat "$work/verify.txt")"
grep -q "replica verified" "$work/verify.txt" || fail "verify output: $(cat "$work/verify.txt")"

# The full copy recorded a whole-disk digest while streaming: it verifies without the source.
FULL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vms"][0]["targets"][0]["replica"])' "$work/r1.json")
run verify --target "$DST" "$FULL" >"$work/verify-full.txt" ||
  fail "verify without source failed: $(cat "$work/verify-full.txt")"
grep -q "identical to the digest recorded by its run" "$work/verify-full.txt" ||
  fail "verify without source output: $(cat "$work/verify-full.txt")"
# The delta's digest covers only the delta: without the source, verify refuses and says why.
if run verify --target "$DST" "$REPLICA" >"$work/verify-delta.txt" 2>&1; then
  fail "verify of a delta replica without source succeeded"
fi
grep -q "disk 0 (delta-scope digest)" "$work/verify-delta.txt" ||
  fail "verify of a delta without source: $(cat "$work/verify-delta.txt")"

run clone-replica --target "$DST" "$REPLICA" --name "dr copy" --start --json >"$work/clone.json"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["started"] and c["clone"], c' \
  "$work/clone.json"

# The clone is not a replica: the list is unchanged.
run replicas --target "$DST" --json >"$work/list2.json"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) == 2' "$work/list2.json"

# Per-pool certificate pins: two HTTPS simulators, each pinned with --fingerprint URL=SHA256.
fp_of() { sed -n 's/.* fingerprint \(SHA256:[0-9A-Fa-f:]*\).*/\1/p' "$work/$1.out"; }
start_sim hsrc --https --populate 1 --disk-size 16M
HSRC=$URL
start_sim hdst --https
HDST=$URL
FP_SRC=$(fp_of hsrc)
FP_DST=$(fp_of hdst)
[ -n "$FP_SRC" ] && [ -n "$FP_DST" ] && [ "$FP_SRC" != "$FP_DST" ] ||
  fail "no distinct fingerprints from the HTTPS simulators"
hcreds="$work/hcreds"
printf '%s root xapi-sim\n%s root xapi-sim\n' "$HSRC" "$HDST" >"$hcreds"
chmod 600 "$hcreds"
"$XCR" --credentials "$hcreds" --fingerprint "$HSRC=$FP_SRC" --fingerprint "$HDST=$FP_DST" \
  replicate --source "$HSRC" --vm sim-vm-1 --target "$HDST" --sr "Local storage" --json \
  >"$work/pinned.json" 2>"$work/pinned.err" || fail "pinned run failed: $(cat "$work/pinned.err")"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["ok"], j' "$work/pinned.json"
# The source's pin given for the target too: the target is refused, by name.
if "$XCR" --credentials "$hcreds" --fingerprint "$HSRC=$FP_SRC" --fingerprint "$HDST=$FP_SRC" \
    replicas --target "$HDST" >"$work/wrongpin.txt" 2>&1; then
  fail "a wrong pin for the target was accepted"
fi
grep -qF "$HDST" "$work/wrongpin.txt" || fail "the refusal does not name the pool: $(cat "$work/wrongpin.txt")"
grep -qi "fingerprint" "$work/wrongpin.txt" || fail "the refusal does not say why: $(cat "$work/wrongpin.txt")"
# The same wrong pin in a replicate names the target pool, and the source alone is fine.
if "$XCR" --credentials "$hcreds" --fingerprint "$HSRC=$FP_SRC" --fingerprint "$HDST=$FP_SRC" \
    replicate --source "$HSRC" --vm sim-vm-1 --target "$HDST" --sr "Local storage" \
    >"$work/wrongpin2.txt" 2>&1; then
  fail "replicate with a wrong target pin succeeded"
fi
grep -qF "target pool $HDST" "$work/wrongpin2.txt" ||
  fail "replicate refusal does not name the target pool: $(cat "$work/wrongpin2.txt")"

echo "xcr CLI test: all checks passed"
