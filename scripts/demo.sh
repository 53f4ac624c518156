#!/usr/bin/env bash
# Builds xcr and xcr-demo and runs the main job on the embedded default: `xcr demo` starts two simulated XAPI
# pools on 127.0.0.1, replicates VMs holding real data (a full copy, then two deltas after the
# guests write), proves every replica's content equals its source snapshot, shows the bytes sent
# per run, checks that a replica refuses to start and that its DR clone boots, and prints a
# report. Exit status 0 only if every check held. Extra arguments go to `xcr demo`
# (--vms N, --disk-size MiB, --state DIR, --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target xcr xcr-demo
exec build/xcr/xcr demo "$@"
