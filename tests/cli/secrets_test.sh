#!/usr/bin/env bash
# No tool prints a password: a planted secret in URLs (--source, --target, positional URLs,
# --fingerprint URL=), and as the pool's real password (XCR_PASSWORD, a credentials file), is
# grepped for in stdout and stderr of every tool, on failure and success paths.
# usage: secrets_test.sh XCR CR_SEED XCR_XAPI XAPI_SIM
set -euo pipefail
XCR=$1 SEED=$2 XAPI=$3 SIM=$4
. "$(dirname "$0")/../testutil/sim_cli.sh"
SECRET=PlantedSecret4711
FP=SHA256:$(printf 'ab%.0s' $(seq 32) | sed 's/../&:/g; s/:$//')
check() {  # command...: run it (any exit), then no secret in its output
  set +e
  "$@" >"$work/o" 2>&1 </dev/null
  set -e
  ! grep -q "$SECRET" "$work/o" || fail "'$*' printed the secret: $(cat "$work/o")"
  checked=$((checked + 1))
}
checked=0
BAD="https://root:$SECRET@127.0.0.1:1"
for json in "" --json; do
  check "$XCR" replicate --source "$BAD" --vm v --target http://127.0.0.1:2 --sr s $json
  check "$XCR" replicate --source http://127.0.0.1:2 --vm v --target "$BAD" --sr s $json
  check "$XCR" replicate --source http://127.0.0.1:2 --vm v --target "$BAD" $json
  check "$XCR" replicas --target "$BAD" $json
  check "$XCR" clone-replica --target "$BAD" r $json
  check "$XCR" verify --source "$BAD" --target http://127.0.0.1:2 r $json
  check "$XCR" --fingerprint "$BAD=$FP" replicas --target http://127.0.0.1:2 $json
done
check "$SEED" "$BAD" snap http://127.0.0.1:2 vm job sched
check "$SEED" http://127.0.0.1:2 snap "$BAD" vm job sched
check "$SEED" export --source "$BAD" --vm v --job j --schedule s "$work/seed"
check "$SEED" import --target "$BAD" --sr s "$work"
check "$XAPI" records "$BAD" VM
check "$XAPI" call "$BAD" VM.get_all

# The secret as the pool's password: a wrong and a right one, on success paths too.
printf '%s\n' "$SECRET" >"$work/pw"
start_sim pool --populate 1 --disk-size 16M --password-file "$work/pw"
export XCR_PASSWORD=$SECRET
check "$XCR" replicas --target "$URL"
check "$XCR" replicas --target "$URL" --json
check "$XAPI" records "$URL" VM
check "$XCR" replicate --source "$URL" --vm sim-vm-1 --target "$URL" --sr "Local storage" --json
grep -q '"ok": true' "$work/o" || fail "the replication with the planted password failed: $(cat "$work/o")"
check "$XCR" replicate --source "$URL" --vm sim-vm-1 --target "$URL" --sr "Local storage"
XCR_PASSWORD=wrong-$SECRET check "$XCR" replicas --target "$URL" --json
printf '%s root %s\n' "$URL" "$SECRET" >"$work/creds"
chmod 644 "$work/creds"
unset XCR_PASSWORD
check "$XCR" --credentials "$work/creds" replicas --target "$URL"
chmod 600 "$work/creds"
check "$XCR" --credentials "$work/creds" replicas --target "$URL"
check "$SEED" --credentials "$work/creds" "$URL" snap "$URL" vm job sched
echo "secrets test: $checked runs, no secret printed"
