#!/usr/bin/env bash
# The one-time admin password of `xcr serve --listen` (docs/web.md): the first start on an empty
# store prints it once on stderr and it logs in over HTTPS; the password is nowhere in the state
# directory; a second start prints none and the first password still works; after
# `xcr user add admin --password-file FILE` the new one works and the old one does not.
# usage: first_admin_test.sh XCR
set -euo pipefail
XCR=$1
work=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
state=$work/state

start() {  # log name
  "$XCR" serve --state-dir "$state" --listen 127.0.0.1:0 >"$work/$1.out" 2>"$work/$1.err" &
  pid=$!
  for _ in $(seq 100); do
    URL=$(sed -n 's/^xcr listening on \(https:[^ ]*\)$/\1/p' "$work/$1.out")
    [ -n "$URL" ] && curl -s --unix-socket "$state/xcr.sock" http://xcr/healthz >/dev/null 2>&1 &&
      return 0
    kill -0 "$pid" 2>/dev/null || fail "xcr serve exited: $(cat "$work/$1.err")"
    sleep 0.1
  done
  fail "xcr serve did not start: $(cat "$work/$1.err")"
}
stop() {
  kill "$pid"
  wait "$pid" || fail "xcr serve exited $? after SIGTERM"
  pid=
}
login() {  # password -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' --cacert "$state/tls/cert.pem" \
    -H 'Content-Type: application/json' \
    --data "{\"user\": \"admin\", \"password\": \"$1\"}" "${URL}api/login"
}

start first
PW=$(sed -n 's/^xcr serve: created the web UI user admin with the one-time password: \(.*\)$/\1/p' \
  "$work/first.err")
[ -n "$PW" ] || fail "no one-time password printed: $(cat "$work/first.err")"
grep -q 'xcr user add admin --password-file FILE' "$work/first.err" ||
  fail "the first start does not say how to change it: $(cat "$work/first.err")"
! grep -q -- "$PW" "$work/first.out" || fail "the password went to stdout"
[ "$(login "$PW")" = 200 ] || fail "the printed password does not log in"
[ "$(login "not-$PW")" = 401 ] || fail "a wrong password logs in"
! grep -rqa -- "$PW" "$state" || fail "the password is stored in clear under the state directory"
stop

start second
! grep -q "one-time password" "$work/second.err" || fail "a second start printed a password"
[ "$(grep -c -- "$PW" "$work/second.err" || true)" = 0 ] || fail "the password was printed again"
[ "$(login "$PW")" = 200 ] || fail "the first password no longer logs in after a restart"
printf 'my own password\n' >"$work/pw"
chmod 600 "$work/pw"
"$XCR" user add admin --password-file "$work/pw" --socket "$state/xcr.sock" >/dev/null ||
  fail "xcr user add admin failed"
[ "$(login "my own password")" = 200 ] || fail "the new password does not log in"
[ "$(login "$PW")" = 401 ] || fail "the one-time password still logs in after the change"
stop
echo "first_admin: 1 passed, 0 failed"
