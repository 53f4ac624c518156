#!/usr/bin/env bash
# xcr serve end to end: the real daemon on a temp state dir, its JSON API over the Unix socket
# (curl --unix-socket), a pool on an HTTPS simulator added with trust on first use, a job
# created and run now until its run ends, its replica listed with its uuid and cloned for DR
# (POST /api/replicas/UUID/clone), a second daemon on the same dir refused, a client
# that is neither root nor the daemon's user refused (403), SIGTERM and SIGINT exit 0 and the
# state is there after a restart, the run's event stream, and a job deleted with purge leaves
# nothing of it on the pool.
# usage: serve_test.sh XCR XAPI_SIM   (as root: the peer check forks a client as nobody)
set -euo pipefail
XCR=$1 SIM=$2
. "$(dirname "$0")/../testutil/sim_cli.sh"
[ "$(id -u)" -eq 0 ] || fail "run as root: the test switches a client to the user nobody"

state=$work/state
sock=$state/xcr.sock
serve_pid=
start_serve() {
  "$XCR" serve --state-dir "$state" >>"$work/serve.log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  for _ in $(seq 100); do
    curl -s --unix-socket "$sock" http://xcr/healthz >/dev/null 2>&1 && return 0
    kill -0 "$serve_pid" 2>/dev/null || fail "xcr serve exited: $(cat "$work/serve.log")"
    sleep 0.1
  done
  fail "xcr serve did not answer on $sock: $(cat "$work/serve.log")"
}
stop_serve() {  # signal: the daemon exits 0 and removes its socket
  kill "-$1" "$serve_pid"
  local rc=0
  wait "$serve_pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "xcr serve exited $rc after SIG$1: $(tail -20 "$work/serve.log")"
  [ ! -e "$sock" ] || fail "the socket is still there after SIG$1"
}
# api METHOD PATH [JSON]: the status code on stdout, the body in $work/body.
api() {
  local args=(-s --unix-socket "$sock" -o "$work/body" -w '%{http_code}' -X "$1" "http://xcr$2")
  [ $# -lt 3 ] || args+=(-H 'Content-Type: application/json' --data "$3")
  curl "${args[@]}"
}
expect() {  # want, METHOD PATH [JSON]
  local want=$1; shift
  local got
  got=$(api "$@")
  [ "$got" = "$want" ] || fail "$1 $2 answered $got, want $want: $(cat "$work/body")"
}
jq_body() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/body" "$1"; }

start_sim src --https --populate 1 --disk-size 16M
POOL_URL=$URL
FP=$(sed -n 's/.* fingerprint \(SHA256:[0-9A-Fa-f:]*\).*/\1/p' "$work/src.out")
[ -n "$FP" ] || fail "the HTTPS simulator printed no fingerprint"

start_serve
expect 200 GET /healthz
[ "$(jq_body 'd["status"]')" = ok ] || fail "healthz: $(cat "$work/body")"
[ "$(stat -c %a "$sock")" = 660 ] || fail "socket mode $(stat -c %a "$sock"), want 660"

# Trust on first use: the probe and a refused add both show what the pool presents.
expect 200 POST /api/pools/probe "{\"url\": \"$POOL_URL\"}"
[ "$(jq_body 'd["fingerprint"]')" = "$FP" ] || fail "probe: $(cat "$work/body")"
expect 400 POST /api/pools "{\"urls\": [\"$POOL_URL\"], \"user\": \"root\", \"password\": \"xapi-sim\"}"
grep -q "$FP" "$work/body" || fail "the refusal does not show the fingerprint: $(cat "$work/body")"
expect 502 POST /api/pools "{\"urls\": [\"$POOL_URL\"], \"user\": \"root\", \"password\": \"wrong\", \"fingerprint\": \"$FP\"}"
expect 200 GET /api/pools
[ "$(jq_body 'len(d)')" = 0 ] || fail "refused pools were stored: $(cat "$work/body")"
expect 201 POST /api/pools "{\"name\": \"src\", \"urls\": [\"$POOL_URL\"], \"user\": \"root\", \"password\": \"xapi-sim\", \"fingerprint\": \"$FP\"}"
! grep -q xapi-sim "$work/body" || fail "the password came back: $(cat "$work/body")"
POOL=$(jq_body 'd["id"]')
expect 200 POST "/api/pools/$POOL/test"
[ "$(jq_body 'd["ok"]')" = True ] || fail "pool test: $(cat "$work/body")"
[ "$(jq_body '[n["name"] for n in d["networks"]]')" = "['Pool-wide network associated with eth0']" ] ||
  fail "pool test lists the pool's networks: $(cat "$work/body")"
VM=$(jq_body '[v["uuid"] for v in d["vms"] if v["name"] == "sim-vm-1"][0]')

# A job, run now until its run ends: a real replication through the engine launcher.
expect 201 POST /api/jobs "{\"name\": \"nightly\", \"vms\": {\"ids\": [\"$VM\"]}, \"srs\": [{\"pool\": \"$POOL\", \"sr\": \"Local storage\"}], \"schedules\": [{\"cron\": \"0 3 * * *\", \"timezone\": \"Europe/Paris\"}]}"
JOB=$(jq_body 'd["id"]')
expect 400 POST /api/jobs "{\"name\": \"bad\", \"vms\": {\"ids\": [\"$VM\"]}, \"srs\": [], \"schedules\": [{\"cron\": \"61 * * * *\"}]}"
expect 202 POST "/api/jobs/$JOB/run" '{}'
RUN=$(jq_body 'd["run"]')
for _ in $(seq 5); do
  expect 200 GET "/api/runs/$RUN?wait=60"
  [ "$(jq_body 'd["result"]')" = running ] || break
done
[ "$(jq_body 'd["result"]')" = success ] || fail "the run did not succeed: $(cat "$work/body")"
expect 200 GET /api/status
[ "$(jq_body 'd[0]["state"]')" = ok ] || fail "status after the run: $(cat "$work/body")"
[ "$(jq_body 'd[0]["last_success"] is not None')" = True ] || fail "no last success: $(cat "$work/body")"
# The replica as the web UI's Replicas page sees it, cloned for DR (started); the source VM,
# which is no replica, and unknown VMs and pools are refused.
expect 200 GET /api/replicas
REPLICA=$(jq_body 'd["replicas"][0]["uuid"]')
[ "$(jq_body 'd["replicas"][0]["pool"]')" = "$POOL" ] || fail "replicas: $(cat "$work/body")"
[ "$REPLICA" != None ] || fail "the replica has no uuid: $(cat "$work/body")"
expect 201 POST "/api/replicas/$REPLICA/clone" "{\"pool\": \"$POOL\", \"name\": \"dr-1\", \"start\": true}"
[ "$(jq_body 'd["name"]')" = dr-1 ] && [ "$(jq_body 'd["started"]')" = True ] || fail "clone: $(cat "$work/body")"
[ "$(jq_body 'd["uuid"]')" != "$REPLICA" ] || fail "the clone is the replica: $(cat "$work/body")"
expect 400 POST "/api/replicas/$VM/clone" "{\"pool\": \"$POOL\"}"
expect 404 POST "/api/replicas/00000000-0000-4000-8000-000000000000/clone" "{\"pool\": \"$POOL\"}"
expect 404 POST "/api/replicas/$REPLICA/clone" '{"pool": "00000000-0000-4000-8000-000000000000"}'

# One daemon per state directory.
set +e
"$XCR" serve --state-dir "$state" --socket "$work/other.sock" >"$work/second.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a second daemon on the same state dir exited $rc: $(cat "$work/second.log")"
grep -q "another xcr serve is running" "$work/second.log" || fail "$(cat "$work/second.log")"
curl -sf --unix-socket "$sock" http://xcr/healthz >/dev/null || fail "the refused daemon broke the first"

# Peer credentials: nobody cannot open the 0660 socket; given access, nobody is still refused.
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 755 "$work" "$state"
set +e
nobody curl -s --unix-socket "$sock" http://xcr/api/status >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "nobody could use the 0660 socket"
chmod 666 "$sock"
code=$(nobody curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://xcr/api/status)
[ "$code" = 403 ] || fail "nobody was answered $code, want 403"

stop_serve TERM
start_serve
expect 200 GET "/api/jobs/$JOB"
expect 200 GET "/api/runs?job=$JOB"
[ "$(jq_body 'd[0]["id"]')" = "$RUN" ] || fail "the run history after a restart: $(cat "$work/body")"
# The run's events on an ended run: the stream says it ended, with its result.
curl -s -N --max-time 30 --unix-socket "$sock" "http://xcr/api/runs/$RUN/events" >"$work/events"
grep -q '^event: end' "$work/events" || fail "no end event: $(cat "$work/events")"
grep -q '"result":"success"' "$work/events" || fail "the end event: $(cat "$work/events")"
# Deleting the job with purge removes its replica and its snapshot from the pool.
expect 200 DELETE "/api/jobs/$JOB?purge=1"
[ "$(jq_body 'd["purged"]["replicas"]')" = 1 ] || fail "purge: $(cat "$work/body")"
[ "$(jq_body 'd["purged"]["snapshots"]')" = 1 ] || fail "purge: $(cat "$work/body")"
expect 404 GET "/api/jobs/$JOB"
expect 200 POST /api/jobs/purge "{\"job\": \"$JOB\"}"
[ "$(jq_body 'd["purged"]["replicas"]')" = 0 ] || fail "a second purge found more: $(cat "$work/body")"
stop_serve INT
echo "serve test: daemon, API, pool, job, run, DR clone, events, purge, lock, peer check and signals all held"
