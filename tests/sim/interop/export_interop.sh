#!/usr/bin/env bash
# Interop: xapi-sim's VHD exports read by tools written elsewhere.
#   - qemu-img convert -f vpc -O raw of a full export equals the disk's content;
#   - vhd-check (Xen Orchestra's vhd-lib + sector-accurate checks) validates the full export and a
#     delta export (also in one-pass stream mode), and the chain's content hash equals the VDI's.
# Usage: export_interop.sh XAPI_SIM_BINARY VHD_CHECK_DIR (with node_modules installed)
set -euo pipefail
sim_bin=$1
check_dir=$2
work=$(mktemp -d)
sim_pid=
cleanup() {
  if [[ -n "$sim_pid" ]]; then kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$sim_bin" --state "$work/state" --listen 127.0.0.1:0 --populate 1 --disk-size 20M \
  >"$work/out" 2>"$work/err" &
sim_pid=$!
for _ in $(seq 1 100); do [[ -s "$work/out" ]] && break; sleep 0.1; done
url=$(head -1 "$work/out" | sed -n 's/^xapi-sim listening on \(http:[^ ]*\)$/\1/p')
[[ -n "$url" ]] || { echo "no URL from xapi-sim: $(cat "$work/out" "$work/err")"; exit 1; }

# call METHOD PARAM... -> the Value of a successful XML-RPC call (strings only).
call() {
  local method=$1; shift
  local params=""
  for p in "$@"; do params+="<param><value>$p</value></param>"; done
  local body="<?xml version=\"1.0\"?><methodCall><methodName>$method</methodName><params>$params</params></methodCall>"
  local resp
  resp=$(curl -sf -H 'Content-Type: text/xml' --data-binary "$body" "$url/")
  if ! grep -q '<value>Success</value>' <<<"$resp"; then echo "$method failed: $resp" >&2; exit 1; fi
  sed -n 's/.*<name>Value<\/name><value>\([^<]*\)<.*/\1/p' <<<"$resp"
}
hash_of() { sha256sum "$1" | cut -d' ' -f1; }

s=$(call session.login_with_password root xapi-sim)
vdi=$(curl -sf -H 'Content-Type: text/xml' --data-binary "<methodCall><methodName>VDI.get_all</methodName><params><param><value>$s</value></param></params></methodCall>" "$url/" | grep -o 'OpaqueRef:[0-9a-f-]*' | head -1)
base=$(call VDI.snapshot "$s" "$vdi")
call sim.write_random "$s" "$vdi" 3145728 70000 7 >/dev/null
call sim.write_pattern "$s" "$vdi" 16777216 4096 255 >/dev/null
leaf=$(call VDI.snapshot "$s" "$vdi")
base_hash=$(call sim.vdi_sha256 "$s" "$base")
leaf_hash=$(call sim.vdi_sha256 "$s" "$leaf")

curl -sf -o "$work/full.vhd" "$url/export_raw_vdi?format=vhd&vdi=$base&session_id=$s"
curl -sf -o "$work/delta.vhd" "$url/export_raw_vdi?format=vhd&vdi=$leaf&base=$base&session_id=$s"

qemu-img convert -f vpc -O raw "$work/full.vhd" "$work/full.raw"
[[ $(hash_of "$work/full.raw") == "$base_hash" ]] || { echo "qemu-img content differs"; exit 1; }
echo "qemu-img: full export content matches ($base_hash)"

node "$check_dir/check.mjs" --stream "$work/full.vhd" >"$work/full.json" || { cat "$work/full.json"; exit 1; }
grep -q "\"$base_hash\"" "$work/full.json" || { echo "vhd-check full hash differs"; cat "$work/full.json"; exit 1; }
node "$check_dir/check.mjs" --stream "$work/full.vhd" "$work/delta.vhd" >"$work/chain.json" || { cat "$work/chain.json"; exit 1; }
grep -q "\"$leaf_hash\"" "$work/chain.json" || { echo "vhd-check chain hash differs"; cat "$work/chain.json"; exit 1; }
echo "vhd-check: full and delta exports valid; chain content matches ($leaf_hash)"

kill -TERM "$sim_pid"; wait "$sim_pid"; rc=$?; sim_pid=
[[ $rc == 0 ]] || { echo "xapi-sim exit code $rc"; exit 1; }
echo "export interop OK"
