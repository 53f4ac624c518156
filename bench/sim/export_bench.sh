#!/usr/bin/env bash
# Export throughput of xapi-sim on loopback over HTTP, next to a baseline, with peak memory.
#   candidate: curl -sN of GET /export_raw_vdi?format=vhd to /dev/null
#   baseline:  the same bytes (one export saved to a file, in the page cache) piped through
#              `cat | cat` to /dev/null: one kernel copy of the stream, no HTTP, no VHD encoding
# Usage: export_bench.sh XAPI_SIM_BINARY [DISK_SIZE (default 8G; a quarter of it holds data)]
set -euo pipefail
sim_bin=$1
size=${2:-8G}
work=$(mktemp -d)
sim_pid=
cleanup() {
  if [[ -n "$sim_pid" ]]; then kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$sim_bin" --state "$work/state" --listen 127.0.0.1:0 --populate 1 --disk-size "$size" \
  >"$work/out" 2>"$work/err" &
sim_pid=$!
for _ in $(seq 1 600); do [[ -s "$work/out" ]] && break; sleep 0.1; done
url=$(head -1 "$work/out" | sed -n 's/^xapi-sim listening on \(http:[^ ]*\)$/\1/p')
[[ -n "$url" ]] || { echo "xapi-sim did not start"; cat "$work/err"; exit 1; }
xml() { curl -sf -H 'Content-Type: text/xml' --data-binary "$1" "$url/"; }
s=$(xml '<methodCall><methodName>session.login_with_password</methodName><params><param><value>root</value></param><param><value>xapi-sim</value></param></params></methodCall>' | grep -o 'OpaqueRef:[0-9a-f-]*')
vdi=$(xml "<methodCall><methodName>VDI.get_all</methodName><params><param><value>$s</value></param></params></methodCall>" | grep -o 'OpaqueRef:[0-9a-f-]*' | head -1)
rss_before=$(awk '/VmHWM/{print $2}' /proc/$sim_pid/status)

curl -sfN -o "$work/export.vhd" "$url/export_raw_vdi?format=vhd&vdi=$vdi&session_id=$s"
cat "$work/export.vhd" >/dev/null  # in the page cache
best_sim=0; best_cat=0
for i in 1 2 3; do
  read -r bytes secs < <(curl -sN -o /dev/null -w '%{size_download} %{time_total}\n' \
    "$url/export_raw_vdi?format=vhd&vdi=$vdi&session_id=$s")
  rate=$(awk -v b="$bytes" -v t="$secs" 'BEGIN{printf "%.0f", b/t}')
  (( rate > best_sim )) && best_sim=$rate
  start=$(date +%s.%N); cat "$work/export.vhd" | cat >/dev/null; end=$(date +%s.%N)
  lsize=$(stat -c %s "$work/export.vhd")
  crate=$(awk -v b="$lsize" -v s="$start" -v e="$end" 'BEGIN{printf "%.0f", b/(e-s)}')
  (( crate > best_cat )) && best_cat=$crate
done
rss_after=$(awk '/VmHWM/{print $2}' /proc/$sim_pid/status)
awk -v a="$best_sim" -v c="$best_cat" -v n="$bytes" -v r0="$rss_before" -v r1="$rss_after" 'BEGIN{
  printf "export (curl, HTTP loopback): %.2f GB/s of a %.2f GB VHD stream\n", a/1e9, n/1e9
  printf "baseline (cat | cat, same bytes): %.2f GB/s\n", c/1e9
  printf "ratio export/baseline:        %.2f\n", a/c
  printf "xapi-sim peak RSS:            %d MiB before, %d MiB after 3 exports\n", r0/1024, r1/1024
  printf "target >= 1.5 GB/s:           %s\n", (a >= 1.5e9 ? "met" : "NOT met")
}'
