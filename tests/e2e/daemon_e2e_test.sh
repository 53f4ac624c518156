#!/usr/bin/env bash
# Issue 13 end to end, over real sockets and real binaries: two xapi-sim pools (HTTPS), `xcr
# serve` on a Unix socket, and the client commands as a user types them:
#   1. pool add (trust on first use refused off a terminal with the exact flag; then pinned),
#   2. job create through the CLI (the VM by name) on a 1-minute schedule: the first cycle comes
#      from the scheduler; then `job run --wait` cycles, each a delta; copy retention holds,
#   3. a fault (sim.fault_fail_method on VM.snapshot) puts the VM in error (`xcr status --json`)
#      and the next run recovers it,
#   4. `job delete` without --purge leaves the replicas, listed by `xcr orphans`; `job delete
#      JOB_ID --purge` then leaves nothing of the job on either pool,
#   5. SIGTERM to the daemon mid-transfer (the source throttled): it exits 0 and no replica on
#      the target looks complete.
# usage: daemon_e2e_test.sh XCR XAPI_SIM XCR_XAPI      (about two minutes; under three)
set -euo pipefail
XCR=$1
SIM=$2
XAPI=$3
. "$(dirname "$0")/../testutil/sim_cli.sh"

start_sim src --https --populate 1 --disk-size 64M
SRC=$URL
SRC_FP=$(sed -n 's/.* fingerprint \(SHA256:[0-9A-Fa-f:]*\).*/\1/p' "$work/src.out")
start_sim dst --https
DST=$URL
DST_FP=$(sed -n 's/.* fingerprint \(SHA256:[0-9A-Fa-f:]*\).*/\1/p' "$work/dst.out")
[ -n "$SRC_FP" ] && [ -n "$DST_FP" ] || fail "no fingerprints printed: $(cat "$work"/*.out)"

creds="$work/creds"
printf '%s root xapi-sim\n%s root xapi-sim\n' "$SRC" "$DST" >"$creds"
chmod 600 "$creds"
pw="$work/pw"
echo xapi-sim >"$pw"
chmod 600 "$pw"
xapi() { "$XAPI" --credentials "$creds" --fingerprint "$SRC=$SRC_FP" --fingerprint "$DST=$DST_FP" "$@"; }
replicas() {
  "$XCR" --credentials "$creds" --fingerprint "$DST=$DST_FP" replicas --target "$DST" --json
}
py() { python3 -c "$@"; }

SOCK="$work/xcr.sock"
export XCR_SOCKET=$SOCK
start_daemon() {
  "$XCR" serve --state-dir "$work/state" --socket "$SOCK" >>"$work/serve.out" 2>>"$work/serve.err" &
  DAEMON=$!
  pids+=("$DAEMON")
  for _ in $(seq 100); do
    "$XCR" status >/dev/null 2>&1 && return 0
    kill -0 "$DAEMON" 2>/dev/null || fail "xcr serve exited: $(cat "$work/serve.err")"
    sleep 0.1
  done
  fail "xcr serve did not answer on $SOCK: $(cat "$work/serve.err")"
}

# Before the daemon runs: the client says what to do.
expect_rc 1 "$XCR" status
grep -q "cannot reach the xcr daemon at $SOCK (no such socket): is \`xcr serve\` running?" \
  "$work/o" || fail "no daemon: $(cat "$work/o")"
start_daemon

# 1. Pools. Off a terminal, an unpinned self-signed pool is refused with the flag to pass.
expect_rc 1 "$XCR" pool add "$SRC" --user root --password-file "$pw" --name src
grep -qF -- "--fingerprint $SRC_FP" "$work/o" || fail "TOFU refusal: $(cat "$work/o")"
expect_rc 0 "$XCR" pool add "$SRC" --user root --password-file "$pw" --name src \
  --fingerprint "$SRC_FP"
expect_rc 0 "$XCR" pool add "$DST" --user root --password-file "$pw" --name dst \
  --fingerprint "$DST_FP"
"$XCR" pool list --json >"$work/pools.json"
py 'import json,sys; p=json.load(open(sys.argv[1])); assert sorted(x["name"] for x in p)==["dst","src"], p; assert all("password" not in x for x in p), p' "$work/pools.json"

# 2. A job on a 1-minute schedule, the VM given by name.
JOB=$("$XCR" job create --name e2e --vm sim-vm-1 --target "$DST" --sr "Local storage" \
  --schedule '* * * * *' --copy-retention 2) || fail "job create failed"
[[ "$JOB" =~ ^[0-9a-f-]{36}$ ]] || fail "job create printed '$JOB', not an id"
VM=$("$XAPI" --credentials "$creds" --fingerprint "$SRC=$SRC_FP" records "$SRC" VM |
  py 'import json,sys; r=json.load(sys.stdin); print([v["uuid"] for v in r.values() if v["name_label"]=="sim-vm-1" and not v["is_a_snapshot"]][0])')

# The first cycle is the scheduler's (within a minute and a bit).
for _ in $(seq 90); do
  "$XCR" runs e2e --json >"$work/runs.json"
  n=$(py 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if r["result"]=="success"))' "$work/runs.json")
  [ "$n" -ge 1 ] && break
  sleep 1
done
[ "$n" -ge 1 ] || fail "no scheduled run succeeded within 90 s: $(cat "$work/runs.json")"
# From now on the cycles are run by hand (faster than the schedule); a run the scheduler starts
# meanwhile is waited for.
expect_rc 0 "$XCR" job disable e2e
wait_idle() {
  for _ in $(seq 120); do
    "$XCR" status e2e --json >"$work/st.json"
    py 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if all(e["state"] not in ("running","queued") for e in s) else 1)' "$work/st.json" && return 0
    sleep 0.5
  done
  fail "job still running: $(cat "$work/st.json")"
}
wait_idle
for cycle in 2 3; do
  expect_rc 0 "$XCR" job run e2e --wait --json
  cp "$work/o" "$work/run$cycle.json"
  py '
import json, sys
run = json.load(open(sys.argv[1]))
assert run["result"] == "success", run
modes = []
def walk(t):
    if "mode" in (t.get("data") or {}): modes.append(t["data"]["mode"])
    for c in t.get("children", []): walk(c)
for t in run["tasks"]: walk(t)
assert modes and all(m == "delta" for m in modes), modes
' "$work/run$cycle.json" || fail "cycle $cycle was not a delta: $(cat "$work/run$cycle.json")"
done
replicas >"$work/replicas.json"
py 'import json,sys; r=[x for x in json.load(open(sys.argv[1])) if x.get("complete")]; assert len(r)==2, r' \
  "$work/replicas.json" || fail "copy retention 2 not held: $(cat "$work/replicas.json")"
"$XCR" status --json >"$work/status.json"
py '
import json, sys
s = json.load(open(sys.argv[1]))
e = [x for x in s if x["job"] == sys.argv[2] and x["vm"] == sys.argv[3]]
assert len(e) == 1, s
e = e[0]
assert e["vm_name"] == "sim-vm-1" and e["state"] == "ok" and e["last_success"], e
for k in ("job", "vm", "vm_name", "last_success", "state", "next_run"): assert k in e, (k, e)
assert e["lag_state"] == "disabled" and e["rpo_s"] is None and e["due"] is None, e
' "$work/status.json" "$JOB" "$VM" || fail "status after the cycles: $(cat "$work/status.json")"
# Enabled again, the fresh recovery point is on its 1-minute schedule.
expect_rc 0 "$XCR" job enable e2e
"$XCR" status e2e --json >"$work/status.json"
expect_rc 0 "$XCR" job disable e2e
py 'import json,sys; e=json.load(open(sys.argv[1]))[0]; assert e["lag_state"]=="ok" and e["rpo_s"]==60 and e["behind_s"]==0 and e["due"], e' \
  "$work/status.json" || fail "lag on the schedule: $(cat "$work/status.json")"
wait_idle

# 3. A failure puts the VM in error; the retry recovers it.
xapi call "$SRC" sim.fault_fail_method '"VM.snapshot"' '"SR_BACKEND_FAILURE_1"' 1 \
  >/dev/null || fail "could not inject the fault"
expect_rc 1 "$XCR" job run e2e --wait
"$XCR" status e2e --json >"$work/status.json"
py 'import json,sys; e=json.load(open(sys.argv[1]))[0]; assert e["state"]=="error" and e.get("error"), e' \
  "$work/status.json" || fail "no error state: $(cat "$work/status.json")"
expect_rc 0 "$XCR" job run e2e --wait
"$XCR" status e2e --json >"$work/status.json"
py 'import json,sys; e=json.load(open(sys.argv[1]))[0]; assert e["state"]=="ok", e' \
  "$work/status.json" || fail "not recovered: $(cat "$work/status.json")"

# 4. delete without --purge: the replicas stay, listed as orphaned by `xcr orphans`; the purge
# by job id then leaves nothing of the job on either pool.
leftovers() {  # URL -> VMs (replicas, snapshots) tagged with the job
  xapi records "$1" VM |
    py 'import json,sys; r=json.load(sys.stdin); print(sum(1 for v in r.values() if v.get("other_config",{}).get("xo:backup:job")==sys.argv[1]))' "$JOB"
}
expect_rc 0 "$XCR" orphans
grep -q "no orphaned replicas" "$work/o" || fail "orphans before the delete: $(cat "$work/o")"
expect_rc 0 "$XCR" job delete e2e
grep -q "; 2 replica(s) stay on the targets, listed as orphaned by \`xcr orphans $JOB\`" "$work/o" ||
  fail "delete without purge: $(cat "$work/o")"
"$XCR" orphans --json >"$work/orphans.json" || fail "xcr orphans --json failed"
py '
import json, sys
o = json.load(open(sys.argv[1]))
assert len(o) == 2 and all(x["job"] == sys.argv[2] and x["complete"] and x["vm"] == sys.argv[3] and x["pool_name"] == "dst" for x in o), o
' "$work/orphans.json" "$JOB" "$VM" || fail "orphans listed: $(cat "$work/orphans.json")"
expect_rc 0 "$XCR" orphans "$JOB"
grep -q "^dst .*$JOB .* yes " "$work/o" && grep -q "^2 orphaned replica(s) of 1 job(s)" "$work/o" ||
  fail "orphans table: $(cat "$work/o")"
[ "$(leftovers "$DST")" = 2 ] || fail "the replicas did not stay on the target"
expect_rc 0 "$XCR" job delete "$JOB" --purge
grep -q "purged its leftovers on every stored pool: 2 replica(s) and 1 snapshot(s)" "$work/o" ||
  fail "purge by job id: $(cat "$work/o")"
expect_rc 0 "$XCR" orphans
grep -q "no orphaned replicas" "$work/o" || fail "orphans after the purge: $(cat "$work/o")"
[ "$(leftovers "$SRC")" = 0 ] || fail "snapshots of the job left on the source"
[ "$(leftovers "$DST")" = 0 ] || fail "replicas of the job left on the target"
expect_rc 1 "$XCR" job show e2e

# 5. SIGTERM mid-transfer: a new job's full copy, throttled, interrupted.
JOB2=$("$XCR" job create --name e2e-term --vm "$VM" --target dst --sr "Local storage" \
  --schedule '0 0 1 1 *') || fail "second job create failed"
xapi call "$SRC" sim.fault_throttle 2 >/dev/null || fail "could not throttle the source"
RUN=$("$XCR" job run e2e-term) || fail "job run failed"
moving=0
for _ in $(seq 100); do
  "$XCR" run show "$RUN" --json >"$work/run.json" 2>/dev/null || true
  py '
import json, sys
run = json.load(open(sys.argv[1]))
moved = []
def walk(t):
    if t.get("status") == "running" and t.get("bytes", 0) > 0: moved.append(t["label"])
    for c in t.get("children", []): walk(c)
for t in run.get("tasks", []): walk(t)
sys.exit(0 if moved else 1)' "$work/run.json" && moving=1 && break
  sleep 0.2
done
[ "$moving" -eq 1 ] || fail "the transfer never started: $(cat "$work/run.json")"
kill -TERM "$DAEMON"
set +e
wait "$DAEMON"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "xcr serve exited $rc after SIGTERM: $(tail -20 "$work/serve.err")"
xapi call "$SRC" sim.fault_throttle 0 >/dev/null
replicas >"$work/replicas.json"
py 'import json,sys; r=[x for x in json.load(open(sys.argv[1])) if x.get("complete")]; assert not r, r' \
  "$work/replicas.json" || fail "a replica looks complete after SIGTERM: $(cat "$work/replicas.json")"
[ "$JOB2" != "$JOB" ] || fail "the second job reused the first one's id"
# The store is consistent after the restart: the run ended (not success), the VM not running.
start_daemon
"$XCR" run show "$RUN" --json >"$work/run.json"
py 'import json,sys; r=json.load(open(sys.argv[1])); assert r["result"] in ("cancelled","interrupted","failure"), r["result"]' \
  "$work/run.json" || fail "the interrupted run: $(head -c 2000 "$work/run.json")"
"$XCR" status e2e-term --json >"$work/status.json"
py 'import json,sys; e=json.load(open(sys.argv[1])); assert e and all(x["state"] not in ("running","ok") for x in e), e' \
  "$work/status.json" || fail "status after the restart: $(cat "$work/status.json")"
echo "daemon e2e: pools, scheduled and manual delta cycles, retention, error and recovery, purge, SIGTERM: ok"
