#!/usr/bin/env bash
# Issue 14's performance target: `wrk` on GET /api/status while a replication streams.
#   the API's p99 latency stays under 50 ms, and
#   the transfer's rate drops by less than 10 % versus the same transfer with no API load.
#
# Set-up (all on 127.0.0.1): two xapi-sim pools over HTTPS, their disks in /dev/shm (the VM's
# disk would measure its writeback, see docs/benchmarks.md); `xcr serve --listen` (HTTPS, its
# self-signed certificate) with a user and an API token; both pools added, pinned by fingerprint.
# Each run is a full replication of the source VM (a job of its own, created for the run and
# deleted with --purge after it, so every run copies the same bytes onto an empty target):
#   A (baseline): no API load;
#   B (candidate): `wrk -t2 -c16 --latency` with the token on /api/status for the transfer's
#                  whole length (wrk starts with the run, before the export does).
# A and B alternate (A B A B ...) so that drifting load on the machine hits both alike.
# The transfer's rate is the one the daemon reports: bytes / duration of the "full export of
# disk 0" task of GET /api/runs/ID (the bytes of the stream, from the export's start to the
# last import's end).
#
# --link-mbps N (default 150): the source simulator paces its export to N MB/s
# (sim.fault_throttle), a pool behind a link, as in production where the network or the
# storage sets the pace and the daemon's CPU is mostly free. 0: as fast as this machine goes;
# then the transfer itself takes every core and any CPU wrk and the API take is the transfer's
# (see docs/benchmarks.md for what that measures on a 2-core box).
#
# usage: status_under_load.sh XCR XAPI_SIM XCR_XAPI [--data-mib N] [--reps N] [--link-mbps N]
#                             [--wrk-connections N] [--wrk-threads N] [--wrk-nice N]
# --wrk-nice N (default 0): wrk runs at this nice value during B; 19 stands for a client on
# another machine (wrk's own TLS then no longer takes the transfer's CPU on a small box).
# Exit status: 0 PASS, 1 a run failed or a check of the set-up failed, 3 FAIL (a target missed).
set -euo pipefail
XCR=$1
SIM=$2
XAPI=$3
shift 3
data_mib=2048
reps=3
link_mbps=150
wrk_c=16
wrk_t=2
wrk_nice=0
while [ $# -gt 0 ]; do
  case $1 in
    --data-mib) data_mib=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --link-mbps) link_mbps=$2; shift 2 ;;
    --wrk-connections) wrk_c=$2; shift 2 ;;
    --wrk-threads) wrk_t=$2; shift 2 ;;
    --wrk-nice) wrk_nice=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# The simulator writes data into a quarter of the disk (every fourth 2 MiB block).
disk_mib=$((data_mib * 4))
export TMPDIR=${TMPDIR_BENCH:-/dev/shm}
. "$(dirname "$0")/../../tests/testutil/sim_cli.sh"
py() { python3 -c "$@"; }

echo "status_under_load: $(date -u +%FT%TZ), commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) cores; load at start:$(uptime | sed 's/.*load average://')"

start_sim src --https
SRC=$URL
SRC_FP=$(sed -n 's/.* fingerprint \(SHA256:[0-9A-Fa-f:]*\).*/\1/p' "$work/src.out")
start_sim dst --https
DST=$URL
DST_FP=$(sed -n 's/.* fingerprint \(SHA256:[0-9A-Fa-f:]*\).*/\1/p' "$work/dst.out")
creds="$work/creds"
printf '%s root xapi-sim\n%s root xapi-sim\n' "$SRC" "$DST" >"$creds"
chmod 600 "$creds"
pw="$work/pw"
echo xapi-sim >"$pw"
chmod 600 "$pw"
xapi() { "$XAPI" --credentials "$creds" --fingerprint "$SRC=$SRC_FP" --fingerprint "$DST=$DST_FP" "$@"; }
# Populated once listening (writing gigabytes of random data outlasts sim_cli.sh's start wait).
xapi call "$SRC" sim.populate 1 "$((disk_mib * 1048576))" >/dev/null || fail "could not populate the source"
if [ "$link_mbps" != 0 ]; then
  xapi call "$SRC" sim.fault_throttle "$link_mbps" >/dev/null || fail "could not pace the source"
fi

export XCR_SOCKET="$work/xcr.sock"
"$XCR" serve --state-dir "$work/state" --socket "$XCR_SOCKET" --listen 127.0.0.1:0 \
  >"$work/serve.out" 2>"$work/serve.err" &
DAEMON=$!
pids+=("$DAEMON")
for _ in $(seq 100); do
  grep -q "^xcr listening on" "$work/serve.out" 2>/dev/null && "$XCR" status >/dev/null 2>&1 && break
  kill -0 "$DAEMON" 2>/dev/null || fail "xcr serve exited: $(cat "$work/serve.err")"
  sleep 0.1
done
API=$(sed -n 's/^xcr listening on \(https:[^ ]*\).*/\1/p' "$work/serve.out")
API=${API%/}
[ -n "$API" ] || fail "xcr serve printed no URL: $(cat "$work/serve.out" "$work/serve.err")"

expect_rc 0 "$XCR" user add bench --password-file "$pw"
"$XCR" token create bench >"$work/token.out" || fail "token create: $(cat "$work/token.out")"
TOKEN=$(tail -1 "$work/token.out")
auth=(-H "Authorization: Bearer $TOKEN")
api() { curl -sfk "${auth[@]}" "$API$1"; }
api /api/status >/dev/null || fail "GET /api/status with the token failed"
expect_rc 0 "$XCR" pool add "$SRC" --user root --password-file "$pw" --name src --fingerprint "$SRC_FP"
expect_rc 0 "$XCR" pool add "$DST" --user root --password-file "$pw" --name dst --fingerprint "$DST_FP"

# The API alone first (no transfer): its latency and the daemon's CPU time per request.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$DAEMON/stat"; }
c0=$(cpu_ticks)
wrk -t"$wrk_t" -c"$wrk_c" -d10s --latency "${auth[@]}" "$API/api/status" >"$work/api_alone.txt" 2>&1
c1=$(cpu_ticks)
awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" '
  /requests in/ {n = $1}
  /^ *50%/ {p50 = $2} /^ *99%/ {p99 = $2} /^Requests\/sec/ {rps = $2}
  END {printf "API alone (no transfer), 10 s: p50 %s, p99 %s, %.0f requests/s; daemon CPU %.3f ms per request\n",
       p50, p99, rps, (b - a) / hz * 1000 / n}' "$work/api_alone.txt"

# one_run MODE (A|B) N: a full replication in a new job; appends "MODE rate_Bps bytes secs" to
# $work/rates and, for B, wrk's figures to $work/wrk.N.
one_run() {
  local mode=$1 n=$2 job run secs
  job=$("$XCR" job create --name "bench-$n" --vm sim-vm-1 --target dst --sr "Local storage" \
    --schedule '0 0 1 1 *' --disabled) || fail "job create failed"
  if [ "$mode" = B ]; then
    # Long enough to cover the transfer; stopped when the run ends.
    secs=$((data_mib / (link_mbps > 0 ? link_mbps : 200) * 3 + 30))
    nice -n "$wrk_nice" wrk -t"$wrk_t" -c"$wrk_c" -d"${secs}s" --latency "${auth[@]}" "$API/api/status" \
      >"$work/wrk.$n" 2>&1 &
    WRK=$!
    pids+=("$WRK")
    sleep 1
  fi
  run=$("$XCR" job run "bench-$n" 2>/dev/null) || fail "job run failed"
  "$XCR" run wait "$run" >/dev/null 2>&1 || true
  if [ "$mode" = B ]; then
    kill -INT "$WRK" 2>/dev/null || true  # wrk prints its figures on SIGINT
    wait "$WRK" 2>/dev/null || true
  fi
  api "/api/runs/$run" >"$work/run.$n.json" || fail "GET /api/runs/$run failed"
  py '
import json, sys
run = json.load(open(sys.argv[1]))
if run["result"] != "success":
    sys.exit("run %s: %s %s" % (run["id"], run["result"], run.get("error")))
found = []
def walk(t):
    if t.get("label", "").startswith("full export of disk"): found.append(t)
    for c in t.get("children", []): walk(c)
for t in run["tasks"]: walk(t)
if len(found) != 1: sys.exit("no single full export task in run %s" % run["id"])
t = found[0]
secs = t["duration_s"]
print(sys.argv[2], round(t["bytes"] / secs), t["bytes"], secs)
' "$work/run.$n.json" "$mode" >>"$work/rates" || fail "run $n ($mode): $(head -c 3000 "$work/run.$n.json")"
  expect_rc 0 "$XCR" job delete "bench-$n" --purge
  tail -1 "$work/rates" | awk -v n="$n" '{printf "  run %d %s: %.1f MB/s (%.2f GB in %.1f s)\n", n, $1, $2/1e6, $3/1e9, $4}'
  if [ "$mode" = B ]; then
    grep -E "Latency|50%|99%|Requests/sec" "$work/wrk.$n" | sed 's/^/      wrk /'
  fi
}

n=0
for _ in $(seq "$reps"); do
  for mode in A B; do
    n=$((n + 1))
    one_run "$mode" "$n"
  done
done
echo "load at end:$(uptime | sed 's/.*load average://')"

# wrk prints latencies as 1.23ms / 456.78us / 1.02s.
cat "$work"/wrk.* >"$work/wrk.all"
py '
import re, statistics, sys
rates = {"A": [], "B": []}
for line in open(sys.argv[1]):
    m, r, b, s = line.split()
    rates[m].append(float(r))
def ms(v):
    m = re.match(r"([0-9.]+)(us|ms|s)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
p50, p99, rps = [], [], []
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 2 and f[0] == "50%": p50.append(ms(f[1]))
    if len(f) == 2 and f[0] == "99%": p99.append(ms(f[1]))
    if f[:1] == ["Requests/sec:"]: rps.append(float(f[1]))
if not p99: sys.exit("wrk printed no latency distribution")
a, b = statistics.median(rates["A"]), statistics.median(rates["B"])
ratio = b / a
drop = 1 - ratio
pairs = [rb / ra for ra, rb in zip(rates["A"], rates["B"])]
print("transfer, no API load (A):   %.1f MB/s median (%s)" % (a / 1e6, " ".join("%.1f" % (r / 1e6) for r in rates["A"])))
print("transfer, wrk on /api/status (B): %.1f MB/s median (%s)" % (b / 1e6, " ".join("%.1f" % (r / 1e6) for r in rates["B"])))
print("ratio B/A: %.3f of medians; per pair: %s" % (ratio, " ".join("%.3f" % p for p in pairs)))
print("wrk /api/status: p50 %.2f ms, p99 %.2f ms (worst run %.2f ms), %.0f requests/s (medians over %d runs)"
      % (statistics.median(p50), statistics.median(p99), max(p99), statistics.median(rps), len(p99)))
ok_lat = max(p99) < 50
ok_rate = drop < 0.10
print("p99 < 50 ms: %s; rate drop %.1f %% < 10 %%: %s" % ("met" if ok_lat else "NOT met", drop * 100, "met" if ok_rate else "NOT met"))
print("PASS" if ok_lat and ok_rate else "FAIL")
sys.exit(0 if ok_lat and ok_rate else 3)
' "$work/rates" "$work/wrk.all"
