# Shared harness for the shell tests that drive the real binaries against xapi-sim processes.
# Source it after setting SIM (the xapi-sim binary). It provides:
#   $work        a temporary folder, removed on exit
#   fail MSG     print "FAIL: MSG" and exit 1
#   expect_rc N CMD...   run CMD, output to $work/o; fail unless it exits N
#   start_sim NAME ARGS...  start xapi-sim on 127.0.0.1 (free port) in this shell, so its pid
#                reaches the exit trap that stops it; sets URL to the address it printed
# Every simulator started is killed and waited for on exit.
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_rc() {  # want, command...
  local want=$1; shift
  set +e
  "$@" >"$work/o" 2>&1
  local rc=$?
  set -e
  [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want: $(cat "$work/o")"
}

start_sim() {  # name, extra args...
  local name=$1; shift
  "$SIM" --state "$work/$name" --listen 127.0.0.1:0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q "listening on" "$work/$name.out" 2>/dev/null && break
    sleep 0.1
  done
  URL=$(sed -n 's/^xapi-sim listening on \([^ ]*\).*/\1/p' "$work/$name.out")
  [ -n "$URL" ] || fail "xapi-sim '$name' did not start: $(cat "$work/$name.err")"
}
